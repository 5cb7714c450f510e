"""Result values of the image controls, and the checks that need the result item or the config.

Geometry is in percent of the original image (0..100), as Label Studio stores it: a rectangle's
x/y is its top-left corner and it rotates (degrees, clockwise) about that corner; an ellipse's
x/y is its centre; a keypoint's width is its drawn size. Values are validated strictly (a JSON
number must be a number, not a string), as Label Studio's frontend would only load them so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from labelcore.config.tree import DATA_REF
from labelcore.tag_models import Percent

from labelcore_tags_image import rle

#: Rounding slack, in percent, for the far edge of a box (x + width): predictions rounded to two
#: decimals still fit, a box one pixel past the edge of a 10,000 px image does not.
EDGE_SLACK = 0.01

#: Brush streams longer than this (bytes) have only their header checked against the image size:
#: walking one in pure Python takes about a third of a second per megabyte. Masks drawn in Label
#: Studio are far smaller (tens of kilobytes for a full-HD image).
MAX_SCANNED_RLE_BYTES = 2_000_000


class _ImageValue(BaseModel):
    # extra="allow": a per-region result carries its region's geometry, Label Studio adds keys
    # of its own (is_positive, ring/holes on newer polygons) and older exports carry more.
    model_config = ConfigDict(extra="allow", strict=True)


# --------------------------------------------------------------------------- geometry


class RectangleValue(_ImageValue):
    x: Percent
    y: Percent
    width: Percent
    height: Percent
    rotation: FiniteFloat = 0

    @model_validator(mode="after")
    def _inside_the_image(self) -> RectangleValue:
        # A rotated box can only be placed against the image with its pixel aspect ratio, which
        # the value does not carry; only an upright box is checked against the far edges.
        if self.rotation % 360 == 0:
            edges = ((self.x, self.width, "x", "width"), (self.y, self.height, "y", "height"))
            for start, size, axis, extent in edges:
                if start + size > 100 + EDGE_SLACK:
                    raise PydanticCustomError(
                        "box_outside_image", "the box ends past the image: {axis} + {extent} = {end} > 100",
                        {"axis": axis, "extent": extent, "end": format(start + size, ".6g")})
        return self


class PolygonValue(_ImageValue):
    closed: bool = True
    points: list[Annotated[list[Percent], Field(min_length=2, max_length=2)]]

    @field_validator("points")
    @classmethod
    def _enough_points(cls, points: list[list[float]], info: ValidationInfo) -> list[list[float]]:
        closed = info.data.get("closed", True)
        needed = 3 if closed else 1
        if len(points) < needed:
            shape = "a closed polygon" if closed else "an open polygon"
            raise PydanticCustomError("too_few_points", "{shape} needs at least {needed} point(s), got {got}",
                                      {"shape": shape, "needed": needed, "got": len(points)})
        return points


class EllipseValue(_ImageValue):
    x: Percent
    y: Percent
    radiusX: Percent
    radiusY: Percent
    rotation: FiniteFloat = 0


class KeyPointValue(_ImageValue):
    x: Percent
    y: Percent
    # Label Studio recognises a keypoint by x, y and width without height: width is required.
    width: Percent


class BrushValue(_ImageValue):
    format: Literal["rle"] = "rle"
    rle: list[Annotated[int, Field(ge=0, le=255)]]


class RectangleLabelsValue(RectangleValue):
    rectanglelabels: list[str]


class PolygonLabelsValue(PolygonValue):
    polygonlabels: list[str]


class EllipseLabelsValue(EllipseValue):
    ellipselabels: list[str]


class KeyPointLabelsValue(KeyPointValue):
    keypointlabels: list[str]


class BrushLabelsValue(BrushValue):
    brushlabels: list[str]


# --------------------------------------------------------------------------- checks with context


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _image_count(context: Any) -> int | None:
    """How many images the targeted <Image> shows for this task, when the task data is known."""
    obj = context.object
    if obj is None:
        return None
    value_list = obj.attr("valueList")
    if value_list is None:
        return 1
    match = DATA_REF.match(value_list.strip())
    if context.data is None or match is None:
        return None
    images = context.data.get(match.group(1))
    return len(images) if isinstance(images, list) else None


def item_problems(context: Any) -> list[str]:
    """Item-level keys the Image writes beside ``value``: ``image_rotation`` and, for
    ``valueList`` images, ``item_index`` (which image of the list the region is on)."""
    problems = []
    item = context.item
    rotation = item.get("image_rotation")
    if rotation is not None and not _is_number(rotation):
        problems.append("image_rotation must be a number of degrees")
    index = item.get("item_index")
    if index is not None:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            problems.append("item_index must be a whole number >= 0 (the image's position in valueList)")
        else:
            count = _image_count(context)
            if count is not None and index >= count:
                shown = "shows one image" if context.object.attr("valueList") is None else f"shows {count} image(s)"
                problems.append(f"item_index {index} is past the last image: <{context.object.tag} "
                                f"name={context.object.name!r}> {shown}")
    return problems


def labels_problems(value: dict[str, Any], context: Any, key: str) -> list[str]:
    """A labeled region names at least one label, unless its control has allowEmpty="true"."""
    if value.get(key) or getattr(context.control.values, "allowEmpty", False):
        return []
    return [f"value.{key} is empty; pick at least one label, or set allowEmpty=\"true\" on "
            f"<{context.control.tag} name={context.control.name!r}>"]


def _whole_pixels(size: Any) -> int | None:
    if _is_number(size) and float(size).is_integer() and size > 0:
        return int(size)
    return None


def brush_problems(value: dict[str, Any], context: Any) -> list[str]:
    """The RLE stream is complete and decodes to one RGBA mask of the original image's size."""
    stream = value["rle"]
    try:
        header = rle.scan(stream) if len(stream) <= MAX_SCANNED_RLE_BYTES else rle.read_header(stream)
    except rle.RLEError as exc:
        return [f"value.rle is not a valid Label Studio RLE stream: {exc}"]
    problems = []
    if header.word_size > 8:
        problems.append(f"value.rle stores {header.word_size}-bit values; an RGBA mask needs 8-bit values")
    width, height = context.item.get("original_width"), context.item.get("original_height")
    if width is None or height is None:
        return problems
    pixels_wide, pixels_high = _whole_pixels(width), _whole_pixels(height)
    if pixels_wide is None or pixels_high is None:
        return problems + ["original_width and original_height must be whole pixels for a brush mask"]
    expected = pixels_wide * pixels_high * 4
    if header.count != expected:
        problems.append(f"value.rle decodes to {header.count} values, but a {pixels_wide}x{pixels_high} RGBA mask "
                        f"has {expected} (original_width x original_height x 4)")
    return problems


CheckValue = Callable[[dict[str, Any], Any], list[str]]


def region_check(labels_key: str | None = None, brush: bool = False) -> CheckValue:
    """The ``check_value`` of one image control: item keys, labels (for ``*Labels`` controls),
    and the mask (for brush controls)."""

    def check(value: dict[str, Any], context: Any) -> list[str]:
        problems = item_problems(context)
        if labels_key is not None:
            problems += labels_problems(value, context, labels_key)
        if brush:
            problems += brush_problems(value, context)
        return problems

    return check
