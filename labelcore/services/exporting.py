"""Exporting: which tasks an export holds, streamed out of the database in Label Studio's export
JSON, and what an exporter is given about the project.

``iter_tasks`` is the one way tasks leave the database for an export. It walks the project in id
order by keyset (``id > last``), ``batch`` tasks per query, and loads the annotations, predictions
and drafts of a whole batch with one query each, so memory stays flat however large the project
is and the number of queries grows with tasks / batch, never with rows.

The task dicts are built by ``export_rows``; the ``expand`` set chooses which relations are
written in full (``drafts``, ``predictions``, ``annotations.completed_by``) rather than as ids,
exactly as Label Studio's ``expand`` does. Running an exporter over them is ``export_stream``'s
job; choosing the exporter is ``export_formats``'.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (ARRAY, Connection, Engine, Integer, and_, any_, bindparam, exists, false, func, or_, select,
                        text, true)
from sqlmodel import Session

from labelcore.db import chunks
from labelcore.errors import LabelcoreError
from labelcore.models import Annotation, Draft, Prediction, Task, User
from labelcore.services import export_rows
from labelcore.services.export_formats import ProjectConfig
from labelcore.specs import ExportContext

log = logging.getLogger(__name__)

BATCH = 1000

#: What Label Studio's "easy export" (``GET /api/projects/{id}/export``) expands: drafts in full,
#: predictions and ``completed_by`` as ids.
EASY_EXPORT_EXPAND = frozenset({"drafts"})
EXPANDABLE = frozenset({"drafts", "predictions", "annotations.completed_by"})

ONLY, EXCLUDE = "only", "exclude"


# --------------------------------------------------------------------------- which tasks


@dataclass(frozen=True)
class TaskSelection:
    """Which tasks of a project an export holds, and which of their annotations.

    ``only_annotated``: tasks with at least one annotation, skipped (cancelled) ones included, as
    Label Studio's easy export does unless ``download_all_tasks=true``. ``ids``: only these tasks.
    ``task_filter_options`` / ``annotation_filter_options``: a snapshot's filters, with Label
    Studio's keys and meaning (``skipped``/``finished``/``annotated`` = ``only``|``exclude``,
    ``only_with_annotations``; ``usual``/``ground_truth``/``skipped`` annotations).
    """

    project_id: int
    only_annotated: bool = True
    ids: tuple[int, ...] | None = None
    task_filter_options: dict[str, Any] | None = None
    annotation_filter_options: dict[str, Any] | None = None

    def annotation_condition(self) -> Any:
        """The annotations to export (a disjunction of the chosen kinds), or None for all."""
        options = self.annotation_filter_options
        if not isinstance(options, dict):
            return None
        kinds = []
        if options.get("usual", True):
            kinds.append(and_(Annotation.was_cancelled == false(), Annotation.ground_truth == false()))
        if options.get("ground_truth"):
            kinds.append(Annotation.ground_truth == true())
        if options.get("skipped"):
            kinds.append(Annotation.was_cancelled == true())
        return or_(*kinds) if kinds else None

    def task_conditions(self) -> list[Any]:
        """WHERE clauses over ``Task`` (the ids are applied by the caller, in chunks)."""
        def any_annotation(*where: Any) -> Any:
            return exists().where(Annotation.task_id == Task.id, *where)

        conditions: list[Any] = [Task.project_id == self.project_id]
        if self.only_annotated:
            conditions.append(any_annotation())
        options = self.task_filter_options if isinstance(self.task_filter_options, dict) else {}
        if options.get("view") is not None:
            log.warning("export of project %s: task_filter_options.view is not supported yet and was ignored",
                        self.project_id)
        modes = {
            "skipped": any_annotation(Annotation.was_cancelled == true()),
            "finished": Task.is_labeled == true(),
            "annotated": any_annotation(Annotation.was_cancelled == false()),
        }
        for key, condition in modes.items():
            if options.get(key) == ONLY:
                conditions.append(condition)
            elif options.get(key) == EXCLUDE:
                conditions.append(~condition)
        if options.get("only_with_annotations"):
            chosen = self.annotation_condition()
            conditions.append(any_annotation() if chosen is None else any_annotation(chosen))
        return conditions


def parse_ids(values: Iterable[str]) -> tuple[int, ...] | None:
    """Task ids from query values: ``ids[]=1&ids[]=2``, ``ids=1&ids=2`` or ``ids=1,2``."""
    found: list[int] = []
    for value in values:
        for part in str(value).replace("[", " ").replace("]", " ").replace(",", " ").split():
            try:
                found.append(int(part))
            except ValueError:
                raise LabelcoreError(f"ids: {part!r} is not a task id") from None
    return tuple(sorted(set(found))) if found else None


# --------------------------------------------------------------------------- streaming tasks


@contextmanager
def _connection(bind: Engine | Connection | Session) -> Iterator[Connection]:
    """One connection (and one read transaction, so every batch sees the same snapshot)."""
    if isinstance(bind, Session):
        yield bind.connection()
    elif isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
                # Right after a bulk import the table statistics are stale and the planner answers
                # "id > last ORDER BY id LIMIT n" by sorting every remaining row, on every batch
                # (quadratic); without sorts it walks the (project_id, id) index in order.
                connection.execute(text("SET LOCAL enable_sort = off"))
            yield connection


def _among(connection: Connection, column: Any, ids: list[int]) -> Any:
    """``column IN ids``; on PostgreSQL one array parameter (``= ANY(:ids)``), which a thousand ids
    would otherwise cost in query building on every batch."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam("among_ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _by_task(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _task_batches(connection: Connection, selection: TaskSelection, batch: int) -> Iterator[list[Any]]:
    conditions = selection.task_conditions()
    base = select(*export_rows.export_columns(connection.dialect.name).task).where(*conditions).order_by(Task.id)
    if selection.ids is not None:
        for chunk in chunks(selection.ids, batch):
            rows = connection.execute(base.where(_among(connection, Task.id, list(chunk)))).all()
            if rows:
                yield rows
        return
    last = 0
    while True:
        rows = connection.execute(base.where(Task.id > last).limit(batch)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def iter_tasks(
    bind: Engine | Connection | Session,
    project_id: int,
    only_annotated: bool = True,
    ids: Iterable[int] | None = None,
    batch: int = BATCH,
    *,
    task_filter_options: dict[str, Any] | None = None,
    annotation_filter_options: dict[str, Any] | None = None,
    expand: Iterable[str] = EASY_EXPORT_EXPAND,
) -> Iterator[dict[str, Any]]:
    """Yield a project's tasks in Label Studio's export JSON, in id order, ``batch`` at a time.

    :param bind: an engine (a connection is opened for the whole walk), a connection or a session.
    :param only_annotated: only tasks with at least one annotation (skipped ones count).
    :param ids: only these task ids (any order; duplicates ignored).
    :param task_filter_options: a snapshot's task filters (see :class:`TaskSelection`).
    :param annotation_filter_options: a snapshot's annotation filters (see :class:`TaskSelection`).
    :param expand: relations written in full instead of as ids: ``drafts``, ``predictions``,
        ``annotations.completed_by``. The default is what Label Studio's easy export writes.
    :return: an iterator of task dicts; each holds its ``annotations`` (full), ``predictions``
        and ``drafts``.
    """
    selection = TaskSelection(
        project_id=project_id, only_annotated=only_annotated,
        ids=tuple(sorted(set(int(i) for i in ids))) if ids is not None else None,
        task_filter_options=task_filter_options, annotation_filter_options=annotation_filter_options,
    )
    yield from iter_selected(bind, selection, batch=batch, expand=expand)


def iter_selected(bind: Engine | Connection | Session, selection: TaskSelection, batch: int = BATCH,
                  expand: Iterable[str] = EASY_EXPORT_EXPAND) -> Iterator[dict[str, Any]]:
    """``iter_tasks`` for a ready-made :class:`TaskSelection`."""
    expand = frozenset(expand)
    unknown = expand - EXPANDABLE
    if unknown:
        raise ValueError(f"cannot expand {sorted(unknown)}; expandable: {sorted(EXPANDABLE)}")
    users: dict[int, dict[str, Any]] = {}
    with _connection(bind) as connection:
        for task_rows in _task_batches(connection, selection, batch):
            annotations, predictions, drafts = _relations(connection, selection, [row[0] for row in task_rows],
                                                          expand, users)
            for row in task_rows:
                yield export_rows.task_json(row, annotations.get(row[0], []), predictions.get(row[0], []),
                                 drafts.get(row[0], []))


def _relations(connection: Connection, selection: TaskSelection, task_ids: list[int], expand: frozenset[str],
               users: dict[int, dict[str, Any]]) -> tuple[dict, dict, dict]:
    """The annotations, predictions and drafts of a batch of tasks: one query each, by task id."""
    columns = export_rows.export_columns(connection.dialect.name)
    now = datetime.now(timezone.utc)

    def fetch(model: Any, full: tuple | None, extra: Any = None) -> dict[int, list[Any]]:
        query = select(*(full or (model.task_id, model.id)))
        if full is columns.draft:
            query = query.join(User, User.id == Draft.user_id)
        query = query.where(_among(connection, model.task_id, task_ids))
        if extra is not None:
            query = query.where(extra)
        return _by_task(connection.execute(query.order_by(model.task_id, model.id)))

    annotation_rows = fetch(Annotation, columns.annotation, selection.annotation_condition())
    if "annotations.completed_by" in expand:
        _load_users(connection, users, {row[2] for rows in annotation_rows.values() for row in rows})
        author = lambda user_id: users.get(user_id, user_id)  # noqa: E731
    else:
        author = lambda user_id: user_id  # noqa: E731
    annotations = {task_id: [export_rows.annotation_json(row, author(row[2])) for row in rows]
                   for task_id, rows in annotation_rows.items()}
    if "predictions" in expand:
        predictions = {task_id: [export_rows.prediction_json(row, now) for row in rows]
                       for task_id, rows in fetch(Prediction, columns.prediction).items()}
    else:
        predictions = {task_id: [row[1] for row in rows] for task_id, rows in fetch(Prediction, None).items()}
    if "drafts" in expand:
        drafts = {task_id: [export_rows.draft_json(row, now) for row in rows]
                  for task_id, rows in fetch(Draft, columns.draft).items()}
    else:
        drafts = {task_id: [row[1] for row in rows] for task_id, rows in fetch(Draft, None).items()}
    return annotations, predictions, drafts


def _load_users(connection: Connection, users: dict[int, dict[str, Any]], wanted: set[Any]) -> None:
    missing = [user_id for user_id in wanted if user_id is not None and user_id not in users]
    if not missing:
        return
    rows = connection.execute(select(User.id, User.email, User.first_name, User.last_name)
                              .where(User.id.in_(missing)))
    for user_id, email, first_name, last_name in rows:
        users[user_id] = {"id": user_id, "email": email, "first_name": first_name, "last_name": last_name}


def _id_chunks(selection: TaskSelection) -> Iterator[list[int] | None]:
    """The selection's ids in chunks a query can bind (SQLite allows 32766 parameters), or [None]."""
    if selection.ids is None:
        yield None
        return
    for chunk in chunks(selection.ids, 10_000):
        yield list(chunk)


def count_tasks(bind: Engine | Connection | Session, selection: TaskSelection) -> int:
    """How many tasks ``selection`` holds (for progress bars)."""
    total = 0
    with _connection(bind) as connection:
        for chunk in _id_chunks(selection):
            query = select(func.count(Task.id)).where(*selection.task_conditions())
            if chunk is not None:
                query = query.where(_among(connection, Task.id, chunk))
            total += int(connection.execute(query).scalar_one())
    return total


def data_keys(bind: Engine | Connection | Session, selection: TaskSelection) -> list[str]:
    """Every key of ``data`` across the selected tasks, sorted: one aggregate inside the database."""
    keys: set[str] = set()
    with _connection(bind) as connection:
        for chunk in _id_chunks(selection):
            conditions = selection.task_conditions()
            if chunk is not None:
                conditions.append(_among(connection, Task.id, chunk))
            if connection.dialect.name == "postgresql":
                query = (select(func.jsonb_object_keys(Task.data)).distinct()
                         .where(func.jsonb_typeof(Task.data) == "object", *conditions))
            else:
                entries = func.json_each(Task.data).table_valued("key")
                query = select(entries.c.key).select_from(Task).join(entries, true()).where(*conditions).distinct()
            keys.update(str(key) for key in connection.execute(query).scalars())
    return sorted(keys)


# --------------------------------------------------------------------------- what exporters are given


def export_context(project: Any, config: ProjectConfig, settings: Any,
                   options: dict[str, Any] | None = None) -> ExportContext:
    """What exporters get: the project, its parsed config, options, and ``open_media`` reading the
    tasks' uploaded/local files (for the *_WITH_IMAGES formats; None for URLs labelcore doesn't serve)."""
    from labelcore.services.media import open_media

    return ExportContext(project_id=project.id, project_title=project.title or "", config=config.parsed,
                         open_media=functools.partial(open_media, settings=settings), options=dict(options or {}))
