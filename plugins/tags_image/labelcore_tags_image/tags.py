"""TagSpecs of the image tags: attribute models and result value models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from labelcore import TagSpec
from labelcore.tag_models import LabelsControlAttributes, ObjectAttributes, Percent


class ImageAttributes(ObjectAttributes):
    value: str | None = None
    valueList: str | None = None
    zoom: bool = True
    zoomControl: bool = True
    rotateControl: bool = False
    brightnessControl: bool = False
    contrastControl: bool = False
    crosshair: bool = False
    width: str | None = None
    maxWidth: str | None = None
    height: str | None = None
    className: str | None = None


class RectangleValue(BaseModel):
    model_config = ConfigDict(extra="allow")
    x: Percent
    y: Percent
    width: Percent
    height: Percent
    rotation: float = 0


class RectangleLabelsValue(RectangleValue):
    rectanglelabels: list[str] = Field(min_length=1)


IMAGE_TAGS = [
    TagSpec(name="Image", kind="object", attributes=ImageAttributes, data_type="image",
            description="Shows an image (value=$url) or a list of images (valueList=$urls)."),
    TagSpec(name="RectangleLabels", kind="control", attributes=LabelsControlAttributes, children=("Label",),
            requires_children=True, targets=("Image",), result_type="rectanglelabels",
            value_model=RectangleLabelsValue, labels_key="rectanglelabels",
            description="Draw labeled (optionally rotated) boxes; x/y is the top-left corner in percent."),
]
