"""Importing tasks (with their annotations and predictions), and predictions for existing tasks.

An import is all-or-nothing and runs in two phases:

1. *Check*, without holding a write lock: parse every source (streaming), turn each task into
   the row values it will be stored as, and check it against the project's labeling config (the
   config's data keys for every task; result validation only for tasks that carry annotations
   or predictions). Any problem ends the import with ``ImportProblems`` and nothing is written.
2. *Write*, in one transaction: reserve the tasks' ``inner_id`` range with one UPDATE of the
   project, insert tasks, annotations and predictions in bulk through the raw DBAPI cursor
   (SQLite: one ``INSERT ... SELECT FROM json_each(?)`` per run of tasks that differ only in their
   data, else ``executemany``; PostgreSQL: ``COPY``), and move the project's counters once. Task
   counters (``total_annotations``, ``is_labeled``...) are computed here, not recounted afterwards.

Annotations and predictions need their task's id. On SQLite the write transaction is
``BEGIN IMMEDIATE``, so the ids ``max(id) + 1 ...`` are ours alone and are given explicitly (Label
Studio does the same); on PostgreSQL the tasks take ids from their sequence and are read back by
the reserved ``inner_id`` range, which the (project_id, inner_id) index answers.
"""

from __future__ import annotations

import functools
import gc
import io
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath
from typing import IO, Any

import orjson
import pluggy
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from labelcore.config import ParsedConfig
from labelcore.db import read_session, write_session
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.models import Project, Task, User
from labelcore.registry import Registry
from labelcore.results import validate_results
from labelcore.services import counters
from labelcore.services.events import emit
from labelcore.services.projects import parsed_config
from labelcore.services.validation import task_problems
from labelcore.specs import ImportContext, ImporterSpec

#: At most this many problems are listed in an error; the rest are counted.
MAX_REPORTED_PROBLEMS = 100

# Control types whose preannotated value is a scalar, not a list (Label Studio's rule).
_SCALAR_TYPES = {"rating", "number", "datetime"}
_ID_CHUNK = 5000
_NUL_PROBLEM = "holds the character U+0000 (NUL), which PostgreSQL cannot store"


class ImportProblems(LabelcoreError):
    """Tasks (or predictions) that cannot be imported. Nothing was written.

    ``problems`` lists the first ``MAX_REPORTED_PROBLEMS``, each naming the task (index, and
    file when there are files); ``total`` counts them all.
    """

    def __init__(self, problems: list[str], total: int, what: str = "tasks"):
        self.problems = problems
        self.total = total
        rest = f" ({total - len(problems)} more not listed)" if total > len(problems) else ""
        super().__init__(f"{total} problem{'s' if total != 1 else ''} found, no {what} were imported{rest}. "
                         f"First: {problems[0]}")

    def as_json(self) -> dict[str, Any]:
        """The 400 body, shaped like Label Studio's validation errors."""
        return {
            "status_code": self.status_code,
            "detail": self.message,
            "validation_errors": {"non_field_errors": self.problems},
            "problem_count": self.total,
        }


class ImportConflict(LabelcoreError):
    """The project changed between the check and the write (409); nothing was written."""

    status_code = 409


@dataclass
class ImportSource:
    """One document to import: an uploaded file, a file on disk, or a request body (``name`` None)."""

    stream: IO[bytes]
    importer: ImporterSpec
    name: str | None = None

    @property
    def extension(self) -> str:
        return PurePath(self.name).suffix.lower() if self.name else ""


@dataclass
class ImportOptions:
    """The import endpoint's query parameters (Label Studio's names and defaults)."""

    commit_to_project: bool = True
    return_task_ids: bool = False
    preannotated_from_fields: list[str] | None = None


@dataclass
class ImportResult:
    task_count: int
    annotation_count: int | None
    prediction_count: int | None
    duration: float
    found_formats: dict[str, int] | list
    could_be_tasks_list: bool
    data_columns: list[str]
    task_ids: list[int] | None = None

    def as_json(self) -> dict[str, Any]:
        """Label Studio's import response."""
        body = {
            "task_count": self.task_count,
            "annotation_count": self.annotation_count,
            "prediction_count": self.prediction_count,
            "duration": self.duration,
            "file_upload_ids": [],
            "could_be_tasks_list": self.could_be_tasks_list,
            "found_formats": self.found_formats,
            "data_columns": self.data_columns,
        }
        if self.task_ids is not None:
            body["task_ids"] = self.task_ids
        return body


def importer_for(registry: Registry, file_name: str) -> ImporterSpec:
    """The importer that reads files named like ``file_name`` (by extension)."""
    name = file_name.lower()
    best: ImporterSpec | None = None
    matched = 0
    for spec in registry.importers.values():
        for extension in spec.extensions:
            if name.endswith(extension.lower()) and len(extension) > matched:
                best, matched = spec, len(extension)
    if best is None:
        suffix = PurePath(file_name).suffix or file_name
        known = sorted(ext for spec in registry.importers.values() for ext in spec.extensions)
        raise LabelcoreError(f"{suffix} extension is not supported ({file_name}); task files can be "
                             f"{', '.join(known)}")
    return best


def json_body_source(registry: Registry, body: bytes) -> ImportSource:
    """A request body holding a JSON list of tasks or one task, read by the JSON importer."""
    return ImportSource(stream=io.BytesIO(body), importer=registry.importers["JSON"])


# --------------------------------------------------------------------------- checking


class _CollectorPause:
    """Pauses Python's cycle collector while imports build their objects.

    Parsing 100k tasks allocates millions of containers, which triggers full collections that
    rescan every live object again and again (a third of the parse time at 10k annotated tasks).
    Nothing an import builds is cyclic, so reference counting frees it all as usual. Concurrent
    imports share one pause; the collector comes back when the last one ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._reenable = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._reenable = gc.isenabled()
                gc.disable()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and self._reenable:
                    gc.enable()


_gc_paused = _CollectorPause()


@dataclass
class _Rows:
    """What will be inserted, held as tuples in insert order; tasks are referred to by position."""

    # (data_json, meta_json, total_annotations, cancelled_annotations, total_predictions)
    tasks: list[tuple] = field(default_factory=list)
    # (task_position, result_json, completed_by, was_cancelled, ground_truth, lead_time, import_id)
    annotations: list[tuple] = field(default_factory=list)
    # (task_position, result_json, score, model_version)
    predictions: list[tuple] = field(default_factory=list)
    # (where, index into annotations, completed_by as given) of annotations naming their annotator,
    # resolved together in one query
    user_refs: list[tuple[str, int, Any]] = field(default_factory=list)
    last_model_version: str | None = None


class _Problems:
    def __init__(self) -> None:
        self.listed: list[str] = []
        self.total = 0

    def add(self, message: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_REPORTED_PROBLEMS:
            self.listed.append(message)

    def __bool__(self) -> bool:
        return self.total > 0


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _preannotate(task: dict[str, Any], fields: list[str], config: ParsedConfig) -> tuple[dict[str, Any], list[str]]:
    """Label Studio's ``preannotated_from_fields``: each named data field becomes a prediction by
    the control of the same name (the field stays in the data)."""
    data = task["data"]
    problems = []
    predictions = list(task.get("predictions") or [])
    for name in fields:
        if name not in data:
            problems.append(f"preannotated field {name!r} is not in the task's data")
            continue
        value = data[name]
        if value is None:
            continue
        control = config.controls.get(name)
        to_name = control.to_names[0] if control is not None and control.to_names else "text"
        result_type = (control.spec.result_type if control is not None else None) or "choices"
        if isinstance(value, dict):
            result_value = value
        else:
            key = "text" if result_type == "textarea" else result_type
            if result_type in _SCALAR_TYPES:
                result_value = {key: _number_or_text(value) if result_type != "datetime" else value}
            else:
                result_value = {key: value if isinstance(value, list) else [value]}
        predictions.append({
            "result": [{"from_name": name, "to_name": to_name, "type": result_type, "value": result_value}],
            "score": 1.0,
            "model_version": "preannotated",
        })
    return {**task, "predictions": predictions}, problems


def _number_or_text(value: Any) -> Any:
    # CSV cells stay strings; a rating "4" from a CSV column is meant as the number 4
    if isinstance(value, str):
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
    return value


class _Checker:
    """Turns parsed tasks into rows, collecting every problem (phase 1)."""

    def __init__(self, config: ParsedConfig, registry: Registry, pm: pluggy.PluginManager | None,
                 options: ImportOptions, refuse_nul: bool = False):
        self.config = config
        self.registry = registry
        self.pm = pm
        self.options = options
        self.refuse_nul = refuse_nul
        self.required = frozenset(config.data_keys)
        self.always_full_check = any(node.tag == "Repeater" for node in config.walk())
        # results are checked against the config's controls; a config without any (a project whose
        # config is not set yet) cannot judge them, as in Label Studio
        self.check_results = bool(config.controls)
        self.rows = _Rows()
        self.problems = _Problems()

    def add(self, task: Any, prefix: str, index: int) -> None:
        """Check one parsed task and, while no problem has been found, keep its rows."""
        data = task.get("data") if isinstance(task, dict) else None
        if (type(data) is dict and data.keys() >= self.required and not self.always_full_check
                and not self.options.preannotated_from_fields and task.get("meta") is None
                and not task.get("annotations") and not task.get("predictions")):
            # the common case, a task that is only data: one set comparison, no result validation
            if self.problems:
                return
            data_json = _dumps(data)
            if self.refuse_nul and _json_holds_nul(data_json):
                self.problems.add(f"{prefix}task[{index}]: {_NUL_PROBLEM}")
                return
            self.rows.tasks.append((data_json, "{}", 0, 0, 0))
            return
        self._add_in_full(task, f"{prefix}task[{index}]")

    def _add_in_full(self, task: Any, where: str) -> None:
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            got = type(data).__name__ if isinstance(task, dict) else type(task).__name__
            self.problems.add(f"{where}: a task must be an object with the task's data, got {got}")
            return
        if self.options.preannotated_from_fields:
            task, problems = _preannotate(task, self.options.preannotated_from_fields, self.config)
            for problem in problems:
                self.problems.add(f"{where}: {problem}")
        annotations = task.get("annotations")
        predictions = task.get("predictions")
        problems = self._full_check(task)
        meta = task.get("meta")
        if meta is not None and not isinstance(meta, dict):
            problems.append(f"meta must be an object, got {type(meta).__name__}")
        for problem in problems:
            self.problems.add(f"{where}: {problem}")
        if self.problems:
            return  # nothing will be written: stop collecting rows, keep counting problems
        rows = self.rows
        position = len(rows.tasks)
        data_json = _dumps(data)
        meta_json = _dumps(meta) if meta is not None else "{}"
        annotation_rows = []
        completed = cancelled = 0
        for index, annotation in enumerate(annotations or ()):
            was_cancelled = bool(annotation.get("was_cancelled", False))
            if was_cancelled:
                cancelled += 1
            else:
                completed += 1
            completed_by = annotation.get("completed_by")
            if completed_by is not None:
                rows.user_refs.append((f"{where}: annotations[{index}]", len(rows.annotations) + index, completed_by))
            lead_time = annotation.get("lead_time")
            import_id = annotation.get("id")
            annotation_rows.append((
                position,
                _dumps(annotation.get("result") or []),
                None,
                was_cancelled,
                # Label Studio marks imported annotations as ground truth unless told otherwise
                bool(annotation.get("ground_truth", True)),
                float(lead_time) if _is_number(lead_time) else None,
                import_id if isinstance(import_id, int) and not isinstance(import_id, bool) else None,
            ))
        prediction_rows = []
        for prediction in predictions or ():
            score = prediction.get("score")
            model_version = prediction.get("model_version")
            prediction_rows.append((
                position,
                _dumps(prediction.get("result") or []),
                float(score) if _is_number(score) else None,
                "undefined" if model_version is None else str(model_version),
            ))
        if self.refuse_nul and _holds_nul(data_json, meta_json, annotation_rows, prediction_rows):
            self.problems.add(f"{where}: {_NUL_PROBLEM}")
            return
        rows.annotations.extend(annotation_rows)
        rows.predictions.extend(prediction_rows)
        if prediction_rows:
            rows.last_model_version = prediction_rows[-1][3]
        rows.tasks.append((data_json, meta_json, completed, cancelled, len(prediction_rows)))

    def _full_check(self, task: dict[str, Any]) -> list[str]:
        """Every problem of a task's data keys, annotations and predictions."""
        if self.check_results:
            problems = list(task_problems(task, self.config, self.registry, self.pm))
        else:
            problems = _shape_problems(task, self.config)
        for kind, number_key in (("annotations", "lead_time"), ("predictions", "score")):
            documents = task.get(kind)
            for index, document in enumerate(documents if isinstance(documents, list) else ()):
                value = document.get(number_key) if isinstance(document, dict) else None
                if value is not None and not _is_number(value):
                    problems.append(f"{kind}[{index}].{number_key} must be a number, got {value!r}")
        return problems


def _holds_nul(data_json: str, meta_json: str, annotation_rows: list[tuple], prediction_rows: list[tuple]) -> bool:
    """Whether a task's serialised JSON (or a model version) holds U+0000."""
    texts = [data_json, meta_json, *(row[1] for row in annotation_rows), *(row[1] for row in prediction_rows)]
    return any(_json_holds_nul(text) for text in texts) or any("\x00" in row[3] for row in prediction_rows)


def _json_holds_nul(text: str) -> bool:
    # orjson writes U+0000 as \u0000; a literal backslash before "u0000" is itself escaped, so the
    # escape is real only when an odd number of backslashes precede the "u"
    start = text.find("\\u0000")
    while start != -1:
        backslashes = len(text[:start + 1]) - len(text[:start + 1].rstrip("\\"))
        if backslashes % 2:
            return True
        start = text.find("\\u0000", start + 1)
    return False


def _shape_problems(task: dict[str, Any], config: ParsedConfig) -> list[str]:
    """What can be checked of a task when the config has no controls to judge results by."""
    missing = config.missing_data_keys(task["data"])
    problems = [f"data lacks {', '.join(map(repr, missing))}, which the config reads"] if missing else []
    for kind in ("annotations", "predictions"):
        documents = task.get(kind)
        if documents is None:
            continue
        if not isinstance(documents, list):
            problems.append(f"{kind} must be a list")
            continue
        for index, document in enumerate(documents):
            if not isinstance(document, dict):
                problems.append(f"{kind}[{index}] must be an object")
            elif not isinstance(document.get("result", []), list):
                problems.append(f"{kind}[{index}].result must be a list")
    return problems


def _context(config: ParsedConfig, file_name: str | None) -> ImportContext:
    keys = list(dict.fromkeys([*config.data_keys, *config.all_data_keys]))
    return ImportContext(file_name=file_name, data_keys=tuple(keys))


def _iterate(source: ImportSource, context: ImportContext) -> Iterator[Any]:
    try:
        yield from source.importer.parse(source.stream, context)
    except LabelcoreError as exc:
        where = source.name or "request body"
        raise LabelcoreError(f"{where}: {exc.message}") from None


def _resolve_users(session: Session, rows: _Rows, problems: _Problems) -> None:
    """Annotations that name their annotator (a user id, or ``{"email": ...}``) get that user."""
    if not rows.user_refs:
        return
    ids = {ref for _, _, ref in rows.user_refs if isinstance(ref, int) and not isinstance(ref, bool)}
    emails = {ref["email"] for _, _, ref in rows.user_refs
              if isinstance(ref, dict) and isinstance(ref.get("email"), str)}
    known_ids: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        known_ids.update(session.execute(select(User.id).where(User.id.in_(chunk))).scalars())
    by_email: dict[str, int] = {}
    for chunk in _chunks(sorted(emails)):
        by_email.update(session.execute(select(User.email, User.id).where(User.email.in_(chunk))).tuples().all())
    for where, annotation_index, ref in rows.user_refs:
        user_id = None
        if isinstance(ref, int) and not isinstance(ref, bool) and ref in known_ids:
            user_id = ref
        elif isinstance(ref, dict) and ref.get("email") in by_email:
            user_id = by_email[ref["email"]]
        if user_id is None:
            problems.add(f"{where}: completed_by={ref!r} is not the id or email of a user")
            continue
        annotation = rows.annotations[annotation_index]
        rows.annotations[annotation_index] = annotation[:2] + (user_id,) + annotation[3:]


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), _ID_CHUNK):
        yield values[start:start + _ID_CHUNK]


# --------------------------------------------------------------------------- importing tasks


def import_tasks(
    engine: Engine,
    project_id: int,
    sources: Iterable[ImportSource],
    *,
    user_id: int | None,
    registry: Registry,
    pm: pluggy.PluginManager | None = None,
    options: ImportOptions | None = None,
    started: float | None = None,
) -> ImportResult:
    """Import tasks from the given sources into a project, all or nothing.

    :param user_id: who imports; annotations that do not name their annotator are theirs.
    :param options: Label Studio's query parameters (commit, return ids, preannotated fields).
    :param started: ``time.perf_counter()`` when the request began, for the reported duration.
    :raises ImportProblems: some task cannot be imported; lists the problems, nothing is written.
    :raises NotFoundError: no such project.
    """
    started = time.perf_counter() if started is None else started
    options = options or ImportOptions()
    with read_session(engine) as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFoundError(f"project {project_id} not found")
        label_config = project.label_config
        importer_id = user_id if user_id is not None else project.created_by_id
    config = parsed_config(label_config, registry, pm)

    with _gc_paused():
        checked = _check_sources(engine, sources, config, registry, pm, options)
        rows = checked.rows
        result = ImportResult(
            task_count=len(rows.tasks), annotation_count=None, prediction_count=None, duration=0.0,
            found_formats=checked.found_formats if checked.from_files else [],
            could_be_tasks_list=checked.could_be_tasks_list,
            data_columns=(checked.data_columns or []) if checked.from_files else [],
        )
        listening = pm is not None and bool(pm.hook.on_event.get_hookimpls())
        task_ids = None
        if options.commit_to_project:
            with write_session(engine) as session:
                task_ids = _write(session, project_id, label_config, rows, importer_id,
                                  want_ids=options.return_task_ids or listening)
            result.annotation_count = len(rows.annotations)
            result.prediction_count = len(rows.predictions)
            if options.return_task_ids:
                result.task_ids = task_ids
        del checked, rows
    result.duration = time.perf_counter() - started
    if task_ids is not None and listening:
        emit(pm, "TASKS_CREATED", _tasks_created_payload(engine, project_id, task_ids))
    return result


@dataclass
class _Checked:
    rows: _Rows
    found_formats: dict[str, int]
    could_be_tasks_list: bool
    data_columns: list[str] | None
    from_files: bool


def _check_sources(engine: Engine, sources: Iterable[ImportSource], config: ParsedConfig, registry: Registry,
                   pm: pluggy.PluginManager | None, options: ImportOptions) -> _Checked:
    """Phase 1: parse and check every source; raise ImportProblems listing what is wrong."""
    # PostgreSQL's JSON and text types cannot hold U+0000; SQLite can
    checker = _Checker(config, registry, pm, options, refuse_nul=engine.dialect.name != "sqlite")
    checked = _Checked(rows=checker.rows, found_formats={}, could_be_tasks_list=False, data_columns=None,
                       from_files=False)
    for source in sources:
        if source.name:
            checked.from_files = True
            checked.found_formats[source.extension] = checked.found_formats.get(source.extension, 0) + 1
            checked.could_be_tasks_list |= source.extension in (".csv", ".tsv", ".txt")
        prefix = f"{source.name}: " if source.name else ""
        first_keys: list[str] | None = None
        try:
            for index, task in enumerate(_iterate(source, _context(config, source.name))):
                if first_keys is None and isinstance(task, dict) and isinstance(task.get("data"), dict):
                    first_keys = list(task["data"])
                checker.add(task, prefix, index)
        except LabelcoreError as exc:
            checker.problems.add(exc.message)
            continue
        if source.name and first_keys is not None:
            # Label Studio reports the data keys common to the files' first tasks
            columns = checked.data_columns
            checked.data_columns = first_keys if columns is None else [key for key in columns if key in first_keys]
    if not checker.problems and not checker.rows.tasks:
        checker.problems.add("no tasks found to import")
    if not checker.problems and checker.rows.user_refs:
        with read_session(engine) as session:
            _resolve_users(session, checker.rows, checker.problems)
    if checker.problems:
        raise ImportProblems(checker.problems.listed, checker.problems.total)
    return checked


def _write(session: Session, project_id: int, label_config: str, rows: _Rows, importer_id: int | None,
           want_ids: bool) -> list[int] | None:
    """Phase 2: one transaction, one bulk statement per table (or per run of alike tasks), counters
    moved once. Returns the new task ids when ``want_ids`` or when annotations/predictions need them."""
    n = len(rows.tasks)
    connection = session.connection()
    # one UPDATE reserves the inner_id range (and, on PostgreSQL, locks the project row until commit)
    reserved = connection.execute(
        update(Project).where(Project.id == project_id)
        .values(next_inner_id=Project.next_inner_id + n)
        .returning(Project.next_inner_id, Project.maximum_annotations, Project.label_config)
    ).first()
    if reserved is None:
        raise NotFoundError(f"project {project_id} not found")
    next_inner_id, overlap, current_config = reserved
    if current_config != label_config:
        raise ImportConflict("the project's labeling config changed while the tasks were being checked; "
                             "nothing was imported, import again")
    bulk = _BulkWriter(connection)
    now = bulk.stamp(datetime.now(timezone.utc))
    task_ids = bulk.insert_tasks(project_id, next_inner_id - n, overlap, now, rows.tasks,
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
        finished_task_number=sum(1 for task in rows.tasks if task[2] >= overlap),
    )
    if rows.last_model_version is not None:
        # as Label Studio: a project without a model version takes the one of its first predictions
        session.exec(update(Project).where(Project.id == project_id, Project.model_version == "")
                     .values(model_version=rows.last_model_version))
    return task_ids


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

    def insert_tasks(self, project_id: int, first_inner_id: int, overlap: int, now: Any, tasks: list[tuple],
                     want_ids: bool) -> list[int] | None:
        """Insert ``(data_json, meta_json, completed, cancelled, predictions)`` tuples as tasks with
        consecutive inner ids; returns their ids in order when ``want_ids``."""
        if self.sqlite:
            return self._sqlite_tasks(project_id, first_inner_id, overlap, now, tasks)
        # COPY's text format, written directly: every column is a number, a flag, a timestamp or
        # JSON from orjson, which escapes all control characters, so only backslashes need doubling
        stamp = now.isoformat()
        lines = "".join(
            f"{project_id}\t{first_inner_id + position}\t{_copy_escape(data)}\t{_copy_escape(meta)}\t"
            f"{'t' if completed >= overlap else 'f'}\t{completed}\t{cancelled}\t{predictions}\t{overlap}\t"
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

    def _sqlite_tasks(self, project_id: int, first_inner_id: int, overlap: int, now: str,
                      tasks: list[tuple]) -> list[int]:
        # BEGIN IMMEDIATE holds the database's write lock: max(id) + 1 ... are ours alone
        first_id = (self.connection.execute(select(func.max(Task.id))).scalar() or 0) + 1
        runs = _runs(tasks)
        if len(runs) > max(16, len(tasks) // 64) or not _sqlite_has_json():
            self.insert("task", _TASK_COLUMNS, [
                (first_id + position, project_id, first_inner_id + position, data, meta, completed >= overlap,
                 completed, cancelled, predictions, overlap, None, now, now, None)
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
                                         completed >= overlap, completed, cancelled, predictions, overlap, now, now,
                                         datas))
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


def _tasks_created_payload(engine: Engine, project_id: int, task_ids: list[int]) -> dict[str, Any]:
    """Label Studio's TASKS_CREATED webhook payload (built only when a plugin listens)."""
    from labelcore.api.serializers import project_json, task_json, webhook_payload

    with read_session(engine) as session:
        project = session.get(Project, project_id)
        tasks = []
        for chunk in _chunks(task_ids):
            rows = session.execute(select(Task).where(Task.id.in_(chunk)).order_by(Task.id)).scalars()
            tasks.extend(task_json(row) for row in rows)
        return webhook_payload("TASKS_CREATED", tasks=tasks,
                               project=project_json(project) if project else {"id": project_id})


# --------------------------------------------------------------------------- importing predictions


def _prediction_result(result: Any, config: ParsedConfig) -> Any:
    """Label Studio's shorthands for a prediction's result: a list is the result itself; a dict is
    the ``value`` of the first control whose type is one of its keys; a string or integer is the
    answer of the first single-valued control (Choices, Rating, Number, TextArea)."""
    if isinstance(result, list):
        return result
    for name, control in config.controls.items():
        result_type = control.spec.result_type
        if result_type is None:
            continue
        to_name = ",".join(control.to_names)
        if isinstance(result, dict) and result_type in result:
            return [{"from_name": name, "to_name": to_name, "type": result_type, "value": result}]
        if isinstance(result, str) and not isinstance(result, bool) and result_type in ("choices", "textarea"):
            key = "text" if result_type == "textarea" else result_type
            return [{"from_name": name, "to_name": to_name, "type": result_type, "value": {key: [result]}}]
        if isinstance(result, int) and not isinstance(result, bool) and result_type in ("rating", "number"):
            return [{"from_name": name, "to_name": to_name, "type": result_type, "value": {result_type: result}}]
    return result


def import_predictions(
    engine: Engine,
    project_id: int,
    items: Any,
    *,
    registry: Registry,
    pm: pluggy.PluginManager | None = None,
) -> int:
    """Add predictions ``{task, result, score, model_version}`` to a project's tasks, all or nothing.

    Each result is checked against the config and its task's data.
    :return: how many predictions were created.
    :raises ImportProblems: some prediction cannot be imported; nothing is written.
    """
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise LabelcoreError("expected a list of predictions")
    problems = _Problems()
    rows: list[tuple] = []
    per_task: dict[int, int] = {}
    last_model_version = None
    refuse_nul = engine.dialect.name != "sqlite"
    with read_session(engine) as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFoundError(f"project {project_id} not found")
        label_config = project.label_config
        config = parsed_config(label_config, registry, pm)
        wanted = sorted({item.get("task") for item in items if isinstance(item, dict)
                         and isinstance(item.get("task"), int) and not isinstance(item.get("task"), bool)})
        task_data: dict[int, dict] = {}
        for chunk in _chunks(wanted):
            task_data.update(session.execute(select(Task.id, Task.data)
                                             .where(Task.project_id == project_id, Task.id.in_(chunk))).tuples().all())
    for index, item in enumerate(items):
        where = f"prediction[{index}]"
        if not isinstance(item, dict):
            problems.add(f"{where}: must be an object, got {type(item).__name__}")
            continue
        task_id = item.get("task")
        if task_id not in task_data:
            problems.add(f"{where}: task {task_id!r} is not a task of project {project_id}")
            continue
        result = _prediction_result(item.get("result"), config)
        score = item.get("score")
        if score is not None and not _is_number(score):
            problems.add(f"{where}: score must be a number, got {score!r}")
            continue
        if config.controls:
            issues = validate_results(result, config, task_data[task_id])
            if issues:
                for issue in issues:
                    problems.add(f"{where}: {issue}")
                continue
        elif not isinstance(result, list):
            problems.add(f"{where}: result must be a list")
            continue
        model_version = item.get("model_version")
        model_version = "undefined" if model_version is None else str(model_version)
        result_json = _dumps(result)
        if refuse_nul and (_json_holds_nul(result_json) or "\x00" in model_version):
            problems.add(f"{where}: {_NUL_PROBLEM}")
            continue
        if problems:
            continue
        last_model_version = model_version
        rows.append((task_id, result_json, float(score) if score is not None else None, model_version))
        per_task[task_id] = per_task.get(task_id, 0) + 1
    if problems:
        raise ImportProblems(problems.listed, problems.total, what="predictions")
    if not rows:
        return 0

    with write_session(engine) as session:
        connection = session.connection()
        current_config = connection.execute(select(Project.label_config).where(Project.id == project_id)).scalar()
        if current_config != label_config:
            raise ImportConflict("the project's labeling config changed while the predictions were being checked; "
                                 "nothing was imported, import again")
        task_ids = sorted(per_task)
        present = 0
        for chunk in _chunks(task_ids):
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
    return len(rows)


# --------------------------------------------------------------------------- media files (one task each)

#: Uploaded files that are media rather than task files: each becomes one task pointing at it
#: (Label Studio's image upload). The value is the ``data_type`` of the object tag that shows them.
MEDIA_EXTENSIONS = {".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image",
                    ".webp": "image", ".avif": "image", ".tif": "image", ".tiff": "image"}


def is_media_file(file_name: str) -> bool:
    """Whether an uploaded file is a media file (an image) rather than a file of tasks."""
    return PurePath(file_name.lower()).suffix in MEDIA_EXTENSIONS


def _media_key(config: ParsedConfig, registry: Registry, kind: str) -> str:
    """The data key for uploaded media of ``kind``: the first read by an object tag showing that kind."""
    specs = {name.lower(): spec for name, spec in registry.tags.items()}
    for ref in config.data_refs:
        spec = specs.get(ref.tag.lower())
        if spec is not None and spec.data_type == kind:
            return ref.name
    return (config.data_keys or config.all_data_keys or [kind])[0]


def media_sources(engine: Engine, uploads_dir: Any, project_id: int, files: list[tuple[str, IO[bytes]]],
                  registry: Registry, pm: pluggy.PluginManager | None = None) -> list[ImportSource]:
    """Store uploaded media files in ``<uploads_dir>/<project>/`` and return one import source per
    file, each holding one task ``{<key>: "/data/upload/<project>/<stored name>"}``.

    ``<key>`` is the first data key the project's config reads with an object tag for that kind of
    file (``<Image value="$image">``), else its first data key. Stored names get a random prefix,
    so uploading two files with the same name keeps both.
    """
    import re
    import shutil
    from pathlib import Path

    with read_session(engine) as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFoundError(f"project {project_id} not found")
        label_config = project.label_config
    config = parsed_config(label_config, registry, pm)
    folder = Path(uploads_dir) / str(project_id)
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for name, stream in files:
        base = PurePath(name.replace("\\", "/")).name
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[-120:] or "file"
        stored = f"{uuid.uuid4().hex[:8]}-{safe}"
        with (folder / stored).open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        key = _media_key(config, registry, MEDIA_EXTENSIONS[PurePath(base.lower()).suffix])
        task = {"data": {key: f"/data/upload/{project_id}/{stored}"}}
        sources.append(ImportSource(stream=io.BytesIO(orjson.dumps([task])), importer=registry.importers["JSON"],
                                    name=base))
    return sources
