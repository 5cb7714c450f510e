"""Building the plugin manager: hookspecs, entry points one at a time, builtins, check_pending.

No manager exists at import time: every command and every test builds its own with
``create_plugin_manager()`` and hands it on (``create_app(pm=...)``, ``build_registry(pm)``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pluggy

from labelcore import hookspecs
from labelcore.errors import PluginLoadError
from labelcore.specs import PluginFailure

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "labelcore"

#: Core's own behaviour, registered through the same hooks as any external plugin.
DEFAULT_PLUGINS = (
    "labelcore.builtin.layout_tags",
    "labelcore.builtin.control_tags",
    "labelcore.builtin.storage_local",
    "labelcore.builtin.import_formats",
    "labelcore.builtin.samplers",
    "labelcore.builtin.export_json",
    "labelcore.builtin.export_csv",
    "labelcore.builtin.ml_remote",
    "labelcore.builtin.config_templates",
    "labelcore.builtin.error_pages",
)


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus the list of plugins that failed to load."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _allowlist() -> set[str] | None:
    raw = os.environ.get("LABELCORE_LOAD_PLUGINS")
    if raw is None:
        return None
    return {item.strip() for item in raw.split(",") if item.strip()}


def _entry_points() -> tuple[list[tuple[importlib.metadata.EntryPoint, importlib.metadata.Distribution]],
                              list[PluginFailure]]:
    """Every ``labelcore`` entry point, and a failure for each name two distributions claim."""
    found: dict[str, tuple[importlib.metadata.EntryPoint, importlib.metadata.Distribution]] = {}
    clashes: list[PluginFailure] = []
    for dist in importlib.metadata.distributions():
        for ep in dist.entry_points:
            if ep.group != ENTRY_POINT_GROUP:
                continue
            if ep.name in found:
                first = found[ep.name][1].metadata["Name"]
                if first != dist.metadata["Name"]:
                    clashes.append(PluginFailure(
                        name=ep.name, dist=dist.metadata["Name"], version=dist.version,
                        error=f"entry point name {ep.name!r} is already used by {first}; this one was not loaded"))
                continue
            found[ep.name] = (ep, dist)
    return sorted(found.values(), key=lambda pair: pair[0].name), clashes


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _load_one(pm: PluginManager, ep_name: str) -> None:
    """Load one entry point and check its hookimpls; on failure leave nothing of it registered."""
    try:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=ep_name)
        # A hookimpl whose name matches no hookspec would silently never run: make it an error now,
        # while we still know which plugin it belongs to.
        pm.check_pending()
    except BaseException:
        if pm.get_plugin(ep_name) is not None:
            pm.unregister(name=ep_name)
        raise


def create_plugin_manager(
    load_entrypoints: bool = True,
    only: list[str] | None = None,
    strict: bool | None = None,
) -> PluginManager:
    """Build a plugin manager with every hookspec, the installed plugins and the builtins.

    :param load_entrypoints: load plugins from the ``labelcore`` entry-point group.
    :param only: load only these entry-point names (overrides ``LABELCORE_LOAD_PLUGINS``).
    :param strict: re-raise the first plugin failure instead of recording it; defaults to
        ``LABELCORE_STRICT_PLUGINS``.
    :return: the manager; ``pm.failures`` lists plugins that could not be loaded.
    """
    pm = PluginManager()
    strict = _env_flag("LABELCORE_STRICT_PLUGINS") if strict is None else strict
    allow = set(only) if only is not None else _allowlist()
    if load_entrypoints:
        entry_points, clashes = _entry_points()
        for clash in clashes:
            if allow is None or clash.name in allow:
                if strict:
                    raise PluginLoadError(f"plugin {clash.name!r} ({clash.dist}): {clash.error}")
                log.error("plugin %r (%s): %s", clash.name, clash.dist, clash.error)
                pm.failures.append(clash)
        for ep, dist in entry_points:
            if allow is not None and ep.name not in allow:
                continue
            try:
                _load_one(pm, ep.name)
            except (Exception, SystemExit) as exc:
                # SystemExit too: a plugin calling sys.exit() on import must not stop every command
                failure = PluginFailure(
                    name=ep.name,
                    dist=dist.metadata["Name"],
                    version=dist.version,
                    error=_one_line(exc),
                    traceback=traceback.format_exc(),
                )
                if strict:
                    raise PluginLoadError(f"plugin {ep.name!r} ({failure.dist}) failed to load: {failure.error}") from exc
                log.error("plugin %r (%s) failed to load and was skipped:\n%s", ep.name, failure.dist, failure.traceback)
                pm.failures.append(failure)
    for module_name in DEFAULT_PLUGINS:
        if pm.get_plugin(module_name) is None:
            pm.register(importlib.import_module(module_name), name=module_name)
    pm.check_pending()
    return pm


@dataclass(frozen=True)
class PluginInfo:
    """What ``labelcore plugins`` and ``/api/plugins`` report about one loaded plugin."""

    name: str
    dist: str
    version: str | None
    hooks: tuple[str, ...]
    builtin: bool
    static_dir: Path | None
    templates_dir: Path | None


def _asset_dir(plugin: object, name: str) -> Path | None:
    """``static/`` or ``templates/`` inside a plugin package (single-file plugins have none)."""
    if not isinstance(plugin, ModuleType) or not hasattr(plugin, "__path__") or not plugin.__file__:
        return None
    path = Path(plugin.__file__).parent / name
    return path if path.is_dir() else None


def list_plugins(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every registered plugin with its distribution, version, hooks and asset folders."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        builtin = name in DEFAULT_PLUGINS
        dist = dists.get(id(plugin))
        if builtin:
            dist_name, version = "labelcore", importlib.metadata.version("labelcore")
        elif dist is not None:
            dist_name, version = dist.project_name, dist.version
        else:
            dist_name, version = name, None
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or []))
        infos.append(
            PluginInfo(
                name=name,
                dist=dist_name,
                version=version,
                hooks=hooks,
                builtin=builtin,
                static_dir=_asset_dir(plugin, "static"),
                templates_dir=_asset_dir(plugin, "templates"),
            )
        )
    return sorted(infos, key=lambda info: (info.builtin, info.name))


def plugin_dist_name(pm: pluggy.PluginManager, plugin_name: str) -> str:
    """The distribution that ships a registered plugin (``labelcore`` for builtins)."""
    for info in list_plugins(pm):
        if info.name == plugin_name:
            return info.dist
    return plugin_name
