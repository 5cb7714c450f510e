"""Serving one ML backend plugin over Label Studio's ML-backend protocol (``labelcore ml serve``).

Label Studio (or another labelcore) calls ``/health``, ``/setup``, ``/predict``, ``/webhook`` and
``/versions``; :func:`create_ml_app` answers them with a model built from an
:class:`~labelcore.specs.MLBackendSpec`, one model per calling project. Models read task media
through :class:`RemoteMedia`, which fetches it from the host that called ``/setup``.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import httpx
import pluggy
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from labelcore.app import BodyLimit, PathNormalizer
from labelcore.config import parse_config
from labelcore.errors import LabelcoreError
from labelcore.jsonio import FastJSONResponse
from labelcore.registry import Registry
from labelcore.services import outbound
from labelcore.specs import MLBackendSpec, MLModel, Prediction

log = logging.getLogger(__name__)

DEFAULT_MAX_REQUEST_BYTES = 256 * 1024 * 1024


class MediaError(LabelcoreError):
    """Task media the server could not fetch from the host that owns it."""

    status_code = 502


# --------------------------------------------------------------------------- settings


def backend_settings(spec: MLBackendSpec, values: dict[str, Any]) -> BaseModel:
    """``values`` validated by the spec's ``settings_model``; a problem is one line naming the field."""
    try:
        return spec.settings_model.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field_name = ".".join(str(part) for part in error["loc"])
            problems.append(f"setting {field_name!r}: {error['msg']}" if field_name else str(error["msg"]))
        raise LabelcoreError(f"backend {spec.id!r}: {'; '.join(problems)}") from None


def parse_setting(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON when it parses (``3``, ``true``, ``[1,2]``), else as text."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise LabelcoreError(f"--setting {text!r}: expected KEY=VALUE")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


# --------------------------------------------------------------------------- media


class RemoteMedia:
    """A :data:`~labelcore.specs.MediaOpener` reading task media over HTTP from the calling host.

    Relative URLs (``/data/upload/...``, ``/data/local-files/?d=...``) resolve against ``hostname``
    and carry ``Authorization: Token <access_token>``; absolute URLs are fetched as they are, with the
    token only when they share ``hostname``'s origin. Every request goes through one
    :func:`labelcore.services.outbound.client` kept for the opener's life (thread-safe, connections
    kept alive: building a client costs tens of milliseconds, more than a small image's download).
    ``hostname``/``access_token`` are updated when the project is set up again.
    """

    def __init__(self, hostname: str | None = None, access_token: str | None = None,
                 max_bytes: int = outbound.DEFAULT_MAX_BYTES):
        self.hostname = hostname
        self.access_token = access_token
        self.max_bytes = max_bytes
        self._client = outbound.client()

    def resolve(self, url: str) -> tuple[str, dict[str, str]]:
        """The absolute URL to fetch and the headers to send with it."""
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc:
            if not self.hostname:
                raise LabelcoreError(f"cannot fetch task media {url!r}: it is a relative URL and this project was not "
                                 "set up through /setup with a hostname to resolve it against")
            absolute = urljoin(self.hostname.rstrip("/") + "/", url.lstrip("/"))
        else:
            absolute = url
        headers = {}
        if self.access_token and self.hostname and _origin(absolute) == _origin(self.hostname):
            headers["Authorization"] = f"Token {self.access_token}"
        return absolute, headers

    def __call__(self, url: str) -> IO[bytes]:
        absolute, headers = self.resolve(url)
        try:
            with self._client.stream("GET", absolute, headers=headers) as response:
                if response.status_code >= 400:
                    raise MediaError(f"fetching task media {absolute} failed: HTTP {response.status_code}")
                return io.BytesIO(outbound.read_limited(response, self.max_bytes))
        except httpx.HTTPError as exc:
            raise MediaError(f"fetching task media {absolute} failed: {exc}") from None


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, parts.hostname, parts.port or default_port


# --------------------------------------------------------------------------- models per project


@dataclass
class ProjectModel:
    """The model serving one calling project, the config it was set up with, and its media opener."""

    project: str
    schema: str
    model: MLModel
    media: RemoteMedia


class ServedBackend:
    """One backend spec with its settings, building (and reusing) a model per calling project.

    At most ``max_projects`` models are kept: the least recently used one is dropped when another
    project calls (a caller never says when its project is gone), and is set up again from the
    ``label_config`` of its next ``/predict`` if it comes back.
    """

    max_projects = 16

    def __init__(self, spec: MLBackendSpec, settings: BaseModel, registry: Registry,
                 pm: pluggy.PluginManager | None = None):
        self.spec = spec
        self.settings = settings
        self.registry = registry
        self.pm = pm
        self.models: OrderedDict[str, ProjectModel] = OrderedDict()
        self._guard = threading.Lock()
        self._project_locks: dict[str, threading.Lock] = {}

    def model_for(self, project: str, schema: str, hostname: str | None = None,
                  access_token: str | None = None, credentials: bool = False) -> ProjectModel:
        """The project's model, built and set up when the project or its config is new.

        ``credentials`` true: ``hostname``/``access_token`` replace the ones media is fetched with (a
        call to ``/setup``); otherwise a known project keeps those its last ``/setup`` gave.
        """
        with self._guard:
            lock = self._project_locks.setdefault(project, threading.Lock())
        with lock:
            current = self.models.get(project)
            if current is not None and current.schema == schema:
                if credentials:
                    current.media.hostname, current.media.access_token = hostname, access_token
                self._used(project)
                return current
            config = parse_config(schema, self.registry, self.pm)
            media = current.media if current is not None and not credentials else RemoteMedia(hostname, access_token)
            model = self.spec.factory(self.settings)
            model.setup(config, media)
            entry = ProjectModel(project=project, schema=schema, model=model, media=media)
            self.models[project] = entry
            self._used(project)
            return entry

    def _used(self, project: str) -> None:
        with self._guard:
            self.models.move_to_end(project)
            while len(self.models) > self.max_projects:
                # not closed here: a request may still be predicting with it; its sockets go with it
                dropped, _ = self.models.popitem(last=False)
                self._project_locks.pop(dropped, None)

    def known(self, project: str) -> ProjectModel | None:
        return self.models.get(project)

    def find_by_id(self, project_id: str) -> ProjectModel | None:
        """The model of a project named by its bare id (webhooks), set up as ``<id>.<created ts>``."""
        exact = self.models.get(project_id)
        if exact is not None:
            return exact
        matches = [entry for uid, entry in list(self.models.items()) if uid.split(".", 1)[0] == project_id]
        return matches[-1] if matches else None


# --------------------------------------------------------------------------- request bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _project_uid(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class SetupRequest(_Body):
    project: str
    label_schema: str = Field(alias="schema")
    hostname: str | None = None
    access_token: str | None = None
    extra_params: dict[str, Any] | None = None
    model_version: str | None = None

    _uid = field_validator("project", mode="before")(_project_uid)


class PredictRequest(_Body):
    tasks: list[dict[str, Any]]
    project: str | None = None
    label_config: str | None = None
    params: dict[str, Any] | None = None

    _uid = field_validator("project", mode="before")(_project_uid)


class WebhookProject(_Body):
    id: int | str
    label_config: str | None = None


class WebhookRequest(_Body):
    action: str
    project: WebhookProject


class VersionsRequest(_Body):
    project: str | None = None

    _uid = field_validator("project", mode="before")(_project_uid)


async def _json_body(request: Request, model: type[_Body]) -> Any:
    raw = await request.body()
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise LabelcoreError(f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LabelcoreError(f"request body must be a JSON object, not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(f"missing field {where!r}" if error["type"] == "missing" else f"{where}: {error['msg']}")
        raise LabelcoreError("; ".join(problems)) from None


# --------------------------------------------------------------------------- the app


def _error(status: int, message: str, **extra: Any) -> FastJSONResponse:
    # "detail" is labelcore's (and FastAPI's) key; Label Studio's MLApiResult reads "error"
    return FastJSONResponse(status_code=status, content={"detail": message, "error": message, **extra})


def _basic_auth(user: str, password: str):
    scheme = HTTPBasic(auto_error=False, realm="labelcore ml")

    def check(credentials: HTTPBasicCredentials | None = Depends(scheme)) -> None:
        if credentials is None or not (
                secrets.compare_digest(credentials.username.encode(), user.encode())
                and secrets.compare_digest(credentials.password.encode(), password.encode())):
            raise StarletteHTTPException(401, "basic authentication required",
                                         headers={"WWW-Authenticate": 'Basic realm="labelcore ml"'})
    return check


def _predictions(entry: ProjectModel, tasks: list[dict[str, Any]], context: Any) -> list[dict[str, Any]]:
    predictions = entry.model.predict(tasks, context=context)
    if len(predictions) != len(tasks):
        raise RuntimeError(f"backend returned {len(predictions)} predictions for {len(tasks)} tasks")
    version = entry.model.model_version
    results = []
    for prediction in predictions:
        item = Prediction.model_validate(prediction).model_dump(mode="json", exclude_none=True)
        item.setdefault("model_version", version)
        results.append(item)
    return results


def create_ml_app(spec: MLBackendSpec, settings: BaseModel, registry: Registry,
                  pm: pluggy.PluginManager | None = None, basic_auth: tuple[str, str] | None = None,
                  max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> FastAPI:
    """An ASGI app serving ``spec`` (with validated ``settings``) over Label Studio's ML protocol.

    :param registry: tags the labeling configs sent to ``/setup`` are parsed against.
    :param pm: when given, its ``check_config`` hooks check those configs too.
    :param basic_auth: ``(user, password)`` every request must send (Label Studio's basic auth).
    """
    served = ServedBackend(spec, settings, registry, pm)
    dependencies = [Depends(_basic_auth(*basic_auth))] if basic_auth else []
    app = FastAPI(title=f"labelcore ML backend {spec.id}", default_response_class=FastJSONResponse,
                  dependencies=dependencies, redirect_slashes=False, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.served = served
    model_class = getattr(spec.factory, "__name__", spec.id)

    def health() -> dict[str, Any]:
        return {"status": "UP", "model_class": model_class, "backend": spec.id,
                "projects": len(served.models)}

    app.get("/")(health)
    app.get("/health")(health)

    @app.post("/setup")
    async def setup(request: Request) -> dict[str, Any]:
        body: SetupRequest = await _json_body(request, SetupRequest)
        entry = await _in_thread(served.model_for, body.project, body.label_schema, body.hostname,
                                 body.access_token, True)
        return {"model_version": entry.model.model_version}

    @app.post("/predict")
    async def predict(request: Request) -> dict[str, Any]:
        body: PredictRequest = await _json_body(request, PredictRequest)
        project = body.project or ""
        entry = served.known(project)
        if body.label_config is not None and (entry is None or entry.schema != body.label_config):
            entry = await _in_thread(served.model_for, project, body.label_config)
        if entry is None:
            raise LabelcoreError(f"project {project!r} was never set up (POST /setup) and the request has no "
                                 "label_config")
        context = (body.params or {}).get("context")
        results = await _in_thread(_predictions, entry, body.tasks, context)
        return {"results": results, "model_version": entry.model.model_version}

    @app.post("/webhook", status_code=201)
    async def webhook(request: Request) -> dict[str, Any]:
        body: WebhookRequest = await _json_body(request, WebhookRequest)
        if not spec.can_train:
            return {"status": "skipped", "reason": f"backend {spec.id!r} does not train"}
        project_id = str(body.project.id)
        entry = served.find_by_id(project_id)
        schema = body.project.label_config
        if schema is not None and (entry is None or entry.schema != schema):
            entry = await _in_thread(served.model_for, entry.project if entry else project_id, schema)
        if entry is None:
            raise LabelcoreError(f"project {project_id} was never set up and the webhook has no "
                                 "project.label_config")
        fit = getattr(entry.model, "fit", None)
        if fit is None:
            raise RuntimeError(f"backend {spec.id!r} says can_train but its model has no fit()")
        data = body.model_dump(mode="json", exclude={"action"}, by_alias=True)
        result = await _in_thread(fit, body.action, data)
        return result if isinstance(result, dict) else {"result": result}

    async def versions(request: Request) -> dict[str, Any]:
        body: VersionsRequest = await _json_body(request, VersionsRequest)
        entry = served.known(body.project) if body.project else None
        if entry is not None:
            return {"versions": [entry.model.model_version]}
        return {"versions": sorted({item.model.model_version for item in list(served.models.values())})}

    app.get("/versions")(versions)
    app.post("/versions")(versions)

    @app.exception_handler(LabelcoreError)
    async def labelcore_error(request: Request, exc: LabelcoreError):
        issues = getattr(exc, "issues", None)
        extra = {"validation_errors": [str(issue) for issue in issues]} if issues else {}
        return _error(exc.status_code, exc.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError):
        return _error(400, "; ".join(str(error.get("msg")) for error in exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        response = _error(exc.status_code, str(exc.detail))
        response.headers.update(getattr(exc, "headers", None) or {})
        return response

    @app.exception_handler(Exception)
    async def model_failure(request: Request, exc: Exception):
        log.error("backend %r failed on %s %s", spec.id, request.method, request.url.path, exc_info=exc)
        return _error(500, f"backend {spec.id!r} failed: {type(exc).__name__}: {exc}")

    app.add_middleware(BodyLimit, max_bytes=max_request_bytes)
    app.add_middleware(PathNormalizer)
    return app


async def _in_thread(function, *args):
    """Model code blocks (inference, media downloads): run it off the event loop."""
    return await run_in_threadpool(function, *args)
