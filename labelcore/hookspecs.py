"""The contract between labelcore and its plugins.

Every hook is documented here and in ``docs/plugin_hooks.md``, and tested by a
``test_hook_<name>``. Hooks are called with keyword arguments; arguments are only ever added,
never renamed or removed. ``register_*`` hooks run once at startup and return spec models
(``labelcore.specs``), never bare dicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI, Request, Response

    from labelcore.config.tree import ParsedConfig
    from labelcore.specs import (
        ConfigIssue,
        ConfigTemplateSpec,
        ExporterSpec,
        ImporterSpec,
        MLBackendSpec,
        SamplerSpec,
        StorageSpec,
        TagSpec,
    )

PROJECT_NAME = "labelcore"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------- register_*


@hookspec
def register_tags() -> list[TagSpec]:
    """Called once at startup; returns the labeling-config tags this plugin provides.

    :return: a list of :class:`labelcore.specs.TagSpec`. Two plugins providing the same tag name
        is a startup error naming both.

    .. versionadded:: 0.1
    """


@hookspec
def register_importers() -> list[ImporterSpec]:
    """Called once at startup; returns the task file formats this plugin can import.

    :return: a list of :class:`labelcore.specs.ImporterSpec`; ids and extensions are unique.

    .. versionadded:: 0.1
    """


@hookspec
def register_exporters() -> list[ExporterSpec]:
    """Called once at startup; returns the export formats (``exportType`` ids) this plugin writes.

    :return: a list of :class:`labelcore.specs.ExporterSpec`; ids are unique across plugins.

    .. versionadded:: 0.1
    """


@hookspec
def register_storages() -> list[StorageSpec]:
    """Called once at startup; returns the storage types (local folder, S3...) this plugin adds.

    :return: a list of :class:`labelcore.specs.StorageSpec`; types are unique across plugins.

    .. versionadded:: 0.1
    """


@hookspec
def register_ml_backends() -> list[MLBackendSpec]:
    """Called once at startup; returns the kinds of ML backend a project can attach.

    :return: a list of :class:`labelcore.specs.MLBackendSpec`; ids are unique across plugins.

    .. versionadded:: 0.1
    """


@hookspec
def register_config_templates() -> list[ConfigTemplateSpec]:
    """Called once at startup; returns labeling-config templates for the project gallery.

    :return: a list of :class:`labelcore.specs.ConfigTemplateSpec`; ids are unique across plugins.

    .. versionadded:: 0.1
    """


@hookspec
def register_samplers() -> list[SamplerSpec]:
    """Called once at startup; returns task orders a project's ``sampling`` can choose for ``/next``.

    :return: a list of :class:`labelcore.specs.SamplerSpec`; ids are unique across plugins.

    .. versionadded:: 0.1
    """


@hookspec
def register_routes() -> list[APIRouter]:
    """Called once when the web app is built; returns FastAPI routers for the plugin's pages/APIs.

    :return: a list of ``fastapi.APIRouter``; the plugin sets their prefix (``/plugins/<dist>/...``
        is the convention) and its own auth dependencies.

    .. versionadded:: 0.1
    """


# --------------------------------------------------------------------------- extra_* (per page)


@hookspec
def extra_js_urls(template: str, request: Request) -> list[str] | None:
    """Called for every rendered page; returns extra JavaScript URLs the page should load.

    :param template: name of the Jinja2 template being rendered.
    :param request: the current request.
    :return: a list of URLs (plugin static files via ``labelcore.static_url``), or None.

    .. versionadded:: 0.1
    """


@hookspec
def extra_css_urls(template: str, request: Request) -> list[str] | None:
    """Called for every rendered page; returns extra stylesheet URLs the page should load.

    :param template: name of the Jinja2 template being rendered.
    :param request: the current request.
    :return: a list of URLs, or None.

    .. versionadded:: 0.1
    """


@hookspec
def extra_template_vars(template: str, request: Request) -> dict[str, Any] | None:
    """Called for every rendered page; returns extra variables for its Jinja2 context.

    :param template: name of the Jinja2 template being rendered.
    :param request: the current request.
    :return: a mapping of names to values merged into the context (later plugins win), or None.

    .. versionadded:: 0.1
    """


# --------------------------------------------------------------------------- lifecycle


@hookspec
def startup(app: FastAPI) -> None:
    """Called once when the server starts, after the registry is built and before requests.

    :param app: the FastAPI application; ``app.state.registry`` holds the built registry.
    :return: None.

    .. versionadded:: 0.1
    """


@hookspec
def check_config(config: ParsedConfig) -> list[ConfigIssue] | None:
    """Called after a labeling config parsed and passed the per-tag checks; returns cross-tag issues.

    :param config: the parsed config (:class:`labelcore.config.ParsedConfig`).
    :return: a list of :class:`labelcore.specs.ConfigIssue` (errors reject the config, warnings
        are shown), or None.

    .. versionadded:: 0.1
    """


@hookspec
def on_event(event: str, payload: dict[str, Any]) -> None:
    """Called after a change is committed (annotation created, tasks imported, ...).

    :param event: one of :data:`labelcore.specs.EVENTS` (Label Studio's webhook action names).
    :param payload: Label Studio's webhook payload for that action (``project``, ``annotation``,
        ``task``, ``tasks``...), JSON-serialisable.
    :return: None. Exceptions are logged with the plugin's name and never undo the change.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def handle_exception(request: Request, exc: Exception) -> Response | None:
    """Called when a request raised; returns a response to send instead of the default one.

    :param request: the failing request.
    :param exc: the exception.
    :return: a ``starlette`` Response, or None to fall through. First non-None wins.

    .. versionadded:: 0.1
    """
