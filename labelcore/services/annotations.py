"""The result documents of a task: annotations, predictions and drafts.

Annotation and prediction results are checked against the project's config and the task's data
before they are stored (Label Studio stores whatever it is sent); every change moves the task's
and the project's stored counters in the same transaction.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

import pluggy
from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from labelcore.config import ParsedConfig, parse_config
from labelcore.errors import ConfigError, LabelcoreError, NotFoundError
from labelcore.models import Annotation, Draft, Prediction, Project, Task, TaskLock, User
from labelcore.registry import Registry
from labelcore.results import check_results
from labelcore.services.counters import count_annotation, recount_tasks, skips_finish
from labelcore.services.projects import parsed_config


class ForbiddenError(LabelcoreError):
    status_code = 403


# one Core statement with the row as parameters: no ORM unit of work, and its cache key is the same every time
_INSERT_ANNOTATION = insert(Annotation.__table__).returning(Annotation.__table__.c.id)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def result_config(project: Project, data: dict[str, Any], registry: Registry,
                  pm: pluggy.PluginManager | None) -> ParsedConfig:
    """The config results of a task are checked against: the project's, expanded by the task's
    data when it has a Repeater (whose control names depend on the data)."""
    config = parsed_config(project.label_config, registry, pm)
    if any(node.tag == "Repeater" for node in config.walk()):
        try:
            return parse_config(config.xml, registry, pm, data=data)
        except ConfigError as exc:
            raise LabelcoreError(f"the task's data does not fit the config's Repeater: {exc.message}") from None
    return config


def _result_list(result: Any) -> list:
    """A result as sent: Label Studio also accepts it as a JSON string."""
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            raise LabelcoreError('annotation "result" can\'t be parsed from str to JSON') from None
    if not isinstance(result, list):
        raise LabelcoreError('"result" must be a list of result items')
    return result


def check_result(result: Any, project: Project, task: Task, registry: Registry,
                 pm: pluggy.PluginManager | None) -> list:
    """The result list, or ResultValidationError (400) naming each item that does not fit."""
    items = _result_list(result)
    if items:
        check_results(items, result_config(project, task.data, registry, pm), task.data)
    return items


def _short_text(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    value = str(value)
    if len(value) > limit:
        raise LabelcoreError(f"{field}: ensure this field has no more than {limit} characters.")
    return value


def _user_id(session: Session, value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or session.get(User, value) is None:
        raise LabelcoreError(f"completed_by: invalid pk \"{value}\" - object does not exist.")
    return value


def _reference(session: Session, model: type, value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or session.get(model, value) is None:
        raise LabelcoreError(f"{field}: invalid pk \"{value}\" - object does not exist.")
    return value


def _keep_one_ground_truth(session: Session, annotation: Annotation) -> None:
    """A task has at most one ground-truth annotation (Label Studio's ensure_unique_groundtruth)."""
    session.exec(update(Annotation)
                 .where(Annotation.task_id == annotation.task_id, Annotation.id != annotation.id,
                        Annotation.ground_truth == True)  # noqa: E712
                 .values(ground_truth=False).execution_options(synchronize_session=False))


# --------------------------------------------------------------------------- annotations


def check_annotation_result(values: dict[str, Any], project: Project, task: Task, registry: Registry,
                            pm: pluggy.PluginManager | None) -> list:
    """The result of a new annotation, checked; a missing or null result is an empty one (a skip
    usually carries none)."""
    result = values.get("result")
    return check_result([] if result is None else result, project, task, registry, pm)


def _consume_drafts(session: Session, task: Task, user: User, draft_id: int | None) -> datetime | None:
    """Delete the drafts an annotation is submitted from (the author's unsubmitted drafts of the
    task, or the given one); returns when the first of them was created."""
    if draft_id is None:
        drafts = Draft.__table__  # Core DELETEs (here and below): ORM's cost more Python than SQLite's work
        created = session.exec(delete(drafts).where(drafts.c.task_id == task.id, drafts.c.user_id == user.id,
                                                    drafts.c.annotation_id.is_(None))
                               .returning(drafts.c.created_at)).scalars().all()
        return min(created, default=None)
    draft = session.get(Draft, draft_id)
    if draft is None:
        return None
    if draft.user_id != user.id or draft.task_id != task.id:
        raise ForbiddenError(f"You have no permission to draft id:{draft.id}")
    session.exec(delete(Draft).where(Draft.id == draft.id))
    return draft.created_at


def create_annotation(session: Session, project: Project, task: Task, user: User, values: dict[str, Any],
                      registry: Registry, pm: pluggy.PluginManager | None,
                      draft_id: int | None = None, checked: list | None = None) -> Annotation:
    """Submit an annotation: checked, counted, and the author's draft of the task and lock released.

    ``project`` and ``task`` may have been read before this transaction began, and ``checked`` is
    then the result as :func:`check_annotation_result` checked it against that project (so the
    SQLite writer lock is not held while it runs); it is checked again only if the project's
    config has changed since. NotFoundError when the task no longer exists."""
    cancelled = bool(values.get("was_cancelled") or False)
    label_config = count_annotation(session, task.id, cancelled, skips_finish(project.skip_queue),
                                    updated_at=_now(), updated_by_id=user.id)
    if label_config is None:
        raise NotFoundError(f"task {task.id} not found")
    if checked is None or label_config != project.label_config:
        task, project = session.get(Task, task.id), session.get(Project, project.id)
        checked = check_annotation_result(values, project, task, registry, pm)
    annotation = Annotation(
        task_id=task.id, project_id=project.id, result=checked,
        completed_by_id=_user_id(session, values.get("completed_by"), user.id), updated_by_id=user.id,
        was_cancelled=cancelled,
        ground_truth=bool(values.get("ground_truth") or False),
        lead_time=values.get("lead_time"),
        unique_id=_short_text(values.get("unique_id"), "unique_id", 64) or str(uuid.uuid4()),
        import_id=values.get("import_id"),
        last_action=_short_text(values.get("last_action"), "last_action", 64),
        parent_prediction_id=_reference(session, Prediction, values.get("parent_prediction"), "parent_prediction"),
        parent_annotation_id=_reference(session, Annotation, values.get("parent_annotation"), "parent_annotation"),
        draft_created_at=_consume_drafts(session, task, user, draft_id),
    )
    annotation.id = session.exec(_INSERT_ANNOTATION, params=annotation.model_dump(exclude={"id"})).scalar_one()
    if annotation.ground_truth:
        _keep_one_ground_truth(session, annotation)
    locks = TaskLock.__table__
    session.exec(delete(locks).where(locks.c.task_id == task.id, locks.c.user_id == user.id))
    return annotation


def update_annotation(session: Session, project: Project, task: Task, annotation: Annotation, user: User,
                      values: dict[str, Any], registry: Registry, pm: pluggy.PluginManager | None) -> Annotation:
    """Change an annotation; a new result is checked like a new annotation's."""
    if "result" in values:
        annotation.result = check_result(values["result"], project, task, registry, pm)
    for field in ("was_cancelled", "ground_truth"):
        if values.get(field) is not None:
            setattr(annotation, field, bool(values[field]))
    for field in ("lead_time", "import_id"):
        if field in values:
            setattr(annotation, field, values[field])
    if "last_action" in values:
        annotation.last_action = _short_text(values["last_action"], "last_action", 64)
    if values.get("completed_by") is not None:
        annotation.completed_by_id = _user_id(session, values["completed_by"], user.id)
    if "parent_prediction" in values:
        annotation.parent_prediction_id = _reference(session, Prediction, values["parent_prediction"],
                                                     "parent_prediction")
    if "parent_annotation" in values:
        annotation.parent_annotation_id = _reference(session, Annotation, values["parent_annotation"],
                                                     "parent_annotation")
    annotation.updated_by_id = user.id
    annotation.updated_at = _now()
    session.add(annotation)
    session.flush()
    if annotation.ground_truth:
        _keep_one_ground_truth(session, annotation)
    # the editor's autosaved draft of this annotation is what was just submitted
    session.exec(delete(Draft).where(Draft.annotation_id == annotation.id, Draft.user_id == user.id))
    session.exec(update(Task).where(Task.id == task.id).values(updated_at=_now(), updated_by_id=user.id))
    recount_tasks(session, project.id, [task.id])
    return annotation


def delete_annotation(session: Session, annotation: Annotation) -> None:
    session.exec(delete(Annotation).where(Annotation.id == annotation.id))
    recount_tasks(session, annotation.project_id, [annotation.task_id])


# --------------------------------------------------------------------------- predictions


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LabelcoreError("score: a valid number is required.")
    return float(value)


def create_prediction(session: Session, project: Project, task: Task, values: dict[str, Any], registry: Registry,
                      pm: pluggy.PluginManager | None) -> Prediction:
    result = check_result(values.get("result"), project, task, registry, pm)
    prediction = Prediction(
        task_id=task.id, project_id=project.id, result=result, score=_score(values.get("score")),
        model_version=_short_text(values.get("model_version"), "model_version", 255) or "",
        cluster=values.get("cluster"), neighbors=values.get("neighbors"),
        mislabeling=float(values.get("mislabeling") or 0.0),
    )
    session.add(prediction)
    session.flush()
    recount_tasks(session, project.id, [task.id])
    return prediction


def update_prediction(session: Session, project: Project, task: Task, prediction: Prediction,
                      values: dict[str, Any], registry: Registry, pm: pluggy.PluginManager | None) -> Prediction:
    if "result" in values:
        prediction.result = check_result(values["result"], project, task, registry, pm)
    if "score" in values:
        prediction.score = _score(values["score"])
    if values.get("model_version") is not None:
        prediction.model_version = _short_text(values["model_version"], "model_version", 255)
    for field in ("cluster", "neighbors"):
        if field in values:
            setattr(prediction, field, values[field])
    if values.get("mislabeling") is not None:
        prediction.mislabeling = float(values["mislabeling"])
    prediction.updated_at = _now()
    session.add(prediction)
    session.flush()
    return prediction


def move_prediction(session: Session, prediction: Prediction, old_task_id: int) -> None:
    """Recount both tasks after a prediction moved to another task."""
    recount_tasks(session, prediction.project_id, [old_task_id, prediction.task_id])


def delete_prediction(session: Session, prediction: Prediction) -> None:
    session.exec(delete(Prediction).where(Prediction.id == prediction.id))
    recount_tasks(session, prediction.project_id, [prediction.task_id])


# --------------------------------------------------------------------------- drafts


def save_draft(session: Session, task: Task, user: User, values: dict[str, Any],
               annotation_id: int | None = None, draft: Draft | None = None) -> Draft:
    """Create (or, given ``draft``, change) an autosaved draft. Drafts are work in progress, so
    only their shape is checked; the annotation submitted from them is checked in full."""
    if draft is None:
        draft = Draft(task_id=task.id, user_id=user.id, annotation_id=annotation_id,
                      result=_result_list(values.get("result", [])))
    elif "result" in values:
        draft.result = _result_list(values["result"])
    if "lead_time" in values:
        draft.lead_time = values["lead_time"]
    if values.get("was_postponed") is not None:
        draft.was_postponed = bool(values["was_postponed"])
    draft.updated_at = _now()
    session.add(draft)
    session.flush()
    return draft
