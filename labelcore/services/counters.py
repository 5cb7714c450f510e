"""Keeping the stored counters true: per task (annotation/prediction counts, is_labeled) and per
project (task_number, finished_task_number, ...).

Every service that adds, changes or removes tasks, annotations or predictions calls one of these
inside its own transaction, so counters and rows commit together. ``recount_tasks`` recomputes
the given tasks from their rows and moves the project's counters by the difference, however large
the project is; ``count_annotation``, for the hot path of submitting, moves both by a delta.

A task is done (``is_labeled``) when its annotations reach its overlap. Which annotations count
follows Label Studio's ``Task.completed_annotations``: submitted ones, and with the project's
``skip_queue`` at ``IGNORE_SKIPPED`` skipped ones too (with overlap 1 a skipped task is done).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlmodel import Session

from labelcore.db import chunks
from labelcore.models import Annotation, Prediction, Project, Task
from labelcore.services.distribution import IGNORE_SKIPPED

# project counter <- expression over the task rows it summarises
_PROJECT_SUMS = {
    "task_number": func.count(Task.id),
    "finished_task_number": func.coalesce(func.sum(case((Task.is_labeled, 1), else_=0)), 0),
    "total_annotations_number": func.coalesce(func.sum(Task.total_annotations), 0),
    "skipped_annotations_number": func.coalesce(func.sum(Task.cancelled_annotations), 0),
    "total_predictions_number": func.coalesce(func.sum(Task.total_predictions), 0),
    "num_tasks_with_annotations": func.coalesce(func.sum(case((Task.total_annotations > 0, 1), else_=0)), 0),
}


def skips_finish(skip_queue: str) -> bool:
    """Whether a project with this ``skip_queue`` counts skips towards a task's overlap."""
    return skip_queue == IGNORE_SKIPPED


def is_done(completed: int, cancelled: int, overlap: int, skips: bool) -> bool:
    """A task's ``is_labeled`` from its counts (``skips``: :func:`skips_finish` of its project)."""
    return completed + (cancelled if skips else 0) >= overlap


def _done(skips: bool):
    """:func:`is_done` as SQL over the task row."""
    counted = Task.total_annotations + Task.cancelled_annotations if skips else Task.total_annotations
    return counted >= Task.overlap


def _skips_finish_in(session: Session, project_id: int) -> bool:
    return skips_finish(session.exec(select(Project.skip_queue).where(Project.id == project_id)).scalar() or "")


def _sums(session: Session, condition) -> dict[str, int]:
    row = session.exec(select(*_PROJECT_SUMS.values()).where(condition)).one()
    return {key: int(value or 0) for key, value in zip(_PROJECT_SUMS, row)}


def add_to_project(session: Session, project_id: int, **deltas: int) -> None:
    """Move project counters by the given amounts (one UPDATE; concurrent-safe)."""
    values = {key: getattr(Project, key) + delta for key, delta in deltas.items() if delta}
    if values:
        session.exec(update(Project).where(Project.id == project_id).values(**values))


def count_annotation(session: Session, task_id: int, cancelled: bool, skips: bool, **task_values: Any) -> str | None:
    """Count one new annotation of the task (``cancelled``: a skip; ``skips``: :func:`skips_finish`
    of its project) in the task's and its project's counters, setting ``task_values`` on the task
    too: two UPDATEs by deltas, exact under concurrent writers (each works on the row as it is when
    it runs) and independent of the project's size.

    Returns the project's label config as this transaction sees it (one statement fewer for callers
    that checked a result against an older read), or None when the task does not exist."""
    task = Task.__table__
    column = task.c.cancelled_annotations if cancelled else task.c.total_annotations
    counted = task.c.total_annotations + task.c.cancelled_annotations if skips else task.c.total_annotations
    adds = 1 if skips or not cancelled else 0  # to the counted annotations
    row = session.exec(
        update(task).where(task.c.id == task_id)
        .values({column.key: column + 1, "is_labeled": counted + adds >= task.c.overlap, **task_values})
        .returning(task.c.project_id, task.c.total_annotations, task.c.cancelled_annotations, task.c.overlap)
    ).first()
    if row is None:
        return None
    project_id, total, skipped, overlap = row  # as this UPDATE left them
    done_before = is_done(total - (not cancelled), skipped - cancelled, overlap, skips)
    deltas = {"finished_task_number": int(is_done(total, skipped, overlap, skips)) - int(done_before)}
    if cancelled:
        deltas["skipped_annotations_number"] = 1
    else:
        deltas.update(total_annotations_number=1, num_tasks_with_annotations=int(total == 1))
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
    done = _done(_skips_finish_in(session, project_id))
    for chunk in chunks(ids):
        condition = Task.id.in_(chunk)
        before = _sums(session, condition)
        session.exec(update(Task).where(condition).values(
            total_annotations=completed,
            cancelled_annotations=cancelled,
            total_predictions=predictions,
        ).execution_options(synchronize_session=False))
        session.exec(update(Task).where(condition).values(is_labeled=done)
                     .execution_options(synchronize_session=False))
        after = _sums(session, condition)
        deltas = {key: after[key] - before[key] for key in after if key != "task_number"}
        add_to_project(session, project_id, **deltas)


def recount_project(session: Session, project_id: int) -> None:
    """Recompute a project's counters from its task rows (after bulk changes such as a new overlap
    or ``skip_queue``)."""
    session.exec(update(Task).where(Task.project_id == project_id)
                 .values(is_labeled=_done(_skips_finish_in(session, project_id)))
                 .execution_options(synchronize_session=False))
    sums = _sums(session, Task.project_id == project_id)
    session.exec(update(Project).where(Project.id == project_id).values(**sums))


def forget_tasks(session: Session, project_id: int, task_ids: Iterable[int]) -> None:
    """Subtract tasks that are about to be deleted from the project's counters."""
    ids = sorted(set(task_ids))
    for chunk in chunks(ids):
        sums = _sums(session, Task.id.in_(chunk))
        add_to_project(session, project_id, **{key: -value for key, value in sums.items()})
