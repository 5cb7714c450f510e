"""Builtin plugin: the generic, modality-free control tags (Choices, TextArea, Rating, ...)
and the option tags they share (Label, Choice, ...)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from labelcore.hookspecs import hookimpl
from labelcore.specs import TagAttributes, TagSpec
from labelcore.tag_models import ControlAttributes, LabelAttributes


class ChoicesAttributes(ControlAttributes):
    value: str | None = Field(default=None, description='"$field" takes the choices from task data')
    choice: Literal["single", "single-radio", "multiple"] = "single"
    showInline: bool = False
    layout: Literal["select", "inline", "vertical"] | None = None
    allowNested: bool = False
    selection: Literal["highlight", "checkbox"] | None = None
    maxUsages: int | None = Field(default=None, ge=0)


class ChoiceAttributes(TagAttributes):
    value: str
    selected: bool = False
    alias: str | None = None
    style: str | None = None
    hotkey: str | None = None
    html: str | None = None
    hint: str | None = None
    color: str | None = None
    background: str | None = None


class ChoicesValue(BaseModel):
    model_config = ConfigDict(extra="allow")
    choices: list[str] = Field(min_length=1)


CONTROL_TAGS = [
    TagSpec(name="Label", kind="child", attributes=LabelAttributes, description="One label of a labels control."),
    TagSpec(name="Choice", kind="child", attributes=ChoiceAttributes, children=("Choice",),
            description="One option of <Choices> (nested for <Taxonomy>)."),
    TagSpec(name="Choices", kind="control", attributes=ChoicesAttributes, children=("Choice",),
            requires_children=True, result_type="choices", value_model=ChoicesValue, labels_key="choices",
            description="Classify an object (or a region, with perRegion) with one or more choices."),
]


@hookimpl
def register_tags() -> list[TagSpec]:
    return CONTROL_TAGS
