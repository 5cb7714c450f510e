"""Export rows -> Label Studio's export JSON: what each export query selects, and the task,
annotation, prediction and draft dicts built from one row each.

The dicts are what Label Studio 1.23's export serializer writes (``data_export/serializers.py``):
timestamps as ISO 8601 strings, ``completed_by`` as a user id (or the user, when expanded). JSON
columns are selected as text and decoded by orjson, timestamps as UTC text turned into DRF's form
without building a datetime per value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson
from sqlalchemy import Text, cast, func

from labelcore.jsonio import iso
from labelcore.models import Annotation, Draft, Prediction, Task, User


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
class ExportColumns:
    task: tuple
    annotation: tuple
    prediction: tuple
    draft: tuple


_COLUMNS: dict[str, ExportColumns] = {}


def export_columns(dialect: str) -> ExportColumns:
    """What each query selects, with JSON as text (decoded by orjson) and timestamps as text."""
    columns = _COLUMNS.get(dialect)
    if columns is None:
        def ts(column: Any) -> Any:
            return _timestamp(column, dialect)

        columns = _COLUMNS[dialect] = ExportColumns(
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


def annotation_json(row: Any, completed_by: Any) -> dict[str, Any]:
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


def prediction_json(row: Any, now: datetime) -> dict[str, Any]:
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


def draft_json(row: Any, now: datetime) -> dict[str, Any]:
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


def task_json(row: Any, annotations: list, predictions: list, drafts: list) -> dict[str, Any]:
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
