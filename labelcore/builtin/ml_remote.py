"""Builtin plugin: the ``remote`` ML backend, a client of any server speaking Label Studio's
ML-backend protocol (label-studio-ml, ``labelcore ml serve``), called as Label Studio 1.23.2 does.

Every request goes through :func:`labelcore.services.outbound.client`, so the URL and each
redirect are checked; connection failures are retried twice (Label Studio's ``MAX_RETRIES``).
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
import orjson
from pydantic import BaseModel, Field, field_validator, model_validator

from labelcore import __version__
from labelcore.config import ParsedConfig
from labelcore.hookspecs import hookimpl
from labelcore.services import outbound
from labelcore.services.ml_protocol import (
    MLBackendError,
    PredictParams,
    PredictRequest,
    SetupRequest,
    WebhookRequest,
    predictions_from_response,
    setup_model_version,
)
from labelcore.specs import MediaOpener, MLBackendSpec, Prediction

CONNECT_TIMEOUT = 3.0
HEALTH_TIMEOUT = 5.0
RETRIES = 2
ERROR_BODY_CHARS = 300


class RemoteSettings(BaseModel):
    """Settings of a ``remote`` backend. ``hostname``, ``access_token`` and ``project`` are filled
    by the host, not the user: they tell the model server where and how to fetch task media."""

    url: str = Field(description="Base URL of the ML backend server, e.g. http://127.0.0.1:9090.")
    auth_method: Literal["NONE", "BASIC_AUTH"] = "NONE"
    basic_auth_user: str | None = None
    basic_auth_pass: str | None = Field(default=None, repr=False)
    timeout: float = Field(default=100.0, gt=0, description="Seconds to wait for /predict, /setup, /webhook.")
    batch_size: int = Field(default=100, ge=1, description="Tasks per /predict request.")
    extra_params: dict[str, Any] | None = Field(default=None, description="Sent as-is in /setup.")
    hostname: str = Field(default="", description="Host-filled: labelcore's base URL for media.")
    access_token: str = Field(default="", repr=False, description="Host-filled: token the server fetches "
                                                                  "media with (Authorization: Token ...).")
    project: str | None = Field(default=None, description='Host-filled: "<project id>.<created_at unix ts>".')

    @field_validator("url")
    @classmethod
    def _strip(cls, url: str) -> str:
        if not url.strip():
            raise ValueError("the ML backend URL is empty")
        return url.strip()

    @model_validator(mode="after")
    def _credentials(self) -> RemoteSettings:
        if self.auth_method == "BASIC_AUTH" and not (self.basic_auth_user and self.basic_auth_pass):
            raise ValueError("BASIC_AUTH needs basic_auth_user and basic_auth_pass")
        return self


def _reason(exc: httpx.RequestError) -> str:
    """The OS's words for a failed connection ("connection refused"), else httpx's."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[0].lower() + cause.strerror[1:]
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__


def _error_detail(body: bytes) -> str:
    """What a server said went wrong: its JSON ``detail``/``error``/``message``, else its body."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("detail", "error", "message"):
            if isinstance(parsed.get(key), str) and parsed[key]:
                return parsed[key][:ERROR_BODY_CHARS]
    return body.decode("utf-8", "replace").strip()[:ERROR_BODY_CHARS]


class RemoteModel:
    """An ML backend server at ``settings.url``; ``model_version`` is what its last /setup said."""

    def __init__(self, settings: RemoteSettings):
        outbound.check_url(settings.url)
        self.settings = settings
        self.url = settings.url if settings.url.endswith("/") else settings.url + "/"
        self.model_version = ""
        self.label_config: str | None = None
        auth = (settings.basic_auth_user, settings.basic_auth_pass) if settings.auth_method == "BASIC_AUTH" else None
        self._client = outbound.client(timeout=settings.timeout, auth=auth, retries=RETRIES,
                                       headers={"User-Agent": f"labelcore/{__version__}"})

    @property
    def source(self) -> str:
        return f"ML backend at {self.settings.url}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              timeout: float | None = None) -> Any:
        """The JSON a request answers, or :class:`MLBackendError` saying what went wrong."""
        seconds = timeout or self.settings.timeout
        content = orjson.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            with self._client.stream(method, self.url + path, content=content, headers=headers,
                                     timeout=httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT, seconds))) as response:
                raw = outbound.read_limited(response)
        except httpx.ConnectTimeout:
            raise MLBackendError(f"cannot reach {self.source}: no connection within "
                                 f"{min(CONNECT_TIMEOUT, seconds):g} s") from None
        except httpx.TimeoutException:
            raise MLBackendError(f"{self.source} did not answer /{path} within {seconds:g} s") from None
        except httpx.ConnectError as exc:
            raise MLBackendError(f"cannot reach {self.source}: {_reason(exc)}") from None
        except httpx.RequestError as exc:
            raise MLBackendError(f"{self.source} broke off /{path}: {_reason(exc)}") from None
        if response.is_error:
            hint = " (check basic_auth_user and basic_auth_pass)" if response.status_code in (401, 403) else ""
            raise MLBackendError(f"{self.source} answered {response.status_code} to /{path}{hint}: "
                                 f"{_error_detail(raw)}", upstream_status=response.status_code)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise MLBackendError(f"{self.source} returned invalid JSON for /{path}: "
                                 f"{raw[:100].decode('utf-8', 'replace')!r}") from None

    def health(self) -> dict[str, Any]:
        body = self._call("GET", "health", timeout=HEALTH_TIMEOUT)
        if not isinstance(body, dict):
            raise MLBackendError(f"{self.source} answered /health with {type(body).__name__}, not a JSON object")
        return body

    def setup(self, config: ParsedConfig, media: MediaOpener | None = None) -> None:
        """Send the project's config and where to fetch media; keep the model version it answers.

        ``media`` is unused: the server fetches media itself from ``hostname`` with ``access_token``.
        """
        self.label_config = config.xml
        request = SetupRequest(project=self.settings.project, label_config=config.xml,
                               hostname=self.settings.hostname, access_token=self.settings.access_token,
                               extra_params=self.settings.extra_params)
        body = self._call("POST", "setup", request.model_dump(by_alias=True, exclude={"model_version"}))
        self.model_version = setup_model_version(body, self.source) or self.model_version

    def _config_xml(self) -> str:
        if self.label_config is None:
            raise MLBackendError(f"{self.source} has not been set up with a labeling config (call setup first)")
        return self.label_config

    def predict(self, tasks: list[dict[str, Any]], context: dict[str, Any] | None = None) -> list[Prediction]:
        predictions: list[Prediction] = []
        size = self.settings.batch_size
        for start in range(0, len(tasks), size):
            predictions.extend(self._predict_batch(tasks[start:start + size], context))
        return predictions

    def _predict_batch(self, tasks: list[dict[str, Any]], context: dict[str, Any] | None) -> list[Prediction]:
        request = PredictRequest(tasks=tasks, project=self.settings.project, label_config=self._config_xml(),
                                 params=PredictParams(context=context))
        body = self._call("POST", "predict", request.model_dump())
        results = body.get("results") if isinstance(body, dict) else None
        if len(tasks) > 1 and isinstance(results, list) and len(results) == 1:
            # a server that predicts only the first task it is sent: ask task by task, as Label Studio does
            return [prediction for task in tasks for prediction in self._predict_batch([task], context)]
        return predictions_from_response(body, len(tasks), self.model_version or None, self.source)

    def fit(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Send a Label Studio webhook event to ``/webhook``; the server fetches its own training data,
        so ``data["tasks"]`` is not sent. ``project`` gets ``id`` and ``label_config`` if it lacks them."""
        project = dict(data.get("project") or {})
        project.setdefault("label_config", self._config_xml())
        if "id" not in project and self.settings.project:
            project["id"] = int(self.settings.project.split(".", 1)[0])
        payload = {key: value for key, value in data.items() if key not in ("tasks", "project", "action")}
        request = WebhookRequest(action=event, project=project, **payload)
        body = self._call("POST", "webhook", request.model_dump())
        if not isinstance(body, dict):
            raise MLBackendError(f"{self.source} answered /webhook with {type(body).__name__}, not a JSON object")
        if body.get("model_version"):
            self.model_version = str(body["model_version"])
        return body

    def versions(self) -> list[str]:
        """Model versions the server holds (Label Studio calls GET; label-studio-ml 1.0.x accepts POST)."""
        request = {"project": self.settings.project}
        try:
            body = self._call("GET", "versions", request)
        except MLBackendError as exc:
            if exc.upstream_status != 405:
                raise
            body = self._call("POST", "versions", request)
        versions = body.get("versions") if isinstance(body, dict) else None
        if not isinstance(versions, list):
            raise MLBackendError(f'{self.source} answered /versions without a "versions" list')
        return [str(version) for version in versions]

    def close(self) -> None:
        self._client.close()


@hookimpl
def register_ml_backends() -> list[MLBackendSpec]:
    return [MLBackendSpec(id="remote", title="Label Studio ML backend (URL)", settings_model=RemoteSettings,
                          factory=RemoteModel, can_train=True, interactive=True)]
