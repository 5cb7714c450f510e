"""TagSpecs of the text tags: attribute models and result value models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from labelcore import TagSpec
from labelcore.tag_models import LabelsControlAttributes, ObjectAttributes


class TextAttributes(ObjectAttributes):
    valueType: str = "text"
    saveTextResult: str | None = None
    granularity: str = "symbol"
    highlightColor: str | None = None
    showLabels: bool | None = None
    style: str | None = None


class LabelsValue(BaseModel):
    model_config = ConfigDict(extra="allow")
    labels: list[str] = Field(min_length=1)


TEXT_TAGS = [
    TagSpec(name="Text", kind="object", attributes=TextAttributes, data_type="text",
            description="Shows plain text (value=$text); spans are character offsets."),
    TagSpec(name="Labels", kind="control", attributes=LabelsControlAttributes, children=("Label",),
            requires_children=True, result_type="labels", value_model=LabelsValue, labels_key="labels",
            description="Label spans of text (or regions drawn by another control)."),
]
