"""Annotations of a task and the labeling page's autosaved drafts (Label Studio's
AnnotationsListAPI, AnnotationAPI, AnnotationDraftListAPI and AnnotationDraftAPI)."""

from __future__ import annotations

from typing import Any

import pluggy
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from labelcore.api import inline
from labelcore.api.deps import current_user, db, get_engine, get_pm, get_registry
from labelcore.api.serializers import (annotation_json, draft_json, project_event, project_payload, task_json,
                                       webhook_payload)
from labelcore.api.tasks import get_task
from labelcore.db import read_session, write_session
from labelcore.errors import NotFoundError
from labelcore.jobs import queue_for_app
from labelcore.jsonio import FastJSONResponse
from labelcore.models import Annotation, Draft, Project, Task, User
from labelcore.registry import Registry
from labelcore.services import annotations as annotation_service
from labelcore.services import ml_backends, ml_training
from labelcore.services.annotations import ForbiddenError
from labelcore.services.events import emit, listening
from labelcore.services.projects import get_project

router = APIRouter(tags=["annotations"], dependencies=[Depends(current_user)])


class AnnotationBody(BaseModel):
    """An annotation as Label Studio's clients send it; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    result: Any = None
    was_cancelled: bool | None = None
    ground_truth: bool | None = None
    lead_time: float | None = None
    completed_by: Any = None
    draft_id: int | None = None
    parent_prediction: int | None = None
    parent_annotation: int | None = None
    unique_id: str | None = None
    import_id: int | None = None
    last_action: str | None = None


class DraftBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: Any = None
    lead_time: float | None = None
    was_postponed: bool | None = None


_ORDERING = {"id": Annotation.id, "created_at": Annotation.created_at, "updated_at": Annotation.updated_at}


def get_annotation(session: Session, annotation_id: int) -> Annotation:
    annotation = session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFoundError(f"annotation {annotation_id} not found")
    return annotation


def _draft(session: Session, draft_id: int, user: User) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFoundError(f"draft {draft_id} not found")
    if draft.user_id != user.id and not user.is_superuser:
        raise ForbiddenError("You can only change your own drafts.")
    return draft


def _event(pm: pluggy.PluginManager, session: Session, action: str, annotation: Annotation, task: Task,
           project: Project, user: User | None) -> dict[str, Any] | None:
    """Label Studio's ANNOTATION_CREATED/UPDATED payload, when a plugin listens."""
    if not listening(pm):
        return None
    # as this transaction left them (the counters moved in SQL; the rows may come from an earlier read)
    task = session.get(Task, task.id, populate_existing=True)
    project = session.get(Project, project.id, populate_existing=True)
    return webhook_payload(action, annotation=annotation_json(annotation, user), task=task_json(task),
                           project=project_payload(session, project))


def _authors(session: Session, annotations: list[Annotation]) -> dict[int, User]:
    ids = {a.completed_by_id for a in annotations if a.completed_by_id is not None}
    return {user.id: user for user in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}


@router.get("/api/tasks/{task_id}/annotations")
def list_annotations(task_id: int, session: Session = Depends(db), ordering: str | None = None) -> list:
    """The task's submitted annotations (skipped ones are left out, as Label Studio does)."""
    task = get_task(session, task_id)
    order = []
    for name in (ordering or "").split(","):
        column = _ORDERING.get(name.strip().lstrip("-"))
        if column is not None:
            order.append(column.desc() if name.strip().startswith("-") else column.asc())
    rows = session.exec(select(Annotation).where(Annotation.task_id == task.id,
                                                 Annotation.was_cancelled == False)  # noqa: E712
                        .order_by(*order, Annotation.id)).all()
    authors = _authors(session, rows)
    return [annotation_json(row, authors.get(row.completed_by_id)) for row in rows]


@router.post("/api/tasks/{task_id}/annotations", status_code=201)
async def create_annotation(request: Request, task_id: int, body: AnnotationBody, was_cancelled: bool | None = None,
                            user: User = Depends(current_user), engine: Engine = Depends(get_engine),
                            registry: Registry = Depends(get_registry), pm: pluggy.PluginManager = Depends(get_pm)
                            ) -> FastJSONResponse:
    """Submit an annotation (``?was_cancelled=1`` or ``was_cancelled`` in the body: a skip)."""
    values = body.model_dump(exclude_unset=True)
    values.pop("draft_id", None)
    if was_cancelled is not None:
        values["was_cancelled"] = was_cancelled
    annotation, task, author, payload, trains = await inline.run(engine, _create, engine, task_id, user, values,
                                                                 body.draft_id, registry, pm)
    if payload is not None:  # plugins' listeners (webhooks) may block: not on the event loop
        await run_in_threadpool(emit, pm, "ANNOTATION_CREATED", payload)
    if trains:
        await run_in_threadpool(_tell_models, request, annotation.project_id, "ANNOTATION_CREATED", annotation.id,
                                task.id)
    # a Response skips FastAPI's response validation (hot path)
    return FastJSONResponse(annotation_json(annotation, author), status_code=201)


def _create(engine: Engine, task_id: int, user: User, values: dict, draft_id: int | None, registry: Registry,
            pm: pluggy.PluginManager) -> tuple[Annotation, Task, User | None, dict | None, bool]:
    """The new annotation, its task and author, the event for listening plugins, and whether a model
    of the project trains on annotations."""
    # read and checked before the write session, so the (SQLite) writer lock is held only for the writes
    with read_session(engine) as session:
        task = get_task(session, task_id)
        project = get_project(session, task.project_id)
    checked = annotation_service.check_annotation_result(values, project, task, registry, pm)
    with write_session(engine) as session:
        annotation = annotation_service.create_annotation(session, project, task, user, values, registry, pm,
                                                          draft_id=draft_id, checked=checked)
        if annotation.completed_by_id == user.id:
            author = user
        else:
            author = session.get(User, annotation.completed_by_id) if annotation.completed_by_id else None
        payload = _event(pm, session, "ANNOTATION_CREATED", annotation, task, project, author)
    return annotation, task, author, payload, ml_backends.project_models(engine, project.id).auto_update


@router.get("/api/annotations/{annotation_id}")
def get_annotation_detail(annotation_id: int, session: Session = Depends(db)) -> dict:
    annotation = get_annotation(session, annotation_id)
    author = session.get(User, annotation.completed_by_id) if annotation.completed_by_id else None
    return annotation_json(annotation, author)


def _tell_models(request: Request, project_id: int, event: str, annotation_id: int, task_id: int | None) -> None:
    """Active learning: the project's models that train automatically hear of the change."""
    state = request.app.state
    ml_training.annotation_changed(queue_for_app(request.app), state.engine, state.registry, project_id, event,
                                   annotation_id, task_id)


def _update(request: Request, annotation_id: int, body: AnnotationBody, user: User, engine: Engine,
            registry: Registry, pm: pluggy.PluginManager) -> dict:
    values = body.model_dump(exclude_unset=True)
    values.pop("draft_id", None)
    with write_session(engine) as session:
        annotation = get_annotation(session, annotation_id)
        task = get_task(session, annotation.task_id)
        project = get_project(session, annotation.project_id)
        annotation = annotation_service.update_annotation(session, project, task, annotation, user, values,
                                                          registry, pm)
        author = session.get(User, annotation.completed_by_id) if annotation.completed_by_id else None
        out = annotation_json(annotation, author)
        payload = _event(pm, session, "ANNOTATION_UPDATED", annotation, task, project, author)
    if payload is not None:
        emit(pm, "ANNOTATION_UPDATED", payload)
    _tell_models(request, project.id, "ANNOTATION_UPDATED", annotation.id, task.id)
    return out


@router.api_route("/api/annotations/{annotation_id}", methods=["PATCH", "PUT"])  # PUT: Label Studio accepts both
def update_annotation(request: Request, annotation_id: int, body: AnnotationBody, user: User = Depends(current_user),
                      engine: Engine = Depends(get_engine), registry: Registry = Depends(get_registry),
                      pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    return _update(request, annotation_id, body, user, engine, registry, pm)


@router.delete("/api/annotations/{annotation_id}", status_code=204)
def delete_annotation(request: Request, annotation_id: int, engine: Engine = Depends(get_engine),
                      pm: pluggy.PluginManager = Depends(get_pm)) -> Response:
    with write_session(engine) as session:
        annotation = get_annotation(session, annotation_id)
        annotation_service.delete_annotation(session, annotation)
        payload = project_event(pm, session, annotation.project_id, "ANNOTATIONS_DELETED",
                                annotations=[{"id": annotation_id}])
    if payload is not None:
        emit(pm, "ANNOTATIONS_DELETED", payload)
    _tell_models(request, annotation.project_id, "ANNOTATIONS_DELETED", annotation_id, annotation.task_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- drafts


@router.get("/api/tasks/{task_id}/drafts")
def list_drafts(task_id: int, session: Session = Depends(db)) -> list:
    task = get_task(session, task_id)
    rows = session.exec(select(Draft).where(Draft.task_id == task.id).order_by(Draft.id)).all()
    ids = {row.user_id for row in rows}
    users = {user.id: user for user in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}
    return [draft_json(row, users.get(row.user_id)) for row in rows]


@router.post("/api/tasks/{task_id}/drafts", status_code=201)
def create_draft(task_id: int, body: DraftBody, user: User = Depends(current_user),
                 engine: Engine = Depends(get_engine)) -> dict:
    """Autosave the caller's work on a new annotation of the task."""
    with write_session(engine) as session:
        task = get_task(session, task_id)
        draft = annotation_service.save_draft(session, task, user, body.model_dump(exclude_unset=True))
        return draft_json(draft, user)


@router.post("/api/annotations/{annotation_id}/drafts", status_code=201)
def create_annotation_draft(annotation_id: int, body: DraftBody, user: User = Depends(current_user),
                            engine: Engine = Depends(get_engine)) -> dict:
    """Autosave the caller's changes to an existing annotation."""
    with write_session(engine) as session:
        annotation = get_annotation(session, annotation_id)
        task = get_task(session, annotation.task_id)
        draft = annotation_service.save_draft(session, task, user, body.model_dump(exclude_unset=True),
                                              annotation_id=annotation.id)
        return draft_json(draft, user)


@router.get("/api/drafts/{draft_id}")
def get_draft(draft_id: int, session: Session = Depends(db), user: User = Depends(current_user)) -> dict:
    draft = _draft(session, draft_id, user)
    return draft_json(draft, session.get(User, draft.user_id))


@router.patch("/api/drafts/{draft_id}")
def update_draft(draft_id: int, body: DraftBody, user: User = Depends(current_user),
                 engine: Engine = Depends(get_engine)) -> dict:
    with write_session(engine) as session:
        draft = _draft(session, draft_id, user)
        task = get_task(session, draft.task_id)
        draft = annotation_service.save_draft(session, task, user, body.model_dump(exclude_unset=True), draft=draft)
        return draft_json(draft, session.get(User, draft.user_id))


@router.delete("/api/drafts/{draft_id}", status_code=204)
def delete_draft(draft_id: int, user: User = Depends(current_user), engine: Engine = Depends(get_engine)) -> Response:
    with write_session(engine) as session:
        session.delete(_draft(session, draft_id, user))
    return Response(status_code=204)
