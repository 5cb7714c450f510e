"""Region outlines in pixels: boxes, rotated boxes, polygons, ellipses, cut to the image.

Label Studio's converter is the reference where it is right: an upright box is percent x size,
and a rotated box on a square image (where turning in percent space and in pixels agree).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from label_studio_sdk.converter import Converter

from labelcore.geometry import polygon_area, rectangle_corners
from labelcore_export_coco.shapes import (clip_polygon, ellipse_outline, ellipse_vertices, polygon_outline,
                                          rectangle_outline)

sizes = st.integers(min_value=1, max_value=6000)
percent = st.floats(min_value=0, max_value=100, allow_nan=False)
rotations = st.floats(min_value=-720, max_value=720, allow_nan=False)


@st.composite
def boxes(draw, rotated=True):
    x, y = draw(st.floats(0, 99)), draw(st.floats(0, 99))
    w = draw(st.floats(0.01, 100 - x))
    h = draw(st.floats(0.01, 100 - y))
    rotation = draw(rotations) if rotated else 0.0
    return {"x": x, "y": y, "width": w, "height": h, "rotation": rotation}


def label_studio_box(value, width, height):
    """Label Studio's COCO bbox: its rotated_rectangle (percent space) x size."""
    x, y, w, h = Converter.rotated_rectangle(value)
    return [x * width / 100, y * height / 100, w * width / 100, h * height / 100]


def bbox(outline):
    x_min, y_min, x_max, y_max = outline.box
    return [x_min, y_min, x_max - x_min, y_max - y_min]


# --------------------------------------------------------------------------- rectangles


def test_an_upright_box_is_percent_times_size_with_its_corners():
    outline = rectangle_outline({"x": 10, "y": 20, "width": 30, "height": 40}, 640, 480)

    assert bbox(outline) == pytest.approx([64, 96, 192, 192])
    assert [coordinate for point in outline.polygon for coordinate in point] == pytest.approx(
        [64, 96, 256, 96, 256, 288, 64, 288])
    assert outline.area == pytest.approx(192 * 192) and not outline.clipped


@settings(max_examples=300, deadline=None)
@given(boxes(rotated=False), sizes, sizes)
def test_an_upright_box_equals_label_studios(value, width, height):
    outline = rectangle_outline(value, width, height)
    expected = label_studio_box(value, width, height)
    assume(expected[0] + expected[2] <= width and expected[1] + expected[3] <= height)

    assert bbox(outline) == pytest.approx(expected, abs=1e-9, rel=1e-12)
    assert outline.area == pytest.approx(expected[2] * expected[3], rel=1e-9)


@settings(max_examples=500, deadline=None)
@given(boxes(), sizes, sizes)
def test_the_box_of_a_rotated_rectangle_holds_its_corners_cut_to_the_image(value, width, height):
    outline = rectangle_outline(value, width, height)
    corners = rectangle_corners(value["x"], value["y"], value["width"], value["height"], value["rotation"], width,
                                height)
    if outline is None:  # nothing of it inside the image: every corner is off one side
        return
    x_min, y_min, x_max, y_max = outline.box
    slack = 1e-6 * max(width, height)
    assert -slack <= x_min and x_max <= width + slack and -slack <= y_min and y_max <= height + slack
    for cx, cy in corners:
        px, py = min(max(cx, 0), width), min(max(cy, 0), height)
        inside = -slack <= cx <= width + slack and -slack <= cy <= height + slack
        if inside:  # a corner in the image lies in the box (corners outside were cut off)
            assert x_min - slack <= px <= x_max + slack and y_min - slack <= py <= y_max + slack


@settings(max_examples=300, deadline=None)
@given(boxes(), sizes)
def test_a_rotated_box_on_a_square_image_equals_label_studios(value, size):
    corners = rectangle_corners(value["x"], value["y"], value["width"], value["height"], value["rotation"], size, size)
    assume(all(0 <= x <= size and 0 <= y <= size for x, y in corners))
    assume(value["rotation"] % 360)

    outline = rectangle_outline(value, size, size)

    assert bbox(outline) == pytest.approx(label_studio_box(value, size, size), abs=1e-6 * size)
    assert outline.area == pytest.approx(value["width"] * value["height"] * size * size / 1e4, rel=1e-9)
    assert len(outline.polygon) == 4 and not outline.clipped


@settings(max_examples=300, deadline=None)
@given(boxes(), sizes, sizes)
def test_a_rotated_box_inside_the_image_keeps_its_area_and_corners(value, width, height):
    corners = rectangle_corners(value["x"], value["y"], value["width"], value["height"], value["rotation"], width,
                                height)
    assume(all(0 <= x <= width and 0 <= y <= height for x, y in corners))
    assume(value["rotation"] % 360)

    outline = rectangle_outline(value, width, height)

    assert outline.polygon == corners
    w, h = value["width"] * width / 100, value["height"] * height / 100
    assert outline.area == pytest.approx(w * h, rel=1e-9)
    # tight: every side of the box touches a corner
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    assert outline.box == (min(xs), min(ys), max(xs), max(ys))


def test_label_studio_turns_a_box_in_percent_space_which_is_wrong_on_a_wide_image():
    # 30 degrees about the top-left corner, on an 800 x 400 image
    value = {"x": 20, "y": 20, "width": 20, "height": 20, "rotation": 30}
    corners = rectangle_corners(20, 20, 20, 20, 30, 800, 400)

    ours = bbox(rectangle_outline(value, 800, 400))
    theirs = label_studio_box(value, 800, 400)

    # ours encloses the true corners exactly; theirs misses part of the box
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    assert ours == pytest.approx([min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)])
    assert theirs[1] > min(ys) + 1 or theirs[1] + theirs[3] < max(ys) - 1


def test_a_box_turned_past_the_edge_is_cut_to_the_image():
    # turned 45 degrees about its top-left corner on the left edge: its diagonal lies on the edge
    outline = rectangle_outline({"x": 0, "y": 50, "width": 10, "height": 10, "rotation": 45}, 100, 100)

    assert outline.clipped
    assert outline.area == pytest.approx(50)  # the half right of x = 0
    assert outline.box == pytest.approx((0, 50, 10 / math.sqrt(2), 50 + 10 * math.sqrt(2)))


def test_a_box_wholly_outside_the_image_has_no_outline():
    assert rectangle_outline({"x": 0, "y": 0, "width": 10, "height": 10, "rotation": 180}, 100, 100) is None


# --------------------------------------------------------------------------- polygons


def test_a_polygon_inside_the_image_keeps_its_points():
    outline = polygon_outline({"points": [[10, 10], [50, 10], [50, 60]]}, 200, 100)

    assert outline.polygon == [(20, 10), (100, 10), (100, 60)]
    assert outline.box == (20, 10, 100, 60)
    assert outline.area == pytest.approx(80 * 50 / 2)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(percent, percent), min_size=3, max_size=12), sizes, sizes)
def test_a_polygon_area_is_the_shoelace_of_its_pixels(points, width, height):
    outline = polygon_outline({"points": points}, width, height)
    pixels = [(x * width / 100, y * height / 100) for x, y in points]
    area = polygon_area(pixels)

    if outline is None:
        assert area == pytest.approx(0, abs=1e-9 * width * height)
    else:
        assert outline.area == pytest.approx(area, rel=1e-9)
        assert outline.box == (min(x for x, _ in pixels), min(y for _, y in pixels),
                               max(x for x, _ in pixels), max(y for _, y in pixels))


def test_a_polygon_with_fewer_than_three_points_has_no_outline():
    assert polygon_outline({"points": [[1, 1], [2, 2]]}, 100, 100) is None


def test_clipping_a_square_by_the_image_corner():
    square = [(-5.0, -5.0), (5.0, -5.0), (5.0, 5.0), (-5.0, 5.0)]

    clipped = clip_polygon(square, 100, 100)

    assert polygon_area(clipped) == pytest.approx(25)
    assert {(round(x, 9), round(y, 9)) for x, y in clipped} == {(0, 0), (5, 0), (5, 5), (0, 5)}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 150), st.floats(-50, 150)), min_size=3, max_size=3))
def test_clipping_a_triangle_keeps_what_lies_inside(triangle):
    clipped = clip_polygon(triangle, 100, 100)

    assert all(-1e-9 <= x <= 100 + 1e-9 and -1e-9 <= y <= 100 + 1e-9 for x, y in clipped)
    assert polygon_area(clipped) <= polygon_area(triangle) + 1e-6


# --------------------------------------------------------------------------- ellipses


def test_an_ellipse_inside_the_image_has_its_exact_box_and_area():
    outline = ellipse_outline({"x": 50, "y": 50, "radiusX": 10, "radiusY": 20, "rotation": 0}, 400, 200)

    assert outline.box == pytest.approx((160, 60, 240, 140))
    assert outline.area == pytest.approx(math.pi * 40 * 40)


@settings(max_examples=300, deadline=None)
@given(st.floats(20, 80), st.floats(20, 80), st.floats(0.5, 19), st.floats(0.5, 19), rotations, sizes, sizes)
def test_an_ellipse_polygon_stays_within_half_a_pixel_of_the_curve(x, y, rx, ry, rotation, width, height):
    outline = ellipse_outline({"x": x, "y": y, "radiusX": rx, "radiusY": ry, "rotation": rotation}, width, height)

    x_min, y_min, x_max, y_max = outline.box
    px = [p[0] for p in outline.polygon]
    py = [p[1] for p in outline.polygon]
    # the polygon is inscribed: inside the exact box, and no more than the tolerance short of it
    assert x_min - 1e-6 <= min(px) <= x_min + 0.5 + 1e-6 and x_max - 0.5 - 1e-6 <= max(px) <= x_max + 1e-6
    assert y_min - 1e-6 <= min(py) <= y_min + 0.5 + 1e-6 and y_max - 0.5 - 1e-6 <= max(py) <= y_max + 1e-6
    assert polygon_area(outline.polygon) <= outline.area + 1e-6


def test_a_large_ellipse_gets_more_vertices():
    assert ellipse_vertices(5, 5) == 16
    assert ellipse_vertices(1000, 300) > 90
    assert ellipse_vertices(1e7, 1) == 720
