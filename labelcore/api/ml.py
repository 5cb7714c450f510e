"""ML backends of a project (Label Studio's ``/api/ml/``): attach, change, detach, train, predict.

Label Studio's fields are accepted as its clients send them; ``backend`` (an installed
MLBackendSpec id, default ``remote``) and ``settings`` (that spec's settings) are labelcore's.
Creating or changing a backend builds its model, checks its health and runs its setup: a backend
that cannot be reached or set up is refused with 400 naming the problem, as Label Studio does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, select

from labelcore.api.deps import current_user, db
from labelcore.api.serializers import ml_backend_json
from labelcore.db import read_session, write_session
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.jobs import JobContext, queue_for_app
from labelcore.models import MLBackend, Project, Task, User
from labelcore.services import ml_backends, ml_predicting, ml_training
from labelcore.services.projects import get_project

router = APIRouter(tags=["ml"], dependencies=[Depends(current_user)])

AUTH_METHODS = ("NONE", "BASIC_AUTH")


class MLBackendBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    project: int | None = None
    backend: str | None = None
    settings: dict[str, Any] | None = None
    url: str | None = None
    title: str | None = None
    description: str | None = None
    is_interactive: bool | None = None
    auth_method: str | None = None
    basic_auth_user: str | None = None
    basic_auth_pass: str | None = None
    extra_params: dict[str, Any] | None = None
    timeout: float | None = None
    auto_update: bool | None = None


class InteractiveBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task: int | None = None
    context: dict[str, Any] | None = None


class PredictTestBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task: int | None = None


def ml_context(request: Request) -> JobContext:
    return queue_for_app(request.app).context


def _json(request: Request, row: MLBackend) -> dict[str, Any]:
    return ml_backend_json(row, request.app.state.registry.ml_backends.get(row.backend))


def _apply(row: MLBackend, values: dict[str, Any], registry: Any) -> None:
    """Copy the sent fields onto the row, checked; settings are merged into the stored ones.
    Label Studio's top-level fields (``url``, ``timeout``, ...) live in the row's columns only: sent
    inside ``settings`` they are moved there (a top-level value wins)."""
    if values.get("settings"):
        values["settings"] = dict(values["settings"])
        for name in ml_backends.LS_FIELDS:
            if name in values["settings"]:
                moved = values["settings"].pop(name)
                if values.get(name) is None:
                    values[name] = moved
    if "backend" in values and values["backend"] is not None:
        row.backend = values["backend"]
    spec = ml_backends.spec_for(registry, row.backend)
    if values.get("auth_method") is not None and values["auth_method"] not in AUTH_METHODS:
        raise LabelcoreError(f'auth_method: "{values["auth_method"]}" is not a valid choice '
                             f'({", ".join(AUTH_METHODS)}).')
    if values.get("timeout") is not None and values["timeout"] <= 0:
        raise LabelcoreError("timeout: must be a positive number of seconds.")
    for field in ("url", "title", "description", "is_interactive", "auth_method", "basic_auth_user",
                  "basic_auth_pass", "extra_params", "timeout", "auto_update"):
        if field in values and (values[field] is not None or field in ("basic_auth_user", "basic_auth_pass",
                                                                        "extra_params")):
            setattr(row, field, values[field])
    if row.backend == "remote" and not row.url:
        raise LabelcoreError("url: This field is required.")
    if "settings" in values:
        merged = {**(row.settings or {}), **(values["settings"] or {})} if row.id else (values["settings"] or {})
        row.settings = ml_backends.stored_settings(spec, merged)


def _backend(session: Session, backend_id: int) -> MLBackend:
    return ml_backends.get_backend(session, backend_id)


@router.get("/api/ml/backends")
def list_backend_kinds(request: Request) -> list:
    """The kinds of ML backend installed (for the UI's "connect model" form)."""
    return [{"id": spec.id, "title": spec.title, "can_train": spec.can_train, "interactive": spec.interactive,
             "settings_schema": ml_backends.settings_schema(spec)}
            for spec in sorted(request.app.state.registry.ml_backends.values(), key=lambda spec: spec.id)]


@router.get("/api/ml")
def list_backends(request: Request, project: int | None = None, is_interactive: bool | None = None,
                  session: Session = Depends(db)) -> list:
    if project is None:
        raise HTTPException(status_code=404, detail="Not found: pass ?project=<id>")
    get_project(session, project)
    query = select(MLBackend).where(MLBackend.project_id == project)
    if is_interactive is not None:
        query = query.where(MLBackend.is_interactive == is_interactive)
    return [_json(request, row) for row in session.exec(query.order_by(MLBackend.id))]


@router.post("/api/ml", status_code=201)
def create_backend(request: Request, body: MLBackendBody, user: User = Depends(current_user),
                   ctx: JobContext = Depends(ml_context)) -> dict:
    if body.project is None:
        raise LabelcoreError("project: This field is required.")
    values = body.model_dump(exclude_unset=True)
    with write_session(ctx.engine) as session:
        project = get_project(session, body.project)
        row = MLBackend(project_id=project.id, created_by_id=user.id, backend=body.backend or "remote")
        _apply(row, values, ctx.registry)
        session.add(row)
        session.flush()
        ml_backends.connect(ctx, session, row, project)
        return _json(request, row)


@router.get("/api/ml/{backend_id}")
def get_backend(request: Request, backend_id: int, session: Session = Depends(db)) -> dict:
    return _json(request, _backend(session, backend_id))


@router.api_route("/api/ml/{backend_id}", methods=["PATCH", "PUT"])  # PUT: Label Studio accepts both
def update_backend(request: Request, backend_id: int, body: MLBackendBody,
                   ctx: JobContext = Depends(ml_context)) -> dict:
    values = body.model_dump(exclude_unset=True)
    with write_session(ctx.engine) as session:
        row = _backend(session, backend_id)
        if values.get("project") not in (None, row.project_id):
            raise LabelcoreError("project: an ML backend cannot move to another project.")
        _apply(row, values, ctx.registry)
        project = get_project(session, row.project_id)
        ml_backends.connect(ctx, session, row, project)
        return _json(request, row)


@router.delete("/api/ml/{backend_id}", status_code=204)
def delete_backend(backend_id: int, ctx: JobContext = Depends(ml_context)) -> Response:
    with write_session(ctx.engine) as session:
        session.delete(_backend(session, backend_id))
    return Response(status_code=204)


@router.post("/api/ml/{backend_id}/train")
def train(request: Request, backend_id: int, ctx: JobContext = Depends(ml_context)) -> dict:
    """Start a training job (``fit("START_TRAINING", ...)``); 400 when the backend cannot train."""
    with read_session(ctx.engine) as session:
        row = _backend(session, backend_id)
    spec = ml_backends.spec_for(ctx.registry, row.backend)
    if not spec.can_train:
        raise LabelcoreError(f"ML backend {row.title!r}: the {spec.id!r} backend ({spec.title}) cannot train.")
    if not ml_training.claim_training(ctx.engine, row.id):
        raise LabelcoreError(f"ML backend {row.title!r} is already training.")
    return {"job": queue_for_app(request.app).submit(ml_training.run_training, row.id)}


@router.get("/api/ml/{backend_id}/versions")
def versions(backend_id: int, session: Session = Depends(db)) -> dict:
    row = _backend(session, backend_id)
    return {"versions": [row.model_version] if row.model_version else [], "message": ""}


@router.post("/api/ml/{backend_id}/predict")
async def predict_all_tasks(request: Request, backend_id: int) -> dict:
    """Label Studio's predict_all_tasks: a job predicting every task without a prediction of the
    backend's model version, ``batch_size`` (query or body) tasks per call."""
    body = {}
    if await request.body():
        try:
            body = await request.json()
        except ValueError:
            raise LabelcoreError("the body is not valid JSON") from None
    raw = request.query_params.get("batch_size", body.get("batch_size") if isinstance(body, dict) else None)
    batch_size = ml_predicting.batch_size_of(raw)
    engine = request.app.state.engine
    with read_session(engine) as session:
        row = _backend(session, backend_id)
    job = queue_for_app(request.app).submit(ml_predicting.run_predictions, [row.id], None, batch_size)
    return {"job": job}


@router.post("/api/ml/{backend_id}/predict/test")
def predict_test(backend_id: int, body: PredictTestBody | None = None,
                 ctx: JobContext = Depends(ml_context)) -> dict:
    """Predict one task (``task``, else the project's first) now; nothing is stored. 400 naming the
    problem when the model fails or answers something invalid."""
    with read_session(ctx.engine) as session:
        row = _backend(session, backend_id)
        project = get_project(session, row.project_id)
        task_id = body.task if body is not None and body.task is not None else session.exec(
            select(Task.id).where(Task.project_id == project.id).order_by(Task.id).limit(1)).first()
        if task_id is None:
            raise LabelcoreError("the project has no tasks to predict: import at least one task")
        task = session.get(Task, task_id)
        if task is None or task.project_id != project.id:
            raise NotFoundError(f"task {task_id} is not a task of project {project.id}")
    return {"prediction": ml_predicting.predict_one(ctx, row, project, task_id)}


@router.post("/api/ml/{backend_id}/interactive-annotating")
def interactive_annotating(backend_id: int, body: InteractiveBody, ctx: JobContext = Depends(ml_context)) -> dict:
    """Label Studio's interactive pre-annotation: ``{"data": prediction}`` or ``{"errors": [...]}`` (200)."""
    if body.task is None:
        raise LabelcoreError("task: This field is required.")
    with read_session(ctx.engine) as session:
        row = _backend(session, backend_id)
        project = session.get(Project, row.project_id)
        task = session.get(Task, body.task)
        if task is None or task.project_id != row.project_id:
            raise NotFoundError(f"task {body.task} is not a task of project {row.project_id}")
    if not row.is_interactive:
        return {"errors": ["Model is not set to be used for interactive preannotations"]}
    try:
        return {"data": ml_predicting.predict_one(ctx, row, project, task.id, body.context or {})}
    except LabelcoreError as exc:
        return {"errors": [exc.message]}
