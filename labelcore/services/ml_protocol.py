"""Label Studio's ML-backend HTTP protocol: the bodies of ``/setup``, ``/predict``, ``/webhook`` and
what servers answer, as Label Studio 1.23.2 sends them and label-studio-ml 1.0.x and 2.x answer.

Shared by the ``remote`` backend (the client) and ``labelcore ml serve`` (the server). Request
models accept unknown keys, because each Label Studio release adds some.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labelcore.errors import LabelcoreError
from labelcore.specs import Prediction


class MLBackendError(LabelcoreError):
    """An ML backend server that cannot be reached or whose answer cannot be used; ``upstream_status``
    is the HTTP status the server answered, when it answered one."""

    status_code = 502

    def __init__(self, message: str, upstream_status: int | None = None):
        super().__init__(message)
        self.upstream_status = upstream_status


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def project_uid(project_id: int, created_at: datetime) -> str:
    """The project key Label Studio sends: ``"<id>.<created_at as unix seconds>"``."""
    return f"{project_id}.{int(created_at.timestamp())}"


class SetupRequest(_Body):
    """``POST /setup``: a project attaches the backend or asks for its current model version."""

    project: str | None = None
    label_config: str = Field(alias="schema", description="The labeling config XML.")
    hostname: str = Field(default="", description="Base URL the server fetches uploaded media from.")
    access_token: str = Field(default="", description="Sent as `Authorization: Token ...` to fetch media.")
    model_version: str | None = None
    extra_params: dict[str, Any] | None = None


class SetupResponse(_Body):
    model_version: str | int | None = None


class PredictParams(_Body):
    login: str | None = None
    password: str | None = None
    context: dict[str, Any] | None = Field(default=None, description="Interactive-labeling context.")


class PredictRequest(_Body):
    """``POST /predict``: tasks in Label Studio JSON, one prediction wanted per task, in order."""

    tasks: list[dict[str, Any]]
    project: str | None = None
    label_config: str
    params: PredictParams = Field(default_factory=PredictParams)


class WebhookRequest(_Body):
    """``POST /webhook``: a Label Studio webhook event; ``project`` holds at least id and label_config."""

    action: str
    project: dict[str, Any]


def _version(value: Any) -> str | None:
    # label-studio-ml 1.0.x names trained versions by their job id, which it sends as a number
    return None if value is None or value == "" else str(value)


def setup_model_version(body: Any, source: str) -> str | None:
    """The ``model_version`` of a ``/setup`` answer (None when the server names none)."""
    if not isinstance(body, dict):
        raise MLBackendError(f"{source} answered /setup with {type(body).__name__}, not a JSON object")
    return _version(body.get("model_version"))


def predictions_from_response(body: Any, task_count: int, fallback_version: str | None,
                              source: str) -> list[Prediction]:
    """One Prediction per task from a ``/predict`` answer.

    Both shapes servers send are read: label-studio-ml 2.x puts ``model_version`` on each item,
    1.0.x once beside ``results``. A task's item may also be a list of predictions (2.x, several
    per task); the first is used. ``model_version`` falls back to the item's, the answer's, then
    ``fallback_version``. Raises :class:`MLBackendError` when the answer does not fit the tasks.
    """
    if not isinstance(body, dict) or not isinstance(body.get("results"), list):
        raise MLBackendError(f'{source} answered /predict without a "results" list')
    results = body["results"]
    if len(results) != task_count:
        raise MLBackendError(f"{source} returned {len(results)} predictions for {task_count} tasks")
    default_version = _version(body.get("model_version")) or fallback_version
    predictions = []
    for index, item in enumerate(results):
        if isinstance(item, list):
            item = item[0] if item else {"result": []}
        if not isinstance(item, dict) or not isinstance(item.get("result"), list):
            raise MLBackendError(f'{source} returned prediction {index} without a "result" list: {str(item)[:200]}')
        try:
            prediction = Prediction.model_validate({**item, "model_version": _version(item.get("model_version"))
                                                    or default_version})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise MLBackendError(f"{source} returned an invalid prediction {index}: {problems}") from None
        predictions.append(prediction)
    return predictions
