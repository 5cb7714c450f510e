"""YOLO label lines from regions, every coordinate normalised to 0..1 of the image.

- Box (Ultralytics detect): ``class cx cy w h``. A rotated rectangle becomes its axis-aligned
  enclosing box, computed in pixels (a turn in percent space is distorted on non-square images)
  and clipped to the image. Label Studio's converter writes the unrotated box instead.
- Segment (Ultralytics segment): ``class x1 y1 x2 y2 ...``, a polygon's vertices clamped to the
  image. Ultralytics reads a file as segments as soon as one line has more than 6 values, and then
  misreads any ``cx cy w h`` line in it as two vertices; so a file holding a polygon writes its
  rectangles as their four corners too (detect training turns them back into the same enclosing
  boxes). Label Studio mixes both kinds of line in one file.
- Oriented box (Ultralytics OBB): ``class x1 y1 x2 y2 x3 y3 x4 y4``, the four corners clockwise
  from the rectangle's anchor (``labelcore.geometry.rectangle_corners``), not clipped: clipping
  would change the box's shape, and Ultralytics checks only that the box around them fits the image.
  Polygons have no OBB form and are left out, as are rectangles of zero width or height.

A region whose result lacks ``original_width``/``original_height`` takes the size another region of
the task gives; without any, the image is taken as square (the only case where rotation is
ambiguous). A shape that clips to nothing (zero width/height, or wholly outside) is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from labelcore.geometry import Point, clip_box, enclosing_box, polygon_area, rectangle_corners

from labelcore_export_yolo.regions import Box, Polygon, Region

#: Used when no result of a task knows the image's size: percent space, i.e. a square image.
UNKNOWN_SIZE = (100.0, 100.0)


def number(value: float) -> str:
    text = f"{value:.6f}"
    return "0.000000" if text == "-0.000000" else text


def corners(box: Box, size: tuple[float, float]) -> list[Point]:
    """The rectangle's corners, normalised (clockwise from the anchor, as rectangle_corners)."""
    width, height = size
    pixels = rectangle_corners(box.x, box.y, box.width, box.height, box.rotation, width, height)
    return [(x / width, y / height) for x, y in pixels]


def box_values(box: Box, size: tuple[float, float]) -> tuple[float, float, float, float] | None:
    """(cx, cy, w, h) of the rectangle's enclosing box clipped to the image, or None when empty."""
    width, height = size
    pixels = rectangle_corners(box.x, box.y, box.width, box.height, box.rotation, width, height)
    x_min, y_min, x_max, y_max = clip_box(enclosing_box(pixels), width, height)
    if x_max <= x_min or y_max <= y_min:
        return None
    return ((x_min + x_max) / 2 / width, (y_min + y_max) / 2 / height,
            (x_max - x_min) / width, (y_max - y_min) / height)


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def segment_points(shape: Box | Polygon, size: tuple[float, float]) -> list[Point] | None:
    """The shape's outline, normalised and clamped to the image, or None when nothing is left."""
    if isinstance(shape, Box):
        outline = corners(shape, size)
    else:
        outline = [(x / 100.0, y / 100.0) for x, y in shape.points]
    clamped = [(_clamp(x), _clamp(y)) for x, y in outline]
    return clamped if polygon_area(clamped) > 0 else None


def _line(class_id: int, values: Iterable[float]) -> str:
    return " ".join([str(class_id), *(number(value) for value in values)])


def label_lines(regions: Iterable[Region], class_id: Callable[[str], int], obb: bool = False) -> list[str]:
    """The lines of one image's label file (one per region and label: multi-label regions repeat)."""
    regions = list(regions)
    task_size = next((region.image_size for region in regions if region.image_size), None) or UNKNOWN_SIZE
    as_segments = not obb and any(isinstance(region.shape, Polygon) for region in regions)
    lines: list[str] = []
    for region in regions:
        size = region.image_size or task_size
        values: list[float] | None
        if obb:
            if not isinstance(region.shape, Box):
                continue
            outline = corners(region.shape, size)
            values = [coordinate for point in outline for coordinate in point] if polygon_area(outline) > 0 else None
        elif as_segments:
            points = segment_points(region.shape, size)
            values = [coordinate for point in points for coordinate in point] if points else None
        else:
            box = box_values(region.shape, size)  # type: ignore[arg-type]  (no polygons here)
            values = list(box) if box else None
        if values is None:
            continue
        for label in region.labels:
            lines.append(_line(class_id(label), values))
    return lines
