"""TagSpecs of the image tags and their attribute models.

Attribute names, types and defaults follow Label Studio's frontend (the ``TagAttrs`` of each tag
in ``web/libs/editor/src/tags``), which is what a config actually gets; where the documentation
at labelstud.io/tags states another default, the code wins. The ``*Labels`` controls combine the
attributes of ``<Labels>`` with those of their shape, as Label Studio composes them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from labelcore import ConfigIssue, TagSpec
from labelcore.config.tree import DATA_REF, ParsedConfig
from labelcore.specs import TagAttributes
from labelcore.tag_models import ControlAttributes, LabelsControlAttributes, ObjectAttributes

from labelcore_tags_image import values

# --------------------------------------------------------------------------- <Image>


class ImageAttributes(ObjectAttributes):
    # Exactly one of value/valueList: checked by image_source_issues, which can word it better
    # than a model-level validation error.
    value: str | None = Field(default=None, description='"$field" holding one image URL')
    valueList: str | None = Field(default=None, description='"$field" holding a list of image URLs')
    resize: float | None = Field(default=None, gt=0)
    width: str = "100%"
    height: str | None = None
    maxWidth: str = "100%"
    maxHeight: str = "calc(100vh - 194px)"
    smoothing: bool | None = None
    grid: bool = False
    gridSize: int = Field(default=30, ge=1)
    gridColor: str = "#EEEEF4"
    zoom: bool = True
    negativeZoom: bool = False
    zoomBy: float = Field(default=1.1, gt=0)
    showLabels: bool = False
    zoomControl: bool = True
    brightnessControl: bool = False
    contrastControl: bool = False
    rotateControl: bool = False
    crosshair: bool = False
    selectionControl: bool = True
    lazyOff: bool = False
    horizontalAlignment: Literal["left", "center", "right"] = "left"
    verticalAlignment: Literal["top", "center", "bottom"] = "top"
    defaultZoom: Literal["auto", "original", "fit"] = "fit"
    crossOrigin: Literal["none", "anonymous", "use-credentials"] = "none"

    @field_validator("valueList")
    @classmethod
    def _names_a_field(cls, value: str | None) -> str | None:
        if value is not None and not DATA_REF.fullmatch(value.strip()):
            raise PydanticCustomError("data_field", 'must name the task field holding the list, like "$images"')
        return value


def image_source_issues(config: ParsedConfig) -> list[ConfigIssue]:
    """Each <Image> shows one image (``value``) or a list of them (``valueList``): exactly one."""
    issues = []
    for node in config.objects.values():
        if node.tag != "Image":
            continue
        has_value, has_list = node.attr("value") is not None, node.attr("valueList") is not None
        if has_value and has_list:
            message = ('has both value and valueList; keep value="$image" for one image or valueList="$images" '
                       "for a list of images")
        elif not has_value and not has_list:
            message = 'needs value="$image" to show one image or valueList="$images" to show a list of images'
        else:
            continue
        issues.append(ConfigIssue(message=message, line=node.line, tag=node.tag, attribute="value"))
    return issues


# --------------------------------------------------------------------------- shape controls

Snap = Literal["pixel", "none"]


class ShapeStyleAttributes(TagAttributes):
    """Region colours of the shape controls (Rectangle, Polygon, Ellipse, KeyPoint)."""

    opacity: float = Field(default=0.2, ge=0, le=1)
    fillColor: str = "#f48a42"
    fillOpacity: float | None = Field(default=None, ge=0, le=1)
    strokeColor: str = "#f48a42"
    strokeWidth: float = Field(default=1, ge=0)


class SmartToolAttributes(TagAttributes):
    """Interactive pre-annotation: ``smart`` adds the smart tool, ``smartOnly`` keeps only it."""

    smart: bool = False
    smartOnly: bool = False


class RectangleAttributes(ShapeStyleAttributes, SmartToolAttributes, ControlAttributes):
    canRotate: bool = True


class PolygonAttributes(ShapeStyleAttributes, SmartToolAttributes, ControlAttributes):
    strokeWidth: float = Field(default=2, ge=0)
    pointSize: Literal["small", "medium", "large"] = "small"
    pointStyle: Literal["rectangle", "circle"] = "circle"
    snap: Snap = "none"


class EllipseAttributes(ShapeStyleAttributes, SmartToolAttributes, ControlAttributes):
    canRotate: bool = True


class KeyPointAttributes(ShapeStyleAttributes, SmartToolAttributes, ControlAttributes):
    opacity: float = Field(default=0.9, ge=0, le=1)
    fillColor: str = "#8bad00"
    strokeColor: str = "#8bad00"
    strokeWidth: float = Field(default=2, ge=0)
    snap: Snap = "none"


class BrushAttributes(SmartToolAttributes, ControlAttributes):
    strokeWidth: float = Field(default=15, gt=0, description="initial brush size (px)")


class MagicWandAttributes(ControlAttributes):
    opacity: float = Field(default=0.6, ge=0, le=1)
    blurradius: int = Field(default=5, ge=0, description="radius of the blur that smooths the region's edges")
    defaultthreshold: int = Field(default=15, ge=0, le=255, description="colour distance a click selects")


# The shape's own attributes come first, so their defaults win over <Labels>' unset ones.
class RectangleLabelsAttributes(RectangleAttributes, LabelsControlAttributes):
    pass


class PolygonLabelsAttributes(PolygonAttributes, LabelsControlAttributes):
    pass


class EllipseLabelsAttributes(EllipseAttributes, LabelsControlAttributes):
    pass


class KeyPointLabelsAttributes(KeyPointAttributes, LabelsControlAttributes):
    pass


class BrushLabelsAttributes(BrushAttributes, LabelsControlAttributes):
    fillOpacity: float | None = Field(default=None, ge=0, le=1)


# --------------------------------------------------------------------------- specs


def _control(name: str, attributes: type[TagAttributes], result_type: str, value_model: type,
             description: str, labeled: bool = False, brush: bool = False, module: str | None = None) -> TagSpec:
    return TagSpec(
        name=name,
        kind="control",
        attributes=attributes,
        children=("Label",) if labeled else (),
        requires_children=labeled,
        targets=("Image",),
        result_type=result_type,
        value_model=value_model,
        labels_key=result_type if labeled else None,
        check_value=values.region_check(labels_key=result_type if labeled else None, brush=brush),
        module=module,
        description=description,
    )


IMAGE_TAGS = [
    TagSpec(name="Image", kind="object", attributes=ImageAttributes, data_type="image", module="image.js",
            description="Shows an image (value=$url) or a list of images (valueList=$urls); region "
                        "coordinates are percent of the original image."),
    _control("RectangleLabels", RectangleLabelsAttributes, "rectanglelabels", values.RectangleLabelsValue,
             "Labeled boxes: {x, y, width, height, rotation} in percent, x/y the top-left corner.", labeled=True,
             module="rectangle.js"),
    _control("Rectangle", RectangleAttributes, "rectangle", values.RectangleValue,
             "Unlabeled boxes: {x, y, width, height, rotation} in percent, x/y the top-left corner.",
             module="rectangle.js"),
    _control("PolygonLabels", PolygonLabelsAttributes, "polygonlabels", values.PolygonLabelsValue,
             "Labeled polygons: {points: [[x, y], ...], closed} in percent.", labeled=True, module="polygon.js"),
    _control("Polygon", PolygonAttributes, "polygon", values.PolygonValue,
             "Unlabeled polygons: {points: [[x, y], ...], closed} in percent.", module="polygon.js"),
    _control("EllipseLabels", EllipseLabelsAttributes, "ellipselabels", values.EllipseLabelsValue,
             "Labeled ellipses: {x, y, radiusX, radiusY, rotation} in percent, x/y the centre.", labeled=True,
             module="ellipse.js"),
    _control("Ellipse", EllipseAttributes, "ellipse", values.EllipseValue,
             "Unlabeled ellipses: {x, y, radiusX, radiusY, rotation} in percent, x/y the centre.",
             module="ellipse.js"),
    _control("KeyPointLabels", KeyPointLabelsAttributes, "keypointlabels", values.KeyPointLabelsValue,
             "Labeled points: {x, y, width} in percent.", labeled=True, module="keypoint.js"),
    _control("KeyPoint", KeyPointAttributes, "keypoint", values.KeyPointValue,
             "Unlabeled points: {x, y, width} in percent.", module="keypoint.js"),
    _control("BrushLabels", BrushLabelsAttributes, "brushlabels", values.BrushLabelsValue,
             "Labeled masks painted with a brush: {format: 'rle', rle: [...]}.", labeled=True, brush=True,
             module="brush.js"),
    _control("Brush", BrushAttributes, "brush", values.BrushValue,
             "Unlabeled masks painted with a brush: {format: 'rle', rle: [...]}.", brush=True, module="brush.js"),
    _control("MagicWand", MagicWandAttributes, "magicwand", values.BrushValue,
             "Masks selected by flood fill from a click: {format: 'rle', rle: [...]}.", brush=True,
             module="brush.js"),
]
