"""Predictions (Label Studio's PredictionAPI): model pre-labels of a task, checked like annotations."""

from __future__ import annotations

from typing import Any

import pluggy
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, select

from labelcore.api.deps import current_user, db, get_engine, get_pm, get_registry
from labelcore.api.serializers import prediction_json
from labelcore.api.tasks import get_task
from labelcore.db import write_session
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.models import Prediction
from labelcore.registry import Registry
from labelcore.services import annotations as annotation_service
from labelcore.services.projects import get_project

router = APIRouter(tags=["predictions"], dependencies=[Depends(current_user)])


class PredictionBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task: int | None = None
    result: Any = None
    score: Any = None
    model_version: str | None = None
    cluster: int | None = None
    neighbors: Any = None
    mislabeling: float | None = None


def get_prediction(session: Session, prediction_id: int) -> Prediction:
    prediction = session.get(Prediction, prediction_id)
    if prediction is None:
        raise NotFoundError(f"prediction {prediction_id} not found")
    return prediction


@router.get("/api/predictions")
def list_predictions(session: Session = Depends(db), task: int | None = None, project: int | None = None,
                     task__project: int | None = None) -> list:
    """Predictions, optionally of one task or one project, in id order."""
    query = select(Prediction)
    if task is not None:
        query = query.where(Prediction.task_id == task)
    for project_id in (project, task__project):
        if project_id is not None:
            query = query.where(Prediction.project_id == project_id)
    return [prediction_json(row) for row in session.exec(query.order_by(Prediction.id))]


@router.post("/api/predictions", status_code=201)
def create_prediction(body: PredictionBody, engine: Engine = Depends(get_engine),
                      registry: Registry = Depends(get_registry), pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    if body.task is None:
        raise LabelcoreError("task: This field is required.")
    if body.result is None:
        raise LabelcoreError("result: This field is required.")
    with write_session(engine) as session:
        task = get_task(session, body.task)
        project = get_project(session, task.project_id)
        prediction = annotation_service.create_prediction(session, project, task, body.model_dump(exclude_unset=True),
                                                          registry, pm)
        return prediction_json(prediction)


@router.get("/api/predictions/{prediction_id}")
def get_prediction_detail(prediction_id: int, session: Session = Depends(db)) -> dict:
    return prediction_json(get_prediction(session, prediction_id))


def _update(prediction_id: int, body: PredictionBody, engine: Engine, registry: Registry,
            pm: pluggy.PluginManager) -> dict:
    values = body.model_dump(exclude_unset=True)
    with write_session(engine) as session:
        prediction = get_prediction(session, prediction_id)
        old_task_id = prediction.task_id
        task = get_task(session, values.get("task") or prediction.task_id)
        if task.project_id != prediction.project_id:
            raise LabelcoreError("task: a prediction can only move to a task of the same project.")
        project = get_project(session, task.project_id)
        if task.id != old_task_id:
            prediction.task_id = task.id
            values.setdefault("result", prediction.result)  # re-checked against the new task's data
        prediction = annotation_service.update_prediction(session, project, task, prediction, values, registry, pm)
        if task.id != old_task_id:
            annotation_service.move_prediction(session, prediction, old_task_id)
        return prediction_json(prediction)


@router.api_route("/api/predictions/{prediction_id}", methods=["PATCH", "PUT"])  # PUT: Label Studio accepts both
def update_prediction(prediction_id: int, body: PredictionBody, engine: Engine = Depends(get_engine),
                      registry: Registry = Depends(get_registry), pm: pluggy.PluginManager = Depends(get_pm)) -> dict:
    return _update(prediction_id, body, engine, registry, pm)


@router.delete("/api/predictions/{prediction_id}", status_code=204)
def delete_prediction(prediction_id: int, engine: Engine = Depends(get_engine)) -> Response:
    with write_session(engine) as session:
        annotation_service.delete_prediction(session, get_prediction(session, prediction_id))
    return Response(status_code=204)
