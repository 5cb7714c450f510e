"""Creating, changing and deleting projects.

A project's labeling config is checked by the config engine (every error with its line) and
stored with Label Studio's ``parsed_label_config`` summary. A config change that would leave
existing annotations or drafts pointing at controls or labels that no longer exist is refused,
as Label Studio refuses it, with the same wording.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import pluggy
from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, select

from labelcore.config import ParsedConfig
from labelcore.config.tree import ConfigNode
from labelcore.db import write_session
from labelcore.errors import LabelcoreError
from labelcore.models import Annotation, Draft, Project, Task
from labelcore.registry import Registry
from labelcore.services.counters import recount_project
from labelcore.services.export_snapshots import remove_project_files
from labelcore.services.projects import get_project, parsed_config
from labelcore.settings import Settings

DEFAULT_LABEL_CONFIG = "<View></View>"
SAMPLING_CHOICES = ("Sequential sampling", "Uniform sampling", "Uncertainty sampling")
SKIP_QUEUE_CHOICES = ("REQUEUE_FOR_ME", "REQUEUE_FOR_OTHERS", "IGNORE_SKIPPED")
TITLE_MIN, TITLE_MAX = 3, 50

#: settings a client may write, and whether null is a value they may set
SETTINGS: dict[str, bool] = {
    "title": False, "description": False, "label_config": False, "expert_instruction": False,
    "show_instruction": False, "show_skip_button": False, "enable_empty_annotation": False,
    "show_annotation_history": False, "show_collab_predictions": False,
    "reveal_preannotations_interactively": False, "maximum_annotations": False,
    "min_annotations_to_start_training": False, "sampling": False, "skip_queue": False, "color": False,
    "is_published": False, "is_draft": False, "model_version": False, "control_weights": True, "pinned_at": True,
    "evaluate_predictions_automatically": False,
}

_REPEATER_VARIABLE = re.compile(r"\{\{\w+\}\}")


# --------------------------------------------------------------------------- the parsed config, LS style


def _options(node: ConfigNode) -> Iterator[ConfigNode]:
    """Every option below a control (Label, Choice, Relation...), nested Taxonomy levels included."""
    for child in node.children:
        if child.kind == "child":
            yield child
            yield from _options(child)
        elif child.kind == "visual":
            yield from _options(child)


def ls_parsed_label_config(config: ParsedConfig) -> dict[str, Any]:
    """Label Studio's ``parsed_label_config``: ``{control: {type, to_name, inputs, labels, labels_attrs}}``."""
    out: dict[str, Any] = {}
    for name, control in config.controls.items():
        if control.spec.result_type is None:
            continue
        inputs = []
        for target in control.to_names:
            obj = config.objects.get(target)
            if obj is None:
                continue
            entry: dict[str, Any] = {"type": obj.tag, "valueType": obj.attr("valueType")}
            if obj.attr("value") is not None:
                entry["value"] = obj.attr("value").lstrip("$")
            elif obj.attr("valueList") is not None:
                entry["valueList"] = obj.attr("valueList").lstrip("$")
            inputs.append(entry)
        labels_attrs: dict[str, dict[str, str]] = {}
        for option in _options(control):
            label = option.attr("alias") or option.attr("value")
            if label:
                labels_attrs[label] = dict(option.attrs)
        info: dict[str, Any] = {"type": control.tag, "to_name": control.to_names, "inputs": inputs,
                                "labels": list(labels_attrs), "labels_attrs": labels_attrs}
        if control.dynamic_source or control.attr("apiUrl"):
            info["dynamic_labels"] = True
        if control.attr("perRegion") == "true":
            for attribute, kind in (("whenTagName", "tag"), ("whenLabelValue", "label"),
                                    ("whenChoiceValue", "choice")):
                if control.attr(attribute):
                    info["conditionals"] = {"type": kind, "name": control.attr(attribute)}
                    break
        out[name] = info
    return out


def control_weights(parsed: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Label Studio's default agreement weights: 1.0 for every control and label, keeping set ones."""
    current = current or {}
    weights = {}
    for name, info in parsed.items():
        previous = current.get(name) or {}
        labels = previous.get("labels") or {}
        weights[name] = {
            "overall": previous.get("overall", 1.0) if previous.get("overall") is not None else 1.0,
            "type": info["type"],
            "labels": {label: labels.get(label, 1.0) for label in info["labels"]},
        }
    return weights


def essential_data_changed(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether controls, their targets, types or labels differ (Label Studio's
    ``config_essential_data_has_changed``)."""
    def essence(parsed: dict[str, Any] | None) -> dict[str, Any]:
        return {name: (info["type"], tuple(info["to_name"]), tuple(info["labels"]))
                for name, info in (parsed or {}).items()}
    return essence(old) != essence(new)


def check_label_config(xml: str, registry: Registry, pm: pluggy.PluginManager | None) -> ParsedConfig:
    """The parsed config, or ConfigError (a 400 listing every problem with its line)."""
    if not isinstance(xml, str) or not xml.strip():
        raise LabelcoreError("Label config is not set or is empty")
    return parsed_config(xml, registry, pm)


# --------------------------------------------------------------------------- keeping annotations valid


def _removes_something(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """Whether the new config drops a control, changes its type or target, or drops a label."""
    for name, info in (old or {}).items():
        now = new.get(name)
        if now is None or now["type"] != info["type"] or not set(info["to_name"]) <= set(now["to_name"]):
            return True
        if not info.get("dynamic_labels") and not set(info["labels"]) <= set(now["labels"]):
            return True
    return False


def _documents(session: Session, project_id: int) -> Iterator[tuple[str, list]]:
    """``("annotation"|"draft", result)`` for every annotation and draft of the project, streamed."""
    annotations = select(Annotation.result).where(Annotation.project_id == project_id)
    for result in session.exec(annotations.execution_options(yield_per=1000)):
        yield "annotation", result
    drafts = select(Draft.result).join(Task, Task.id == Draft.task_id).where(Task.project_id == project_id)
    for result in session.exec(drafts.execution_options(yield_per=1000)):
        yield "draft", result


def _flatten(values: Any) -> Iterator[str]:
    if isinstance(values, list):
        for value in values:
            yield from _flatten(value)
    elif isinstance(values, str):
        yield values


def _control_named(config: ParsedConfig, name: str) -> ConfigNode | None:
    control = config.controls.get(name)
    if control is not None:
        return control
    # Repeater configs name controls "label_{{idx}}"; results name them "label_0", "label_1"...
    for pattern, node in config.controls.items():
        if _REPEATER_VARIABLE.search(pattern):
            regex = ".*".join(re.escape(part) for part in _REPEATER_VARIABLE.split(pattern))
            if re.fullmatch(regex, name):
                return node
    return None


def orphaned_result_problems(documents: Iterable[tuple[str, list]], config: ParsedConfig) -> list[str]:
    """Label Studio's two refusals, for every annotation/draft item the new config cannot show:
    results whose control/target/type is gone, and labels no longer offered."""
    usages: Counter[tuple[str, str, str]] = Counter()
    labels_used: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for kind, result in documents:
        for item in result if isinstance(result, list) else []:
            if not isinstance(item, dict) or item.get("type") == "relation":
                continue
            from_name, to_name, result_type = item.get("from_name"), item.get("to_name"), item.get("type")
            if not isinstance(from_name, str) or not isinstance(result_type, str):
                continue
            usages[(from_name, to_name if isinstance(to_name, str) else "", result_type.lower())] += 1
            value = item.get("value")
            if isinstance(value, dict):
                for label in _flatten(value.get(result_type.lower(), value.get(result_type))):
                    labels_used[from_name][label][kind] += 1

    problems = []
    incompatible = []
    for (from_name, to_name, result_type), count in sorted(usages.items()):
        control = _control_named(config, from_name)
        if result_type == "textarea" and control is not None:
            continue  # as Label Studio: a TextArea's to_name is not checked
        if control is None or control.spec.result_type != result_type or \
                (control.to_names and to_name not in control.to_names and not any(
                    _REPEATER_VARIABLE.search(target) for target in control.to_names)):
            incompatible.append(f"{count} with from_name={from_name}, to_name={to_name}, type={result_type}")
    if incompatible:
        problems.append("Created annotations are incompatible with provided labeling schema, we found:\n"
                        + "\n".join(incompatible))

    for from_name, labels in sorted(labels_used.items()):
        control = _control_named(config, from_name)
        if control is None or control.dynamic_source or control.attr("apiUrl"):
            continue
        offered = set(config.labels(control.name or from_name))
        missing = []
        for label in sorted(set(labels) - offered):
            counts = labels[label]
            shown = [f"{counts[kind]} {kind}{'s' if counts[kind] > 1 else ''}"
                     for kind in ("annotation", "draft") if counts[kind]]
            missing.append(f"{label} ({', '.join(shown)})")
        if missing:
            problems.append("These labels still exist in annotations or drafts:\n" + "\n".join(missing)
                            + f'\nPlease add labels to tag with name="{from_name}".')
    return problems


def check_config_keeps_annotations(session: Session, project: Project, config: ParsedConfig,
                                   parsed: dict[str, Any]) -> None:
    """Refuse (400) a config under which existing annotations or drafts would be orphaned.

    Only a config that removes something (a control, a target, a type, a label) can orphan a
    result, so only such a change reads the project's results.
    """
    if not _removes_something(project.parsed_label_config, parsed):
        return
    problems = orphaned_result_problems(_documents(session, project.id), config)
    if problems:
        raise LabelcoreError("\n".join(problems))


# --------------------------------------------------------------------------- create / update / delete


def _check_settings(values: dict[str, Any]) -> None:
    title = values.get("title")
    if title and not (TITLE_MIN <= len(title) <= TITLE_MAX):
        raise LabelcoreError(f"title: ensure this field has {TITLE_MIN} to {TITLE_MAX} characters "
                             f"(it has {len(title)}).")
    if "color" in values and len(values["color"]) > 16:
        raise LabelcoreError("color: ensure this field has no more than 16 characters.")
    if "maximum_annotations" in values and values["maximum_annotations"] < 1:
        raise LabelcoreError("maximum_annotations: ensure this value is greater than or equal to 1.")
    if "min_annotations_to_start_training" in values and values["min_annotations_to_start_training"] < 0:
        raise LabelcoreError("min_annotations_to_start_training: ensure this value is greater than or equal to 0.")
    for field, choices in (("sampling", SAMPLING_CHOICES), ("skip_queue", SKIP_QUEUE_CHOICES)):
        if field in values and values[field] not in choices:
            raise LabelcoreError(f'{field}: "{values[field]}" is not a valid choice ({", ".join(choices)}).')


def _writable(values: dict[str, Any]) -> dict[str, Any]:
    """The settings among ``values``, nulls dropped where null is not a value of the field."""
    return {key: value for key, value in values.items()
            if key in SETTINGS and (value is not None or SETTINGS[key])}


def create_project(session: Session, user_id: int | None, values: dict[str, Any], registry: Registry,
                   pm: pluggy.PluginManager | None) -> Project:
    """A new project. Without ``label_config`` it starts with Label Studio's empty ``<View></View>``."""
    values = _writable(values)
    _check_settings(values)
    project = Project(created_by_id=user_id, **{key: value for key, value in values.items()
                                                if key not in ("label_config", "control_weights")})
    xml = values.get("label_config")
    if xml is not None and xml.strip() != DEFAULT_LABEL_CONFIG:
        parsed = ls_parsed_label_config(check_label_config(xml, registry, pm))
        project.label_config = xml
    else:
        parsed = {}
    project.parsed_label_config = parsed
    project.control_weights = control_weights(parsed, values.get("control_weights"))
    session.add(project)
    session.flush()
    return project


def update_project(session: Session, project: Project, values: dict[str, Any], registry: Registry,
                   pm: pluggy.PluginManager | None) -> Project:
    """Apply changed settings. A new config is validated and must keep existing annotations valid;
    a new ``maximum_annotations`` becomes every task's overlap, recounted in bulk."""
    values = _writable(values)
    _check_settings(values)
    xml = values.pop("label_config", None)
    if xml is not None and xml != project.label_config:
        config = check_label_config(xml, registry, pm)
        parsed = ls_parsed_label_config(config)
        check_config_keeps_annotations(session, project, config, parsed)
        project.label_config = xml
        project.parsed_label_config = parsed
        project.control_weights = control_weights(parsed, values.pop("control_weights", project.control_weights))
    elif "control_weights" in values:
        project.control_weights = control_weights(project.parsed_label_config or {}, values.pop("control_weights"))
    overlap_changed = "maximum_annotations" in values and values["maximum_annotations"] != project.maximum_annotations
    # which annotations finish a task depends on skip_queue (IGNORE_SKIPPED counts skips)
    done_changed = "skip_queue" in values and values["skip_queue"] != project.skip_queue
    for key, value in values.items():
        setattr(project, key, value)
    project.updated_at = datetime.now(timezone.utc)
    session.add(project)
    session.flush()
    if overlap_changed:
        session.exec(update(Task).where(Task.project_id == project.id)
                     .values(overlap=project.maximum_annotations)
                     .execution_options(synchronize_session=False))
    if overlap_changed or done_changed:
        recount_project(session, project.id)
        session.refresh(project)
    return project


def delete_project(engine: Engine, settings: Settings, project_id: int) -> None:
    """Delete a project; its tasks, annotations, predictions, drafts and export snapshots go with it
    (foreign keys), then, once that has committed, its export files.

    :raises NotFoundError: no such project.
    """
    with write_session(engine) as session:
        get_project(session, project_id)
        session.exec(delete(Project).where(Project.id == project_id))
    remove_project_files(settings, project_id)


def ground_truth_numbers(session: Session, project_ids: list[int]) -> dict[int, int]:
    """How many ground-truth annotations each project has (one grouped query)."""
    if not project_ids:
        return {}
    rows = session.exec(
        select(Annotation.project_id, func.count(Annotation.id))
        .where(Annotation.project_id.in_(project_ids), Annotation.ground_truth == True)  # noqa: E712
        .group_by(Annotation.project_id)
    ).all()
    return {project_id: count for project_id, count in rows}
