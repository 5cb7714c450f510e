"""Data-manager actions (Label Studio's ``/api/dm/actions``): list them, run one on selected tasks.

``POST /api/dm/actions?id=ACTION&project=ID`` with ``{"selectedItems": {"all": false, "included":
[ids]}}`` or ``{"all": true, "excluded": [ids]}`` (and optionally the data manager's ``filters``)
answers ``{"processed_items": n, "detail": "...", "job": <job id or null>}``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import delete, insert, select, update
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from labelcore.api.deps import current_user
from labelcore.api.serializers import project_event
from labelcore.db import chunks, read_session, write_session
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.jobs import queue_for_app
from labelcore.jsonio import loads
from labelcore.models import Annotation, MLBackend, Prediction, Project, Task, User
from labelcore.services import ml_predicting, ml_training
from labelcore.services import tasks as task_service
from labelcore.services.counters import recount_tasks
from labelcore.services.events import emit
from labelcore.services.projects import get_project

router = APIRouter(tags=["actions"], dependencies=[Depends(current_user)])


def _confirm(title: str, text: str) -> dict[str, Any]:
    return {"title": title, "text": text, "type": "confirm"}


ACTIONS: list[dict[str, Any]] = [
    {"id": "retrieve_tasks_predictions", "title": "Retrieve Predictions", "order": 90,
     "permission": "predictions.any",
     "dialog": _confirm("Retrieve Predictions", "Send the selected tasks to all ML backends connected to the "
                        "project. Predictions are retrieved in the background. Please confirm your action.")},
    {"id": "predictions_to_annotations", "title": "Create Annotations From Predictions", "order": 91,
     "permission": "tasks.change",
     "dialog": _confirm("Create Annotations From Predictions", "Create annotations from predictions using "
                        "selected predictions set for each selected task. Your account will be assigned as an "
                        "owner to those annotations. ")},
    {"id": "delete_tasks", "title": "Delete Tasks", "order": 100, "permission": "tasks.delete",
     "dialog": _confirm("Delete selected tasks?", "You are going to delete the selected tasks. "
                        "Please confirm your action.")},
    {"id": "delete_tasks_annotations", "title": "Delete Annotations", "order": 101,
     "permission": ["tasks.change", "annotations.delete"],
     "dialog": _confirm("Delete selected annotations?", "You are going to delete annotations from the selected "
                        "tasks.\nPlease confirm your action.")},
    {"id": "delete_tasks_predictions", "title": "Delete Predictions", "order": 102, "permission": "predictions.any",
     "dialog": _confirm("Delete selected predictions?", "You are going to delete all predictions from the "
                        "selected tasks. Please confirm your action.")},
]


@router.get("/api/dm/actions")
def list_actions(project: int | None = None) -> list:
    if project is None:
        raise LabelcoreError("project: This query parameter is required.")
    return ACTIONS


def selected_task_ids(session: Session, project_id: int, body: dict[str, Any]) -> list[int]:
    """The ids of the tasks a request selects (``selectedItems`` within ``filters``), in id order."""
    selected = body.get("selectedItems")
    if selected is None:
        raise LabelcoreError('selectedItems: This field is required ({"all": false, "included": [ids]} or '
                             '{"all": true, "excluded": [ids]}).')
    query = {"selectedItems": selected}
    if body.get("filters"):
        query["filters"] = body["filters"]
    task_query = task_service.parse_task_query(json.dumps(query))
    dialect = session.get_bind().dialect.name
    conditions = task_service.task_conditions(project_id, task_query, dialect)
    return list(session.exec(select(Task.id).where(*conditions).order_by(Task.id)).scalars())


def _retrieve_predictions(request: Request, project: Project, task_ids: list[int], body: dict, user: User) -> dict:
    with read_session(request.app.state.engine) as session:
        backends = list(session.exec(select(MLBackend.id).where(MLBackend.project_id == project.id,
                                                                MLBackend.is_interactive == False)  # noqa: E712
                                     .order_by(MLBackend.id)).scalars())
    if not backends:
        raise LabelcoreError(f"project {project.id} has no ML backend: connect a model first")
    batch_size = ml_predicting.batch_size_of(body.get("batch_size"))
    job = queue_for_app(request.app).submit(ml_predicting.run_predictions, backends, task_ids, batch_size)
    return {"processed_items": len(task_ids),
            "detail": f"Retrieving predictions for {len(task_ids)} tasks in the background", "job": job}


def _wanted_versions(project: Project, body: dict) -> list[str] | None:
    version = body.get("model_version")
    if version is None:
        return [project.model_version] if project.model_version else None
    versions = version if isinstance(version, list) else [version]
    if not all(isinstance(item, str) for item in versions):
        raise LabelcoreError("model_version: a model version string or a list of them")
    return versions


def _predictions_to_annotations(request: Request, project: Project, task_ids: list[int], body: dict,
                                user: User) -> dict:
    """Each selected task's predictions (of ``model_version``, else the project's) that have no
    annotation made from them yet become annotations by the caller, in bulk (Label Studio's action)."""
    versions = _wanted_versions(project, body)
    created = 0
    touched: set[int] = set()
    with write_session(request.app.state.engine) as session:
        for chunk in chunks(task_ids):
            query = (select(Prediction.id, Prediction.task_id, Prediction.result)
                     .where(Prediction.task_id.in_(chunk),
                            ~select(Annotation.id).where(Annotation.parent_prediction_id == Prediction.id)
                            .exists())
                     .order_by(Prediction.id))
            if versions is not None:
                query = query.where(Prediction.model_version.in_(versions))
            rows = session.exec(query).all()
            if not rows:
                continue
            session.exec(insert(Annotation), params=[
                {"task_id": task_id, "project_id": project.id, "result": result, "completed_by_id": user.id,
                 "updated_by_id": user.id, "parent_prediction_id": prediction_id, "last_action": "prediction",
                 "unique_id": str(uuid.uuid4())}
                for prediction_id, task_id, result in rows])
            ids = sorted({task_id for _, task_id, _ in rows})
            session.exec(update(Task).where(Task.id.in_(ids))
                         .values(updated_at=datetime.now(timezone.utc), updated_by_id=user.id)
                         .execution_options(synchronize_session=False))
            recount_tasks(session, project.id, ids)
            created += len(rows)
            touched.update(ids)
        payload = project_event(request.app.state.pm, session, project, "ANNOTATIONS_CREATED",
                                annotations=[{"task": task_id} for task_id in sorted(touched)]) if created else None
    if payload is not None:
        emit(request.app.state.pm, "ANNOTATIONS_CREATED", payload)
    if created:
        state = request.app.state
        ml_training.annotation_changed(queue_for_app(request.app), state.engine, state.registry, project.id,
                                       "ANNOTATIONS_CREATED")
    return {"processed_items": created, "detail": f"Created {created} annotations", "job": None}


def _delete_tasks(request: Request, project: Project, task_ids: list[int], body: dict, user: User) -> dict:
    with write_session(request.app.state.engine) as session:
        task_service.delete_tasks(session, project.id, task_ids)
        payload = project_event(request.app.state.pm, session, project, "TASKS_DELETED",
                                tasks=[{"id": task_id} for task_id in task_ids]) if task_ids else None
    if payload is not None:
        emit(request.app.state.pm, "TASKS_DELETED", payload)
    return {"processed_items": len(task_ids), "detail": f"Deleted {len(task_ids)} tasks", "job": None,
            "reload": True}


def _delete_predictions(request: Request, project: Project, task_ids: list[int], body: dict, user: User) -> dict:
    count = 0
    with write_session(request.app.state.engine) as session:
        for chunk in chunks(task_ids):
            count += session.exec(delete(Prediction).where(Prediction.task_id.in_(chunk))
                                  .execution_options(synchronize_session=False)).rowcount
        recount_tasks(session, project.id, task_ids)
    return {"processed_items": count, "detail": f"Deleted {count} predictions", "job": None}


def _delete_annotations(request: Request, project: Project, task_ids: list[int], body: dict, user: User) -> dict:
    """As deleting them one by one would: listening plugins get ANNOTATIONS_DELETED with their ids,
    and models that train automatically hear of it."""
    deleted: list[int] = []
    state = request.app.state
    with write_session(state.engine) as session:
        for chunk in chunks(task_ids):
            deleted += session.exec(delete(Annotation).where(Annotation.task_id.in_(chunk))
                                    .returning(Annotation.id)
                                    .execution_options(synchronize_session=False)).scalars().all()
        recount_tasks(session, project.id, task_ids)
        payload = project_event(state.pm, session, project, "ANNOTATIONS_DELETED",
                                annotations=[{"id": annotation_id} for annotation_id in sorted(deleted)]
                                ) if deleted else None
    if payload is not None:
        emit(state.pm, "ANNOTATIONS_DELETED", payload)
    if deleted:
        ml_training.annotation_changed(queue_for_app(request.app), state.engine, state.registry, project.id,
                                       "ANNOTATIONS_DELETED")
    return {"processed_items": len(deleted), "detail": f"Deleted {len(deleted)} annotations", "job": None}


_RUN = {
    "retrieve_tasks_predictions": _retrieve_predictions,
    "predictions_to_annotations": _predictions_to_annotations,
    "delete_tasks": _delete_tasks,
    "delete_tasks_annotations": _delete_annotations,
    "delete_tasks_predictions": _delete_predictions,
}


@router.post("/api/dm/actions")
async def run_action(request: Request, user: User = Depends(current_user)) -> dict:
    action = request.query_params.get("id")
    raw_project = request.query_params.get("project")
    if not action:
        raise LabelcoreError(f"id: the action to run is required (one of {', '.join(_RUN)})")
    if action not in _RUN:
        raise NotFoundError(f"no data manager action {action!r} (actions: {', '.join(_RUN)})")
    if not raw_project or not raw_project.isdigit():
        raise LabelcoreError("project: a project id is required in the query.")
    raw_body = await request.body()
    try:
        body = loads(raw_body) if raw_body else {}
    except ValueError:
        raise LabelcoreError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise LabelcoreError("the body must be a JSON object with selectedItems")

    def run() -> dict:
        with read_session(request.app.state.engine) as session:
            project = get_project(session, int(raw_project))
            task_ids = selected_task_ids(session, project.id, body)
        return _RUN[action](request, project, task_ids, body, user)

    return await run_in_threadpool(run)
