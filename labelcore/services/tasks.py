"""Tasks: creating, changing and deleting them with their counters, and the data manager's task
list (Label Studio's filters, ordering and selected items) as indexed queries.

A page of the list costs a fixed number of queries whatever its depth: the page's ids (an
index-only scan of ``(project_id, id)`` when ordered by id), their rows, and their annotations,
predictions and drafts (one query each). Unfiltered totals come from the project's stored counters.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pluggy
from sqlalchemy import (
    String, and_, cast, delete, exists, false, func, literal, not_, or_, true, type_coerce, update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, select

from labelcore.config import ParsedConfig
from labelcore.db import chunks
from labelcore.errors import LabelcoreError
from labelcore.models import Annotation, Draft, Prediction, Project, Task, User
from labelcore.registry import Registry
from labelcore.services.counters import add_to_project, forget_tasks, recount_tasks
from labelcore.services.validation import task_problems


class TaskDataError(LabelcoreError):
    """Task data the project's config cannot show; ``issues`` names each problem."""

    def __init__(self, issues: list[str]):
        self.issues = issues
        super().__init__("; ".join(issues))


def check_task_data(data: Any, config: ParsedConfig, registry: Registry, pm: pluggy.PluginManager | None) -> None:
    """Raise TaskDataError unless ``data`` is an object carrying every data key the config reads."""
    if not isinstance(data, dict):
        raise TaskDataError([f"data must be an object, got {type(data).__name__}"])
    problems = list(task_problems({"data": data}, config, registry, pm))
    if problems:
        raise TaskDataError(problems)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- create / change / delete


def reserve_inner_ids(session: Session, project_id: int, count: int) -> int:
    """Take ``count`` consecutive per-project inner ids; returns the first (one atomic UPDATE)."""
    row = session.exec(
        update(Project).where(Project.id == project_id)
        .values(next_inner_id=Project.next_inner_id + count)
        .returning(Project.next_inner_id)
    ).first()
    if row is None:
        raise LabelcoreError(f"project {project_id} not found")
    return row[0] - count


def create_task(session: Session, project: Project, data: Any, meta: Any, config: ParsedConfig | None,
                registry: Registry, pm: pluggy.PluginManager | None) -> Task:
    """One new task of ``project``; its data must fit the config (``config`` None: no config yet)."""
    if config is not None:
        check_task_data(data, config, registry, pm)
    elif not isinstance(data, dict):
        raise TaskDataError([f"data must be an object, got {type(data).__name__}"])
    if meta is not None and not isinstance(meta, dict):
        raise LabelcoreError("meta must be an object")
    task = Task(project_id=project.id, inner_id=reserve_inner_ids(session, project.id, 1), data=data,
                meta=meta or {}, overlap=project.maximum_annotations)
    session.add(task)
    session.flush()
    add_to_project(session, project.id, task_number=1)
    return task


def update_task(session: Session, task: Task, values: dict[str, Any], config: ParsedConfig | None,
                registry: Registry, pm: pluggy.PluginManager | None, user_id: int | None) -> Task:
    """Change a task's ``data``, ``meta`` or ``overlap``. Counters are the server's to keep, so
    counter fields a client sends are ignored (Label Studio would store them as sent)."""
    if values.get("data") is not None:
        if config is not None:
            check_task_data(values["data"], config, registry, pm)
        elif not isinstance(values["data"], dict):
            raise TaskDataError(["data must be an object"])
        task.data = values["data"]
    if "meta" in values:
        if values["meta"] is not None and not isinstance(values["meta"], dict):
            raise LabelcoreError("meta must be an object")
        task.meta = values["meta"] or {}
    overlap = values.get("overlap")
    if overlap is not None:
        if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
            raise LabelcoreError("overlap: ensure this value is an integer greater than or equal to 1.")
        task.overlap = overlap
    task.updated_by_id = user_id
    task.updated_at = _now()
    session.add(task)
    session.flush()
    if overlap is not None:
        recount_tasks(session, task.project_id, [task.id])
        session.refresh(task)
    return task


def delete_tasks(session: Session, project_id: int, task_ids: list[int]) -> None:
    """Delete tasks (their annotations, predictions, drafts and locks follow) and uncount them."""
    if not task_ids:
        return
    forget_tasks(session, project_id, task_ids)
    for chunk in chunks(task_ids):
        session.exec(delete(Task).where(Task.id.in_(chunk)))


def delete_all_tasks(session: Session, project: Project) -> list[int]:
    """Delete every task of a project; its counters and inner ids start again from zero."""
    task_ids = list(session.exec(select(Task.id).where(Task.project_id == project.id).order_by(Task.id)))
    session.exec(delete(Task).where(Task.project_id == project.id))
    session.exec(update(Project).where(Project.id == project.id).values(
        task_number=0, finished_task_number=0, total_annotations_number=0, skipped_annotations_number=0,
        total_predictions_number=0, num_tasks_with_annotations=0, next_inner_id=1,
    ))
    return task_ids


# --------------------------------------------------------------------------- the data manager's query


@dataclass
class TaskQuery:
    """Label Studio's data manager query: ``filters``, ``ordering``, ``selectedItems``."""

    conjunction: str = "and"
    items: list[dict[str, Any]] = field(default_factory=list)
    ordering: list[str] = field(default_factory=list)
    selected: dict[str, Any] | None = None

    @property
    def narrows(self) -> bool:
        """Whether the query can leave out tasks (totals then need counting)."""
        return bool(self.items) or self.selected is not None


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise LabelcoreError(f"{name} must be JSON: {raw[:200]!r}") from None


def parse_task_query(query: str | None, selected_items: str | None = None) -> TaskQuery:
    """The ``query`` parameter (JSON: filters, ordering, selectedItems) as a TaskQuery."""
    raw = _json_param(query, "query") or {}
    if not isinstance(raw, dict):
        raise LabelcoreError("query must be a JSON object with filters, ordering and selectedItems")
    out = TaskQuery()
    filters = raw.get("filters") or {}
    if filters:
        if not isinstance(filters, dict) or not isinstance(filters.get("items", []), list):
            raise LabelcoreError('query.filters must be {"conjunction": "and"|"or", "items": [...]}')
        out.conjunction = str(filters.get("conjunction") or "and").lower()
        if out.conjunction not in ("and", "or"):
            raise LabelcoreError(f"query.filters.conjunction {out.conjunction!r} must be 'and' or 'or'")
        for index, item in enumerate(filters.get("items") or []):
            if not isinstance(item, dict) or not isinstance(item.get("filter"), str) or \
                    not isinstance(item.get("operator"), str):
                raise LabelcoreError(f"query.filters.items[{index}] needs a 'filter' and an 'operator'")
            out.items.append(item)
    ordering = raw.get("ordering") or []
    out.ordering = [ordering] if isinstance(ordering, str) else [str(name) for name in ordering]
    selected = raw.get("selectedItems")
    if selected is None:
        selected = _json_param(selected_items, "selectedItems")
    if selected is not None:
        if not isinstance(selected, dict) or not isinstance(selected.get("all"), bool):
            raise LabelcoreError('selectedItems must be {"all": true, "excluded": [...]} or '
                                 '{"all": false, "included": [...]}')
        if not (selected["all"] and not selected.get("excluded")):
            out.selected = selected
    return out


def _column_name(name: str) -> str:
    for prefix in ("filter:", "tasks:"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


_PLAIN_COLUMNS = {
    "id": Task.id, "inner_id": Task.inner_id, "total_annotations": Task.total_annotations,
    "cancelled_annotations": Task.cancelled_annotations, "total_predictions": Task.total_predictions,
    "is_labeled": Task.is_labeled, "overlap": Task.overlap, "created_at": Task.created_at,
    "updated_at": Task.updated_at, "updated_by": Task.updated_by_id, "file_upload": Task.file_upload_id,
}
_DATETIME_COLUMNS = {"created_at", "updated_at", "completed_at"}
_ANNOTATOR_COLUMNS = {"annotators", "completed_by"}


def _derived_column(name: str) -> Any:
    """Columns Label Studio computes from a task's annotations/predictions (correlated subqueries)."""
    if name == "completed_at":
        return (select(func.max(Annotation.created_at))
                .where(Annotation.task_id == Task.id, Annotation.was_cancelled == False)  # noqa: E712
                .scalar_subquery())
    if name == "avg_lead_time":
        return select(func.avg(Annotation.lead_time)).where(Annotation.task_id == Task.id).scalar_subquery()
    if name == "predictions_score":
        return select(func.avg(Prediction.score)).where(Prediction.task_id == Task.id).scalar_subquery()
    return None


class _DataField:
    """A top-level key of a task's data, compared the way each database can."""

    def __init__(self, key: str, dialect: str):
        self.key = key
        self.postgres = dialect == "postgresql"

    @property
    def value(self) -> Any:
        if self.postgres:
            return type_coerce(Task.data, JSONB)[self.key]
        return func.json_extract(Task.data, '$."' + self.key.replace('"', '\\"') + '"')

    @property
    def text(self) -> Any:
        if self.postgres:
            return type_coerce(Task.data, JSONB)[self.key].astext
        return cast(self.value, String)

    def literal(self, value: Any) -> Any:
        if self.postgres:
            return cast(literal(json.dumps(value)), JSONB)
        return int(value) if isinstance(value, bool) else value

    def empty(self) -> Any:
        if self.postgres:
            return or_(self.value.is_(None), self.value == cast(literal("null"), JSONB), self.text == "")
        return or_(self.value.is_(None), self.text == "")


def _as_number(value: Any) -> Any:
    """A filter's number (or ``{min, max}``/list of them); numeric strings are accepted."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return {key: _as_number(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_as_number(inner) for inner in value]
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(str(value))
    except ValueError:
        raise LabelcoreError(f"{value!r} is not a number") from None
    return int(number) if number.is_integer() else number


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _as_datetime(value: Any) -> Any:
    """A filter's ISO 8601 value (or ``{min, max}`` of them) as aware UTC datetimes."""
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        return {key: _as_datetime(inner) for key, inner in value.items()}
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise LabelcoreError(f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _like(value: Any) -> str:
    escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _range(expression: Any, value: Any, negate: bool) -> Any:
    if isinstance(value, dict):
        low, high = value.get("min"), value.get("max")
        parts = []
        if low is not None:
            parts.append(expression >= low)
        if high is not None:
            parts.append(expression <= high)
        condition = and_(*parts) if parts else true()
    elif isinstance(value, list):
        condition = expression.in_(value)
    else:
        raise LabelcoreError("the 'in'/'not_in' operators take {\"min\": ..., \"max\": ...} or a list")
    return not_(condition) if negate else condition


def _annotator_condition(operator: str, value: Any) -> Any:
    ids = value if isinstance(value, list) else [value]
    try:
        ids = [int(user_id) for user_id in ids if user_id is not None]
    except (TypeError, ValueError):
        raise LabelcoreError("annotators filters take user ids") from None
    by_them = exists().where(Annotation.task_id == Task.id, Annotation.completed_by_id.in_(ids))
    anyone = exists().where(Annotation.task_id == Task.id)
    if operator in ("contains", "equal", "in", "in_list"):
        return by_them
    if operator in ("not_contains", "not_equal", "not_in", "not_in_list"):
        return not_(by_them)
    if operator == "empty":
        return not_(anyone) if _as_bool(value) else anyone
    raise LabelcoreError(f"operator {operator!r} does not apply to annotators")


def _identity(value: Any) -> Any:
    return value


def _known_column(name: str, raw: str) -> Any:
    column = _PLAIN_COLUMNS.get(name)
    if column is None:
        column = _derived_column(name)
    if column is None:
        known = sorted([*_PLAIN_COLUMNS, "completed_at", "avg_lead_time", "predictions_score", "annotators"])
        raise LabelcoreError(f"unknown task filter {raw!r}; filter on "
                             f"{', '.join('filter:tasks:' + key for key in known)} or filter:tasks:data.<key>")
    return column


def _condition(item: dict[str, Any], dialect: str) -> Any:
    """One data manager filter item as a WHERE clause."""
    name = _column_name(item["filter"])
    operator = item["operator"]
    value = item.get("value")
    if name in _ANNOTATOR_COLUMNS:
        return _annotator_condition(operator, value)
    if name.startswith("data."):
        data = _DataField(name[len("data."):], dialect)
        if operator == "empty":
            return data.empty() if _as_bool(value) else not_(data.empty())
        if operator in ("contains", "not_contains"):
            condition = data.text.ilike(_like(value), escape="\\") if data.postgres else \
                data.text.like(_like(value), escape="\\")
            return condition if operator == "contains" else or_(not_(condition), data.value.is_(None))
        column, wrap = data.value, data.literal
    else:
        column, wrap = _known_column(name, item["filter"]), _identity
        if operator == "empty":
            return column.is_(None) if _as_bool(value) else column.is_not(None)
        if operator in ("contains", "not_contains"):
            condition = cast(column, String).like(_like(value), escape="\\")
            return condition if operator == "contains" else not_(condition)
        if name in _DATETIME_COLUMNS:
            value = _as_datetime(value)
        elif name == "is_labeled":
            value = _as_bool(value)
        else:
            value = _as_number(value)
    if operator == "equal":
        return column == wrap(value)
    if operator == "not_equal":
        return or_(column != wrap(value), column.is_(None))
    comparisons = {"greater": "__gt__", "greater_or_equal": "__ge__", "less": "__lt__", "less_or_equal": "__le__"}
    if operator in comparisons:
        return getattr(column, comparisons[operator])(wrap(value))
    if operator in ("in", "not_in", "in_list", "not_in_list"):
        if isinstance(value, dict):
            value = {key: wrap(inner) for key, inner in value.items() if inner is not None}
        elif isinstance(value, list):
            value = [wrap(inner) for inner in value]
        return _range(column, value, negate=operator.startswith("not_"))
    raise LabelcoreError(f"unknown filter operator {operator!r}; use equal, not_equal, contains, not_contains, "
                         "greater, greater_or_equal, less, less_or_equal, in, not_in, in_list, not_in_list, empty")


def task_conditions(project_id: int, query: TaskQuery, dialect: str, only_annotated: bool = False) -> list[Any]:
    """WHERE clauses selecting the project's tasks that the query keeps."""
    conditions: list[Any] = [Task.project_id == project_id]
    if query.items:
        parts = [_condition(item, dialect) for item in query.items]
        conditions.append(and_(*parts) if query.conjunction == "and" else or_(*parts))
    if query.selected is not None:
        key = "excluded" if query.selected["all"] else "included"
        try:
            chosen = [int(task_id) for task_id in query.selected.get(key) or []]
        except (TypeError, ValueError):
            raise LabelcoreError(f"selectedItems.{key} must list task ids") from None
        if query.selected["all"]:
            conditions.append(Task.id.not_in(chosen))
        else:
            conditions.append(Task.id.in_(chosen) if chosen else false())
    if only_annotated:
        conditions.append(Task.total_annotations > 0)
    return conditions


def task_ordering(query: TaskQuery, dialect: str) -> list[Any]:
    """ORDER BY for the query's ordering (default: by id), always ending on id so pages are stable."""
    order: list[Any] = []
    for raw in query.ordering:
        descending = raw.startswith("-")
        name = _column_name(raw.lstrip("-"))
        if name.startswith("data."):
            column = _DataField(name[len("data."):], dialect).value
        else:
            column = _PLAIN_COLUMNS.get(name)
            if column is None:
                column = _derived_column(name)
            if column is None and name in _ANNOTATOR_COLUMNS:
                column = (select(func.min(Annotation.completed_by_id)).where(Annotation.task_id == Task.id)
                          .scalar_subquery())
            if column is None:
                raise LabelcoreError(f"unknown task ordering {raw!r}")
        if column is Task.id:
            order.append(Task.id.desc() if descending else Task.id.asc())
            return order
        order.append(column.desc() if descending else column.asc())
    order.append(Task.id.asc())
    return order


def task_totals(session: Session, conditions: list[Any]) -> tuple[int, int, int]:
    """``(tasks, annotations, predictions)`` over the tasks the conditions select (one query)."""
    row = session.exec(
        select(func.count(Task.id), func.coalesce(func.sum(Task.total_annotations), 0),
               func.coalesce(func.sum(Task.total_predictions), 0)).where(*conditions)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def tasks_by_ids(session: Session, task_ids: list[int]) -> list[Task]:
    """Task rows in the order of ``task_ids``."""
    if not task_ids:
        return []
    rows = {task.id: task for task in session.exec(select(Task).where(Task.id.in_(task_ids)))}
    return [rows[task_id] for task_id in task_ids if task_id in rows]


@dataclass
class PageDocuments:
    """Annotations, predictions and the caller's drafts of a page of tasks, grouped by task id."""

    annotations: dict[int, list[Any]]
    predictions: dict[int, list[Any]]
    drafts: dict[int, list[Any]]
    users: dict[int, User]


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row.task_id].append(row)
    return out


def page_documents(session: Session, task_ids: list[int], user_id: int | None, full: bool) -> PageDocuments:
    """One query per table for the whole page. ``full``: whole rows (their results are shown);
    otherwise only the columns the data manager's summary columns need."""
    if not task_ids:
        return PageDocuments({}, {}, {}, {})
    if full:
        annotations = session.exec(select(Annotation).where(Annotation.task_id.in_(task_ids))
                                   .order_by(Annotation.id)).all()
        predictions = session.exec(select(Prediction).where(Prediction.task_id.in_(task_ids))
                                   .order_by(Prediction.id)).all()
        drafts = session.exec(select(Draft).where(Draft.task_id.in_(task_ids), Draft.user_id == user_id)
                              .order_by(Draft.id)).all()
        author_ids = {a.completed_by_id for a in annotations if a.completed_by_id is not None}
        users = {user.id: user for user in session.exec(select(User).where(User.id.in_(author_ids)))} \
            if author_ids else {}
    else:
        annotations = session.exec(
            select(Annotation.task_id, Annotation.id, Annotation.completed_by_id, Annotation.created_at,
                   Annotation.lead_time, Annotation.was_cancelled)
            .where(Annotation.task_id.in_(task_ids)).order_by(Annotation.id)).all()
        predictions = session.exec(
            select(Prediction.task_id, Prediction.id, Prediction.score, Prediction.model_version)
            .where(Prediction.task_id.in_(task_ids)).order_by(Prediction.id)).all()
        drafts = session.exec(select(Draft.task_id, Draft.id)
                              .where(Draft.task_id.in_(task_ids), Draft.user_id == user_id)).all()
        users = {}
    return PageDocuments(_grouped(annotations), _grouped(predictions), _grouped(drafts), users)


def ids_query(conditions: list[Any], order: list[Any]) -> Any:
    """The ids of the selected tasks in list order (what a page is cut from)."""
    return select(Task.id).where(*conditions).order_by(*order)

