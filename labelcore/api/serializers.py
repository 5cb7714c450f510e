"""Rows -> Label Studio JSON. One function per resource shape, used by every router that returns it.

The shapes follow what Label Studio OSS's serializers return: ``task_json`` is its TaskSerializer
(what POST/PATCH /api/tasks answer), ``dm_task_json`` its DataManagerTaskSerializer (GET
/api/tasks and /api/tasks/{id}), ``annotation_json`` its AnnotationSerializer, and so on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session

from labelcore.jsonio import dumps, loads
from labelcore.models import Annotation, Draft, MLBackend, Prediction, Project, Task, User
from labelcore.services.project_admin import ground_truth_numbers

# Label Studio cuts the DM's *_results summary columns at this many characters
_RESULTS_CHAR_LIMIT = 500


def _ago(moment: datetime | None) -> str:
    """Label Studio's ``created_ago`` (Django's timesince): the largest unit, e.g. "3 hours"."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = max(0, int((datetime.now(timezone.utc) - moment).total_seconds()))
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400),
                       ("hour", 3600)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def user_brief_json(user: User) -> dict[str, Any]:
    """A user as Label Studio nests one (``created_by``, an annotation's expanded ``completed_by``)."""
    initials = ((user.first_name[:1] + user.last_name[:1]) or user.email[:2]).upper()
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "avatar": None,
        "initials": initials,
    }


def _username(user: User | None) -> str:
    """Label Studio's ``created_username``: "First Last email, id"."""
    if user is None:
        return ""
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return f"{name} {user.email}, {user.id}".lstrip()


def annotation_json(row: Annotation, user: User | None = None, expand_user: bool = False) -> dict[str, Any]:
    """An annotation; ``user`` is its author (for ``created_username``), nested when ``expand_user``."""
    return {
        "id": row.id,
        "result": row.result,
        "created_username": _username(user),
        "created_ago": _ago(row.created_at),
        "completed_by": user_brief_json(user) if expand_user and user is not None else row.completed_by_id,
        "was_cancelled": row.was_cancelled,
        "ground_truth": row.ground_truth,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "draft_created_at": row.draft_created_at,
        "lead_time": row.lead_time,
        "import_id": row.import_id,
        "last_action": row.last_action,
        "bulk_created": False,
        "task": row.task_id,
        "project": row.project_id,
        "updated_by": row.updated_by_id,
        "parent_prediction": row.parent_prediction_id,
        "parent_annotation": row.parent_annotation_id,
        "last_created_by": None,
    }


def prediction_json(row: Prediction) -> dict[str, Any]:
    return {
        "id": row.id,
        "result": row.result,
        "model_version": row.model_version,
        "created_ago": _ago(row.created_at),
        "score": row.score,
        "cluster": row.cluster,
        "neighbors": row.neighbors,
        "mislabeling": row.mislabeling,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "model": None,
        "model_run": None,
        "task": row.task_id,
        "project": row.project_id,
    }


def draft_json(row: Draft, user: User | None = None) -> dict[str, Any]:
    """A draft; Label Studio writes its ``user`` as the author's email."""
    return {
        "id": row.id,
        "user": user.email if user is not None else row.user_id,
        "created_username": _username(user),
        "created_ago": _ago(row.created_at),
        "result": row.result,
        "lead_time": row.lead_time,
        "was_postponed": row.was_postponed,
        "import_id": None,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "task": row.task_id,
        "annotation": row.annotation_id,
    }


def task_json(row: Task, annotations: list[Annotation] | None = None,
              predictions: list[Prediction] | None = None) -> dict[str, Any]:
    """A task as Label Studio's TaskSerializer writes it; ``annotations``/``predictions`` are
    included when given (already loaded in bulk), as its TaskSimpleSerializer does."""
    out: dict[str, Any] = {
        "id": row.id,
        "data": row.data,
        "meta": row.meta or {},
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "is_labeled": row.is_labeled,
        "overlap": row.overlap,
        "inner_id": row.inner_id,
        "total_annotations": row.total_annotations,
        "cancelled_annotations": row.cancelled_annotations,
        "total_predictions": row.total_predictions,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": row.project_id,
        "updated_by": row.updated_by_id,
        "file_upload": row.file_upload_id,
        "comment_authors": [],
    }
    if annotations is not None:
        out["annotations"] = [annotation_json(a) for a in annotations]
    if predictions is not None:
        out["predictions"] = [prediction_json(p) for p in predictions]
    return out


def _results_summary(documents: Iterable[Any]) -> str:
    """The DM's ``annotations_results``/``predictions_results`` column: results joined, cut short."""
    results = [document.result for document in documents if getattr(document, "result", None) is not None]
    if not results:
        return ""
    text = json.dumps(results, ensure_ascii=False)[1:-1]
    return text[:_RESULTS_CHAR_LIMIT].replace(',"', ', "').replace("],[", "] [").replace('"', "")


def dm_task_json(row: Task, annotations: list[Any], predictions: list[Any], drafts: list[Any],
                 users: Mapping[int, User], full: bool) -> dict[str, Any]:
    """A task as the data manager lists it (Label Studio's DataManagerTaskSerializer).

    ``annotations``/``predictions``/``drafts`` are this task's rows, loaded in bulk for the whole
    page: full rows when ``full`` (``fields=all``: they are included), otherwise light rows
    carrying only what the summary columns need (ids, authors, dates, scores).
    """
    out = task_json(row)
    completed = [a for a in annotations if not a.was_cancelled]
    lead_times = [a.lead_time for a in annotations if a.lead_time is not None]
    scores = [p.score for p in predictions if p.score is not None]
    out.update({
        "updated_by": [{"user_id": row.updated_by_id}] if row.updated_by_id else [],
        "file_upload": None,
        "storage_filename": None,
        "annotators": sorted({a.completed_by_id for a in annotations if a.completed_by_id is not None}),
        "completed_at": max((a.created_at for a in completed), default=None),
        "avg_lead_time": sum(lead_times) / len(lead_times) if lead_times else None,
        "annotations_ids": ", ".join(str(a.id) for a in annotations),
        "annotations_results": _results_summary(annotations) if full else "",
        "predictions_score": sum(scores) / len(scores) if scores else None,
        "predictions_model_versions": ", ".join(dict.fromkeys(p.model_version for p in predictions
                                                              if p.model_version)),
        "predictions_results": _results_summary(predictions) if full else "",
        "draft_exists": bool(drafts),
    })
    if full:
        out["annotations"] = [annotation_json(a, users.get(a.completed_by_id), expand_user=True)
                              for a in annotations]
        out["predictions"] = [prediction_json(p) for p in predictions]
        out["drafts"] = [{"result": d.result, "created_at": d.created_at, "updated_at": d.updated_at}
                         for d in drafts]
    return out


PROJECT_FIELDS = (
    "id", "title", "description", "label_config", "parsed_label_config", "expert_instruction", "show_instruction",
    "show_skip_button", "enable_empty_annotation", "show_annotation_history", "show_collab_predictions",
    "reveal_preannotations_interactively", "maximum_annotations", "min_annotations_to_start_training", "sampling",
    "skip_queue", "color", "is_published", "is_draft", "model_version", "evaluate_predictions_automatically",
    "control_weights", "pinned_at",
    "created_at", "updated_at", "task_number", "total_annotations_number", "skipped_annotations_number",
    "total_predictions_number", "num_tasks_with_annotations", "finished_task_number",
)


def project_json(row: Project, created_by: dict[str, Any] | None = None,
                 ground_truth_number: int = 0) -> dict[str, Any]:
    """A project with its stored counters (Label Studio's ProjectSerializer)."""
    out = {field: getattr(row, field) for field in PROJECT_FIELDS}
    parsed = row.parsed_label_config or {}
    out.update({
        "parsed_label_config": parsed,
        "control_weights": row.control_weights or {},
        "created_by": created_by,
        "organization": 1,
        "overlap_cohort_percentage": 100,
        "start_training_on_annotation_update": False,
        "show_ground_truth_first": False,
        "show_overlap_first": False,
        "useful_annotation_number": max(0, row.total_annotations_number - ground_truth_number),
        "ground_truth_number": ground_truth_number,
        "queue_total": row.task_number,
        "queue_done": row.finished_task_number,
        "config_has_control_tags": bool(parsed),
        "config_suitable_for_bulk_annotation": False,
    })
    return out


def project_payload(session: Session, project: Project) -> dict[str, Any]:
    """One project as the API returns it and events carry it: ``project_json`` with its creator
    nested and its ground-truth count (read here)."""
    creator = session.get(User, project.created_by_id) if project.created_by_id else None
    ground_truth = ground_truth_numbers(session, [project.id]).get(project.id, 0)
    return project_json(project, user_brief_json(creator) if creator else None, ground_truth)


def webhook_payload(action: str, **parts: Any) -> dict[str, Any]:
    """Label Studio's webhook body for ``action`` (``{"action": ..., "project": ..., ...}``), made
    JSON-safe (datetimes as ISO strings) for ``on_event`` listeners."""
    return loads(dumps({"action": action, **parts}))


def project_event(pm: Any, session: Session, project: Project | int, action: str, **parts: Any) -> dict[str, Any] | None:
    """The webhook body of a change to ``project`` made in ``session``, with the project (counters
    included) as this transaction leaves it; None, and nothing read, when no plugin listens.
    Build it before the commit and ``emit`` it after."""
    from labelcore.services.events import listening
    from labelcore.services.projects import get_project

    if not listening(pm):
        return None
    # by id: a Project read in an earlier session is not this session's to refresh
    session.flush()
    project = get_project(session, project if isinstance(project, int) else project.id)
    session.refresh(project)
    return webhook_payload(action, project=project_payload(session, project), **parts)


def ml_backend_json(row: MLBackend, spec: Any | None) -> dict[str, Any]:
    """An ML backend as Label Studio's MLBackendSerializer writes it, plus labelcore's ``backend`` and
    ``settings`` (without secrets; the basic-auth password only as ``basic_auth_pass_is_set``)."""
    from labelcore.services.ml_backends import READABLE_STATES, public_settings

    return {
        "id": row.id,
        "project": row.project_id,
        "backend": row.backend,
        "settings": public_settings(spec, row),
        "state": row.state,
        "readable_state": READABLE_STATES.get(row.state, row.state),
        "is_interactive": row.is_interactive,
        "url": row.url,
        "error_message": row.error_message,
        "title": row.title,
        "description": row.description,
        "auth_method": row.auth_method,
        "basic_auth_user": row.basic_auth_user,
        "basic_auth_pass_is_set": bool(row.basic_auth_pass),
        "extra_params": row.extra_params or {},
        "model_version": row.model_version,
        "timeout": row.timeout,
        "auto_update": row.auto_update,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
