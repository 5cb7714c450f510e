"""The official label-studio-sdk drives labelcore unchanged: projects, tasks, annotations and
predictions through ``LabelStudio(base_url=..., api_key=...)``, and bad input comes back as an
``ApiError`` 400 naming the problem, with nothing changed."""

from __future__ import annotations

import json
import uuid

import pytest
from label_studio_sdk.core.api_error import ApiError

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Cat"/>
    <Label value="Dog"/>
  </RectangleLabels>
  <Choices name="quality" toName="image">
    <Choice value="sharp"/>
    <Choice value="blurry"/>
  </Choices>
</View>"""

BOX = {"id": "b1", "from_name": "box", "to_name": "image", "type": "rectanglelabels", "original_width": 640,
       "original_height": 480, "image_rotation": 0,
       "value": {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0, "rectanglelabels": ["Cat"]}}
SHARP = {"from_name": "quality", "to_name": "image", "type": "choices", "value": {"choices": ["sharp"]}}


def title(prefix: str = "SDK") -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@pytest.fixture
def project(sdk):
    return sdk.projects.create(title=title(), label_config=CONFIG)


@pytest.fixture
def task(sdk, project):
    return sdk.tasks.create(project=project.id, data={"image": "https://example.com/cat.jpg"})


def test_a_project_is_created_read_changed_listed_and_deleted(sdk):
    created = sdk.projects.create(title=title(), description="Pets", label_config=CONFIG)
    assert created.id and created.parsed_label_config["box"]["labels"] == ["Cat", "Dog"]

    fetched = sdk.projects.get(created.id)
    assert (fetched.title, fetched.description, fetched.label_config) == (created.title, "Pets", CONFIG)
    assert sorted(control.name for control in fetched.get_label_interface().controls) == ["box", "quality"]

    updated = sdk.projects.update(created.id, title="Renamed by the SDK", maximum_annotations=3)
    assert (updated.title, updated.maximum_annotations) == ("Renamed by the SDK", 3)

    sdk.projects.delete(created.id)
    with pytest.raises(ApiError) as gone:
        sdk.projects.get(created.id)
    assert gone.value.status_code == 404


def test_projects_are_listed_page_by_page(sdk):
    prefix = title("Paged")
    ids = {sdk.projects.create(title=f"{prefix} {n}", label_config=CONFIG).id for n in range(5)}

    listed = list(sdk.projects.list(title=prefix, page_size=2))

    assert {p.id for p in listed} == ids and len(listed) == 5


def test_a_config_is_validated_for_a_project(sdk, project, task):
    sdk.annotations.create(id=task.id, result=[BOX])
    grown = CONFIG.replace('<Label value="Dog"/>', '<Label value="Dog"/><Label value="Bird"/>')

    answer = sdk.projects.validate_label_config(project.id, label_config=grown)
    assert answer.config_essential_data_has_changed is True

    with pytest.raises(ApiError) as orphaning:
        sdk.projects.validate_label_config(project.id, label_config=CONFIG.replace('<Label value="Cat"/>', ""))
    assert orphaning.value.status_code == 400 and "Cat (1 annotation)" in orphaning.value.body["detail"]


def test_a_bad_config_is_an_api_error_and_creates_nothing(sdk):
    name = title("Bad")

    with pytest.raises(ApiError) as refused:
        sdk.projects.create(title=name, label_config=CONFIG.replace("<Image", "<Picture"))

    assert refused.value.status_code == 400
    assert "Picture" in refused.value.body["detail"] and "line 2" in refused.value.body["detail"]
    assert list(sdk.projects.list(title=name)) == []


def test_tasks_are_created_listed_read_changed_and_deleted(sdk, project):
    created = [sdk.tasks.create(project=project.id, data={"image": f"https://example.com/{n}.jpg"}, meta={"n": n})
               for n in range(5)]
    assert [t.inner_id for t in created] == [1, 2, 3, 4, 5]

    listed = list(sdk.tasks.list(project=project.id, page_size=2))
    assert [t.id for t in listed] == [t.id for t in created]
    assert listed[0].data == {"image": "https://example.com/0.jpg"}

    fetched = sdk.tasks.get(str(created[0].id))
    assert (fetched.id, fetched.meta) == (created[0].id, {"n": 0})

    updated = sdk.tasks.update(str(created[0].id), data={"image": "https://example.com/new.jpg"})
    assert updated.data == {"image": "https://example.com/new.jpg"}

    sdk.tasks.delete(str(created[1].id))
    assert sdk.projects.get(project.id).task_number == 4

    sdk.tasks.delete_all_tasks(project.id)
    assert sdk.projects.get(project.id).task_number == 0
    assert list(sdk.tasks.list(project=project.id)) == []


def test_tasks_are_filtered_through_the_sdk_query(sdk, project):
    tasks = [sdk.tasks.create(project=project.id, data={"image": f"https://example.com/{name}.jpg"})
             for name in ("cat", "dog", "cat-and-dog")]
    query = {"filters": {"conjunction": "and", "items": [
        {"filter": "filter:tasks:data.image", "operator": "contains", "type": "String", "value": "cat"}]}}

    listed = list(sdk.tasks.list(project=project.id, query=json.dumps(query)))

    assert [t.id for t in listed] == [tasks[0].id, tasks[2].id]


def test_a_task_missing_its_data_key_is_an_api_error(sdk, project):
    with pytest.raises(ApiError) as refused:
        sdk.tasks.create(project=project.id, data={"picture": "https://example.com/cat.jpg"})

    assert refused.value.status_code == 400 and "'image'" in refused.value.body["detail"]
    assert sdk.projects.get(project.id).task_number == 0


def test_annotations_are_created_listed_read_changed_and_deleted(sdk, project, task):
    created = sdk.annotations.create(id=task.id, result=[BOX, SHARP], lead_time=7.5, ground_truth=False,
                                     was_cancelled=False)
    assert (created.task, created.result, created.lead_time) == (task.id, [BOX, SHARP], 7.5)
    assert sdk.tasks.get(str(task.id)).is_labeled is True
    assert sdk.projects.get(project.id).total_annotations_number == 1

    assert [a.id for a in sdk.annotations.list(id=task.id)] == [created.id]
    assert sdk.annotations.get(created.id).result == [BOX, SHARP]

    updated = sdk.annotations.update(created.id, result=[SHARP])
    assert updated.result == [SHARP]

    sdk.annotations.delete(created.id)
    assert sdk.annotations.list(id=task.id) == []
    assert sdk.projects.get(project.id).total_annotations_number == 0


def test_a_bad_result_is_an_api_error_and_stores_nothing(sdk, project, task):
    outside = {**BOX, "value": {**BOX["value"], "x": 90, "width": 30}}
    unknown = {**SHARP, "value": {"choices": ["grainy"]}}

    with pytest.raises(ApiError) as refused:
        sdk.annotations.create(id=task.id, result=[outside, unknown])

    assert refused.value.status_code == 400
    errors = refused.value.body["validation_errors"]
    assert errors[0].startswith("result[0] id=b1 from_name=box") and "grainy" in errors[1]
    assert sdk.annotations.list(id=task.id) == []
    assert sdk.projects.get(project.id).total_annotations_number == 0


def test_predictions_are_created_listed_read_changed_and_deleted(sdk, project, task):
    created = sdk.predictions.create(task=task.id, result=[BOX], score=0.75, model_version="yolo-1")
    assert (created.task, created.score, created.model_version) == (task.id, 0.75, "yolo-1")
    assert sdk.projects.get(project.id).total_predictions_number == 1

    assert [p.id for p in sdk.predictions.list(task=task.id)] == [created.id]
    assert [p.id for p in sdk.predictions.list(project=project.id)] == [created.id]
    assert sdk.predictions.get(created.id).result == [BOX]

    updated = sdk.predictions.update(created.id, score=0.5)
    assert updated.score == 0.5

    listed = list(sdk.tasks.list(project=project.id, fields="all"))
    assert listed[0].predictions[0].score == 0.5

    sdk.predictions.delete(created.id)
    assert sdk.predictions.list(task=task.id) == []
    assert sdk.projects.get(project.id).total_predictions_number == 0


def test_a_bad_prediction_is_an_api_error_and_stores_nothing(sdk, project, task):
    with pytest.raises(ApiError) as refused:
        sdk.predictions.create(task=task.id, result=[{**BOX, "value": {**BOX["value"], "rectanglelabels": ["Cow"]}}])

    assert refused.value.status_code == 400 and "'Cow'" in refused.value.body["detail"]
    assert sdk.predictions.list(task=task.id) == []
