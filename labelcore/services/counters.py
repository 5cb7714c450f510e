"""Keeping the stored counters true: per task (annotation/prediction counts, is_labeled) and per
project (task_number, finished_task_number, ...).

Every service that adds, changes or removes tasks, annotations or predictions calls one of these
inside its own transaction, so counters and rows commit together. ``recount_tasks`` recomputes
the given tasks from their rows and moves the project's counters by the difference, however large
the project is; ``count_annotation``, for the hot path of submitting, moves both by a delta.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlmodel import Session

from labelcore.db import chunks
from labelcore.models import Annotation, Prediction, Project, Task

# project counter <- expression over the task rows it summarises
_PROJECT_SUMS = {
    "task_number": func.count(Task.id),
    "finished_task_number": func.coalesce(func.sum(case((Task.is_labeled, 1), else_=0)), 0),
    "total_annotations_number": func.coalesce(func.sum(Task.total_annotations), 0),
    "skipped_annotations_number": func.coalesce(func.sum(Task.cancelled_annotations), 0),
    "total_predictions_number": func.coalesce(func.sum(Task.total_predictions), 0),
    "num_tasks_with_annotations": func.coalesce(func.sum(case((Task.total_annotations > 0, 1), else_=0)), 0),
}


def _sums(session: Session, condition) -> dict[str, int]:
    row = session.exec(select(*_PROJECT_SUMS.values()).where(condition)).one()
    return {key: int(value or 0) for key, value in zip(_PROJECT_SUMS, row)}


def add_to_project(session: Session, project_id: int, **deltas: int) -> None:
    """Move project counters by the given amounts (one UPDATE; concurrent-safe)."""
    values = {key: getattr(Project, key) + delta for key, delta in deltas.items() if delta}
    if values:
        session.exec(update(Project).where(Project.id == project_id).values(**values))


def count_annotation(session: Session, task_id: int, cancelled: bool, **task_values: Any) -> str | None:
    """Count one new annotation of the task (``cancelled``: a skip) in the task's and its project's
    counters, setting ``task_values`` on the task too: two UPDATEs by deltas, exact under concurrent
    writers (each works on the row as it is when it runs) and independent of the project's size.
    The task's stored ``is_labeled`` is taken to be ``total_annotations >= overlap``, as every
    recount leaves it.

    Returns the project's label config as this transaction sees it (one statement fewer for callers
    that checked a result against an older read), or None when the task does not exist."""
    task = Task.__table__
    column = task.c.cancelled_annotations if cancelled else task.c.total_annotations
    added = 0 if cancelled else 1
    row = session.exec(
        update(task).where(task.c.id == task_id)
        .values({column.key: column + 1, "is_labeled": task.c.total_annotations + added >= task.c.overlap,
                 **task_values})
        .returning(task.c.project_id, task.c.total_annotations, task.c.overlap)
    ).first()
    if row is None:
        return None
    project_id, total, overlap = row
    if cancelled:
        deltas = {"skipped_annotations_number": 1}
    else:
        deltas = {"total_annotations_number": 1, "num_tasks_with_annotations": int(total == 1),
                  "finished_task_number": int(total >= overlap) - int(total - 1 >= overlap)}
    project = Project.__table__
    return session.exec(
        update(project).where(project.c.id == project_id)
        .values({key: project.c[key] + delta for key, delta in deltas.items() if delta})
        .returning(project.c.label_config)
    ).scalar()


def recount_tasks(session: Session, project_id: int, task_ids: Iterable[int]) -> None:
    """Recompute the counters of these tasks from their rows and adjust the project's."""
    ids = sorted(set(task_ids))
    if not ids:
        return
    completed = (select(func.count(Annotation.id))
                 .where(and_(Annotation.task_id == Task.id, Annotation.was_cancelled == False))  # noqa: E712
                 .scalar_subquery())
    cancelled = (select(func.count(Annotation.id))
                 .where(and_(Annotation.task_id == Task.id, Annotation.was_cancelled == True))  # noqa: E712
                 .scalar_subquery())
    predictions = select(func.count(Prediction.id)).where(Prediction.task_id == Task.id).scalar_subquery()
    for chunk in chunks(ids):
        condition = Task.id.in_(chunk)
        before = _sums(session, condition)
        session.exec(update(Task).where(condition).values(
            total_annotations=completed,
            cancelled_annotations=cancelled,
            total_predictions=predictions,
        ).execution_options(synchronize_session=False))
        session.exec(update(Task).where(condition).values(is_labeled=Task.total_annotations >= Task.overlap)
                     .execution_options(synchronize_session=False))
        after = _sums(session, condition)
        deltas = {key: after[key] - before[key] for key in after if key != "task_number"}
        add_to_project(session, project_id, **deltas)


def recount_project(session: Session, project_id: int) -> None:
    """Recompute a project's counters from its task rows (after bulk changes such as a new overlap)."""
    session.exec(update(Task).where(Task.project_id == project_id)
                 .values(is_labeled=Task.total_annotations >= Task.overlap)
                 .execution_options(synchronize_session=False))
    sums = _sums(session, Task.project_id == project_id)
    session.exec(update(Project).where(Project.id == project_id).values(**sums))


def forget_tasks(session: Session, project_id: int, task_ids: Iterable[int]) -> None:
    """Subtract tasks that are about to be deleted from the project's counters."""
    ids = sorted(set(task_ids))
    for chunk in chunks(ids):
        sums = _sums(session, Task.id.in_(chunk))
        add_to_project(session, project_id, **{key: -value for key, value in sums.items()})
