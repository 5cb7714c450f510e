"""Validating annotation/prediction results against a parsed labeling config.

Label Studio stores whatever result JSON it is sent; labelcore checks every item, so an export or
a training run never meets a box on a missing label or a span past the end of its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from labelcore.config.tree import DATA_REF, ConfigNode, ParsedConfig
from labelcore.errors import ResultValidationError
from labelcore.specs import ResultIssue

_ORIGINS = {"manual", "prediction", "prediction-changed"}
_DIRECTIONS = {"left", "right", "bi"}


@dataclass
class ResultContext:
    """What a TagSpec's ``check_value`` may look at besides the value itself."""

    config: ParsedConfig
    control: ConfigNode
    object: ConfigNode | None
    item: dict[str, Any]
    data: dict[str, Any] | None

    def object_data(self) -> Any:
        """The task data the targeted object tag shows, or None when it is not known."""
        if self.data is None or self.object is None:
            return None
        value = self.object.attr("value") or ""
        match = DATA_REF.fullmatch(value.strip())
        if match:
            return self.data.get(match.group(1))
        return value


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (JavaScript string length). Label Studio wrote <Text> offsets in
    these units before late 2021 and in code points since, so it bounds both; lone surrogates, which
    JSON allows, count as one unit."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _format_error(error: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    return f"value.{loc}: {error['msg']}" if loc else f"value: {error['msg']}"


def _check_item(index: int, item: Any, config: ParsedConfig, data: dict[str, Any] | None) -> list[str]:
    if not isinstance(item, dict):
        return [f"must be an object, got {type(item).__name__}"]
    problems: list[str] = []
    origin = item.get("origin")
    if origin is not None and origin not in _ORIGINS:
        problems.append(f"origin {origin!r} must be one of {sorted(_ORIGINS)}")
    score = item.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        problems.append("score must be a number")
    for size_key in ("original_width", "original_height"):
        size = item.get(size_key)
        if size is not None and (isinstance(size, bool) or not isinstance(size, (int, float)) or size <= 0):
            problems.append(f"{size_key} must be a positive number")

    from_name = item.get("from_name")
    control = config.controls.get(from_name) if isinstance(from_name, str) else None
    if control is None:
        known = ", ".join(config.controls) or "none"
        return problems + [f"from_name {from_name!r} is not a control of the config (controls: {known})"]
    spec = control.spec
    to_name = item.get("to_name")
    raw_to = control.attr("toName") or ""
    names_itself = spec.result_to_self and to_name == from_name
    if control.to_names and to_name != raw_to and to_name not in control.to_names and not names_itself:
        problems.append(f"to_name {to_name!r} does not match toName={raw_to!r} of <{control.tag} name={from_name!r}>")
    result_type = item.get("type")
    if spec.result_type is None:
        return problems + [f"<{control.tag}> does not produce results"]
    if not isinstance(result_type, str) or result_type.lower() != spec.result_type:
        problems.append(f"type {result_type!r} is not the type of <{control.tag}>, which writes {spec.result_type!r}")
        return problems
    value = item.get("value")
    if not isinstance(value, dict):
        return problems + ["value must be an object"]
    if spec.value_model is not None:
        try:
            spec.value_model.model_validate(value)
        except ValidationError as exc:
            return problems + [_format_error(error) for error in exc.errors()]
    allowed = _allowed_labels(config, control, data) if spec.labels_key else None
    if allowed is not None:
        chosen = value.get(spec.labels_key) or []
        for label in chosen if isinstance(chosen, list) else [chosen]:
            if isinstance(label, str) and label not in allowed:
                problems.append(f"{spec.labels_key} {label!r} is not an option of <{control.tag} name={from_name!r}>")
    if spec.check_value is not None:
        obj = config.objects.get(to_name) if isinstance(to_name, str) else None
        if obj is None and control.to_names:
            obj = config.objects.get(control.to_names[0])
        context = ResultContext(config=config, control=control, object=obj, item=item, data=data)
        problems.extend(spec.check_value(value, context))
    return problems


def _allowed_labels(config: ParsedConfig, control: ConfigNode, data: dict[str, Any] | None) -> set[str] | None:
    """The option names a control's results may use; None when they cannot be known (dynamic
    options without task data)."""
    source = control.dynamic_source
    if source is None:
        return set(config.labels(control.name or ""))
    options = data.get(source) if isinstance(data, dict) else None
    if not isinstance(options, list):
        return None
    # Label Studio's dynamic options are objects with a `value` (and optional `alias`, `html`)
    return {str(option[key]) for option in options if isinstance(option, dict)
            for key in ("value", "alias") if option.get(key) is not None}


def _check_relation(item: dict[str, Any], config: ParsedConfig, region_ids: set[str]) -> list[str]:
    problems = []
    for key in ("from_id", "to_id"):
        ref = item.get(key)
        if not isinstance(ref, str) or not ref:
            problems.append(f"{key} must be the id of a region in the same result")
        elif ref not in region_ids:
            problems.append(f"{key} {ref!r} refers to no region in the same result")
    direction = item.get("direction")
    if direction is not None and direction not in _DIRECTIONS:
        problems.append(f"direction {direction!r} must be one of {sorted(_DIRECTIONS)}")
    labels = item.get("labels") or []
    relations = config.first_tag("Relations")
    if not isinstance(labels, list):
        problems.append("labels must be a list")
    elif len(labels) > 1 and relations is not None and relations.attr("choice") == "single":
        problems.append(f"<Relations choice=\"single\"> allows one label per relation, got {len(labels)}")
    elif labels:
        allowed = set(config.labels("Relations"))
        for label in labels:
            if label not in allowed:
                problems.append(f"relation label {label!r} is not a <Relation> of the config")
    return problems


def validate_results(
    results: Sequence[Any], config: ParsedConfig, data: dict[str, Any] | None = None
) -> list[ResultIssue]:
    """Every problem in a list of result items; empty when they all fit the config.

    :param results: the ``result`` list of an annotation or prediction.
    :param config: the project's parsed config.
    :param data: the task's data, when known: enables checks against it (span offsets).
    """
    if not isinstance(results, (list, tuple)):
        return [ResultIssue(message=f"result must be a list, got {type(results).__name__}")]
    issues: list[ResultIssue] = []
    region_ids = {item["id"] for item in results
                  if isinstance(item, dict) and isinstance(item.get("id"), str) and item.get("type") != "relation"}
    for index, item in enumerate(results):
        if isinstance(item, dict) and item.get("type") == "relation":
            problems = _check_relation(item, config, region_ids)
        else:
            problems = _check_item(index, item, config, data)
            parent = item.get("parentID") if isinstance(item, dict) else None
            if parent is not None and parent not in region_ids:
                problems.append(f"parentID {parent!r} refers to no region in the same result")
        for problem in problems:
            issues.append(ResultIssue(
                index=index,
                id=item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None,
                from_name=item.get("from_name") if isinstance(item, dict) and isinstance(item.get("from_name"), str)
                else None,
                message=problem,
            ))
    return issues


def check_results(results: Sequence[Any], config: ParsedConfig, data: dict[str, Any] | None = None) -> None:
    """Raise ResultValidationError when ``validate_results`` finds anything."""
    issues = validate_results(results, config, data)
    if issues:
        raise ResultValidationError(issues)
