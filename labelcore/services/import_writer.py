"""Phase 2 of an import: writing the checked rows, in one transaction.

One UPDATE of the project reserves the tasks' ``inner_id`` range; tasks, annotations and
predictions go in bulk through the raw DBAPI cursor (SQLite: one ``INSERT ... SELECT FROM
json_each(?)`` per run of tasks that differ only in their data, else ``executemany``; PostgreSQL:
``COPY``), and the project's counters move once. Task counters (``total_annotations``,
``is_labeled``...) are computed here, not recounted afterwards.

Annotations and predictions need their task's id. On SQLite the write transaction is
``BEGIN IMMEDIATE``, so the ids ``max(id) + 1 ...`` are ours alone and are given explicitly (Label
Studio does the same); on PostgreSQL the tasks take ids from their sequence and are read back by
the reserved ``inner_id`` range, which the (project_id, inner_id) index answers.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel import Session

from labelcore.db import chunks
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.models import Project, Task
from labelcore.services import counters
from labelcore.services.import_check import CheckedPredictions, ImportRows

log = logging.getLogger(__name__)


class ImportConflict(LabelcoreError):
    """The project changed between the check and the write (409); nothing was written."""

    status_code = 409


def write_tasks(session: Session, project_id: int, label_config: str, rows: ImportRows, importer_id: int | None,
                want_ids: bool) -> list[int] | None:
    """Phase 2: one transaction, one bulk statement per table (or per run of alike tasks), counters
    moved once. Returns the new task ids when ``want_ids`` or when annotations/predictions need them."""
    n = len(rows.tasks)
    connection = session.connection()
    # one UPDATE reserves the inner_id range (and, on PostgreSQL, locks the project row until commit)
    reserved = connection.execute(
        update(Project).where(Project.id == project_id)
        .values(next_inner_id=Project.next_inner_id + n)
        .returning(Project.next_inner_id, Project.maximum_annotations, Project.label_config, Project.skip_queue)
    ).first()
    if reserved is None:
        raise NotFoundError(f"project {project_id} not found")
    next_inner_id, overlap, current_config, skip_queue = reserved
    skips = counters.skips_finish(skip_queue)
    if current_config != label_config:
        raise ImportConflict("the project's labeling config changed while the tasks were being checked; "
                             "nothing was imported, import again")
    bulk = _BulkWriter(connection)
    now = bulk.stamp(datetime.now(timezone.utc))
    task_ids = bulk.insert_tasks(project_id, next_inner_id - n, overlap, skips, now, rows.tasks,
                                 want_ids=want_ids or bool(rows.annotations or rows.predictions))
    if rows.annotations:
        unique_ids = _uuid4_strings(len(rows.annotations))
        bulk.insert("annotation", _ANNOTATION_COLUMNS, [
            (task_ids[position], project_id, result, completed_by if completed_by is not None else importer_id,
             None, was_cancelled, ground_truth, lead_time, unique_id, import_id, None, None, None, None, now, now)
            for (position, result, completed_by, was_cancelled, ground_truth, lead_time, import_id), unique_id
            in zip(rows.annotations, unique_ids, strict=True)
        ])
    if rows.predictions:
        bulk.insert("prediction", _PREDICTION_COLUMNS, [
            (task_ids[position], project_id, result, score, model_version, None, None, 0.0, now, now)
            for position, result, score, model_version in rows.predictions
        ])
    counters.add_to_project(
        session, project_id,
        task_number=n,
        total_annotations_number=sum(task[2] for task in rows.tasks),
        skipped_annotations_number=sum(task[3] for task in rows.tasks),
        total_predictions_number=len(rows.predictions),
        num_tasks_with_annotations=sum(1 for task in rows.tasks if task[2] > 0),
        finished_task_number=sum(1 for task in rows.tasks if counters.is_done(task[2], task[3], overlap, skips)),
    )
    if rows.last_model_version is not None:
        # as Label Studio: a project without a model version takes the one of its first predictions
        session.exec(update(Project).where(Project.id == project_id, Project.model_version == "")
                     .values(model_version=rows.last_model_version))
    return task_ids


def write_predictions(session: Session, project_id: int, label_config: str, checked: CheckedPredictions) -> None:
    """Phase 2 for predictions: insert them and move their tasks' and the project's counters, unless
    the config changed or some of their tasks were deleted since the check (ImportConflict)."""
    rows, per_task, last_model_version = checked.rows, checked.per_task, checked.last_model_version
    connection = session.connection()
    current_config = connection.execute(select(Project.label_config).where(Project.id == project_id)).scalar()
    if current_config != label_config:
        raise ImportConflict("the project's labeling config changed while the predictions were being checked; "
                             "nothing was imported, import again")
    task_ids = sorted(per_task)
    present = 0
    for chunk in chunks(task_ids):
        present += connection.execute(select(func.count(Task.id)).where(Task.project_id == project_id,
                                                                         Task.id.in_(chunk))).scalar()
    if present != len(task_ids):
        raise ImportConflict("some tasks were deleted while the predictions were being checked; "
                             "nothing was imported, import again")
    bulk = _BulkWriter(connection)
    now = bulk.stamp(datetime.now(timezone.utc))
    bulk.execute_many("UPDATE task SET total_predictions = total_predictions + ? WHERE id = ?",
                      [(per_task[task_id], task_id) for task_id in task_ids])
    bulk.insert("prediction", _PREDICTION_COLUMNS, [
        (task_id, project_id, result_json, score, model_version, None, None, 0.0, now, now)
        for task_id, result_json, score, model_version in rows
    ])
    counters.add_to_project(session, project_id, total_predictions_number=len(rows))
    session.exec(update(Project).where(Project.id == project_id, Project.model_version == "")
                 .values(model_version=last_model_version))


#: An import is followed by ANALYZE of a table it grew by more than this share of the rows the
#: planner believes the table has (autovacuum's default threshold too). A smaller import leaves the
#: statistics close enough and would pay ANALYZE's cost, a sample of the whole table, for little.
ANALYZE_GROWTH = 0.10


def commit_and_analyze(session: Session, added: dict[str, int]) -> None:
    """Commit the import, then, on PostgreSQL, refresh the planner's statistics of the tables it
    grew by more than ``ANALYZE_GROWTH`` (``added``: table -> rows), in the same connection.

    Right after a bulk import the statistics still describe the table as it was, and later queries
    are planned for a small table (sorting every row where an index walk would do) until autovacuum
    catches up. A failure only leaves the statistics stale: it is logged and the import stays
    committed.
    """
    session.commit()
    if session.get_bind().dialect.name != "postgresql":
        return
    try:
        connection = session.connection()
        for table, count in added.items():
            if not count:
                continue
            believed = connection.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)"),
                                          {"table": table}).scalar()
            # reltuples is -1 (PostgreSQL 14+) or 0 for a table never analyzed
            if not believed or believed < 0 or count > ANALYZE_GROWTH * believed:
                connection.execute(text(f"ANALYZE {table}"))
        session.commit()
    except Exception:
        log.exception("ANALYZE after an import failed (the import is committed)")
        session.rollback()


def _uuid4_strings(count: int) -> list[str]:
    """``count`` random UUIDs (annotations' ``unique_id``) from one read of the system's randomness,
    not one ``uuid4()`` system call each."""
    random = os.urandom(16 * count)
    return [str(uuid.UUID(bytes=random[start:start + 16], version=4)) for start in range(0, 16 * count, 16)]


_TASK_COLUMNS = ("id", "project_id", "inner_id", "data", "meta", "is_labeled", "total_annotations",
                 "cancelled_annotations", "total_predictions", "overlap", "file_upload_id", "created_at",
                 "updated_at", "updated_by_id")
_ANNOTATION_COLUMNS = ("task_id", "project_id", "result", "completed_by_id", "updated_by_id", "was_cancelled",
                       "ground_truth", "lead_time", "unique_id", "import_id", "last_action", "parent_prediction_id",
                       "parent_annotation_id", "draft_created_at", "created_at", "updated_at")
_PREDICTION_COLUMNS = ("task_id", "project_id", "result", "score", "model_version", "cluster", "neighbors",
                       "mislabeling", "created_at", "updated_at")


class _BulkWriter:
    """Bulk statements over prepared tuples, through the DBAPI connection of the current transaction.

    JSON values arrive already serialised (orjson), and every row of one import shares one
    timestamp, formatted once by ``stamp``: SQLAlchemy's per-value processing would cost more than
    the insert itself at 100k rows. SQLite gets ``executemany`` (tasks: ``json_each``, see
    ``_sqlite_tasks``), PostgreSQL ``COPY``.
    """

    def __init__(self, connection):
        self.connection = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.dbapi = connection.connection.driver_connection

    def stamp(self, value: datetime) -> Any:
        """A timestamp as this database stores it; on SQLite, SQLAlchemy's DateTime text form."""
        if not self.sqlite:
            return value
        value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond:06d}"

    def insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            self.execute_many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                              rows)
            return
        with self.dbapi.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def execute_many(self, sql: str, rows: list[tuple]) -> None:
        """``sql`` with ``?`` placeholders, once per row."""
        cursor = self.dbapi.cursor()
        try:
            cursor.executemany(sql if self.sqlite else sql.replace("?", "%s"), rows)
        finally:
            cursor.close()

    def insert_tasks(self, project_id: int, first_inner_id: int, overlap: int, skips: bool, now: Any,
                     tasks: list[tuple], want_ids: bool) -> list[int] | None:
        """Insert ``(data_json, meta_json, completed, cancelled, predictions)`` tuples as tasks with
        consecutive inner ids (``skips``: whether skips count towards ``overlap``,
        :func:`counters.skips_finish`); returns their ids in order when ``want_ids``."""
        if self.sqlite:
            return self._sqlite_tasks(project_id, first_inner_id, overlap, skips, now, tasks)
        # COPY's text format, written directly: every column is a number, a flag, a timestamp or
        # JSON from orjson, which escapes all control characters, so only backslashes need doubling
        stamp = now.isoformat()
        lines = "".join(
            f"{project_id}\t{first_inner_id + position}\t{_copy_escape(data)}\t{_copy_escape(meta)}\t"
            f"{'t' if counters.is_done(completed, cancelled, overlap, skips) else 'f'}\t"
            f"{completed}\t{cancelled}\t{predictions}\t{overlap}\t"
            f"\\N\t{stamp}\t{stamp}\t\\N\n"
            for position, (data, meta, completed, cancelled, predictions) in enumerate(tasks)
        )
        with self.dbapi.cursor() as cursor:
            with cursor.copy(f"COPY task ({', '.join(_TASK_COLUMNS[1:])}) FROM STDIN") as copy:
                copy.write(lines)
        del lines
        if not want_ids:
            return None
        # inner ids are unique per project and the range is ours: they map positions to ids
        return list(self.connection.execute(
            select(Task.id).where(Task.project_id == project_id,
                                  Task.inner_id.between(first_inner_id, first_inner_id + len(tasks) - 1))
            .order_by(Task.inner_id)
        ).scalars())

    def _sqlite_tasks(self, project_id: int, first_inner_id: int, overlap: int, skips: bool, now: str,
                      tasks: list[tuple]) -> list[int]:
        # BEGIN IMMEDIATE holds the database's write lock: max(id) + 1 ... are ours alone
        first_id = (self.connection.execute(select(func.max(Task.id))).scalar() or 0) + 1
        runs = _runs(tasks)
        if len(runs) > max(16, len(tasks) // 64) or not _sqlite_has_json():
            self.insert("task", _TASK_COLUMNS, [
                (first_id + position, project_id, first_inner_id + position, data, meta,
                 counters.is_done(completed, cancelled, overlap, skips), completed, cancelled, predictions, overlap,
                 None, now, now, None)
                for position, (data, meta, completed, cancelled, predictions) in enumerate(tasks)
            ])
        else:
            # Tasks that differ only in their data go in as one statement over a JSON array: SQLite
            # reads it in C, four times faster than binding 14 parameters per row.
            sql = (f"INSERT INTO task ({', '.join(_TASK_COLUMNS)}) "
                   "SELECT ? + key, ?, ? + key, value, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL FROM json_each(?)")
            cursor = self.dbapi.cursor()
            try:
                for start, end in runs:
                    _, meta, completed, cancelled, predictions = tasks[start]
                    datas = "[" + ",".join(task[0] for task in tasks[start:end]) + "]"
                    cursor.execute(sql, (first_id + start, project_id, first_inner_id + start, meta,
                                         counters.is_done(completed, cancelled, overlap, skips), completed,
                                         cancelled, predictions, overlap, now, now, datas))
            finally:
                cursor.close()
        return list(range(first_id, first_id + len(tasks)))


@functools.cache
def _sqlite_has_json() -> bool:
    """Whether this Python's SQLite has its JSON functions (built in since 3.38, an option before)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("SELECT json_valid('[]')")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def _copy_escape(json_text: str) -> str:
    return json_text.replace("\\", "\\\\")


def _runs(tasks: list[tuple]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of consecutive tasks that differ only in their data."""
    runs = []
    start = 0
    for position in range(1, len(tasks) + 1):
        if position == len(tasks) or tasks[position][1:] != tasks[start][1:]:
            runs.append((start, position))
            start = position
    return runs
