"""One flat row per annotation, as Label Studio's converter builds them for JSON_MIN, CSV and TSV.

Label Studio's ``Converter.annotation_result_from_task`` (label_studio_sdk.converter) is the
reference: a task without annotations gives one row with its data and no results; otherwise each
annotation that was not skipped gives one row, newest first, whose ``output`` maps each control
name to the values of its regions, tagged with the control's tag name. Results from a
``from_name`` the config does not declare are dropped, unless the config has no controls at all.
This module reproduces that one task at a time, so the exporters stream.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


@dataclass(frozen=True)
class ControlSchema:
    """The control tags of a config, as Label Studio's converter sees them: name -> tag name."""

    types: dict[str, str]
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()

    @classmethod
    def from_config(cls, config: Any) -> ControlSchema:
        """From a ``ParsedConfig`` (None, when the config cannot be parsed, keeps every result)."""
        types: dict[str, str] = {}
        patterns = []
        for name, node in (getattr(config, "controls", None) or {}).items():
            if not node.to_names:
                continue  # the converter only knows controls with toName
            types[name] = node.tag
            if _PLACEHOLDER.search(name):
                # Repeater copies: "label_{{idx}}" matches "label_0", "label_1"...
                pattern = _PLACEHOLDER.sub(".*", re.escape(name).replace(r"\{", "{").replace(r"\}", "}"))
                patterns.append((re.compile(pattern), name))
        return cls(types=types, patterns=tuple(patterns))

    def control_for(self, from_name: str) -> str | None:
        if from_name in self.types:
            return from_name
        best, best_length = None, 0
        for pattern, name in self.patterns:
            if pattern.match(from_name) and len(pattern.pattern) > best_length:
                best, best_length = name, len(pattern.pattern)
        return best


def _row(task: dict[str, Any], output: dict[str, list[dict[str, Any]]], annotation: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": task["id"],
        "input": task.get("data") or {},
        "output": output,
        "completed_by": annotation.get("completed_by", {}),
        "annotation_id": annotation.get("id"),
        "created_at": annotation.get("created_at"),
        "updated_at": annotation.get("updated_at"),
        "lead_time": annotation.get("lead_time"),
        "history": annotation.get("history"),
        "was_cancelled": annotation.get("was_cancelled"),
    }


def annotation_rows(task: dict[str, Any], schema: ControlSchema) -> Iterator[dict[str, Any]]:
    """The converter's items for one task: ``{id, input, output, completed_by, annotation_id, ...}``."""
    annotations = task.get("annotations") or []
    if not annotations:
        yield _row(task, {}, {})
        return
    kept = [a for a in annotations if not (a.get("skipped", False) or a.get("was_cancelled", False))]
    for annotation in sorted(kept, key=lambda a: a.get("created_at", 0), reverse=True):
        output: dict[str, list[dict[str, Any]]] = {}
        for region in annotation.get("result") or []:
            from_name = region.get("from_name")
            if not from_name:
                continue
            control = schema.control_for(from_name)
            if control is not None:
                value = dict(region.get("value") or {})
                value["type"] = schema.types[control]
            elif region.get("type") == "chatmessage":
                value = dict(region.get("value") or {})
                value["type"] = "chatmessage"
            elif not schema.types:
                value = dict(region.get("value") or {})
                value["type"] = region.get("type") or "unknown"
            else:
                continue
            if control is not None or not schema.types:
                for key in ("original_width", "original_height"):
                    if key in region:
                        value[key] = region[key]
            output.setdefault(from_name, []).append(value)
        yield _row(task, output, annotation)


def prettify(values: list[dict[str, Any]]) -> Any:
    """A control's values as the converter writes them: a lone choice or text as a plain string."""
    out = []
    tag_type = None
    for value in values:
        value = dict(value)
        tag_type = value.pop("type")
        if tag_type == "Choices" and len(value.get("choices") or ()) == 1:
            out.append(value["choices"][0])
        elif tag_type == "TextArea" and len(value.get("text") or ()) == 1:
            out.append(value["text"][0])
        elif tag_type in ("Chat", "chatmessage"):
            out.append(value.get("chatmessage", value))
        else:
            out.append(value)
    return out[0] if tag_type in ("Choices", "TextArea") and len(out) == 1 else out


def annotator(row: dict[str, Any], int_id: bool = False) -> Any:
    """Who made the annotation: the email when ``completed_by`` is expanded, else the id."""
    completed_by = row["completed_by"]
    if isinstance(completed_by, dict):
        return completed_by.get("email")
    if isinstance(completed_by, int) and int_id:
        return completed_by
    return str(completed_by)
