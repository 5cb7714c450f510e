"""Geometry bounds, for any coordinates: regions inside the image pass, regions outside are named.

Coordinates are percent of the original image; an upright rectangle must also end inside it
(x + width <= 100, y + height <= 100, with EDGE_SLACK for rounding).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from labelcore.results import validate_results
from labelcore_tags_image.values import EDGE_SLACK

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Rectangle name="box" toName="image"/>
  <Polygon name="outline" toName="image"/>
  <Ellipse name="blob" toName="image"/>
  <KeyPoint name="point" toName="image"/>
</View>"""

fast = settings(deadline=None, max_examples=80)
inside = st.floats(min_value=0, max_value=100)
outside = st.one_of(st.floats(max_value=-0.001, allow_infinity=False, allow_nan=False),
                    st.floats(min_value=100.001, allow_infinity=False, allow_nan=False))


@pytest.fixture(scope="module")
def config(checker):
    return checker.parse(CONFIG)


def problems(config, from_name: str, result_type: str, value: dict) -> list[str]:
    item = {"id": "r", "from_name": from_name, "to_name": "image", "type": result_type, "value": value}
    return [issue.message for issue in validate_results([item], config)]


@fast
@given(x=inside, y=inside, width=inside, height=inside)
def test_an_upright_box_inside_the_image_is_valid(config, x, y, width, height):
    assume(x + width <= 100 and y + height <= 100)

    assert problems(config, "box", "rectangle", {"x": x, "y": y, "width": width, "height": height}) == []


@fast
@given(x=inside, width=inside, overshoot=st.floats(min_value=EDGE_SLACK * 2, max_value=100))
def test_an_upright_box_ending_past_the_right_edge_is_reported(config, x, width, overshoot):
    width = 100 - x + overshoot
    assume(width <= 100)

    assert problems(config, "box", "rectangle", {"x": x, "y": 0, "width": width, "height": 1}) == [
        f"value: the box ends past the image: x + width = {x + width:.6g} > 100"]


@fast
@given(x=inside, width=inside, rotation=st.floats(min_value=1, max_value=359))
def test_a_rotated_box_is_only_checked_coordinate_by_coordinate(config, x, width, rotation):
    value = {"x": x, "y": 50, "width": width, "height": 50, "rotation": rotation}

    assert problems(config, "box", "rectangle", value) == []


@fast
@given(field=st.sampled_from(["x", "y", "width", "height"]), wrong=outside)
def test_a_box_coordinate_outside_0_to_100_is_named(config, field, wrong):
    value = {"x": 0, "y": 0, "width": 10, "height": 10, field: wrong}

    found = problems(config, "box", "rectangle", value)

    assert found[0].startswith(f"value.{field}: ")
    assert found[0].endswith(" is not a percentage between 0 and 100")


@fast
@given(st.lists(st.tuples(inside, inside), min_size=3, max_size=30))
def test_a_polygon_with_its_points_inside_the_image_is_valid(config, points):
    assert problems(config, "outline", "polygon", {"points": [list(point) for point in points]}) == []


@fast
@given(st.lists(st.tuples(inside, inside), min_size=3, max_size=30), st.data())
def test_a_polygon_point_outside_the_image_is_named(config, points, data):
    index = data.draw(st.integers(min_value=0, max_value=len(points) - 1))
    axis = data.draw(st.integers(min_value=0, max_value=1))
    points = [list(point) for point in points]
    points[index][axis] = data.draw(outside)

    found = problems(config, "outline", "polygon", {"points": points})

    assert len(found) == 1
    assert found[0].startswith(f"value.points.{index}.{axis}: ")


@fast
@given(x=inside, y=inside, radius_x=inside, radius_y=inside, rotation=st.floats(-720, 720))
def test_an_ellipse_centred_in_the_image_is_valid(config, x, y, radius_x, radius_y, rotation):
    value = {"x": x, "y": y, "radiusX": radius_x, "radiusY": radius_y, "rotation": rotation}

    assert problems(config, "blob", "ellipse", value) == []


@fast
@given(x=inside, y=inside, size=inside, field=st.sampled_from(["x", "y", "width"]), wrong=outside)
def test_a_keypoint_is_inside_the_image_or_named(config, x, y, size, field, wrong):
    assert problems(config, "point", "keypoint", {"x": x, "y": y, "width": size}) == []

    found = problems(config, "point", "keypoint", {"x": x, "y": y, "width": size, field: wrong})
    assert [message.split(":")[0] for message in found] == [f"value.{field}"]
