"""Asking a project's models for predictions and storing them like imported ones.

Tasks go to ``model.predict`` in Label Studio's JSON, ``batch_size`` at a time. Each batch's
predictions are checked against the config and their tasks' data exactly as a predictions import
is (``import_check.check_predictions``), then written in bulk with the counters in one transaction
(``import_writer.write_predictions``): a batch is stored whole or not at all. A failure (the model
raised, returned the wrong number of predictions, or an invalid one) is recorded on the backend row
(state ``ER`` and ``error_message``, naming the task) and ends the run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from sqlalchemy import exists, func, select

from labelcore.db import chunks, read_session, write_session
from labelcore.errors import LabelcoreError
from labelcore.jobs import JobContext
from labelcore.models import MLBackend, Prediction, Project, Task
from labelcore.services import ml_backends
from labelcore.services.exporting import TaskSelection, iter_selected
from labelcore.services.import_check import ImportProblems, check_predictions
from labelcore.services.import_writer import write_predictions
from labelcore.services.ml_backends import MLBackendError
from labelcore.services.projects import parsed_config

log = logging.getLogger(__name__)

DEFAULT_BATCH = 100
MAX_BATCH = 1000

# synchronous predictions (/next) run here so the backend's timeout can be enforced
_SYNC_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="labelcore-predict")


def batch_size_of(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_BATCH
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise LabelcoreError(f"batch_size: {value!r} is not a whole number") from None
    if not 1 <= size <= MAX_BATCH:
        raise LabelcoreError(f"batch_size: must be between 1 and {MAX_BATCH}, got {size}")
    return size


def _lacking(version: str):
    """SQL: the task has no prediction of this model version."""
    return ~exists().where(Prediction.task_id == Task.id, Prediction.model_version == version)


def predict_batch(ctx: JobContext, row: MLBackend, project: Project, model: Any, task_ids: list[int],
                  context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Ask the model about these tasks and check its answers; returns prediction items
    ``{task, result, score, model_version}`` ready for ``store``. Raises MLBackendError."""
    selection = TaskSelection(project_id=project.id, only_annotated=False, ids=tuple(sorted(task_ids)))
    tasks = list(iter_selected(ctx.engine, selection, expand={"predictions"}))
    if not tasks:
        return []
    answers = ml_backends.call_model("predict", row, lambda: model.predict(tasks, context))
    if not isinstance(answers, list) or len(answers) != len(tasks):
        got = len(answers) if isinstance(answers, list) else type(answers).__name__
        raise MLBackendError(f"ML backend {row.title!r} returned {got} predictions for {len(tasks)} tasks "
                             f"(task ids {tasks[0]['id']}..{tasks[-1]['id']})")
    version = ml_backends.model_version_of(model) or row.model_version
    items = []
    for task, answer in zip(tasks, answers):
        if hasattr(answer, "model_dump"):
            answer = answer.model_dump()
        if not isinstance(answer, dict):
            raise MLBackendError(f"ML backend {row.title!r} returned {type(answer).__name__} for task {task['id']}, "
                                 "not a prediction")
        items.append({"task": task["id"], "result": answer.get("result"), "score": answer.get("score"),
                      "model_version": answer.get("model_version") or version})
    return items


def store(ctx: JobContext, row: MLBackend, project: Project, items: list[dict[str, Any]]) -> int:
    """Check and write prediction items in one transaction (all or none); returns how many."""
    if not items:
        return 0
    config = parsed_config(project.label_config, ctx.registry, ctx.pm)
    try:
        checked = check_predictions(ctx.engine, project.id, items, config)
    except ImportProblems as exc:
        def name_task(match: re.Match) -> str:
            return f"task {items[int(match.group(1))]['task']}"

        problems = [re.sub(r"^prediction\[(\d+)\]", name_task, problem) for problem in exc.problems]
        raise MLBackendError(f"ML backend {row.title!r} returned invalid predictions, none were stored: "
                             f"{'; '.join(problems)}") from None
    with write_session(ctx.engine) as session:
        write_predictions(session, project.id, project.label_config, checked)
    return len(checked.rows)


def _task_ids(ctx: JobContext, project_id: int, version: str, among: list[int] | None,
              batch: int) -> Iterator[list[int]]:
    """Ids of the project's tasks without a prediction of ``version``, in id order, ``batch`` at a time."""
    last = 0
    wanted = sorted(set(among)) if among is not None else None
    while True:
        query = select(Task.id).where(Task.project_id == project_id, Task.id > last, _lacking(version))
        if wanted is not None:
            chunk = [task_id for task_id in wanted if task_id > last][:batch]
            if not chunk:
                return
            query = query.where(Task.id.in_(chunk))
        with read_session(ctx.engine) as session:
            ids = list(session.exec(query.order_by(Task.id).limit(batch)).scalars())
        if wanted is not None:
            last = chunk[-1]
            if ids:
                yield ids
            continue
        if not ids:
            return
        last = ids[-1]
        yield ids


def count_lacking(ctx: JobContext, project_id: int, version: str, among: list[int] | None) -> int:
    query = select(func.count(Task.id)).where(Task.project_id == project_id, _lacking(version))
    with read_session(ctx.engine) as session:
        if among is None:
            return session.exec(query).scalar()
        return sum(session.exec(query.where(Task.id.in_(chunk))).scalar() for chunk in chunks(sorted(set(among))))


def predict_tasks(ctx: JobContext, backend_id: int, task_ids: list[int] | None, batch_size: int = DEFAULT_BATCH,
                  report: Any = None) -> int:
    """Predict the project's tasks (``task_ids``, or all) that lack a prediction of the backend's
    model version, batch by batch. The backend is ``PR`` meanwhile, ``CO`` after, ``ER`` (with the
    message) on a failure, which is raised. Returns how many predictions were stored."""
    row, project = ml_backends.backend_and_project(ctx.engine, backend_id)
    try:
        model = ml_backends.model_for(ctx, row, project)
    except LabelcoreError as exc:
        ml_backends.set_state(ctx.engine, row.id, ml_backends.ERROR, exc.message)
        raise
    version = ml_backends.model_version_of(model) or row.model_version
    total = count_lacking(ctx, project.id, version, task_ids)
    ml_backends.set_state(ctx.engine, row.id, ml_backends.PREDICTING, model_version=version)
    done = stored = 0
    if report is not None:
        report(0, total)
    try:
        for ids in _task_ids(ctx, project.id, version, task_ids, batch_size):
            stored += store(ctx, row, project, predict_batch(ctx, row, project, model, ids))
            done += len(ids)
            if report is not None:
                report(done, total)
    except LabelcoreError as exc:
        ml_backends.set_state(ctx.engine, row.id, ml_backends.ERROR, exc.message)
        raise
    ml_backends.set_state(ctx.engine, row.id, ml_backends.CONNECTED)
    return stored


def run_predictions(context: JobContext, backend_ids: list[int], task_ids: list[int] | None,
                    batch_size: int = DEFAULT_BATCH) -> None:
    """Job: ``predict_tasks`` with each backend in turn; progress counts tasks over all of them."""
    base = 0
    for backend_id in backend_ids:
        seen = [0]

        def report(done: int, total: int) -> None:
            seen[0] = total
            context.report(base + done, base + total)

        predict_tasks(context, backend_id, task_ids, batch_size, report)
        base += seen[0]


def automatic_backends(engine: Any, project_id: int) -> list[int]:
    """The backends that predict a project's new tasks in the background: its pre-labeling backend
    when the project has ``evaluate_predictions_automatically`` (none otherwise)."""
    with read_session(engine) as session:
        project = session.get(Project, project_id)
        if project is None or not project.evaluate_predictions_automatically:
            return []
        row = ml_backends.prelabeling_backend(session, project_id)
    return [row.id] if row is not None else []


def ensure_prediction(ctx: JobContext, project: Project, task_id: int) -> None:
    """Before a task is shown for labeling: if the project's pre-labeling backend makes the version
    the project shows and the task has no prediction of it, predict it now (within the backend's
    timeout). Failures are recorded on the backend and never raised: labeling goes on without."""
    if not ml_backends.project_models(ctx.engine, project.id).prelabels:
        return
    with read_session(ctx.engine) as session:
        row = ml_backends.prelabeling_backend(session, project.id)
        if row is None:
            return
        wanted = project.model_version or row.model_version
        if row.model_version and row.model_version != wanted:
            return  # the project shows another model's (or an imported) version
        has_one = session.exec(select(Prediction.id).where(Prediction.task_id == task_id,
                                                           Prediction.model_version == wanted).limit(1)).first()
    if has_one is not None:
        return

    def predict() -> None:
        model = ml_backends.model_for(ctx, row, project)
        store(ctx, row, project, predict_batch(ctx, row, project, model, [task_id]))

    future = _SYNC_POOL.submit(predict)
    try:
        future.result(timeout=row.timeout or None)
    except FutureTimeout:
        ml_backends.set_state(ctx.engine, row.id, ml_backends.ERROR,
                              f"ML backend {row.title!r} did not answer within its timeout of {row.timeout:g} s "
                              f"(task {task_id})")
    except LabelcoreError as exc:
        ml_backends.set_state(ctx.engine, row.id, ml_backends.ERROR, exc.message)
    except Exception as exc:  # a write conflict or database error must not break labeling either
        log.exception("predicting task %s with ML backend %s failed", task_id, row.id)
        ml_backends.set_state(ctx.engine, row.id, ml_backends.ERROR, f"{type(exc).__name__}: {exc}")
    else:
        if row.state != ml_backends.CONNECTED:
            ml_backends.set_state(ctx.engine, row.id, ml_backends.CONNECTED)


def predict_one(ctx: JobContext, row: MLBackend, project: Project, task_id: int,
                context: dict[str, Any] | None = None) -> dict[str, Any]:
    """One task's prediction, not stored (``/predict/test`` and interactive annotating)."""
    model = ml_backends.model_for(ctx, row, project)
    items = predict_batch(ctx, row, project, model, [task_id], context)
    if not items:
        raise LabelcoreError(f"task {task_id} is not a task of project {project.id}")
    config = parsed_config(project.label_config, ctx.registry, ctx.pm)
    try:
        check_predictions(ctx.engine, project.id, items, config)
    except ImportProblems as exc:
        raise MLBackendError(f"ML backend {row.title!r} returned an invalid prediction for task {task_id}: "
                             f"{'; '.join(p.split(': ', 1)[-1] for p in exc.problems)}") from None
    return items[0]
