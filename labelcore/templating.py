"""Jinja2 for the web UI: plugin template folders first, then core's ``templates/``, and ``core:``.

A plugin ships its templates namespaced under ``templates/<name>/``. Because plugin folders come
first, a plugin may also replace a core page; its replacement can extend the original as
``{% extends "core:base.html" %}``. Autoescaping is on for every template: task data and anything
else a user typed is escaped unless a template explicitly says otherwise (none does).

Every rendered page calls the ``extra_js_urls``, ``extra_css_urls`` and ``extra_template_vars``
hooks with the template's name and the request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from labelcore.jsonio import dumps
from labelcore.plugins import list_plugins


def core_templates_dir() -> Path:
    """``labelcore/templates`` in an installed wheel, the repository's ``templates/`` in a checkout."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def _plugin_template_dirs(pm: pluggy.PluginManager) -> list[Path]:
    return [info.templates_dir for info in list_plugins(pm) if info.templates_dir is not None]


def _flatten(results: list[Any]) -> list[str]:
    urls: list[str] = []
    for result in results:
        for url in result or []:
            if url not in urls:
                urls.append(url)
    return urls


class Templates:
    """The page renderer of one app: ``templates.render(request, "projects.html", {...})``."""

    def __init__(self, pm: pluggy.PluginManager, extra_dirs: list[Path] | None = None):
        self.pm = pm
        core = FileSystemLoader(str(core_templates_dir()))
        plugin_dirs = [*(extra_dirs or []), *_plugin_template_dirs(pm)]
        self.env = Environment(
            loader=ChoiceLoader([
                *(FileSystemLoader(str(path)) for path in plugin_dirs),
                core,
                PrefixLoader({"core": core}, delimiter=":"),
            ]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # |tojson through the one JSON encoder (datetimes as ISO 8601); Jinja still escapes <, >, & and '
        self.env.policies["json.dumps_function"] = lambda value, **_: dumps(value).decode()
        self.env.policies["json.dumps_kwargs"] = {}

    def context(self, request: Request, template: str, values: dict[str, Any]) -> dict[str, Any]:
        """The template's variables: the page's own, the plugins' extras, and the request."""
        hook = self.pm.hook
        out: dict[str, Any] = {
            "request": request,
            "extra_js_urls": _flatten(hook.extra_js_urls(template=template, request=request)),
            "extra_css_urls": _flatten(hook.extra_css_urls(template=template, request=request)),
        }
        # pluggy returns results last-registered first; apply them in registration order so later plugins win
        for extra in reversed(hook.extra_template_vars(template=template, request=request)):
            if extra:
                out.update(extra)
        out.update(values)
        return out

    def render(self, request: Request, template: str, values: dict[str, Any] | None = None,
               status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
        html = self.env.get_template(template).render(self.context(request, template, values or {}))
        response = HTMLResponse(html, status_code=status_code, headers=headers)
        response.headers.setdefault("Cache-Control", "no-store")
        return response
