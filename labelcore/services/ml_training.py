"""Training a project's models: claiming a training run, the training job, forwarding annotation events.

A run is claimed with one UPDATE (state ``TR``, ``annotations_at_last_train`` = the project's
annotation count) that only succeeds when the backend is not already training and, for automatic
runs, when enough annotations arrived since the last one; so concurrent triggers start one run.
The job then calls ``model.fit("START_TRAINING", {"project", "tasks"})`` with the project's
annotated tasks streamed from the database, and records the model version it produced.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlmodel import select

from labelcore.db import read_session, write_session
from labelcore.errors import LabelcoreError
from labelcore.jobs import JobContext
from labelcore.models import MLBackend, Project
from labelcore.services import ml_backends
from labelcore.services.exporting import iter_tasks

log = logging.getLogger(__name__)


def claim_training(engine: Any, backend_id: int, every: int | None = None) -> bool:
    """Mark the backend as training, once: False when it already trains or (``every``) fewer than
    ``every`` annotations were made since its last run."""
    with write_session(engine) as session:
        total = select(Project.total_annotations_number).where(Project.id == MLBackend.project_id).scalar_subquery()
        statement = update(MLBackend).where(MLBackend.id == backend_id, MLBackend.state != ml_backends.TRAINING)
        if every is not None:
            statement = statement.where(total - MLBackend.annotations_at_last_train >= every)
        claimed = session.exec(statement.values(state=ml_backends.TRAINING, error_message=None,
                                                annotations_at_last_train=total)
                               .returning(MLBackend.id)).first()
    return claimed is not None


def project_json(project: Project) -> dict[str, Any]:
    return {"id": project.id, "title": project.title, "label_config": project.label_config}


def run_training(context: JobContext, backend_id: int) -> None:
    """Job: fit the backend's model on the project's annotated tasks; ``CO`` with the new model
    version after, ``ER`` with the message on a failure (raised)."""
    row, project = ml_backends.backend_and_project(context.engine, backend_id)
    try:
        model = ml_backends.model_for(context, row, project)
        fit = getattr(model, "fit", None)
        if fit is None:
            raise LabelcoreError(f"ML backend {row.title!r} ({row.backend}) cannot train")
        tasks = iter_tasks(context.engine, project.id, only_annotated=True, expand=("predictions",))
        result = ml_backends.call_model("training", row, lambda: fit("START_TRAINING",
                                                                {"project": project_json(project), "tasks": tasks}))
    except LabelcoreError as exc:
        ml_backends.set_state(context.engine, row.id, ml_backends.ERROR, exc.message)
        raise
    version = str((result or {}).get("model_version") or "") if isinstance(result, dict) else ""
    version = version or ml_backends.model_version_of(model) or row.model_version
    with write_session(context.engine) as session:
        session.exec(update(MLBackend).where(MLBackend.id == row.id)
                     .values(state=ml_backends.CONNECTED, error_message=None, model_version=version))
        if row.model_version and version != row.model_version:
            # a project showing this backend's predictions goes on showing its newest ones
            session.exec(update(Project).where(Project.id == project.id, Project.model_version == row.model_version)
                         .values(model_version=version))


def forward_event(context: JobContext, backend_id: int, event: str, payload: dict[str, Any]) -> None:
    """Job: hand an annotation event to the model's ``fit`` (Label Studio's webhook to ML servers)."""
    row, project = ml_backends.backend_and_project(context.engine, backend_id)
    try:
        model = ml_backends.model_for(context, row, project)
        fit = getattr(model, "fit", None)
        if fit is not None:
            data = {**payload, "project": project_json(project)}
            ml_backends.call_model(f"fit({event})", row, lambda: fit(event, data))
    except LabelcoreError as exc:
        ml_backends.set_state(context.engine, row.id, ml_backends.ERROR, exc.message)
        raise


def forward_annotation(context: JobContext, backend_id: int, event: str, annotation_id: int | None,
                       task_id: int | None) -> None:
    """Job: ``forward_event`` with the annotation and task read now, in Label Studio's JSON."""
    from labelcore.api.serializers import annotation_json, task_json
    from labelcore.jsonio import dumps, loads
    from labelcore.models import Annotation, Task

    payload: dict[str, Any] = {"action": event}
    with read_session(context.engine) as session:
        annotation = session.get(Annotation, annotation_id) if annotation_id is not None else None
        task = session.get(Task, task_id) if task_id is not None else None
        if annotation is not None:
            payload["annotation"] = annotation_json(annotation)
        elif annotation_id is not None:
            payload["annotation"] = {"id": annotation_id}
        if task is not None:
            payload["task"] = task_json(task)
    forward_event(context, backend_id, event, loads(dumps(payload)))


def annotation_changed(queue: Any, engine: Any, registry: Any, project_id: int, event: str,
                       annotation_id: int | None = None, task_id: int | None = None) -> list[str]:
    """After an annotation event has committed: start a training run of each backend of the project
    that trains automatically (``auto_update``) once ``min_annotations_to_start_training`` (N >= 1;
    0 turns automatic training off) annotations arrived since its last run, and forward the event
    to ``remote`` backends that train automatically. Returns the submitted job ids."""
    if not ml_backends.project_models(engine, project_id).auto_update:
        return []
    with read_session(engine) as session:
        rows = list(session.exec(select(MLBackend).where(MLBackend.project_id == project_id,
                                                         MLBackend.auto_update == True)))  # noqa: E712
        every = session.exec(select(Project.min_annotations_to_start_training)
                             .where(Project.id == project_id)).first() if rows else None
    jobs = []
    for row in rows:
        spec = registry.ml_backends.get(row.backend)
        if spec is None or not spec.can_train:
            continue
        if row.backend == "remote":
            jobs.append(queue.submit(forward_annotation, row.id, event, annotation_id, task_id))
        if event != "ANNOTATIONS_DELETED" and every and every > 0 and claim_training(engine, row.id, every):
            jobs.append(queue.submit(run_training, row.id))
    return jobs
