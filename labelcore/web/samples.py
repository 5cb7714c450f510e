"""Sample tasks for the config editor's live preview, and the gallery of installed templates.

A preview needs data for every key the config reads. A gallery template that has the same config
brings its own ``sample_data``; otherwise each key gets a value fitting the object tag that reads
it (an image for ``<Image>``, a sentence for ``<Text>``, dialogue lines for ``<Paragraphs>``...).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pluggy

from labelcore.config import ParsedConfig
from labelcore.errors import LabelcoreError
from labelcore.registry import Registry
from labelcore.services.projects import parsed_config

SAMPLE_IMAGE_URL = "/ui/sample-image.png"

_TEXT = ("Labelcore ships as a small core and a set of plugins. Apple opened a new office in Berlin "
         "on Monday, and Tim Cook said the team would grow to 300 people by 2026.")
_HTML = "<p>A <b>sample</b> HTML document, with a <a href=\"#\">link</a> and a list:</p><ul><li>one</li><li>two</li></ul>"
_DIALOGUE = [
    {"author": "Alice", "text": "Hi! Is the new labeling project ready?"},
    {"author": "Bob", "text": "Almost: the images are imported, the config is next."},
    {"author": "Alice", "text": "Great, send me the link when it is."},
]


def sample_value(key: str, data_type: str | None, tag: str) -> Any:
    """A plausible value for one data key read by ``tag`` (whose TagSpec says ``data_type``)."""
    kind = (data_type or "").lower()
    if kind == "image":
        return SAMPLE_IMAGE_URL
    if kind == "html":
        return _HTML
    if tag == "Paragraphs":
        return _DIALOGUE
    if tag == "Table" or kind == "json":
        return {"product": "Coffee grinder", "price": "49.90", "rating": "4.6"}
    if kind in ("audio", "video", "url"):
        return ""
    if kind == "text" or tag in ("Text", "Header"):
        return _TEXT
    return f"Sample {key}"


def _data_types(config: ParsedConfig, registry: Registry) -> dict[str, tuple[str | None, str]]:
    specs = {name.lower(): spec for name, spec in registry.tags.items()}
    out: dict[str, tuple[str | None, str]] = {}
    for ref in config.data_refs:
        spec = specs.get(ref.tag.lower())
        out.setdefault(ref.name, (spec.data_type if spec is not None else None, ref.tag))
    return out


def data_columns(config: ParsedConfig | None, registry: Registry) -> list[dict[str, Any]]:
    """The data keys a project's config reads, each with the kind of value it holds (for the table)."""
    if config is None:
        return []
    return [{"key": key, "type": data_type or "text", "tag": tag}
            for key, (data_type, tag) in _data_types(config, registry).items()]


def sample_task(config: ParsedConfig, registry: Registry, sample_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """A task holding a value for every key the config reads (``sample_data`` first)."""
    data: dict[str, Any] = dict(sample_data or {})
    for key, (data_type, tag) in _data_types(config, registry).items():
        data.setdefault(key, sample_value(key, data_type, tag))
    return {"id": None, "data": data, "annotations": [], "predictions": []}


def installed_gallery(registry: Registry, pm: pluggy.PluginManager | None) -> list[dict[str, Any]]:
    """Gallery templates whose configs parse with the installed plugins, grouped and ordered."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for spec in registry.config_templates.values():
        try:
            parsed_config(spec.config, registry, pm)
        except LabelcoreError:
            continue  # a template needing a tag no installed plugin provides
        groups[spec.group].append({"id": spec.id, "title": spec.title, "group": spec.group,
                                   "description": spec.description, "config": spec.config,
                                   "sample_data": spec.sample_data})
    return [{"group": group, "templates": sorted(items, key=lambda item: item["title"])}
            for group, items in sorted(groups.items())]


def gallery_sample_data(registry: Registry, xml: str) -> dict[str, Any] | None:
    """The sample data of the gallery template whose config is ``xml``, if there is one."""
    wanted = xml.strip()
    for spec in registry.config_templates.values():
        if spec.config.strip() == wanted:
            return spec.sample_data
    return None
