"""Projects: list, create, read, change, delete, and label-config validation (Label Studio's
ProjectListAPI, ProjectAPI, ProjectLabelConfigValidateAPI and LabelConfigValidateAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pluggy
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, or_
from sqlmodel import Session, select

from labelcore.api.deps import current_user, db, get_engine, get_pm, get_registry, get_settings
from labelcore.api.pagination import paginate
from labelcore.api.serializers import project_json, project_payload, user_brief_json, webhook_payload
from labelcore.db import write_session
from labelcore.errors import LabelcoreError
from labelcore.models import Project, User
from labelcore.registry import Registry
from labelcore.services import project_admin
from labelcore.services.events import emit, listening
from labelcore.services.projects import get_project
from labelcore.settings import Settings

router = APIRouter(tags=["projects"], dependencies=[Depends(current_user)])


class ProjectBody(BaseModel):
    """The project settings Label Studio's clients send; unknown fields are ignored, as DRF does."""

    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    description: str | None = None
    label_config: str | None = None
    expert_instruction: str | None = None
    show_instruction: bool | None = None
    show_skip_button: bool | None = None
    enable_empty_annotation: bool | None = None
    show_annotation_history: bool | None = None
    show_collab_predictions: bool | None = None
    reveal_preannotations_interactively: bool | None = None
    maximum_annotations: int | None = None
    min_annotations_to_start_training: int | None = None
    sampling: str | None = None
    skip_queue: str | None = None
    color: str | None = None
    is_published: bool | None = None
    is_draft: bool | None = None
    model_version: str | None = None
    evaluate_predictions_automatically: bool | None = None
    control_weights: dict[str, Any] | None = None
    pinned_at: datetime | None = None


class LabelConfigBody(BaseModel):
    label_config: str | None = None


_ORDERING = {
    "id": Project.id, "title": Project.title, "created_at": Project.created_at, "updated_at": Project.updated_at,
    "pinned_at": Project.pinned_at, "task_number": Project.task_number,
    "finished_task_number": Project.finished_task_number,
    "total_annotations_number": Project.total_annotations_number,
}


def _ordering(raw: str | None) -> list[Any]:
    order = []
    for name in (raw or "").split(","):
        name = name.strip()
        column = _ORDERING.get(name.lstrip("-"))
        if column is not None:  # as DRF's OrderingFilter: unknown fields are ignored
            order.append(column.desc().nulls_last() if name.startswith("-") else column.asc().nulls_last())
    if not order:
        order = [Project.pinned_at.desc().nulls_last(), Project.created_at.desc()]
    return [*order, Project.id.desc()]


@router.get("/api/projects")
def list_projects(request: Request, session: Session = Depends(db), page: int = 1, page_size: int = 30,
                  ordering: str | None = None, title: str | None = None, ids: str | None = None,
                  search: str | None = None, pinned: str | None = Query(None, alias="filter")) -> dict:
    query = select(Project, User).outerjoin(User, User.id == Project.created_by_id)
    if title:
        query = query.where(Project.title.ilike(f"%{title}%"))
    if search:
        query = query.where(or_(Project.title.ilike(f"%{search}%"), Project.description.ilike(f"%{search}%")))
    if ids:
        try:
            wanted = [int(part) for part in ids.split(",") if part.strip()]
        except ValueError:
            raise LabelcoreError("ids: enter a comma-separated list of project ids.") from None
        query = query.where(Project.id.in_(wanted))
    if pinned in ("pinned_only", "exclude_pinned"):
        query = query.where(Project.pinned_at.is_not(None) if pinned == "pinned_only" else Project.pinned_at.is_(None))
    out = paginate(request, session, query.order_by(*_ordering(ordering)), page, page_size, lambda row: row)
    rows = out["results"]
    ground_truth = project_admin.ground_truth_numbers(session, [project.id for project, _ in rows])
    out["results"] = [project_json(project, user_brief_json(creator) if creator else None,
                                   ground_truth.get(project.id, 0)) for project, creator in rows]
    return out


@router.post("/api/projects", status_code=201)
def create_project(body: ProjectBody, user: User = Depends(current_user), engine: Engine = Depends(get_engine),
                   registry: Registry = Depends(get_registry), pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    with write_session(engine) as session:
        project = project_admin.create_project(session, user.id, body.model_dump(exclude_unset=True), registry, pm)
        out = project_payload(session, project)
    if listening(pm):
        emit(pm, "PROJECT_CREATED", webhook_payload("PROJECT_CREATED", project=out))
    return out


@router.post("/api/projects/validate", status_code=204)
def validate_any_label_config(body: LabelConfigBody, registry: Registry = Depends(get_registry),
                              pm: pluggy.PluginManager = Depends(get_pm)) -> Response:
    """Check a config on its own: 204 when it is valid, 400 listing its problems."""
    project_admin.check_label_config(body.label_config, registry, pm)
    return Response(status_code=204)


@router.get("/api/projects/{project_id}")
def get_project_detail(project_id: int, session: Session = Depends(db)) -> dict:
    return project_payload(session, get_project(session, project_id))


def _update(project_id: int, body: ProjectBody, engine: Engine, registry: Registry,
            pm: pluggy.PluginManager) -> dict:
    with write_session(engine) as session:
        project = project_admin.update_project(session, get_project(session, project_id),
                                               body.model_dump(exclude_unset=True), registry, pm)
        out = project_payload(session, project)
    if listening(pm):
        emit(pm, "PROJECT_UPDATED", webhook_payload("PROJECT_UPDATED", project=out))
    return out


@router.api_route("/api/projects/{project_id}", methods=["PATCH", "PUT"])  # PUT: Label Studio accepts both
def update_project(project_id: int, body: ProjectBody, engine: Engine = Depends(get_engine),
                   registry: Registry = Depends(get_registry), pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    return _update(project_id, body, engine, registry, pm)


@router.delete("/api/projects/{project_id}", status_code=204)
def delete_project(project_id: int, engine: Engine = Depends(get_engine), settings: Settings = Depends(get_settings),
                   pm: pluggy.PluginManager = Depends(get_pm)) -> Response:
    project_admin.delete_project(engine, settings, project_id)
    if listening(pm):
        emit(pm, "PROJECT_DELETED", webhook_payload("PROJECT_DELETED", project={"id": project_id}))
    return Response(status_code=204)


@router.post("/api/projects/{project_id}/validate")
def validate_project_label_config(project_id: int, body: LabelConfigBody, session: Session = Depends(db),
                                  registry: Registry = Depends(get_registry),
                                  pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    """Would this config do for the project? 400 with the problems (its own, or annotations it
    would orphan), else whether it changes controls or labels."""
    project = get_project(session, project_id)
    config = project_admin.check_label_config(body.label_config, registry, pm)
    parsed = project_admin.ls_parsed_label_config(config)
    project_admin.check_config_keeps_annotations(session, project, config, parsed)
    return {"config_essential_data_has_changed":
            project_admin.essential_data_changed(project.parsed_label_config, parsed)}
