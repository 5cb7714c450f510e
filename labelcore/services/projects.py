"""Projects: their parsed labeling config (cached) and lookups shared by every resource."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from threading import Lock

import pluggy
from sqlmodel import Session

from labelcore.config import ParsedConfig, parse_config
from labelcore.errors import NotFoundError
from labelcore.models import Project
from labelcore.registry import Registry

_CACHE: OrderedDict[tuple[int, str], ParsedConfig] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = Lock()


def parsed_config(xml: str, registry: Registry, pm: pluggy.PluginManager | None = None) -> ParsedConfig:
    """Parse a config once per process (keyed by its text and the registry that parsed it)."""
    key = (id(registry), hashlib.sha1(xml.encode()).hexdigest())
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    parsed = parse_config(xml, registry, pm)
    with _LOCK:
        _CACHE[key] = parsed
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return parsed


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFoundError(f"project {project_id} not found")
    return project
