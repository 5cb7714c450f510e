"""Phase 1 of an import: parse every source and check it, without holding a write lock.

Each task is turned into the row values it will be stored as (``ImportRows``) and checked against
the project's labeling config: the config's data keys for every task; result validation only for
tasks that carry annotations or predictions. Every problem is collected, and any problem ends the
import with ``ImportProblems``: nothing is written. ``check_predictions`` does the same for
predictions added to existing tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any

import orjson
import pluggy
from sqlalchemy import Engine, select
from sqlmodel import Session

from labelcore.config import ParsedConfig
from labelcore.db import chunks, read_session
from labelcore.errors import LabelcoreError
from labelcore.models import Task, User
from labelcore.registry import Registry
from labelcore.results import validate_results
from labelcore.services.prediction_shorthands import prediction_result, preannotate
from labelcore.services.validation import document_problems, has_repeater, task_problems
from labelcore.specs import ImportContext, ImporterSpec

#: At most this many problems are listed in an error; the rest are counted.
MAX_REPORTED_PROBLEMS = 100

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


@dataclass
class ImportSource:
    """One document to import: an uploaded file, a file on disk, or a request body (``name`` None).
    ``stored``: the media file this source's task points at, saved for this import (removed if the
    import does not commit)."""

    stream: IO[bytes]
    importer: ImporterSpec
    name: str | None = None
    stored: Path | None = None

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
class ImportRows:
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
        self.always_full_check = has_repeater(config)
        # results are checked against the config's controls; a config without any (a project whose
        # config is not set yet) cannot judge them, as in Label Studio
        self.check_results = bool(config.controls)
        self.rows = ImportRows()
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
            task, problems = preannotate(task, self.options.preannotated_from_fields, self.config)
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
    problems.extend(document_problems(task, _result_shape_problems))
    return problems


def _result_shape_problems(document: dict[str, Any]) -> list[str]:
    return [] if isinstance(document.get("result", []), list) else ["result must be a list"]


def _context(config: ParsedConfig, file_name: str | None) -> ImportContext:
    keys = list(dict.fromkeys([*config.data_keys, *config.all_data_keys]))
    return ImportContext(file_name=file_name, data_keys=tuple(keys))


def _iterate(source: ImportSource, context: ImportContext) -> Iterator[Any]:
    try:
        yield from source.importer.parse(source.stream, context)
    except LabelcoreError as exc:
        where = source.name or "request body"
        raise LabelcoreError(f"{where}: {exc.message}") from None


def _resolve_users(session: Session, rows: ImportRows, problems: _Problems) -> None:
    """Annotations that name their annotator (a user id, or ``{"email": ...}``) get that user."""
    if not rows.user_refs:
        return
    ids = {ref for _, _, ref in rows.user_refs if isinstance(ref, int) and not isinstance(ref, bool)}
    emails = {ref["email"] for _, _, ref in rows.user_refs
              if isinstance(ref, dict) and isinstance(ref.get("email"), str)}
    known_ids: set[int] = set()
    for chunk in chunks(sorted(ids)):
        known_ids.update(session.execute(select(User.id).where(User.id.in_(chunk))).scalars())
    by_email: dict[str, int] = {}
    for chunk in chunks(sorted(emails)):
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


@dataclass
class CheckedSources:
    """The rows of every task of the sources, and what Label Studio reports about the files."""

    rows: ImportRows
    found_formats: dict[str, int]
    could_be_tasks_list: bool
    data_columns: list[str] | None
    from_files: bool


def check_sources(engine: Engine, sources: Iterable[ImportSource], config: ParsedConfig, registry: Registry,
                  pm: pluggy.PluginManager | None, options: ImportOptions) -> CheckedSources:
    """Phase 1: parse and check every source; raise ImportProblems listing what is wrong."""
    # PostgreSQL's JSON and text types cannot hold U+0000; SQLite can
    checker = _Checker(config, registry, pm, options, refuse_nul=engine.dialect.name != "sqlite")
    checked = CheckedSources(rows=checker.rows, found_formats={}, could_be_tasks_list=False, data_columns=None,
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


@dataclass
class CheckedPredictions:
    """What a predictions import will write: ``(task_id, result_json, score, model_version)`` rows,
    how many go to each task, and the last model version (a project without one takes it)."""

    rows: list[tuple]
    per_task: dict[int, int]
    last_model_version: str | None


def check_predictions(engine: Engine, project_id: int, items: list[Any], config: ParsedConfig) -> CheckedPredictions:
    """Check predictions ``{task, result, score, model_version}`` for a project's tasks: each result
    against the config and its task's data. Raises ImportProblems listing what is wrong."""
    problems = _Problems()
    rows: list[tuple] = []
    per_task: dict[int, int] = {}
    last_model_version = None
    refuse_nul = engine.dialect.name != "sqlite"
    with read_session(engine) as session:
        wanted = sorted({item.get("task") for item in items if isinstance(item, dict)
                         and isinstance(item.get("task"), int) and not isinstance(item.get("task"), bool)})
        task_data: dict[int, dict] = {}
        for chunk in chunks(wanted):
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
        result = prediction_result(item.get("result"), config)
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
    return CheckedPredictions(rows, per_task, last_model_version)
