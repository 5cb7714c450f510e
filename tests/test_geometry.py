"""Percent-to-pixel geometry that every image exporter relies on."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from labelcore.geometry import (
    clip_box,
    ellipse_polygon,
    enclosing_box,
    polygon_area,
    polygon_to_pixels,
    rectangle_corners,
)

percent = st.floats(min_value=0, max_value=100, allow_nan=False)
size = st.integers(min_value=1, max_value=8000)
angle = st.floats(min_value=-360, max_value=360, allow_nan=False)


def test_an_unrotated_rectangle_is_its_own_enclosing_box():
    corners = rectangle_corners(10, 20, 30, 40, 0, 200, 100)

    assert corners == [(20, 20), (80, 20), (80, 60), (20, 60)]
    assert enclosing_box(corners) == (20, 20, 80, 60)


def test_rotation_turns_clockwise_about_the_top_left_corner_in_pixels():
    corners = rectangle_corners(50, 50, 10, 20, 90, 200, 100)  # 20x20 px box anchored at (100, 50)

    expected = [(100, 50), (100, 70), (80, 70), (80, 50)]
    assert all(math.isclose(a, b, abs_tol=1e-9) for corner, want in zip(corners, expected)
               for a, b in zip(corner, want))


@given(percent, percent, percent, percent, angle, size, size)
def test_a_rotated_rectangle_keeps_its_pixel_size(x, y, width, height, rotation, image_width, image_height):
    corners = rectangle_corners(x, y, width, height, rotation, image_width, image_height)
    w, h = width * image_width / 100, height * image_height / 100

    assert math.isclose(math.dist(corners[0], corners[1]), w, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(math.dist(corners[1], corners[2]), h, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(polygon_area(corners), w * h, rel_tol=1e-6, abs_tol=1e-3)


def test_clip_box_cuts_to_the_image():
    assert clip_box((-5, 10, 120, 300), 100, 200) == (0, 10, 100, 200)


def test_polygon_points_convert_to_pixels():
    assert polygon_to_pixels([[0, 0], [50, 100]], 640, 480) == [(0, 0), (320, 480)]


def test_an_ellipse_polygon_has_about_the_ellipse_area():
    points = ellipse_polygon(50, 50, 25, 10, 30, 400, 200, vertices=128)

    assert math.isclose(polygon_area(points), math.pi * 100 * 20, rel_tol=0.01)
