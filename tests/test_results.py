"""Result validation: what core checks on every annotation/prediction item, whatever the tag."""

from __future__ import annotations

import pytest

from labelcore.errors import ResultValidationError
from labelcore.results import check_results, utf16_len, validate_results

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car"/>
    <Label value="Person" alias="P"/>
  </RectangleLabels>
  <Choices name="scene" toName="image"><Choice value="Day"/><Choice value="Night"/></Choices>
  <Relations><Relation value="drives"/></Relations>
</View>"""


def box(region_id="r1", labels=("Car",), **value):
    geometry = {"x": 10, "y": 10, "width": 20, "height": 20, "rotation": 0}
    geometry.update(value)
    return {"id": region_id, "from_name": "box", "to_name": "image", "type": "rectanglelabels",
            "original_width": 640, "original_height": 480, "value": {**geometry, "rectanglelabels": list(labels)}}


@pytest.fixture
def config(installed):
    return installed.parse(CONFIG)


def messages(results, config, data=None):
    return [str(issue) for issue in validate_results(results, config, data)]


def test_a_well_formed_annotation_has_no_issues(config):
    results = [
        box("r1"), box("r2", labels=["P"]),
        {"id": "c", "from_name": "scene", "to_name": "image", "type": "choices", "value": {"choices": ["Night"]}},
        {"from_id": "r1", "to_id": "r2", "type": "relation", "direction": "right", "labels": ["drives"]},
    ]

    assert messages(results, config) == []


def test_from_name_must_be_a_control_of_the_config(config):
    item = box()
    item["from_name"] = "boxes"

    assert messages([item], config) == [
        "result[0] id=r1 from_name=boxes: from_name 'boxes' is not a control of the config (controls: box, scene)"]


def test_to_name_must_match_the_control(config):
    item = box()
    item["to_name"] = "photo"

    assert messages([item], config) == [
        "result[0] id=r1 from_name=box: to_name 'photo' does not match toName='image' of <RectangleLabels name='box'>"]


def test_type_must_be_what_the_control_writes(config):
    item = box()
    item["type"] = "polygonlabels"

    assert messages([item], config) == [
        "result[0] id=r1 from_name=box: type 'polygonlabels' is not the type of <RectangleLabels>, which writes "
        "'rectanglelabels'"]


def test_labels_must_exist_in_the_config(config):
    assert messages([box(labels=["Truck"])], config) == [
        "result[0] id=r1 from_name=box: rectanglelabels 'Truck' is not an option of <RectangleLabels name='box'>"]


def test_value_is_checked_against_the_tags_value_model(config):
    problems = messages([box(x=130)], config)

    assert problems == ["result[0] id=r1 from_name=box: value.x: Value error, 130 is not a percentage between 0 "
                        "and 100"]


def test_dynamic_labels_accept_whatever_the_task_provides(installed):
    dynamic = installed.parse('<View><Image name="image" value="$image"/>'
                              '<RectangleLabels name="box" toName="image" value="$classes"/></View>')

    assert messages([box(labels=["Anything"])], dynamic) == []


def test_relations_must_join_regions_of_the_same_result(config):
    results = [box("r1"), {"from_id": "r1", "to_id": "ghost", "type": "relation", "direction": "sideways",
                           "labels": ["owns"]}]

    assert messages(results, config) == [
        "result[1]: to_id 'ghost' refers to no region in the same result",
        "result[1]: direction 'sideways' must be one of ['bi', 'left', 'right']",
        "result[1]: relation label 'owns' is not a <Relation> of the config",
    ]


def test_parent_id_must_refer_to_a_region_in_the_result(config):
    child = box("r2")
    child["parentID"] = "r9"

    assert messages([box("r1"), child], config) == [
        "result[1] id=r2 from_name=box: parentID 'r9' refers to no region in the same result"]


def test_item_level_fields_are_typed(config):
    item = box()
    item.update(origin="robot", score="high", original_width=0)

    assert messages([item], config) == [
        "result[0] id=r1 from_name=box: origin 'robot' must be one of ['manual', 'prediction', 'prediction-changed']",
        "result[0] id=r1 from_name=box: score must be a number",
        "result[0] id=r1 from_name=box: original_width must be a positive number",
    ]


def test_results_must_be_a_list_of_objects(config):
    assert messages({"result": []}, config) == ["result: result must be a list, got dict"]
    assert messages(["box"], config) == ["result[0]: must be an object, got str"]


def test_check_results_raises_with_every_issue(config):
    with pytest.raises(ResultValidationError) as caught:
        check_results([box(labels=["Truck"]), box(y=-5)], config)

    assert len(caught.value.issues) == 2
    assert caught.value.status_code == 400


def test_span_offsets_count_utf16_code_units_like_javascript():
    assert utf16_len("abc") == 3
    assert utf16_len("a😀b") == 4
