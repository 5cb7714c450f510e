"""Rows -> Label Studio JSON. One function per resource, used by every router that returns it."""

from __future__ import annotations

from typing import Any

from labelcore.models import Annotation, Prediction, Project, Task


def annotation_json(row: Annotation) -> dict[str, Any]:
    return {
        "id": row.id,
        "result": row.result,
        "task": row.task_id,
        "project": row.project_id,
        "completed_by": row.completed_by_id,
        "updated_by": row.updated_by_id,
        "was_cancelled": row.was_cancelled,
        "ground_truth": row.ground_truth,
        "lead_time": row.lead_time,
        "unique_id": row.unique_id,
        "import_id": row.import_id,
        "last_action": row.last_action,
        "parent_prediction": row.parent_prediction_id,
        "parent_annotation": row.parent_annotation_id,
        "draft_created_at": row.draft_created_at,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def prediction_json(row: Prediction) -> dict[str, Any]:
    return {
        "id": row.id,
        "result": row.result,
        "score": row.score,
        "model_version": row.model_version,
        "cluster": row.cluster,
        "neighbors": row.neighbors,
        "mislabeling": row.mislabeling,
        "task": row.task_id,
        "project": row.project_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def task_json(row: Task, annotations: list[Annotation] | None = None,
              predictions: list[Prediction] | None = None) -> dict[str, Any]:
    """A task; ``annotations``/``predictions`` are included when given (already loaded in bulk)."""
    out: dict[str, Any] = {
        "id": row.id,
        "inner_id": row.inner_id,
        "data": row.data,
        "meta": row.meta or {},
        "project": row.project_id,
        "is_labeled": row.is_labeled,
        "overlap": row.overlap,
        "total_annotations": row.total_annotations,
        "cancelled_annotations": row.cancelled_annotations,
        "total_predictions": row.total_predictions,
        "file_upload": row.file_upload_id,
        "updated_by": row.updated_by_id,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if annotations is not None:
        out["annotations"] = [annotation_json(a) for a in annotations]
    if predictions is not None:
        out["predictions"] = [prediction_json(p) for p in predictions]
    return out


PROJECT_FIELDS = (
    "id", "title", "description", "label_config", "parsed_label_config", "expert_instruction", "show_instruction",
    "show_skip_button", "enable_empty_annotation", "show_annotation_history", "show_collab_predictions",
    "reveal_preannotations_interactively", "maximum_annotations", "min_annotations_to_start_training", "sampling",
    "skip_queue", "color", "is_published", "is_draft", "model_version", "control_weights", "pinned_at",
    "created_at", "updated_at", "task_number", "total_annotations_number", "skipped_annotations_number",
    "total_predictions_number", "num_tasks_with_annotations", "finished_task_number",
)


def project_json(row: Project, created_by: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {field: getattr(row, field) for field in PROJECT_FIELDS}
    out.update({
        "created_by": created_by,
        "organization": 1,
        "overlap_cohort_percentage": 100,
        "evaluate_predictions_automatically": False,
        "useful_annotation_number": row.total_annotations_number,
        "ground_truth_number": 0,
        "queue_total": row.task_number,
        "queue_done": row.finished_task_number,
        "config_has_control_tags": bool(row.parsed_label_config and row.parsed_label_config.get("controls")),
    })
    return out
