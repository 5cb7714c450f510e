"""Handing out tasks to annotators (``/next``): one atomic step per call, so no task ever has more
annotators at once than its overlap, across threads and across server processes.

A task is *open* to user U when it is not ``is_labeled``, U has no annotation on it (a skip is an
annotation with ``was_cancelled``), U has not postponed it (a draft with ``was_postponed``), and
the annotators who hold it stay below ``task.overlap``:

    completed annotations + counted skips + live locks of other users who have not annotated it < overlap

Which skips count follows Label Studio's ``skip_queue`` (tasks/models.py ``get_lock_exclude_query``):
``REQUEUE_FOR_OTHERS`` counts none (a skipped task goes back to the others; the skipper never gets
it again), ``REQUEUE_FOR_ME`` counts everyone's skips but the asker's (a skipped task stays with
its skipper, who gets it back after the rest of the queue), ``IGNORE_SKIPPED`` counts every skip
as an annotation (with overlap 1, a skipped task is done for everyone).

One call to :func:`assign_next_task`, inside one write transaction:

1. Reads that need no atomicity (:func:`plan_next`, which /next runs in a read session before the
   write session, so on SQLite they stay out of the single writer lock): whether the caller has
   postponed drafts, (random order) a random starting id, and whether the project has lock rows
   to refresh or clear. Then PostgreSQL takes ``pg_advisory_xact_lock(<ns>, project_id)`` (below);
   on SQLite the write session's ``BEGIN IMMEDIATE`` already serialises every writer of the file.
   "Now", against which locks expire, is read only once the lock is held. When the plan saw no
   lock rows of the caller and none expired, step 3's INSERT ... SELECT runs at once, guarded by
   "the caller still has no lock in the project"; only if it claims nothing do steps 2-4 follow.
2. "Task lock": the caller's own live lock on a task still open to them is refreshed and returned,
   so asking again gives the same task until it is submitted, skipped, or the lock expires.
3. Otherwise the caller's other locks in the project (stale) and the project's expired locks are
   deleted, and one ``INSERT INTO tasklock ... SELECT`` picks the first open task in the sampler's
   order and writes the caller's lock row in the same statement. The candidate walk runs on
   ``ix_task_project_labeled_id`` (project_id, is_labeled, id) and stops at the first open task;
   each row costs a few index probes (annotations and locks by task), never a scan of the project.
4. When nothing is left: the caller's postponed drafts, then (``REQUEUE_FOR_ME``) their skips,
   each again as one INSERT ... SELECT with the same overlap check.

Why an advisory lock on PostgreSQL rather than ``SELECT ... FOR UPDATE SKIP LOCKED``: the overlap
check counts *lock rows of other transactions*. Under READ COMMITTED a statement's snapshot is
taken when it starts, so a row lock on the task (SKIP LOCKED) does not make the count inside the
same statement see a lock row another transaction committed a moment earlier; it would need a
second, re-counting statement per candidate (a per-row loop), and with overlap > 1 SKIP LOCKED
also hides tasks that still have room. A transaction-level advisory lock per project, taken in its
own statement before anything that decides the assignment is read, makes every later statement
see all earlier assignments: correct by construction (READ COMMITTED, PostgreSQL's default, is
assumed: each statement after the lock takes a fresh snapshot), and held only for steps 2-4 and
the commit, a few milliseconds. Projects do not contend with each other, and submitting an
annotation does not take the lock: it adds the annotation and drops the submitter's lock in the
same transaction (:func:`release_lock`), so no one ever sees the task with neither.
"""

from __future__ import annotations

import logging
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Integer, and_, bindparam, delete, exists, func, insert, literal, or_, select, text, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlmodel import Session

from labelcore.models import Annotation, Draft, Prediction, Project, Task, TaskLock
from labelcore.registry import Registry
from labelcore.specs import SamplerSpec

log = logging.getLogger(__name__)

DEFAULT_SAMPLER = "Sequential sampling"
_warned: set[tuple[int, str]] = set()

REQUEUE_FOR_ME = "REQUEUE_FOR_ME"
REQUEUE_FOR_OTHERS = "REQUEUE_FOR_OTHERS"
IGNORE_SKIPPED = "IGNORE_SKIPPED"

# Label Studio's names for where a task came from (the `queue` field of /next)
_LS_QUEUE_NAMES = {
    "Sequential sampling": "Sequence queue",
    "Uniform sampling": "Uniform random queue",
    "Uncertainty sampling": "Active learning or random queue",
}

# first key of the two-key advisory lock: "labelcore next task", so other advisory lock users
# (keyed by their own namespace) never collide with a project id
_ADVISORY_NAMESPACE = zlib.crc32(b"labelcore.next_task") & 0x7FFFFFFF

_EXPIRE_AT_TYPE = TaskLock.__table__.c.expire_at.type
# "now" and the new lock's expiry in claims prepared before the writer lock (:func:`plan_next`)
_NOW = bindparam("next_now", type_=_EXPIRE_AT_TYPE)
_EXPIRE_AT = bindparam("next_expire_at", type_=_EXPIRE_AT_TYPE)


class RandomStart(ColumnElement):
    """An ORDER BY item for :class:`~labelcore.specs.SamplerSpec`: task id order, walked from a random
    task onwards and wrapping around to the lowest id.

    As SQL it is just ``task.id``. When it comes first in a sampler's ``order_by``, /next picks a
    random id between the project's lowest and highest open task (two index lookups) and probes
    ``id >= pivot`` then ``id < pivot``: random order in O(log n), where ``ORDER BY random()`` would
    sort every open task on every call.
    """

    inherit_cache = True
    type = Integer()


@compiles(RandomStart)
def _compile_random_start(element, compiler, **kw):
    return compiler.process(Task.__table__.c.id, **kw)


@dataclass(frozen=True)
class Assignment:
    """The task /next hands out, and the queue it came from (Label Studio's ``queue`` string)."""

    task_id: int
    queue: str


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def sampler_for(registry: Registry, project: Project) -> SamplerSpec:
    """The project's sampler. A ``sampling`` no installed plugin provides (say, of a plugin since
    uninstalled) does not fail /next: it falls back to sequential order."""
    samplers = registry.samplers
    spec = samplers.get(project.sampling)
    if spec is None:
        spec = samplers[DEFAULT_SAMPLER]
        if (project.id, project.sampling) not in _warned:
            _warned.add((project.id, project.sampling))
            log.warning("project %s: no sampler %r is installed; /next uses %r", project.id, project.sampling, spec.id)
    return spec


def _queue_name(spec: SamplerSpec) -> str:
    return _LS_QUEUE_NAMES.get(spec.id, f"{spec.title} queue")


# --------------------------------------------------------------------------- conditions


def _annotated_by(user_id: Any, task_id: Any = Task.id, **only: Any):
    """EXISTS an annotation of ``user_id`` on the task (``only``: extra column filters)."""
    condition = and_(Annotation.task_id == task_id, Annotation.completed_by_id == user_id,
                     *[getattr(Annotation, column) == value for column, value in only.items()])
    return exists().where(condition).correlate_except(Annotation)


def _taken(project: Project, user_id: int, now: datetime | ColumnElement, for_skipper: bool = False):
    """How many annotators hold the task, as ``user_id`` sees it (an SQL expression over Task)."""
    live_locks = (
        select(func.count(TaskLock.id))
        .where(TaskLock.task_id == Task.id, TaskLock.user_id != user_id, TaskLock.expire_at > now,
               # a lock whose holder has since annotated the task is already counted as that annotation
               ~_annotated_by(TaskLock.user_id, TaskLock.task_id))
        .correlate_except(TaskLock).scalar_subquery()
    )
    taken = Task.total_annotations + live_locks
    if project.skip_queue == REQUEUE_FOR_OTHERS:
        return taken
    if for_skipper:
        # REQUEUE_FOR_ME, the skipper's own queue: everyone's skips but the asker's
        others_skips = (
            select(func.count(Annotation.id))
            .where(Annotation.task_id == Task.id, Annotation.was_cancelled == True,  # noqa: E712
                   or_(Annotation.completed_by_id.is_(None), Annotation.completed_by_id != user_id))
            .correlate_except(Annotation).scalar_subquery()
        )
        return taken + others_skips
    return taken + Task.cancelled_annotations


def _postponed_by(user_id: int):
    postponed = and_(Draft.task_id == Task.id, Draft.user_id == user_id, Draft.was_postponed == True)  # noqa: E712
    return exists().where(postponed).correlate_except(Draft)


def _open_to(project: Project, user_id: int, now: datetime | ColumnElement, has_postponed: bool) -> list[Any]:
    """WHERE clauses of the regular queue: open tasks of the project for this user."""
    clauses = [
        Task.project_id == project.id,
        Task.is_labeled == False,  # noqa: E712
        ~_annotated_by(user_id),
        _taken(project, user_id, now) < Task.overlap,
    ]
    if has_postponed:
        clauses.append(~_postponed_by(user_id))
    return clauses


@dataclass(frozen=True)
class NextPlan:
    """What /next reads before it takes the writer lock (see :func:`plan_next`)."""

    has_postponed: bool
    pivot: int | None
    tidy: bool
    #: without ``tidy``: the INSERT ... SELECT claims of the regular queue, bound to ``_NOW`` and ``_EXPIRE_AT``
    claims: tuple[Any, ...] = ()


def plan_next(session: Session, project: Project, user_id: int, sampler: SamplerSpec) -> NextPlan:
    """The reads of /next that need no atomicity, for any session (a read session keeps them out of
    SQLite's single writer lock): whether the caller has postponed drafts (most have none, and then
    the regular queue needs no per-task draft probe), where a random walk starts (any open id will
    do), and whether the project has lock rows to refresh or clear (``tidy``: the caller holds one,
    or one has expired). Without ``tidy`` the locked step is one prepared INSERT ... SELECT."""
    postponed = (select(Draft.id).join(Task, Task.id == Draft.task_id)
                 .where(Draft.user_id == user_id, Draft.was_postponed == True,  # noqa: E712
                        Task.project_id == project.id))
    locks = select(TaskLock.id).where(TaskLock.project_id == project.id,
                                      or_(TaskLock.user_id == user_id, TaskLock.expire_at <= utcnow()))
    has_postponed, tidy = session.exec(select(postponed.exists(), locks.exists())).one()
    order = list(sampler.order_by(project))
    pivot = _random_pivot(session, project) if order and isinstance(order[0], RandomStart) else None
    claims: list[Any] = []
    if not tidy:
        # built here, outside the writer lock (building one costs about as much as running it); the guard
        # makes a claim give way to the full step if the caller has taken a lock since (a concurrent /next)
        no_lock_of_caller = ~exists().where(TaskLock.project_id == project.id, TaskLock.user_id == user_id
                                            ).correlate_except(TaskLock)
        claims = _regular_claims(project, user_id, order, bool(has_postponed), pivot, _NOW, _EXPIRE_AT,
                                 no_lock_of_caller)
    return NextPlan(bool(has_postponed), pivot, bool(tidy), tuple(claims))


# --------------------------------------------------------------------------- the atomic step


def _lock_project(session: Session, project_id: int) -> datetime:
    """Serialise /next in the project until the transaction ends; returns the time it was granted.

    The time is read once the lock is held: a clock read before a wait would let a lock that expired
    during the wait pass for live. PostgreSQL reads the database's clock (one clock for every server
    process); on SQLite, BEGIN IMMEDIATE has already excluded every other writer of the file.
    """
    if session.get_bind().dialect.name == "postgresql":
        return session.exec(text("SELECT pg_advisory_xact_lock(:namespace, :project_id), clock_timestamp()"),
                            params={"namespace": _ADVISORY_NAMESPACE, "project_id": project_id}).one()[1]
    return utcnow()


def _refresh_own_lock(session: Session, project: Project, user_id: int, now: datetime,
                      expire_at: datetime) -> int | None:
    task_is_open = exists().where(Task.id == TaskLock.task_id, Task.is_labeled == False,  # noqa: E712
                                  ~_annotated_by(user_id, TaskLock.task_id), ~_postponed_by(user_id)
                                  ).correlate_except(Task)
    refreshed = session.exec(
        update(TaskLock)
        .where(TaskLock.project_id == project.id, TaskLock.user_id == user_id, TaskLock.expire_at > now,
               task_is_open)
        .values(expire_at=expire_at)
        .returning(TaskLock.task_id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    return min(refreshed) if refreshed else None


def _claim(project: Project, user_id: int, expire_at: datetime | ColumnElement, query):
    """The INSERT that locks the first task ``query`` (a SELECT of Task.id, ordered, LIMIT 1) finds."""
    chosen = query.subquery()
    if not isinstance(expire_at, ColumnElement):
        expire_at = literal(expire_at, _EXPIRE_AT_TYPE)
    locks = TaskLock.__table__  # a Core INSERT: with ORM's, execution parameters would mean rows to insert
    return insert(locks).from_select(
        ["task_id", "project_id", "user_id", "expire_at"],
        select(chosen.c.id, literal(project.id), literal(user_id), expire_at),
    ).returning(locks.c.task_id)


def _claim_first(session: Session, claims: Sequence[Any], params: dict[str, Any] | None = None) -> int | None:
    """Run the claims in turn until one locks a task; its id (None when none did)."""
    for claim in claims:
        task_id = session.exec(claim, params=params).scalar()
        if task_id is not None:
            return task_id
    return None


def _lock_first(session: Session, project: Project, user_id: int, expire_at: datetime, query) -> int | None:
    """Lock the first task ``query`` finds; one statement."""
    return _claim_first(session, [_claim(project, user_id, expire_at, query)])


def _random_pivot(session: Session, project: Project) -> int | None:
    open_ids = select(Task.id).where(Task.project_id == project.id, Task.is_labeled == False)  # noqa: E712
    low, high = session.exec(select(
        open_ids.order_by(Task.id).limit(1).scalar_subquery(),
        open_ids.order_by(Task.id.desc()).limit(1).scalar_subquery(),
    )).one()
    if low is None:
        return None
    return random.randint(low, high)


def _regular_claims(project: Project, user_id: int, order: list[Any], has_postponed: bool, pivot: int | None,
                    now: datetime | ColumnElement, expire_at: datetime | ColumnElement, *guards: Any) -> list[Any]:
    candidates = select(Task.id).where(*_open_to(project, user_id, now, has_postponed), *guards)
    if order and isinstance(order[0], RandomStart):
        if pivot is None:
            return []
        return [_claim(project, user_id, expire_at, candidates.where(side).order_by(Task.id).limit(1))
                for side in (Task.id >= pivot, Task.id < pivot)]
    return [_claim(project, user_id, expire_at, candidates.order_by(*order).limit(1))]


def _postponed_queue(session: Session, project: Project, user_id: int, now: datetime,
                     expire_at: datetime) -> int | None:
    query = (
        select(Task.id).join(Draft, Draft.task_id == Task.id)
        .where(Draft.user_id == user_id, Draft.was_postponed == True,  # noqa: E712
               Task.project_id == project.id, Task.is_labeled == False,  # noqa: E712
               ~_annotated_by(user_id), _taken(project, user_id, now) < Task.overlap)
        .order_by(Draft.updated_at, Draft.id).limit(1)
    )
    return _lock_first(session, project, user_id, expire_at, query)


def _skipped_queue(session: Session, project: Project, user_id: int, now: datetime,
                   expire_at: datetime) -> int | None:
    query = (
        select(Task.id).join(Annotation, Annotation.task_id == Task.id)
        .where(Annotation.completed_by_id == user_id, Annotation.was_cancelled == True,  # noqa: E712
               Annotation.project_id == project.id, Task.is_labeled == False,  # noqa: E712
               ~_annotated_by(user_id, was_cancelled=False),
               _taken(project, user_id, now, for_skipper=True) < Task.overlap)
        .order_by(Annotation.updated_at, Annotation.id).limit(1)
    )
    return _lock_first(session, project, user_id, expire_at, query)


def assign_next_task(session: Session, project: Project, user_id: int, sampler: SamplerSpec,
                     lock_seconds: int, now: datetime | None = None, plan: NextPlan | None = None) -> Assignment | None:
    """Choose the next task for ``user_id`` in ``project`` and lock it for ``lock_seconds``.

    ``session`` must be a write session (``labelcore.db.write_session``) whose transaction this
    call may lock; the assignment is final when it commits. Returns None when nothing is open to
    the user (the API answers 404). ``plan``: :func:`plan_next`, read before the write session
    began (else it is read here). ``now`` overrides the clock (tests).
    """
    # what needs no atomicity is read before the project is locked, to keep the locked part short
    order = list(sampler.order_by(project))
    plan = plan or plan_next(session, project, user_id, sampler)
    granted_at = _lock_project(session, project.id)
    now = now or granted_at
    expire_at = now + timedelta(seconds=lock_seconds)

    # the common case, one statement: no lock rows to refresh or clear when the plan was read
    task_id = _claim_first(session, plan.claims, {_NOW.key: now, _EXPIRE_AT.key: expire_at})
    if task_id is not None:
        return Assignment(task_id, _queue_name(sampler))

    task_id = _refresh_own_lock(session, project, user_id, now, expire_at)
    if task_id is not None:
        return Assignment(task_id, "Task lock")

    # the caller's other locks are on tasks no longer open to them (else step 2 had returned one),
    # and expired locks count for nobody: clear both while the project is ours
    session.exec(delete(TaskLock).where(TaskLock.project_id == project.id,
                                        or_(TaskLock.user_id == user_id, TaskLock.expire_at <= now))
                 .execution_options(synchronize_session=False))

    task_id = _claim_first(session, _regular_claims(project, user_id, order, plan.has_postponed, plan.pivot, now,
                                                    expire_at))
    if task_id is not None:
        return Assignment(task_id, _queue_name(sampler))
    task_id = _postponed_queue(session, project, user_id, now, expire_at)
    if task_id is not None:
        return Assignment(task_id, "Postponed draft queue")
    if project.skip_queue == REQUEUE_FOR_ME:
        task_id = _skipped_queue(session, project, user_id, now, expire_at)
        if task_id is not None:
            return Assignment(task_id, "Skipped queue")
    return None


def release_lock(session: Session, task_id: int, user_id: int) -> None:
    """Drop ``user_id``'s lock on the task. Call it in the transaction that stores their annotation
    (submit or skip), after the annotation row is added, so the task is never counted as free."""
    session.exec(delete(TaskLock).where(TaskLock.task_id == task_id, TaskLock.user_id == user_id)
                 .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class NextTaskRows:
    """What /next shows with the task: its predictions for pre-labeling and the caller's drafts."""

    task: Task
    predictions: list[Prediction]
    drafts: list[Draft]


def next_task_rows(session: Session, project: Project, task_id: int, user_id: int) -> NextTaskRows | None:
    """Load the assigned task with what Label Studio's NextTaskSerializer adds to it.

    Predictions follow ``get_predictions_for_prelabeling``: none when the project hides them
    (``show_collab_predictions``), else those of the project's ``model_version`` (all of them
    while it is empty). Drafts are the caller's only. Annotations are not sent (LS sends ``[]``).
    """
    task = session.get(Task, task_id)
    if task is None:  # deleted between the commit and now
        return None
    predictions: list[Prediction] = []
    if project.show_collab_predictions:
        query = select(Prediction).where(Prediction.task_id == task_id)
        if project.model_version:
            query = query.where(Prediction.model_version == project.model_version)
        predictions = list(session.exec(query.order_by(Prediction.id)).scalars())
    drafts = list(session.exec(select(Draft).where(Draft.task_id == task_id, Draft.user_id == user_id)
                               .order_by(Draft.id)).scalars())
    return NextTaskRows(task, predictions, drafts)
