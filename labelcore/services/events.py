"""Telling plugins what changed: the ``on_event`` hook, called after the change is committed."""

from __future__ import annotations

import logging
from typing import Any

import pluggy

from labelcore.specs import EVENTS

log = logging.getLogger(__name__)


def listening(pm: pluggy.PluginManager) -> bool:
    """Whether any plugin listens to events (webhook payloads are built only then)."""
    return bool(pm.hook.on_event.get_hookimpls())


def emit(pm: pluggy.PluginManager, event: str, payload: dict[str, Any]) -> None:
    """Call every ``on_event`` impl; a failing plugin is logged by name and never undoes the change.

    Call this only after the transaction that made the change has committed.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    for impl in reversed(pm.hook.on_event.get_hookimpls()):
        try:
            impl.function(**{name: value for name, value in (("event", event), ("payload", payload))
                             if name in impl.argnames})
        except Exception:
            log.exception("plugin %r failed in on_event(%s)", impl.plugin_name, event)
