"""`labelcore validate`: the summary on success, every error with its line on failure; `labelcore serve`
refuses bad settings before starting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from labelcore.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def run():
    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    return invoke


def test_validate_prints_objects_controls_and_data_keys(run):
    result = run("validate", str(EXAMPLES / "object_detection.xml"))

    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == [
        "  object  image <Image> reads $image",
        "  control label <RectangleLabels> -> image (rectanglelabels): Car, Person, Bicycle",
        "  control scene <Choices> -> image (choices): Day, Night",
        "  data keys: image",
    ]


def test_validate_as_json(run):
    result = run("validate", str(EXAMPLES / "object_detection.xml"), "--json")

    summary = json.loads(result.output)
    assert summary["data_keys"] == ["image"]
    assert summary["controls"][0]["labels"] == ["Car", "Person", "Bicycle"]


def test_validate_reports_every_error_with_file_and_line_and_exits_1(run, tmp_path):
    config = tmp_path / "broken.xml"
    config.write_text('<View>\n  <Image name="img" value="$image"/>\n  <RectangleLabels name="l" toName="image"/>\n'
                      '  <Sparkle/>\n</View>\n')

    result = run("validate", str(config))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{config}:3: error: <RectangleLabels> toName='image' of <RectangleLabels name='l'> refers to " \
                       "no tag; known object tags: img"
    assert lines[1] == f"{config}:3: error: <RectangleLabels> <RectangleLabels name='l'> has no <Label> children; " \
                       "add at least one, or set value=\"$field\" to take them from task data"
    assert lines[2].startswith(f"{config}:4: error: <Sparkle> unknown tag <Sparkle>")


def test_validate_checks_tasks_and_their_annotations(run, tmp_path):
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([
        {"data": {"image": "a.jpg"}},
        {"data": {"picture": "b.jpg"}},
        {"data": {"image": "c.jpg"}, "annotations": [{"result": [
            {"id": "x", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
             "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rectanglelabels": ["Truck"]}}]}]},
    ]))

    result = run("validate", str(EXAMPLES / "object_detection.xml"), "--task", str(tasks))

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {tasks}: task[1]: data lacks 'image', which the config reads ($image)",
        f"error: {tasks}: task[2]: annotations[0].result[0] id=x from_name=label: rectanglelabels 'Truck' is not an "
        "option of <RectangleLabels name='label'>",
    ]


def test_validate_checks_a_result_file(run, tmp_path):
    result_file = tmp_path / "result.json"
    result_file.write_text(json.dumps({"result": [
        {"from_name": "scene", "to_name": "image", "type": "choices", "value": {"choices": ["Dusk"]}}]}))

    result = run("validate", str(EXAMPLES / "object_detection.xml"), "--result", str(result_file))

    assert result.exit_code == 1
    assert result.output.strip() == (f"error: {result_file}: result[0] from_name=scene: choices 'Dusk' is not an option "
                                     "of <Choices name='scene'>")


def test_validate_names_the_line_of_broken_json(run, tmp_path):
    tasks = tmp_path / "tasks.json"
    tasks.write_text('[\n {"data": {"image": "a.jpg"}},\n {"data": }\n]')

    result = run("validate", str(EXAMPLES / "object_detection.xml"), "--task", str(tasks))

    assert result.exit_code == 1
    assert f"{tasks}:3: invalid JSON: Expecting value" in result.output


def test_the_bundled_examples_validate_with_their_tasks(run):
    result = run("validate", str(EXAMPLES / "object_detection.xml"), "--task",
                 str(EXAMPLES / "object_detection_tasks.json"))

    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "  tasks checked: 2"


def test_serve_refuses_fewer_than_one_worker(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--workers", "0", "--data-dir", str(tmp_path)])

    assert result.exit_code == 2
    assert "--workers" in result.output and "0 is not in the range x>=1" in result.output


def test_serve_names_a_bad_setting_from_the_environment(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--data-dir", str(tmp_path)], env={"LABELCORE_WORKERS": "0"})

    assert result.exit_code == 1
    assert result.output == "Error: invalid setting: LABELCORE_WORKERS: Input should be greater than or equal to 1\n"
