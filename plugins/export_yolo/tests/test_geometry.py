"""Every label line re-projects onto the region it came from, within half a pixel.

Expected shapes come from ``labelcore.geometry`` (percent x image size, rotated corners): the
label files are parsed back and scaled by the image size.
"""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from labelcore.geometry import clip_box, enclosing_box, rectangle_corners

HALF_PIXEL = 0.5


def pixels_of_box(values, size):
    cx, cy, w, h = values
    width, height = size
    return ((cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height)


def close(a, b, tolerance=HALF_PIXEL):
    return all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


def only_file(entries):
    [name] = [name for name in entries if name.startswith("labels/")]
    return entries[name]


def test_an_unrotated_box_is_its_centre_and_size(yolo):
    config = yolo.parse(yolo.BOXES)

    entries = yolo.export(config, [yolo.task(1, "/data/upload/1/cat.jpg", yolo.box(10, 20, 30, 40, "Car"))])

    assert entries["labels/cat.txt"] == b"1 0.250000 0.400000 0.300000 0.400000\n"


def test_a_rotated_box_becomes_its_enclosing_box_measured_in_pixels(yolo):
    # 200x100 image; anchor (100, 10) px, 20x20 px, turned 90 degrees clockwise about the anchor:
    # corners (100,10) (100,30) (80,30) (80,10) -> the box x 80..100, y 10..30
    config = yolo.parse(yolo.BOXES)
    region = yolo.box(50, 10, 10, 20, "Car", rotation=90, size=(200, 100))

    entries = yolo.export(config, [yolo.task(1, "cat.jpg", region)])

    assert entries["labels/cat.txt"] == b"1 0.450000 0.200000 0.100000 0.200000\n"


def test_a_rotated_box_sticking_out_of_the_image_is_clipped(yolo):
    config = yolo.parse(yolo.BOXES)
    region = yolo.box(90, 50, 30, 10, "Car", rotation=45, size=(1000, 1000))

    [(class_id, values)] = yolo.rows(only_file(yolo.export(config, [yolo.task(1, "a.jpg", region)])))

    expected = clip_box(enclosing_box(rectangle_corners(90, 50, 30, 10, 45, 1000, 1000)), 1000, 1000)
    assert class_id == 1
    assert close(pixels_of_box(values, (1000, 1000)), expected)
    assert expected[2] == 1000  # the clip happened


def test_a_box_wholly_outside_the_image_or_without_area_is_left_out(yolo):
    config = yolo.parse(yolo.BOXES)
    regions = [yolo.box(120, 10, 10, 10), yolo.box(10, 10, 0, 10), yolo.box(5, 5, 10, 10, "Person")]

    entries = yolo.export(config, [yolo.task(1, "a.jpg", *regions)])

    assert entries["labels/a.txt"] == b"2 0.100000 0.100000 0.100000 0.100000\n"  # Person


def test_obb_lines_are_the_four_rotated_corners_clockwise_from_the_anchor(yolo):
    config = yolo.parse(yolo.BOXES)
    region = yolo.box(50, 10, 10, 20, "Car", rotation=90, size=(200, 100))

    entries = yolo.export(config, [yolo.task(1, "cat.jpg", region)], obb=True)

    assert entries["labels/cat.txt"] == (
        b"1 0.500000 0.100000 0.500000 0.300000 0.400000 0.300000 0.400000 0.100000\n")


def test_a_polygon_is_a_segment_of_its_vertices(yolo):
    config = yolo.parse(yolo.BOXES_AND_POLYGONS)
    region = yolo.polygon([[10, 10], [50, 10.5], [30, 40]], "Road")

    entries = yolo.export(config, [yolo.task(1, "road.png", region)])

    assert entries["labels/road.txt"] == b"2 0.100000 0.100000 0.500000 0.105000 0.300000 0.400000\n"


def test_in_a_file_with_a_polygon_the_boxes_are_written_as_their_corners(yolo):
    # Ultralytics reads the whole file as segments once a line has more than 6 values
    config = yolo.parse(yolo.BOXES_AND_POLYGONS)
    regions = [yolo.polygon([[10, 10], [50, 10], [30, 40]], "Road"), yolo.box(10, 20, 30, 40, "Car", rotation=0)]

    entries = yolo.export(config, [yolo.task(1, "mixed.png", *regions)])

    assert entries["labels/mixed.txt"] == (
        b"2 0.100000 0.100000 0.500000 0.100000 0.300000 0.400000\n"
        b"0 0.100000 0.200000 0.400000 0.200000 0.400000 0.600000 0.100000 0.600000\n")
    assert yolo.ultralytics_problems(entries["labels/mixed.txt"], 3) == []


def test_polygon_vertices_are_clamped_and_degenerate_polygons_left_out(yolo):
    config = yolo.parse(yolo.BOXES_AND_POLYGONS)
    regions = [yolo.polygon([[-5, 10], [50, 10], [30, 104]]),  # sticks out
               yolo.polygon([[10, 10], [20, 20]]),  # two vertices would read as a box line
               yolo.polygon([[110, 10], [120, 10], [130, 40]])]  # wholly outside

    entries = yolo.export(config, [yolo.task(1, "p.png", *regions)])

    assert entries["labels/p.txt"] == b"2 0.000000 0.100000 0.500000 0.100000 0.300000 1.000000\n"


def test_without_image_sizes_a_rotation_is_taken_on_a_square_image(yolo):
    config = yolo.parse(yolo.BOXES)
    region = yolo.box(50, 10, 10, 20, "Car", rotation=90, size=None)

    [(_, values)] = yolo.rows(only_file(yolo.export(config, [yolo.task(1, "a.jpg", region)])))

    expected = enclosing_box(rectangle_corners(50, 10, 10, 20, 90, 100, 100))
    assert close(pixels_of_box(values, (100, 100)), expected, 1e-4)


def test_a_region_without_size_takes_the_size_another_region_of_the_task_gives(yolo):
    config = yolo.parse(yolo.BOXES)
    regions = [yolo.box(50, 10, 10, 20, "Car", rotation=90, size=None),
               yolo.box(1, 1, 2, 2, "Person", size=(200, 100))]

    rows = yolo.rows(only_file(yolo.export(config, [yolo.task(1, "a.jpg", *regions)])))

    assert rows[0] == (1, [0.45, 0.2, 0.1, 0.2])


sizes = st.tuples(st.integers(10, 8000), st.integers(10, 8000))
percent = st.floats(0, 100, allow_nan=False)
extent = st.floats(0.05, 100, allow_nan=False)
rotation = st.one_of(st.just(0.0), st.floats(0, 360, allow_nan=False, exclude_max=True))


@settings(max_examples=300, deadline=None)
@given(size=sizes, x=percent, y=percent, width=extent, height=extent, turn=rotation)
def test_property_a_box_line_reprojects_to_the_clipped_enclosing_box(yolo, size, x, y, width, height, turn):
    image_width, image_height = size
    expected = clip_box(enclosing_box(rectangle_corners(x, y, width, height, turn, image_width, image_height)),
                        image_width, image_height)
    assume(expected[2] - expected[0] > 0.01 and expected[3] - expected[1] > 0.01)
    config = yolo.parse(yolo.BOXES)

    content = only_file(yolo.export(config, [yolo.task(1, "a.jpg", yolo.box(x, y, width, height, "Bike", turn, size))]))

    [(class_id, values)] = yolo.rows(content)
    assert class_id == 0  # Bike < Car < Person
    assert close(pixels_of_box(values, size), expected)
    assert all(0 <= value <= 1 for value in values)
    assert yolo.ultralytics_problems(content, 3) == []


@settings(max_examples=300, deadline=None)
@given(size=sizes, x=percent, y=percent, width=extent, height=extent, turn=rotation)
def test_property_an_obb_line_reprojects_to_the_rotated_corners(yolo, size, x, y, width, height, turn):
    image_width, image_height = size
    corners = rectangle_corners(x, y, width, height, turn, image_width, image_height)
    config = yolo.parse(yolo.BOXES)

    content = only_file(yolo.export(config, [yolo.task(1, "a.jpg", yolo.box(x, y, width, height, "Car", turn, size))],
                                    obb=True))

    [(class_id, values)] = yolo.rows(content)
    assert class_id == 1
    reprojected = [(values[i] * image_width, values[i + 1] * image_height) for i in range(0, 8, 2)]
    assert all(close(point, corner) for point, corner in zip(reprojected, corners, strict=True))
    # the corners still form the same rectangle: sides of the right length, at right angles
    sides = [math.dist(reprojected[i], reprojected[(i + 1) % 4]) for i in range(4)]
    assert abs(sides[0] - width * image_width / 100) <= 2 * HALF_PIXEL
    assert abs(sides[1] - height * image_height / 100) <= 2 * HALF_PIXEL


@settings(max_examples=200, deadline=None)
@given(size=sizes, points=st.lists(st.tuples(percent, percent), min_size=3, max_size=12, unique=True))
def test_property_a_polygon_line_reprojects_to_its_vertices(yolo, size, points):
    image_width, image_height = size
    config = yolo.parse(yolo.BOXES_AND_POLYGONS)
    region = yolo.polygon([list(point) for point in points], "Road", size=size)

    entries = yolo.export(config, [yolo.task(1, "a.jpg", region)])

    rows = yolo.rows(only_file(entries))
    if not rows:  # all vertices on one line: no area, left out
        from labelcore.geometry import polygon_area
        assert polygon_area([(x / 100, y / 100) for x, y in points]) < 1e-12
        return
    [(class_id, values)] = rows
    assert class_id == 2
    reprojected = [(values[i] * image_width, values[i + 1] * image_height) for i in range(0, len(values), 2)]
    expected = [(x * image_width / 100, y * image_height / 100) for x, y in points]
    assert all(close(point, vertex) for point, vertex in zip(reprojected, expected, strict=True))
