"""Exporting: tasks streamed out of the database in Label Studio's export JSON, and export runs.

``iter_tasks`` is the one way tasks leave the database for an export. It walks the project in id
order by keyset (``id > last``), ``batch`` tasks per query, and loads the annotations, predictions
and drafts of a whole batch with one query each, so memory stays flat however large the project
is and the number of queries grows with tasks / batch, never with rows.

The task dicts are what Label Studio 1.23's export serializer writes (``data_export/
serializers.py``): timestamps as ISO 8601 strings, ``completed_by`` as a user id, and the
``expand`` set choosing which relations are written in full (``drafts``, ``predictions``,
``annotations.completed_by``) rather than as ids, exactly as Label Studio's ``expand`` does.

``run_export`` feeds those tasks to an exporter plugin; ``ChunkStream`` runs an export on a worker
thread and yields its bytes in bounded chunks, for a streaming HTTP response.
"""

from __future__ import annotations

import functools

import hashlib
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any

import orjson
from sqlalchemy import (ARRAY, Connection, Engine, Integer, Text, and_, any_, bindparam, cast, exists, false, func, or_,
                        select, text, true)
from sqlmodel import Session

from labelcore.errors import LabelcoreError
from labelcore.jsonio import iso
from labelcore.models import Annotation, Draft, Prediction, Task, User
from labelcore.specs import ExportContext, ExporterSpec

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


# --------------------------------------------------------------------------- rows -> Label Studio JSON


def _json(raw: str | bytes | None) -> Any:
    return None if raw is None else orjson.loads(raw)


def timesince(value: datetime | None, now: datetime | None = None) -> str:
    """Django's ``timesince`` (two adjacent units), which Label Studio writes as ``created_ago``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - value).total_seconds()))
    units = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
             ("hour", 3600), ("minute", 60))
    counts = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        counts.append((name, count))
    first = next((index for index, (_, count) in enumerate(counts) if count), None)
    if first is None:
        return "0\xa0minutes"
    parts = []
    for name, count in counts[first:first + 2]:
        if not count:
            break
        parts.append(f"{count}\xa0{name}{'' if count == 1 else 's'}")
    return ", ".join(parts)


def _timestamp(column: Any, dialect: str) -> Any:
    """A timestamp column read as text in UTC, which ``_iso`` turns into Label Studio's form far
    faster than building and formatting a datetime per value."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US')
    return cast(column, Text)  # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC


def _iso(value: str | None) -> str | None:
    """``YYYY-MM-DD[T ]HH:MM:SS[.ffffff]`` (UTC) -> ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``, as DRF writes it."""
    if value is None:
        return None
    if len(value) not in (19, 26) or value[10] not in " T":
        return iso(datetime.fromisoformat(value))  # not what SQLAlchemy writes: parse it properly
    if value[10] == " ":
        value = f"{value[:10]}T{value[11:]}"
    if value.endswith(".000000"):
        value = value[:19]
    return value + "Z"


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value[:-1]).replace(tzinfo=timezone.utc) if value else None


@dataclass(frozen=True)
class _Columns:
    task: tuple
    annotation: tuple
    prediction: tuple
    draft: tuple


_COLUMNS: dict[str, _Columns] = {}


def _columns(dialect: str) -> _Columns:
    """What each query selects, with JSON as text (decoded by orjson) and timestamps as text."""
    columns = _COLUMNS.get(dialect)
    if columns is None:
        def ts(column: Any) -> Any:
            return _timestamp(column, dialect)

        columns = _COLUMNS[dialect] = _Columns(
            task=(Task.id, Task.inner_id, cast(Task.data, Text), cast(Task.meta, Text), ts(Task.created_at),
                  ts(Task.updated_at), Task.project_id, Task.updated_by_id, Task.total_annotations,
                  Task.cancelled_annotations, Task.total_predictions),
            annotation=(Annotation.task_id, Annotation.id, Annotation.completed_by_id, cast(Annotation.result, Text),
                        Annotation.was_cancelled, Annotation.ground_truth, ts(Annotation.created_at),
                        ts(Annotation.updated_at), ts(Annotation.draft_created_at), Annotation.lead_time,
                        Annotation.unique_id, Annotation.import_id, Annotation.last_action, Annotation.project_id,
                        Annotation.updated_by_id, Annotation.parent_prediction_id, Annotation.parent_annotation_id),
            prediction=(Prediction.task_id, Prediction.id, cast(Prediction.result, Text), Prediction.model_version,
                        Prediction.score, Prediction.cluster, cast(Prediction.neighbors, Text),
                        Prediction.mislabeling, ts(Prediction.created_at), ts(Prediction.updated_at),
                        Prediction.project_id),
            draft=(Draft.task_id, Draft.id, User.email, User.first_name, User.last_name, Draft.user_id,
                   cast(Draft.result, Text), Draft.lead_time, Draft.was_postponed, ts(Draft.created_at),
                   ts(Draft.updated_at), Draft.annotation_id),
        )
    return columns


def _annotation_json(row: Any, completed_by: Any) -> dict[str, Any]:
    (task_id, annotation_id, _user, result, was_cancelled, ground_truth, created_at, updated_at, draft_created_at,
     lead_time, unique_id, import_id, last_action, project_id, updated_by, parent_prediction,
     parent_annotation) = row
    result = _json(result) or []
    return {
        "id": annotation_id,
        "completed_by": completed_by,
        "result": result,
        "was_cancelled": was_cancelled,
        "ground_truth": ground_truth,
        "created_at": _iso(created_at),
        "updated_at": _iso(updated_at),
        "draft_created_at": _iso(draft_created_at),
        "lead_time": lead_time,
        "prediction": {},
        # Label Studio counts distinct region ids when an annotation is saved
        "result_count": len({item.get("id") for item in result if isinstance(item, dict)}),
        "unique_id": unique_id or None,
        "import_id": import_id,
        "last_action": last_action,
        "bulk_created": False,
        "task": task_id,
        "project": project_id,
        "updated_by": updated_by,
        "parent_prediction": parent_prediction,
        "parent_annotation": parent_annotation,
        "last_created_by": None,
    }


def _prediction_json(row: Any, now: datetime) -> dict[str, Any]:
    (task_id, prediction_id, result, model_version, score, cluster, neighbors, mislabeling, created_at, updated_at,
     project_id) = row
    return {
        "id": prediction_id,
        "result": _json(result) or [],
        "model_version": model_version,
        "created_ago": timesince(_moment(created_at), now),
        "score": score,
        "cluster": cluster,
        "neighbors": _json(neighbors),
        "mislabeling": mislabeling,
        "created_at": _iso(created_at),
        "updated_at": _iso(updated_at),
        "model": None,
        "model_run": None,
        "task": task_id,
        "project": project_id,
    }


def _draft_json(row: Any, now: datetime) -> dict[str, Any]:
    (task_id, draft_id, email, first_name, last_name, user_id, result, lead_time, was_postponed, created_at,
     updated_at, annotation_id) = row
    name = " ".join(part for part in (first_name, last_name) if part)
    return {
        "id": draft_id,
        "user": email,
        "created_username": f"{name}{' ' if name else ''}{email}, {user_id}",
        "created_ago": timesince(_moment(created_at), now),
        "result": _json(result) or [],
        "lead_time": lead_time,
        "was_postponed": was_postponed,
        "import_id": None,
        "created_at": _iso(created_at),
        "updated_at": _iso(updated_at),
        "task": task_id,
        "annotation": annotation_id,
    }


def _task_json(row: Any, annotations: list, predictions: list, drafts: list) -> dict[str, Any]:
    (task_id, inner_id, data, meta, created_at, updated_at, project_id, updated_by, total_annotations,
     cancelled_annotations, total_predictions) = row
    return {
        "id": task_id,
        "annotations": annotations,
        "drafts": drafts,
        "predictions": predictions,
        "data": _json(data),
        "meta": _json(meta) or {},
        "created_at": _iso(created_at),
        "updated_at": _iso(updated_at),
        "allow_skip": True,
        "inner_id": inner_id,
        "total_annotations": total_annotations,
        "cancelled_annotations": cancelled_annotations,
        "total_predictions": total_predictions,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": project_id,
        "updated_by": updated_by,
        "comment_authors": [],
    }


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
    base = select(*_columns(connection.dialect.name).task).where(*conditions).order_by(Task.id)
    if selection.ids is not None:
        for start in range(0, len(selection.ids), batch):
            chunk = list(selection.ids[start:start + batch])
            rows = connection.execute(base.where(_among(connection, Task.id, chunk))).all()
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
                yield _task_json(row, annotations.get(row[0], []), predictions.get(row[0], []),
                                 drafts.get(row[0], []))


def _relations(connection: Connection, selection: TaskSelection, task_ids: list[int], expand: frozenset[str],
               users: dict[int, dict[str, Any]]) -> tuple[dict, dict, dict]:
    """The annotations, predictions and drafts of a batch of tasks: one query each, by task id."""
    columns = _columns(connection.dialect.name)
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
    annotations = {task_id: [_annotation_json(row, author(row[2])) for row in rows]
                   for task_id, rows in annotation_rows.items()}
    if "predictions" in expand:
        predictions = {task_id: [_prediction_json(row, now) for row in rows]
                       for task_id, rows in fetch(Prediction, columns.prediction).items()}
    else:
        predictions = {task_id: [row[1] for row in rows] for task_id, rows in fetch(Prediction, None).items()}
    if "drafts" in expand:
        drafts = {task_id: [_draft_json(row, now) for row in rows]
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
    for start in range(0, len(selection.ids), 10_000):
        yield list(selection.ids[start:start + 10_000])


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


# --------------------------------------------------------------------------- running an exporter


class ExportCancelled(Exception):
    """The reader went away (the client disconnected); the exporter unwinds."""


@dataclass
class ExportCounters:
    """What went through an export, as a snapshot records it."""

    task_number: int = 0
    annotation_number: int = 0
    prediction_number: int = 0

    def count(self, tasks: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None
              ) -> Iterator[dict[str, Any]]:
        for task in tasks:
            self.task_number += 1
            self.annotation_number += len(task.get("annotations") or ())
            self.prediction_number += len(task.get("predictions") or ())
            if progress is not None:
                progress(1)
            yield task

    def as_dict(self) -> dict[str, int]:
        return {"task_number": self.task_number, "annotation_number": self.annotation_number,
                "prediction_number": self.prediction_number}


def export_filename(project_id: int, exporter: ExporterSpec, seed: str, when: datetime | None = None) -> str:
    """Label Studio's file name: ``project-{id}-at-{YYYY-MM-DD-HH-MM}-{hash8}.{ext}``."""
    when = when or datetime.now()
    digest = hashlib.md5(f"{project_id}:{when.isoformat()}:{seed}".encode(), usedforsecurity=False).hexdigest()
    return f"project-{project_id}-at-{when.strftime('%Y-%m-%d-%H-%M')}-{digest[:8]}.{exporter.extension}"


def run_export(exporter: ExporterSpec, tasks: Iterable[dict[str, Any]], stream: IO[bytes],
               context: ExportContext) -> None:
    """Write ``tasks`` with ``exporter`` to ``stream`` (the caller owns and closes the stream)."""
    exporter.export(iter(tasks), stream, context)


class _ChunkWriter:
    """A write-only binary stream that hands the bytes to a reader in chunks through a bounded queue."""

    def __init__(self, chunks: queue.Queue, cancelled: threading.Event, chunk_size: int, stall_seconds: float):
        self._chunks = chunks
        self._cancelled = cancelled
        self._chunk_size = chunk_size
        self._stall_seconds = stall_seconds
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        if len(self._buffer) >= self._chunk_size:
            self._put(bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self._buffer:
            self._put(bytes(self._buffer))
            self._buffer.clear()

    def _put(self, item: Any) -> None:
        waited = 0.0
        while True:
            if self._cancelled.is_set() or waited > self._stall_seconds:
                # the reader left, or has read nothing for so long that it is surely gone
                raise ExportCancelled()
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                waited += 0.5


_DONE = object()


@dataclass
class _Failed:
    error: BaseException


@dataclass
class ChunkStream:
    """The bytes of an export as they are written, for ``StreamingResponse`` (a sync iterator).

    The exporter runs on its own thread and blocks when ``max_chunks`` chunks wait unread, so a
    slow client holds back the database reads instead of filling memory. Closing the iterator
    early (a client disconnect) stops the exporter at its next write.
    """

    produce: Callable[[IO[bytes]], None]
    chunk_size: int = 256 * 1024
    max_chunks: int = 8
    stall_seconds: float = 600.0
    _chunks: queue.Queue = field(init=False)
    _cancelled: threading.Event = field(init=False, default_factory=threading.Event)
    _thread: threading.Thread | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._chunks = queue.Queue(maxsize=self.max_chunks)

    def _run(self) -> None:
        writer = _ChunkWriter(self._chunks, self._cancelled, self.chunk_size, self.stall_seconds)
        try:
            self.produce(writer)
            writer.finish()
            writer._put(_DONE)
        except ExportCancelled:
            return
        except BaseException as exc:  # handed to the reader, which raises it
            log.exception("export failed while streaming")
            try:
                writer._put(_Failed(exc))
            except ExportCancelled:
                pass

    def __iter__(self) -> Iterator[bytes]:
        self._thread = threading.Thread(target=self._run, name="labelcore-export", daemon=True)
        self._thread.start()
        try:
            while True:
                item = self._chunks.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failed):
                    raise RuntimeError("export failed while streaming") from item.error
                yield item
        finally:
            self._cancelled.set()


# --------------------------------------------------------------------------- reading a stored export


def read_json_tasks(stream: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[dict[str, Any]]:
    """The items of a JSON array file, one at a time, holding one item and one chunk in memory."""
    decoder = json.JSONDecoder()
    text = ""
    position = 0
    started = False
    reader = _utf8_chunks(stream, chunk_size)
    eof = False
    while True:
        # skip whitespace, the opening bracket and separators
        while True:
            while position < len(text) and text[position] in " \t\r\n,":
                position += 1
            if position < len(text) or eof:
                break
            text, position = next(reader, ""), 0
            eof = text == ""
        if position >= len(text):
            if not started:
                raise LabelcoreError("the stored export is empty")
            return
        if not started:
            if text[position] != "[":
                raise LabelcoreError("the stored export is not a JSON list")
            started = True
            position += 1
            continue
        if text[position] == "]":
            return
        while True:
            try:
                item, end = decoder.raw_decode(text, position)
                break
            except json.JSONDecodeError:
                more = next(reader, "")
                if not more:
                    raise LabelcoreError("the stored export ends in the middle of a task") from None
                text, position = text[position:] + more, 0
        position = end
        yield item


def _utf8_chunks(stream: IO[bytes], size: int) -> Iterator[str]:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    while True:
        data = stream.read(size)
        if not data:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        text = decoder.decode(data)
        if text:
            yield text


def stored_data_keys(path: Any) -> list[str]:
    """Every data key of the tasks in a stored JSON export (one streaming pass over the file)."""
    keys: set[str] = set()
    with open(path, "rb") as stream:
        for task in read_json_tasks(stream):
            data = task.get("data") if isinstance(task, dict) else None
            if isinstance(data, dict):
                keys.update(data)
    return sorted(keys)



# --------------------------------------------------------------------------- formats and context


@dataclass(frozen=True)
class ProjectConfig:
    """A project's parsed config, or why it could not be parsed (exports still run without it)."""

    parsed: Any
    error: str | None = None


def project_config(project: Any, registry: Any, pm: Any = None) -> ProjectConfig:
    from labelcore.services.projects import parsed_config

    try:
        return ProjectConfig(parsed_config(project.label_config, registry, pm))
    except LabelcoreError as exc:
        return ProjectConfig(None, exc.message)


def refusal(exporter: ExporterSpec, config: ProjectConfig) -> str | None:
    """Why ``exporter`` cannot serve this project's config, or None."""
    if exporter.supports is None:
        return None
    if config.parsed is None:
        return f"the project's labeling config cannot be parsed: {config.error}"
    try:
        return exporter.supports(config.parsed)
    except Exception as exc:  # a plugin bug must not break the formats list
        log.exception("exporter %s: supports() raised", exporter.id)
        return f"the exporter could not check the config ({type(exc).__name__}: {exc})"


# Label Studio's order of its formats; plugins' formats follow, by id
_LS_ORDER = ("JSON", "JSON_MIN", "CSV", "TSV", "CONLL2003", "COCO", "COCO_WITH_IMAGES", "VOC", "YOLO",
             "YOLO_WITH_IMAGES", "YOLO_OBB", "YOLO_OBB_WITH_IMAGES", "BRUSH_TO_NUMPY", "BRUSH_TO_PNG", "ASR_MANIFEST",
             "BRUSH_TO_COCO", "DOCLANG")


def export_formats(registry: Any, config: ProjectConfig) -> list[dict[str, Any]]:
    """Every installed format in Label Studio's shape, usable ones first; a disabled one says why."""
    formats = []
    for exporter in registry.exporters.values():
        reason = refusal(exporter, config)
        formats.append({
            "name": exporter.id,
            "title": exporter.title,
            "description": exporter.description,
            "link": getattr(exporter, "link", None) or "",
            "tags": list(getattr(exporter, "tags", None) or ()),
            "disabled": reason is not None,
            "disabled_reason": reason,
            "media_type": exporter.media_type,
            "extension": exporter.extension,
        })
    rank = {name: index for index, name in enumerate(_LS_ORDER)}
    return sorted(formats, key=lambda f: (f["disabled"], rank.get(f["name"], len(rank)), f["name"]))


def resolve_exporter(registry: Any, export_type: str, config: ProjectConfig) -> ExporterSpec:
    """The exporter for ``exportType``; a 400 naming the installed formats, or the refusal reason."""
    exporters = registry.exporters
    exporter = exporters.get(export_type) or exporters.get(export_type.upper())
    if exporter is None:
        installed = ", ".join(sorted(exporters)) or "none"
        raise LabelcoreError(f"unknown export format {export_type!r}; installed formats: {installed}")
    reason = refusal(exporter, config)
    if reason is not None:
        raise LabelcoreError(f"export format {exporter.id} is not available for this project: {reason}")
    return exporter


def export_context(project: Any, config: ProjectConfig, settings: Any,
                   options: dict[str, Any] | None = None) -> ExportContext:
    """What exporters get: the project, its parsed config, options, and ``open_media`` reading the
    tasks' uploaded/local files (for the *_WITH_IMAGES formats; None for URLs labelcore doesn't serve)."""
    from labelcore.services.media import open_media

    return ExportContext(project_id=project.id, project_title=project.title or "", config=config.parsed,
                         open_media=functools.partial(open_media, settings=settings), options=dict(options or {}))
