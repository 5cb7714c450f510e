"""Image regions as pixel outlines: what every box-or-polygon export needs from one result item.

Core's ``labelcore.geometry`` turns Label Studio's percent values into pixels (rectangle corners
rotated about the anchor corner, polygons, ellipse polygons, shoelace area); this module adds what
an export needs on top: the part of a shape that lies inside the image (a rotated box or an ellipse
may reach past the edge), its tight bounding box, and its area.

An :class:`Outline` is always the visible part: its polygon, box and area are all cut to
``[0, width] x [0, height]``. Coordinates are continuous pixels (0 = the image's left/top edge,
``width`` = its right edge), which is how COCO reads them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from labelcore.geometry import (Point, ellipse_polygon, enclosing_box, percent_to_pixels, polygon_area,
                                polygon_to_pixels, rectangle_corners)

#: Largest gap, in pixels, between an ellipse and the polygon standing for it.
ELLIPSE_TOLERANCE = 0.5
MIN_ELLIPSE_VERTICES = 16
MAX_ELLIPSE_VERTICES = 720

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Outline:
    """The visible part of a region in pixels.

    ``polygon``: its outline, to write as a segmentation. ``box``: (x_min, y_min, x_max, y_max),
    tight around the visible part. ``clipped``: part of the shape lay outside the image.
    """

    polygon: list[Point]
    box: Box
    area: float
    clipped: bool


def _inside(box: Box, width: float, height: float) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height


def clip_polygon(points: Sequence[Point], width: float, height: float) -> list[Point]:
    """The part of a polygon inside ``[0, width] x [0, height]`` (Sutherland-Hodgman).

    Exact for convex polygons; a concave one keeps its area, possibly with zero-width edges along
    the image border. An empty list means nothing of it is inside.
    """
    edges = (
        (lambda p: p[0] >= 0, lambda a, b: _cross_x(a, b, 0.0)),
        (lambda p: p[0] <= width, lambda a, b: _cross_x(a, b, width)),
        (lambda p: p[1] >= 0, lambda a, b: _cross_y(a, b, 0.0)),
        (lambda p: p[1] <= height, lambda a, b: _cross_y(a, b, height)),
    )
    output = list(points)
    for keeps, crossing in edges:
        if not output:
            break
        source, output = output, []
        previous = source[-1]
        for current in source:
            if keeps(current):
                if not keeps(previous):
                    output.append(crossing(previous, current))
                output.append(current)
            elif keeps(previous):
                output.append(crossing(previous, current))
            previous = current
    return output


def _cross_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return x, a[1] + t * (b[1] - a[1])


def _cross_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return a[0] + t * (b[0] - a[0]), y


def _polygon_outline(points: list[Point], width: float, height: float) -> Outline | None:
    box = enclosing_box(points)
    if _inside(box, width, height):
        area = polygon_area(points)
        return Outline(points, box, area, clipped=False) if area > 0 else None
    visible = clip_polygon(points, width, height)
    if len(visible) < 3:
        return None
    area = polygon_area(visible)
    return Outline(visible, enclosing_box(visible), area, clipped=True) if area > 0 else None


def rectangle_outline(value: dict, width: float, height: float) -> Outline | None:
    """A rectangle (x/y its top-left corner, turned ``rotation`` degrees clockwise about it).

    Upright: its box cut to the image, and that box's corners (clockwise from the top-left) as
    its polygon. Rotated: its four corners cut to the image, with the box enclosing them. None
    when nothing of it is inside the image or it has no area.
    """
    corners = rectangle_corners(value["x"], value["y"], value["width"], value["height"],
                                value.get("rotation") or 0.0, width, height)
    if (value.get("rotation") or 0.0) % 360 == 0:
        x_min, y_min, x_max, y_max = enclosing_box(corners)
        visible = (max(x_min, 0.0), max(y_min, 0.0), min(x_max, width), min(y_max, height))
        if visible[2] <= visible[0] or visible[3] <= visible[1]:
            return None
        left, top, right, bottom = visible
        area = (right - left) * (bottom - top)
        return Outline([(left, top), (right, top), (right, bottom), (left, bottom)], visible, area,
                       clipped=visible != (x_min, y_min, x_max, y_max))
    outline = _polygon_outline(corners, width, height)
    if outline is not None and not outline.clipped:  # the exact area, not the shoelace's rounding
        area = percent_to_pixels(value["width"], width) * percent_to_pixels(value["height"], height)
        outline = Outline(outline.polygon, outline.box, area, clipped=False)
    return outline


def polygon_outline(value: dict, width: float, height: float) -> Outline | None:
    """A polygon's points in pixels, cut to the image; None with fewer than 3 points or no area."""
    points = value.get("points") or []
    if len(points) < 3:
        return None
    return _polygon_outline(polygon_to_pixels(points, width, height), width, height)


def ellipse_vertices(radius_x: float, radius_y: float, tolerance: float = ELLIPSE_TOLERANCE) -> int:
    """How many vertices keep a polygon within ``tolerance`` pixels of an ellipse with these radii.

    An inscribed regular polygon of a circle of radius r strays r * (1 - cos(pi / n)) from it; the
    larger radius bounds an ellipse's stray.
    """
    radius = max(radius_x, radius_y)
    if radius <= tolerance:
        return MIN_ELLIPSE_VERTICES
    needed = math.ceil(math.pi / math.acos(1 - tolerance / radius))
    return max(MIN_ELLIPSE_VERTICES, min(MAX_ELLIPSE_VERTICES, needed))


def ellipse_outline(value: dict, width: float, height: float) -> Outline | None:
    """An ellipse (x/y its centre, radii, ``rotation`` degrees clockwise about the centre).

    Inside the image, the box and area are exact (the box from the ellipse's extents, the area
    pi * rx * ry) and the polygon strays at most :data:`ELLIPSE_TOLERANCE` px from the curve.
    Reaching past the edge, all three come from that polygon cut to the image.
    """
    cx, cy = percent_to_pixels(value["x"], width), percent_to_pixels(value["y"], height)
    rx, ry = percent_to_pixels(value["radiusX"], width), percent_to_pixels(value["radiusY"], height)
    if rx <= 0 or ry <= 0:
        return None
    rotation = value.get("rotation") or 0.0
    theta = math.radians(rotation)
    half_w = math.hypot(rx * math.cos(theta), ry * math.sin(theta))
    half_h = math.hypot(rx * math.sin(theta), ry * math.cos(theta))
    box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    points = ellipse_polygon(value["x"], value["y"], value["radiusX"], value["radiusY"], rotation, width, height,
                             vertices=ellipse_vertices(rx, ry))
    if _inside(box, width, height):
        return Outline(points, box, math.pi * rx * ry, clipped=False)
    return _polygon_outline(points, width, height)
