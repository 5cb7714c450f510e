"""The web application: ``create_app(settings, pm)`` wires settings, database, registry, routers."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

import pluggy
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from labelcore import __version__
from labelcore.db import make_engine, migrate
from labelcore.errors import LabelcoreError
from labelcore.jsonio import FastJSONResponse
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry
from labelcore.settings import Settings

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "web" / "static"


class PathNormalizer:
    """Serve ``/api/projects`` and ``/api/projects/`` alike: Label Studio's clients use both."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope = dict(scope)
                scope["path"] = path.rstrip("/") or "/"
                if "raw_path" in scope and scope["raw_path"]:
                    scope["raw_path"] = scope["raw_path"].rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over the limit with 413, counting streamed chunks too."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        refused = False

        async def counting_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # answer now; the app sees a disconnect and whatever it sends is dropped
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send) -> None:
        response = FastJSONResponse(
            status_code=413,
            content={"detail": f"Request body is larger than the limit of {self.max_bytes} bytes "
                               "(LABELCORE_MAX_REQUEST_BYTES)."},
        )
        await response({"type": "http"}, _empty_receive, send)


async def _empty_receive():  # pragma: no cover - never awaited by a plain JSON response
    return {"type": "http.disconnect"}


def _error_body(status: int, detail, **extra) -> dict:
    return {"status_code": status, "detail": detail, **extra}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LabelcoreError)
    async def labelcore_error(request: Request, exc: LabelcoreError):
        extra = {}
        issues = getattr(exc, "issues", None)
        if issues:
            extra["validation_errors"] = [str(issue) for issue in issues]
        return FastJSONResponse(status_code=exc.status_code, content=_error_body(exc.status_code, exc.message, **extra))

    @app.exception_handler(RequestValidationError)
    async def request_validation_error(request: Request, exc: RequestValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
            errors.setdefault(".".join(loc) or "non_field_errors", []).append(error.get("msg", "invalid"))
        return FastJSONResponse(status_code=400, content=_error_body(400, "Validation error", validation_errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return FastJSONResponse(status_code=exc.status_code, content={"detail": exc.detail},
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception):
        pm = request.app.state.pm
        try:
            custom = pm.hook.handle_exception(request=request, exc=exc)
        except Exception:
            log.exception("a handle_exception hook failed while handling %s %s", request.method, request.url.path)
            custom = None
        if custom is not None:
            return custom
        log.error("unhandled error on %s %s%s", request.method, request.url.path, _blame(pm, exc), exc_info=exc)
        return FastJSONResponse(status_code=500, content=_error_body(500, "Internal server error"))


def _blame(pm: pluggy.PluginManager, exc: BaseException) -> str:
    """", raised in plugin X (dist) at module.function" for the innermost plugin frame, if any."""
    owners = {info.name: info.dist for info in list_plugins(pm)}
    modules = {}
    for name, plugin in pm.list_name_plugin():
        module_name = getattr(plugin, "__name__", None)
        if isinstance(module_name, str) and name in owners:
            modules[module_name] = name
    blamed = ""
    traceback = exc.__traceback__
    while traceback is not None:
        frame_module = traceback.tb_frame.f_globals.get("__name__", "")
        for module_name, plugin_name in modules.items():
            if frame_module == module_name or frame_module.startswith(module_name + "."):
                blamed = (f", raised in plugin {plugin_name!r} ({owners[plugin_name]}) at "
                          f"{frame_module}.{traceback.tb_frame.f_code.co_name}")
        traceback = traceback.tb_next
    return blamed


def _mount_static(app: FastAPI, pm: pluggy.PluginManager) -> None:
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for info in list_plugins(pm):
        if info.static_dir is not None and not info.builtin:
            app.mount(f"/plugins/{info.dist}/static", StaticFiles(directory=info.static_dir),
                      name=f"plugin-static-{info.dist}")


def create_app(settings: Settings | None = None, pm: pluggy.PluginManager | None = None) -> FastAPI:
    """Build the ASGI app. Tests pass their own settings (a temp data dir) and plugin manager."""
    from labelcore.api import ROUTERS
    from labelcore.services.users import ensure_bootstrap_admin
    from labelcore.web import pages

    settings = settings or Settings()
    pm = pm or create_plugin_manager()
    registry = build_registry(pm)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings)
        migrate(engine)
        app.state.engine = engine
        ensure_bootstrap_admin(engine, settings)
        pm.hook.startup(app=app)
        try:
            yield
        finally:
            jobs = getattr(app.state, "jobs", None)
            if jobs is not None:  # queued jobs are dropped; running ones finish before the process exits
                jobs.shutdown(wait=False)
            engine.dispose()

    app = FastAPI(title="labelcore", version=__version__, lifespan=lifespan, default_response_class=FastJSONResponse,
                  redirect_slashes=False)
    app.state.settings = settings
    app.state.pm = pm
    app.state.registry = registry
    for router in [*ROUTERS, pages.router]:
        app.include_router(router)
    for routers in pm.hook.register_routes():
        for router in routers or []:
            app.include_router(router)
    _install_error_handlers(app)
    _mount_static(app, pm)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(PathNormalizer)
    return app
