"""Tasks: the data manager's list (``GET /api/tasks``), one task, and a project's tasks
(Label Studio's TaskListAPI, TaskAPI and ProjectTaskListAPI)."""

from __future__ import annotations

from typing import Any

import pluggy
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, select

from labelcore.api.deps import Caller, current_caller, current_user, db, get_engine, get_pm, get_registry
from labelcore.api.pagination import MAX_PAGE_SIZE, paginate
from labelcore.api.serializers import dm_task_json, project_event, task_json
from labelcore.config import ParsedConfig
from labelcore.db import write_session
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.jobs import queue_for_app
from labelcore.models import Project, Task, User
from labelcore.registry import Registry
from labelcore.services import ml_predicting
from labelcore.services import tasks as task_service
from labelcore.services.events import emit
from labelcore.services.projects import get_project, parsed_config

router = APIRouter(tags=["tasks"], dependencies=[Depends(current_user)])


class TaskCreateBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    project: int | None = None
    data: Any = None
    meta: Any = None


class TaskUpdateBody(BaseModel):
    """What a client may change; the counters it may also send are the server's to keep."""

    model_config = ConfigDict(extra="ignore")

    data: Any = None
    meta: Any = None
    overlap: Any = None


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"task {task_id} not found")
    return task


def project_config(project: Project, registry: Registry, pm: pluggy.PluginManager | None) -> ParsedConfig | None:
    """The project's parsed config; None while it has Label Studio's empty default config."""
    if not project.parsed_label_config:
        return None
    return parsed_config(project.label_config, registry, pm)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


@router.get("/api/tasks")
def list_tasks(request: Request, session: Session = Depends(db), user: User = Depends(current_user),
               project: int | None = None, page: int = 1, page_size: int = 100, fields: str | None = None,
               query: str | None = None, include: str | None = None, only_annotated: bool = False,
               selected_items: str | None = Query(None, alias="selectedItems")) -> dict:
    """The data manager's page of a project's tasks, filtered and ordered by ``query``."""
    if project is None:
        raise HTTPException(status_code=404, detail="Neither project nor view id specified")
    project_row = get_project(session, project)
    dialect = _dialect(session)
    task_query = task_service.parse_task_query(query, selected_items)
    conditions = task_service.task_conditions(project_row.id, task_query, dialect, only_annotated)
    if task_query.narrows or only_annotated:
        total, total_annotations, total_predictions = task_service.task_totals(session, conditions)
    else:
        total = project_row.task_number
        total_annotations = project_row.total_annotations_number
        total_predictions = project_row.total_predictions_number
    ids_query = task_service.ids_query(conditions, task_service.task_ordering(task_query, dialect))
    page_ids = paginate(request, session, ids_query, page, page_size, lambda task_id: task_id, total=total)["results"]
    full = fields == "all"
    documents = task_service.page_documents(session, page_ids, user.id, full)
    tasks = [dm_task_json(row, documents.annotations.get(row.id, []), documents.predictions.get(row.id, []),
                          documents.drafts.get(row.id, []), documents.users, full)
             for row in task_service.tasks_by_ids(session, page_ids)]
    if include:
        wanted = {name.strip() for name in include.split(",") if name.strip()}
        tasks = [{key: value for key, value in task.items() if key in wanted} for task in tasks]
    return {"tasks": tasks, "total": total, "total_annotations": total_annotations,
            "total_predictions": total_predictions}


@router.post("/api/tasks", status_code=201)
def create_task(body: TaskCreateBody, engine: Engine = Depends(get_engine), registry: Registry = Depends(get_registry),
                pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    if body.project is None:
        raise LabelcoreError("project: This field is required.")
    if body.data is None:
        raise LabelcoreError("data: This field is required.")
    with write_session(engine) as session:
        project = get_project(session, body.project)
        task = task_service.create_task(session, project, body.data, body.meta,
                                        project_config(project, registry, pm), registry, pm)
        out = task_json(task)
        payload = project_event(pm, session, project, "TASKS_CREATED", tasks=[out])
    if payload is not None:
        emit(pm, "TASKS_CREATED", payload)
    return out


@router.get("/api/tasks/{task_id}")
def get_task_detail(request: Request, task_id: int, session: Session = Depends(db),
                    caller: Caller = Depends(current_caller)) -> dict:
    """A task with its annotations (authors nested), predictions and the caller's drafts. As in
    Label Studio, a task opened while the project shows predictions (``show_collab_predictions``) or
    evaluates them automatically is first pre-labeled by the project's model if it has no
    prediction of the version the project shows (never for an ML backend's own reads)."""
    user = caller.user
    task = get_task(session, task_id)
    project = session.get(Project, task.project_id)
    if caller.via != "ml" and (project.evaluate_predictions_automatically or project.show_collab_predictions):
        ml_predicting.ensure_prediction(queue_for_app(request.app).context, project, task.id)
        session.commit()  # end the read transaction: the rows below must include a new prediction
    documents = task_service.page_documents(session, [task.id], user.id, full=True)
    return dm_task_json(task, documents.annotations.get(task.id, []), documents.predictions.get(task.id, []),
                        documents.drafts.get(task.id, []), documents.users, full=True)


def _update(task_id: int, body: TaskUpdateBody, user: User, engine: Engine, registry: Registry,
            pm: pluggy.PluginManager) -> dict:
    with write_session(engine) as session:
        task = get_task(session, task_id)
        project = get_project(session, task.project_id)
        task = task_service.update_task(session, task, body.model_dump(exclude_unset=True),
                                        project_config(project, registry, pm), registry, pm, user.id)
        documents = task_service.page_documents(session, [task.id], user.id, full=True)
        return task_json(task, documents.annotations.get(task.id, []), documents.predictions.get(task.id, []))


@router.api_route("/api/tasks/{task_id}", methods=["PATCH", "PUT"])  # PUT: Label Studio accepts both
def update_task(task_id: int, body: TaskUpdateBody, user: User = Depends(current_user),
                engine: Engine = Depends(get_engine), registry: Registry = Depends(get_registry),
                pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    return _update(task_id, body, user, engine, registry, pm)


@router.delete("/api/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, engine: Engine = Depends(get_engine),
                pm: pluggy.PluginManager = Depends(get_pm)) -> Response:
    with write_session(engine) as session:
        task = get_task(session, task_id)
        task_service.delete_tasks(session, task.project_id, [task.id])
        payload = project_event(pm, session, task.project_id, "TASKS_DELETED", tasks=[{"id": task_id}])
    if payload is not None:
        emit(pm, "TASKS_DELETED", payload)
    return Response(status_code=204)


@router.get("/api/projects/{project_id}/tasks")
def list_project_tasks(request: Request, project_id: int, session: Session = Depends(db), page: int = 1,
                       page_size: int = 50) -> list:
    """A project's tasks with their annotations and predictions, as a plain list (Label Studio's
    ProjectTaskListAPI; ``page_size=-1`` asks for the largest page)."""
    project = get_project(session, project_id)
    if page_size == -1:
        page_size = MAX_PAGE_SIZE
    query = select(Task.id).where(Task.project_id == project.id).order_by(Task.id)
    page_ids = paginate(request, session, query, page, page_size, lambda task_id: task_id,
                        total=project.task_number)["results"]
    documents = task_service.page_documents(session, page_ids, None, full=True)
    return [task_json(row, documents.annotations.get(row.id, []), documents.predictions.get(row.id, []))
            for row in task_service.tasks_by_ids(session, page_ids)]


@router.delete("/api/projects/{project_id}/tasks", status_code=204)
def delete_project_tasks(project_id: int, engine: Engine = Depends(get_engine),
                         pm: pluggy.PluginManager = Depends(get_pm)) -> Response:
    """Delete every task of the project (with their annotations and predictions); counters reset."""
    with write_session(engine) as session:
        project = get_project(session, project_id)
        task_ids = task_service.delete_all_tasks(session, project)
        payload = project_event(pm, session, project, "TASKS_DELETED", tasks=[{"id": task_id} for task_id in task_ids])
    if payload is not None:
        emit(pm, "TASKS_DELETED", payload)
    return Response(status_code=204)
