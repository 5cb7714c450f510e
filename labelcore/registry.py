"""Frozen lookups built once from the ``register_*`` hooks.

Each hookimpl is called on its own, so every spec is attributed to the plugin (and distribution)
that returned it: a duplicate name, a wrong return type or an exception names the plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pluggy
from pydantic import BaseModel

from labelcore.errors import StartupError
from labelcore.plugins import list_plugins
from labelcore.specs import (
    ConfigTemplateSpec,
    ExporterSpec,
    ImporterSpec,
    MLBackendSpec,
    SamplerSpec,
    StorageSpec,
    TagSpec,
)


def static_url(dist: str, path: str) -> str:
    """URL of a file in a plugin distribution's ``static/`` folder (``labelcore`` = core assets)."""
    path = path.lstrip("/")
    if dist == "labelcore":
        return f"/static/{path}"
    return f"/plugins/{dist}/static/{path}"


@dataclass(frozen=True)
class Provided:
    """A spec and where it came from."""

    spec: Any
    plugin: str
    dist: str


# kind -> (hook name, spec class, key function). Keys are compared case-insensitively for tags,
# as Label Studio's config parser matches tag names regardless of case.
_KINDS: dict[str, tuple[str, type[BaseModel], Callable[[Any], str]]] = {
    "tags": ("register_tags", TagSpec, lambda spec: spec.name.lower()),
    "importers": ("register_importers", ImporterSpec, lambda spec: spec.id),
    "exporters": ("register_exporters", ExporterSpec, lambda spec: spec.id),
    "storages": ("register_storages", StorageSpec, lambda spec: spec.type),
    "ml_backends": ("register_ml_backends", MLBackendSpec, lambda spec: spec.id),
    "config_templates": ("register_config_templates", ConfigTemplateSpec, lambda spec: spec.id),
    "samplers": ("register_samplers", SamplerSpec, lambda spec: spec.id),
}


@dataclass(frozen=True)
class Registry:
    """Everything the installed plugins provide, keyed by name; read-only after startup."""

    entries: Mapping[str, Mapping[str, Provided]] = field(default_factory=dict)

    def _specs(self, kind: str) -> dict[str, Any]:
        return {key: provided.spec for key, provided in self.entries.get(kind, {}).items()}

    @property
    def tags(self) -> dict[str, TagSpec]:
        return {provided.spec.name: provided.spec for provided in self.entries.get("tags", {}).values()}

    @property
    def importers(self) -> dict[str, ImporterSpec]:
        return self._specs("importers")

    @property
    def exporters(self) -> dict[str, ExporterSpec]:
        return self._specs("exporters")

    @property
    def storages(self) -> dict[str, StorageSpec]:
        return self._specs("storages")

    @property
    def ml_backends(self) -> dict[str, MLBackendSpec]:
        return self._specs("ml_backends")

    @property
    def config_templates(self) -> dict[str, ConfigTemplateSpec]:
        return self._specs("config_templates")

    @property
    def samplers(self) -> dict[str, SamplerSpec]:
        return self._specs("samplers")

    def tag(self, name: str) -> TagSpec | None:
        provided = self.entries.get("tags", {}).get(name.lower())
        return provided.spec if provided else None

    def provider(self, kind: str, key: str) -> Provided | None:
        """Which plugin provides the tag/exporter/... called ``key``."""
        if kind == "tags":
            key = key.lower()
        return self.entries.get(kind, {}).get(key)

    def module_url(self, tag_name: str) -> str | None:
        """Browser URL of the ES module that renders ``tag_name``, if its TagSpec names one."""
        provided = self.provider("tags", tag_name)
        if provided is None or provided.spec.module is None:
            return None
        return static_url(provided.dist, provided.spec.module)

    def provided_by(self, plugin: str) -> dict[str, list[str]]:
        """What one plugin provides, per kind: ``{"tags": ["Image", ...], ...}``."""
        out: dict[str, list[str]] = {}
        for kind, entries in self.entries.items():
            names = [_display_key(kind, p.spec) for p in entries.values() if p.plugin == plugin]
            if names:
                out[kind] = sorted(names)
        return out


def _display_key(kind: str, spec: Any) -> str:
    return spec.name if kind == "tags" else _KINDS[kind][2](spec)


def build_registry(pm: pluggy.PluginManager) -> Registry:
    """Call every ``register_*`` hookimpl once and index the results.

    An impl may return None (nothing to add) or a list/tuple of its hook's spec model.

    :raises StartupError: a hookimpl raised, returned something other than a list of its spec
        model, or registered a name another plugin already registered.
    """
    dists = {info.name: info.dist for info in list_plugins(pm)}
    entries: dict[str, dict[str, Provided]] = {}
    for kind, (hook_name, spec_cls, key_of) in _KINDS.items():
        found: dict[str, Provided] = {}
        # get_hookimpls() lists impls in reverse call order (trylast first); walking it reversed
        # registers in call order, so a duplicate's error names the plugin pluggy calls first first.
        for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
            plugin = impl.plugin_name
            try:
                returned = impl.function()
            except Exception as exc:
                raise StartupError(f"plugin {plugin!r}: {hook_name}() raised {type(exc).__name__}: {exc}") from exc
            if returned is None:
                continue
            if not isinstance(returned, (list, tuple)):
                raise StartupError(f"plugin {plugin!r}: {hook_name}() must return a list, got {type(returned).__name__}")
            for spec in returned:
                if not isinstance(spec, spec_cls):
                    raise StartupError(
                        f"plugin {plugin!r}: {hook_name}() returned {type(spec).__name__}, expected {spec_cls.__name__}"
                    )
                key = key_of(spec)
                if key in found:
                    other = found[key]
                    raise StartupError(
                        f"{kind[:-1].replace('_', ' ')} {_display_key(kind, spec)!r} is provided by both "
                        f"plugin {other.plugin!r} ({other.dist}) and plugin {plugin!r} ({dists.get(plugin, plugin)})"
                    )
                found[key] = Provided(spec=spec, plugin=plugin, dist=dists.get(plugin, plugin))
        entries[kind] = MappingProxyType(found)
    _check_importer_extensions(entries["importers"])
    return Registry(entries=MappingProxyType(entries))


def _check_importer_extensions(importers: Mapping[str, Provided]) -> None:
    """Two importers claiming one file extension would make uploads ambiguous."""
    owner: dict[str, Provided] = {}
    for provided in importers.values():
        for extension in provided.spec.extensions:
            key = extension.lower()
            if key in owner and owner[key].spec.id != provided.spec.id:
                other = owner[key]
                raise StartupError(f"file extension {extension!r} is claimed by importer {other.spec.id!r} of plugin "
                                   f"{other.plugin!r} ({other.dist}) and importer {provided.spec.id!r} of plugin "
                                   f"{provided.plugin!r} ({provided.dist})")
            owner[key] = provided
