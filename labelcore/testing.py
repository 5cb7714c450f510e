"""Helpers for testing plugins: a fresh plugin manager and registry with chosen plugins.

Plugin test suites use these so they run in an environment holding only core and the plugin.
"""

from __future__ import annotations

from typing import Any

from labelcore.config import ParsedConfig, parse_config
from labelcore.plugins import PluginManager, create_plugin_manager
from labelcore.registry import Registry, build_registry


def plugin_manager(*plugins: Any) -> PluginManager:
    """Builtins plus the given plugin objects (modules or classes), no entry points."""
    pm = create_plugin_manager(load_entrypoints=False, strict=True)
    for plugin in plugins:
        pm.register(plugin, name=getattr(plugin, "__name__", None))
    pm.check_pending()
    return pm


class ConfigChecker:
    """Parse configs against one plugin manager; ``parse`` returns the ParsedConfig."""

    def __init__(self, pm: PluginManager):
        self.pm = pm
        self.registry: Registry = build_registry(pm)

    def parse(self, xml: str, data: dict[str, Any] | None = None) -> ParsedConfig:
        return parse_config(xml, self.registry, self.pm, data=data)
