"""ML backends attached to projects: building their model instances, connecting them, their state.

A backend row names an :class:`~labelcore.specs.MLBackendSpec` (``backend``) and holds its
settings. :func:`model_for` builds the model once per process for each version of the row (its id
and ``updated_at``) and of the project's labeling config, and calls ``setup(config, media)`` on it;
the instance is then shared by every thread (requests and jobs), so ``predict`` must be
thread-safe, as a Label Studio ML server's is.

Settings a spec's ``settings_model`` may declare and the host fills in: Label Studio's top-level
backend fields (``url``, ``auth_method``, ``basic_auth_user``, ``basic_auth_pass``, ``timeout``,
``extra_params``), from the row's columns, their only home (sent inside ``settings`` they are moved
there), and ``hostname`` (labelcore's public URL),
``access_token`` (a read-only ML token, minted at each setup) and ``project`` (Label Studio's
project uid, ``"<id>.<created_at unix seconds>"``).
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy import update
from sqlmodel import Session, select

from labelcore.db import read_session, when_changed, write_session
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.jobs import JobContext
from labelcore.models import MLBackend, Project
from labelcore.security import make_jwt, read_jwt
from labelcore.services import outbound
from labelcore.services.media import open_media
from labelcore.services.ml_protocol import project_uid
from labelcore.services.project_admin import DEFAULT_LABEL_CONFIG
from labelcore.services.projects import parsed_config
from labelcore.specs import MediaOpener, MLBackendSpec, MLModel

log = logging.getLogger(__name__)

CONNECTED, DISCONNECTED, ERROR, TRAINING, PREDICTING = "CO", "DI", "ER", "TR", "PR"
READABLE_STATES = {CONNECTED: "Connected", DISCONNECTED: "Disconnected", ERROR: "Error", TRAINING: "Training",
                   PREDICTING: "Predicting"}

#: Label Studio's MLBackend fields that double as settings of a spec declaring them.
LS_FIELDS = ("url", "auth_method", "basic_auth_user", "basic_auth_pass", "timeout", "extra_params")
#: Settings the host fills in at each setup; never stored, never accepted from a client.
HOST_FIELDS = ("hostname", "access_token", "project")

ML_TOKEN_TYPE = "ml"


class MLBackendError(LabelcoreError):
    """A model that could not be built, reached, set up or asked (400 naming the backend)."""


# --------------------------------------------------------------------------- specs and settings


def spec_for(registry: Any, backend_id: str) -> MLBackendSpec:
    spec = registry.ml_backends.get(backend_id)
    if spec is None:
        installed = ", ".join(sorted(registry.ml_backends)) or "none"
        raise LabelcoreError(f"backend: no ML backend kind {backend_id!r} is installed (installed: {installed})")
    return spec


def _is_secret(name: str, annotation: Any) -> bool:
    text = str(annotation)
    return annotation is SecretStr or "SecretStr" in text or any(
        word in name.lower() for word in ("pass", "secret", "token", "api_key"))


def settings_schema(spec: MLBackendSpec) -> dict[str, Any]:
    """The JSON schema of the settings a client may send (host-filled fields left out)."""
    schema = spec.settings_model.model_json_schema()
    for name in HOST_FIELDS:
        schema.get("properties", {}).pop(name, None)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    return schema


def _error_text(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
                     for error in exc.errors())


def stored_settings(spec: MLBackendSpec, values: dict[str, Any] | None) -> dict[str, Any]:
    """The settings a client sent, as stored: host-filled fields dropped, unknown fields refused."""
    values = dict(values or {})
    fields = spec.settings_model.model_fields
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise LabelcoreError(f"settings: {', '.join(unknown)} not a setting of the {spec.id!r} backend "
                             f"(settings: {', '.join(name for name in fields if name not in HOST_FIELDS)})")
    refused = sorted(set(values) & set(HOST_FIELDS))
    if refused:
        raise LabelcoreError(f"settings: {', '.join(refused)} are filled in by labelcore, not sent")
    return values


def public_settings(spec: MLBackendSpec | None, row: MLBackend) -> dict[str, Any]:
    """The stored settings without secrets (what the API returns)."""
    values = dict(row.settings or {})
    if spec is None:
        return {name: value for name, value in values.items() if not _is_secret(name, None)}
    fields = spec.settings_model.model_fields
    return {name: value for name, value in values.items()
            if not _is_secret(name, fields[name].annotation if name in fields else None)}


def model_settings(spec: MLBackendSpec, row: MLBackend, host: dict[str, Any]) -> BaseModel:
    """The spec's validated settings for a row: its stored settings, Label Studio's fields from the
    row's columns (their only home), and the host-filled fields."""
    fields = spec.settings_model.model_fields
    values = dict(row.settings or {})
    for name in LS_FIELDS:
        if name in fields:
            value = getattr(row, name)
            if value is not None and value != "":
                values[name] = value
    values.update({name: value for name, value in host.items() if name in fields})
    try:
        return spec.settings_model.model_validate(values)
    except ValidationError as exc:
        raise MLBackendError(f"settings of the {spec.id!r} backend: {_error_text(exc)}") from None


# --------------------------------------------------------------------------- the ML token


def ml_token(settings: Any, row: MLBackend) -> str:
    """A read-only token for the backend's model to read labelcore (media, tasks, projects) with,
    acting as the backend's creator; it dies with the backend row or after ``ml_token_days``."""
    return make_jwt(settings.signing_key, row.created_by_id or 0, ML_TOKEN_TYPE, settings.ml_token_days * 86400,
                    extra={"ml_backend": row.id, "project": row.project_id})


def read_ml_token(engine: Any, secret: str, token: str) -> dict | None:
    """The claims of a valid ML token whose backend still exists, else None."""
    claims = read_jwt(secret, token, ML_TOKEN_TYPE)
    if claims is None or not isinstance(claims.get("ml_backend"), int):
        return None
    with read_session(engine) as session:
        row = session.get(MLBackend, claims["ml_backend"])
    return claims if row is not None and row.project_id == claims.get("project") else None


# --------------------------------------------------------------------------- media


_media_client: Any = None


def _shared_media_client() -> Any:
    """One outbound client for every in-process model's http(s) media (building one costs ~20 ms)."""
    global _media_client
    with _GUARD:
        if _media_client is None:
            _media_client = outbound.client(timeout=60.0)
        return _media_client


def media_opener(settings: Any) -> MediaOpener:
    """``media(url)`` for models running inside labelcore: files labelcore serves are read from disk
    (also when given as absolute URLs of labelcore itself), other http(s) URLs are fetched through
    the outbound client with a size cap."""
    own = settings.public_url

    def open_url(url: str) -> IO[bytes]:
        if not isinstance(url, str) or not url:
            raise LabelcoreError(f"media URL must be a non-empty string, got {url!r}")
        local = url[len(own):] if url.startswith(own + "/") else url
        parts = urlsplit(local)
        if parts.scheme in ("http", "https"):
            try:
                with _shared_media_client().stream("GET", local) as response:
                    if response.status_code != 200:
                        raise LabelcoreError(f"media {url} answered HTTP {response.status_code}")
                    return io.BytesIO(outbound.read_limited(response))
            except LabelcoreError:
                raise
            except Exception as exc:  # httpx transport errors
                raise LabelcoreError(f"media {url} could not be fetched: {exc}") from None
        stream = open_media(local, settings)
        if stream is None:
            raise LabelcoreError(f"media {url!r} cannot be read: labelcore opens /data/upload/ and "
                                 "/data/local-files/ paths and http(s) URLs")
        return stream

    return open_url


# --------------------------------------------------------------------------- model instances


_MODELS: OrderedDict[tuple, MLModel] = OrderedDict()
_BUILDING: dict[tuple, threading.Lock] = {}
_GUARD = threading.Lock()
_KEEP = 64


def _cache_key(ctx: JobContext, row: MLBackend, project: Project) -> tuple:
    stamp = row.updated_at.isoformat() if row.updated_at else ""
    return (id(ctx.registry), row.id, stamp, hashlib.sha1(project.label_config.encode()).hexdigest())


def call_model(what: str, row: MLBackend, fn: Callable[[], Any]) -> Any:
    """Run a model method; any failure becomes an MLBackendError naming the backend and the step."""
    try:
        return fn()
    except MLBackendError:
        raise
    except LabelcoreError as exc:
        raise MLBackendError(f"ML backend {row.title!r} ({row.backend}) {what} failed: {exc.message}") from None
    except Exception as exc:
        log.warning("ML backend %s (%s) %s failed", row.id, row.backend, what, exc_info=True)
        raise MLBackendError(f"ML backend {row.title!r} ({row.backend}) {what} failed: "
                             f"{type(exc).__name__}: {exc}") from None


def build_model(ctx: JobContext, row: MLBackend, project: Project) -> MLModel:
    """A new model for the row: factory(settings), health(), setup(config, media). Not cached."""
    spec = spec_for(ctx.registry, row.backend)
    host = {"hostname": ctx.settings.public_url, "access_token": ml_token(ctx.settings, row),
            "project": project_uid(project.id, project.created_at)}
    settings = model_settings(spec, row, host)
    model = call_model("construction", row, lambda: spec.factory(settings))
    health = call_model("health check", row, model.health)
    status = str((health or {}).get("status", "UP")).upper() if isinstance(health, dict) else "UP"
    if status not in ("UP", "OK"):
        raise MLBackendError(f"ML backend {row.title!r} ({row.backend}) is not healthy: {health}")
    if project.label_config.strip() == DEFAULT_LABEL_CONFIG:
        raise MLBackendError("the project has no labeling config yet: set one before attaching a model")
    config = parsed_config(project.label_config, ctx.registry, ctx.pm)
    call_model("setup", row, lambda: model.setup(config, media_opener(ctx.settings)))
    return model


def model_for(ctx: JobContext, row: MLBackend, project: Project) -> MLModel:
    """The row's model, built and set up once per row version and config (thread-safe)."""
    key = _cache_key(ctx, row, project)
    with _GUARD:
        model = _MODELS.get(key)
        if model is not None:
            _MODELS.move_to_end(key)
            return model
        building = _BUILDING.setdefault(key, threading.Lock())
    with building:
        with _GUARD:
            model = _MODELS.get(key)
        if model is None:
            model = build_model(ctx, row, project)
            with _GUARD:
                _MODELS[key] = model
                while len(_MODELS) > _KEEP:
                    _MODELS.popitem(last=False)
        with _GUARD:
            _BUILDING.pop(key, None)
    return model


def model_version_of(model: MLModel) -> str:
    return str(getattr(model, "model_version", "") or "")


# --------------------------------------------------------------------------- rows


def get_backend(session: Session, backend_id: int) -> MLBackend:
    row = session.get(MLBackend, backend_id)
    if row is None:
        raise NotFoundError(f"ML backend {backend_id} not found")
    return row


def backend_and_project(engine: Any, backend_id: int) -> tuple[MLBackend, Project]:
    """A backend row and its project, read in one short session (jobs call this first)."""
    with read_session(engine) as session:
        row = get_backend(session, backend_id)
        return row, session.get(Project, row.project_id)


@dataclass(frozen=True)
class ProjectModels:
    """What a project's ML backends ask of the labeling routes, remembered for
    :data:`PROJECT_MODELS_TTL` seconds (the hot routes would otherwise read them on every request):
    ``prelabels``, it has a pre-labeling (non-interactive) backend, so /next may predict the task it
    hands out; ``auto_update``, a backend trains automatically, so annotation events concern it.
    Changes made through this process are seen once they commit (``when_changed`` below; a read
    racing the commit lives at most the TTL), those of other server processes within the TTL."""

    prelabels: bool
    auto_update: bool


PROJECT_MODELS_TTL = 2.0
_PROJECT_MODELS: dict[int, tuple[float, ProjectModels]] = {}


def project_models(engine: Any, project_id: int) -> ProjectModels:
    entry = _PROJECT_MODELS.get(project_id)
    if entry is not None and time.monotonic() - entry[0] <= PROJECT_MODELS_TTL:
        return entry[1]
    with read_session(engine) as session:
        rows = session.exec(select(MLBackend.is_interactive, MLBackend.auto_update)
                            .where(MLBackend.project_id == project_id)).all()
    models = ProjectModels(prelabels=any(not interactive for interactive, _ in rows),
                           auto_update=any(auto for _, auto in rows))
    with _GUARD:
        _PROJECT_MODELS[project_id] = (time.monotonic(), models)
    return models


def _forget_project_models() -> None:
    with _GUARD:
        _PROJECT_MODELS.clear()


# a backend added, changed or removed: every project's ProjectModels is read afresh once that commits
when_changed((MLBackend,), _forget_project_models)


def prelabeling_backend(session: Session, project_id: int) -> MLBackend | None:
    """The backend that pre-labels a project's tasks: its first non-interactive one (Label Studio's
    ``project.ml_backend``)."""
    return session.exec(select(MLBackend).where(MLBackend.project_id == project_id,
                                                MLBackend.is_interactive == False)  # noqa: E712
                        .order_by(MLBackend.id).limit(1)).first()


def set_state(engine: Any, backend_id: int, state: str, error_message: str | None = None, **changes: Any) -> None:
    """Record a backend's state (and error) in its own transaction; ``updated_at`` is left alone so
    the cached model stays in use."""
    with write_session(engine) as session:
        session.exec(update(MLBackend).where(MLBackend.id == backend_id)
                     .values(state=state, error_message=error_message, **changes))


def connect(ctx: JobContext, session: Session, row: MLBackend, project: Project) -> MLModel:
    """Build and set up the row's model now (create/update): the row becomes connected with the
    model's version, and a project without a model version takes it (as Label Studio does).

    :raises MLBackendError: the model could not be built, is unhealthy or its setup failed.
    """
    row.updated_at = datetime.now(timezone.utc)
    model = build_model(ctx, row, project)
    row.model_version = model_version_of(model) or row.model_version
    row.state, row.error_message = CONNECTED, None
    session.add(row)
    session.flush()
    with _GUARD:
        _MODELS[_cache_key(ctx, row, project)] = model
    if not project.model_version:
        project.model_version = row.model_version or row.title
        session.add(project)
        session.flush()
    return model
