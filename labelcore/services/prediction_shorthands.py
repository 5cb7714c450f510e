"""Label Studio's shorthands for predictions, turned into full results.

``preannotate`` is the import's ``preannotated_from_fields``: task data fields that become
predictions. ``prediction_result`` expands the short forms a predictions import accepts for a
result (a value, a label, a number).
"""

from __future__ import annotations

from typing import Any

from labelcore.config import ParsedConfig

# Control types whose preannotated value is a scalar, not a list (Label Studio's rule).
_SCALAR_TYPES = {"rating", "number", "datetime"}


def preannotate(task: dict[str, Any], fields: list[str], config: ParsedConfig) -> tuple[dict[str, Any], list[str]]:
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


def prediction_result(result: Any, config: ParsedConfig) -> Any:
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
