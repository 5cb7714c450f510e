"""Building blocks for TagSpecs: attribute base models and result-value field types.

Tag plugins subclass these so that the attributes every Label Studio tag family shares
(``name``/``toName``, ``visibleWhen``, ``Label``'s options) are spelled and typed once.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from labelcore.specs import TagAttributes

_EPSILON = 1e-6


def _percent(value: float) -> float:
    if not -_EPSILON <= value <= 100 + _EPSILON:
        raise ValueError(f"{value:g} is not a percentage between 0 and 100")
    return value


#: A coordinate or size in percent of the original image/media (0..100).
Percent = Annotated[float, AfterValidator(_percent)]

VisibleWhen = Literal["region-selected", "choice-selected", "no-region-selected", "choice-unselected"]


class VisibilityAttributes(TagAttributes):
    """Conditional display, shared by View and the controls."""

    visibleWhen: VisibleWhen | None = None
    whenTagName: str | None = None
    whenLabelValue: str | None = None
    whenChoiceValue: str | None = None
    whenRole: str | None = None


class ObjectAttributes(TagAttributes):
    """Object tags show one field of task data: ``value="$field"``."""

    name: str
    value: str


class ControlAttributes(VisibilityAttributes):
    """Control tags write results about the object named by ``toName``."""

    name: str
    toName: str
    required: bool = False
    requiredMessage: str | None = None
    perRegion: bool = False
    hotkey: str | None = None


class LabelsControlAttributes(ControlAttributes):
    """Controls whose options are ``<Label>`` children (RectangleLabels, Labels, ...)."""

    value: str | None = Field(default=None, description='"$field" takes the labels from task data')
    choice: Literal["single", "multiple"] = "single"
    maxUsages: int | None = Field(default=None, ge=0)
    showInline: bool = True
    opacity: float | None = Field(default=None, ge=0, le=1)
    fillColor: str | None = None
    strokeColor: str | None = None
    strokeWidth: float | None = Field(default=None, ge=0)
    allowEmpty: bool = False
    groupDepth: int | None = None


class LabelAttributes(TagAttributes):
    """``<Label>``: one option of a labels control."""

    value: str
    selected: bool = False
    maxUsages: int | None = Field(default=None, ge=0)
    alias: str | None = None
    hint: str | None = None
    hotkey: str | None = None
    showAlias: bool = False
    aliasStyle: str | None = None
    size: str | None = None
    background: str | None = None
    selectedColor: str | None = None
    granularity: Literal["symbol", "word", "sentence", "paragraph"] | None = None
    groupCancontain: str | None = None
    html: str | None = None
    category: int | None = Field(default=None, description="COCO category id for this label")


def labels_value(key: str, **geometry: object) -> type[BaseModel]:
    """A result-value model holding ``key: [label, ...]`` (plus any geometry fields given).

    Extra keys are allowed: a per-region result carries its region's geometry beside its own key.
    """
    fields: dict[str, object] = {key: (list[str], Field(min_length=1))}
    fields.update(geometry)
    return create_model(  # type: ignore[call-overload]
        f"{key.title()}Value", __config__=ConfigDict(extra="allow"), **fields
    )
