"""The regions of one task that a YOLO label file holds: which annotation, which results.

One label file per image means one annotation per task. Label Studio's converter writes every
annotation to the same file in turn, so the oldest one silently wins; here the choice is explicit:
the ground-truth annotation if there is one, else the newest (by ``created_at``, Label Studio's
order). Cancelled (skipped) annotations never count; a task whose annotations were all cancelled
is left out, and a task without annotations gets an empty label file (a background image), both
as in Label Studio.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from labelcore_export_yolo.schema import YoloSchema

#: Keys of a result's value that hold its labels, as Label Studio's converter reads them.
LABEL_KEYS = ("rectanglelabels", "polygonlabels", "labels")


@dataclass(frozen=True)
class Box:
    """A rectangle in percent of the image: top-left x/y, size, clockwise rotation about x/y."""

    x: float
    y: float
    width: float
    height: float
    rotation: float = 0.0


@dataclass(frozen=True)
class Polygon:
    """Vertices in percent of the image."""

    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Region:
    labels: tuple[str, ...]
    shape: Box | Polygon
    #: (original_width, original_height) in pixels, when the result says
    image_size: tuple[float, float] | None = None


def _cancelled(annotation: dict[str, Any]) -> bool:
    return bool(annotation.get("was_cancelled") or annotation.get("skipped"))


def chosen_annotation(task: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
    """(whether the task is exported, the annotation whose regions its label file holds)."""
    annotations = task.get("annotations") or []
    if not annotations:
        return True, None
    kept = [annotation for annotation in annotations if isinstance(annotation, dict) and not _cancelled(annotation)]
    if not kept:
        return False, None
    return True, max(kept, key=lambda a: (bool(a.get("ground_truth")), str(a.get("created_at") or "")))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _shape(value: dict[str, Any]) -> Box | Polygon | None:
    points = value.get("points")
    if points is not None:
        vertices = []
        for point in points if isinstance(points, list) else ():
            if isinstance(point, (list, tuple)) and len(point) >= 2:
                x, y = _number(point[0]), _number(point[1])
                if x is not None and y is not None:
                    vertices.append((x, y))
        # two vertices would read as a box line (class cx cy w h): Ultralytics needs three
        return Polygon(tuple(vertices)) if len(set(vertices)) >= 3 else None
    x, y, width, height = (_number(value.get(key)) for key in ("x", "y", "width", "height"))
    if x is None or y is None or width is None or height is None:
        return None
    return Box(x, y, width, height, _number(value.get("rotation")) or 0.0)


def _image_size(item: dict[str, Any]) -> tuple[float, float] | None:
    width, height = _number(item.get("original_width")), _number(item.get("original_height"))
    return (width, height) if width and height and width > 0 and height > 0 else None


def regions(annotation: dict[str, Any] | None, schema: YoloSchema) -> Iterator[Region]:
    """The labelled boxes and polygons of an annotation on the schema's image, in result order."""
    for item in (annotation or {}).get("result") or []:
        if not isinstance(item, dict) or item.get("from_name") not in schema.controls:
            continue
        if item.get("to_name") not in (None, schema.image_name):
            continue
        value = item.get("value")
        if not isinstance(value, dict):
            continue
        labels = tuple(str(label) for key in LABEL_KEYS if isinstance(value.get(key), list)
                       for label in value[key])
        shape = _shape(value) if labels else None
        if shape is not None:
            yield Region(labels=labels, shape=shape, image_size=_image_size(item))
