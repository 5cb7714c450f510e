"""Image-region geometry shared by exporters and models: Label Studio's percent coordinates to
pixels, rotated rectangles, polygons and ellipses.

Label Studio stores image regions in percent (0-100) of the original image. A rectangle's x/y is
its top-left corner and ``rotation`` turns it clockwise, in degrees, about that corner (screen
coordinates: y grows downwards). Rotation must be applied in pixels: in percent space a turn is
distorted whenever the image is not square.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]


def percent_to_pixels(value: float, size: float) -> float:
    return value * size / 100.0


def pixels_to_percent(value: float, size: float) -> float:
    return value * 100.0 / size


def rectangle_corners(x: float, y: float, width: float, height: float, rotation: float,
                      image_width: float, image_height: float) -> list[Point]:
    """The four corners in pixels, clockwise from the anchor (top-left before rotation)."""
    x0, y0 = percent_to_pixels(x, image_width), percent_to_pixels(y, image_height)
    w, h = percent_to_pixels(width, image_width), percent_to_pixels(height, image_height)
    theta = math.radians(rotation or 0.0)
    cos, sin = math.cos(theta), math.sin(theta)
    return [
        (x0, y0),
        (x0 + w * cos, y0 + w * sin),
        (x0 + w * cos - h * sin, y0 + w * sin + h * cos),
        (x0 - h * sin, y0 + h * cos),
    ]


def enclosing_box(points: Sequence[Point]) -> tuple[float, float, float, float]:
    """(x_min, y_min, x_max, y_max) of points."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def clip_box(box: tuple[float, float, float, float], image_width: float,
             image_height: float) -> tuple[float, float, float, float]:
    """A box cut to the image (a rotated box's enclosing box may stick out)."""
    x_min, y_min, x_max, y_max = box
    return (min(max(x_min, 0.0), image_width), min(max(y_min, 0.0), image_height),
            min(max(x_max, 0.0), image_width), min(max(y_max, 0.0), image_height))


def polygon_to_pixels(points: Sequence[Sequence[float]], image_width: float, image_height: float) -> list[Point]:
    return [(percent_to_pixels(p[0], image_width), percent_to_pixels(p[1], image_height)) for p in points]


def polygon_area(points: Sequence[Point]) -> float:
    """Area by the shoelace formula (any orientation)."""
    total = 0.0
    for index, (x1, y1) in enumerate(points):
        x2, y2 = points[(index + 1) % len(points)]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def ellipse_polygon(x: float, y: float, radius_x: float, radius_y: float, rotation: float,
                    image_width: float, image_height: float, vertices: int = 32) -> list[Point]:
    """An ellipse (centre x/y, radii, rotation about the centre, all in percent) as a polygon in pixels."""
    cx, cy = percent_to_pixels(x, image_width), percent_to_pixels(y, image_height)
    rx, ry = percent_to_pixels(radius_x, image_width), percent_to_pixels(radius_y, image_height)
    theta = math.radians(rotation or 0.0)
    cos, sin = math.cos(theta), math.sin(theta)
    points = []
    for step in range(vertices):
        angle = 2 * math.pi * step / vertices
        px, py = rx * math.cos(angle), ry * math.sin(angle)
        points.append((cx + px * cos - py * sin, cy + px * sin + py * cos))
    return points
