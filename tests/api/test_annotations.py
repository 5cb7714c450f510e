"""Annotations: submit one for a task, skip a task, change and delete annotations, autosave drafts,
and tell plugins about it once it is committed. Results are checked against the project's config
and the task's data; the task's and project's counters follow every change."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from labelcore import hookimpl

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text">
    <Label value="PER"/>
    <Label value="ORG"/>
  </Labels>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/>
    <Choice value="negative"/>
  </Choices>
</View>"""

TEXT = "Ada Lovelace met Babbage."
PERSON = {"id": "r1", "from_name": "ner", "to_name": "text", "type": "labels",
          "value": {"start": 0, "end": 12, "text": "Ada Lovelace", "labels": ["PER"]}}
POSITIVE = {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}


def make_task(http: httpx.Client, **project_fields) -> tuple[dict, dict]:
    project = http.post("/api/projects", json={"title": f"Annotations {uuid.uuid4().hex[:8]}",
                                               "label_config": CONFIG, **project_fields}).json()
    task = http.post("/api/tasks", json={"project": project["id"], "data": {"text": TEXT}}).json()
    return project, task


def annotate(http: httpx.Client, task: dict, **body) -> httpx.Response:
    return http.post(f"/api/tasks/{task['id']}/annotations/", json={"result": [PERSON, POSITIVE], **body})


def task_counters(http: httpx.Client, task: dict) -> tuple[int, int, bool]:
    got = http.get(f"/api/tasks/{task['id']}").json()
    return got["total_annotations"], got["cancelled_annotations"], got["is_labeled"]


def project_counters(http: httpx.Client, project: dict) -> tuple[int, int, int, int]:
    got = http.get(f"/api/projects/{project['id']}").json()
    return (got["total_annotations_number"], got["skipped_annotations_number"], got["num_tasks_with_annotations"],
            got["finished_task_number"])


def test_a_submitted_annotation_is_201_and_counted(http, server):
    project, task = make_task(http)

    response = annotate(http, task, lead_time=12.5)

    assert response.status_code == 201
    annotation = response.json()
    assert annotation["result"] == [PERSON, POSITIVE]
    assert (annotation["task"], annotation["project"], annotation["lead_time"]) == (task["id"], project["id"], 12.5)
    assert annotation["completed_by"] == http.get("/api/current-user/whoami").json()["id"]
    assert annotation["created_username"].endswith(f"{server.email}, {annotation['completed_by']}")
    assert (annotation["was_cancelled"], annotation["ground_truth"]) == (False, False)
    assert task_counters(http, task) == (1, 0, True)
    assert project_counters(http, project) == (1, 0, 1, 1)


@pytest.mark.parametrize("bad_item, problem", [
    ({**POSITIVE, "value": {"choices": ["ecstatic"]}}, "'ecstatic' is not an option"),
    ({**PERSON, "from_name": "people"}, "from_name 'people' is not a control"),
    ({**PERSON, "value": {**PERSON["value"], "end": 99}}, "99"),
])
def test_a_result_that_does_not_fit_the_config_is_refused(http, bad_item, problem):
    project, task = make_task(http)

    response = annotate(http, task, result=[POSITIVE, bad_item])

    assert response.status_code == 400
    assert problem in response.json()["detail"]
    assert any(error.startswith("result[1]") for error in response.json()["validation_errors"])
    assert task_counters(http, task) == (0, 0, False)
    assert project_counters(http, project) == (0, 0, 0, 0)


def test_every_bad_item_is_listed(http):
    _, task = make_task(http)

    response = annotate(http, task, result=[{**POSITIVE, "value": {"choices": ["meh"]}},
                                            {**PERSON, "value": {**PERSON["value"], "labels": ["LOC"]}}])

    errors = response.json()["validation_errors"]
    assert [error.split(":")[0] for error in errors] == ["result[0] from_name=sentiment",
                                                         "result[1] id=r1 from_name=ner"]


def test_a_skip_is_a_cancelled_annotation(http):
    project, task = make_task(http)

    skipped = http.post(f"/api/tasks/{task['id']}/annotations?was_cancelled=1", json={"result": []})

    assert skipped.status_code == 201 and skipped.json()["was_cancelled"] is True
    assert task_counters(http, task) == (0, 1, False)
    assert project_counters(http, project) == (0, 1, 0, 0)
    assert http.get(f"/api/tasks/{task['id']}/annotations").json() == []  # skips are not listed


def test_a_task_lists_its_annotations_oldest_first(http):
    _, task = make_task(http, maximum_annotations=2)
    first = annotate(http, task).json()
    second = annotate(http, task, result=[POSITIVE]).json()

    listed = http.get(f"/api/tasks/{task['id']}/annotations/").json()
    newest_first = http.get(f"/api/tasks/{task['id']}/annotations/", params={"ordering": "-id"}).json()

    assert [a["id"] for a in listed] == [first["id"], second["id"]]
    assert [a["id"] for a in newest_first] == [second["id"], first["id"]]


def test_an_annotation_is_read_changed_and_rechecked(http):
    _, task = make_task(http)
    annotation = annotate(http, task).json()

    changed = http.patch(f"/api/annotations/{annotation['id']}/", json={"result": [POSITIVE], "lead_time": 3})
    refused = http.patch(f"/api/annotations/{annotation['id']}/",
                         json={"result": [{**POSITIVE, "value": {"choices": ["ecstatic"]}}]})

    assert changed.status_code == 200 and changed.json()["result"] == [POSITIVE]
    assert changed.json()["updated_by"] == annotation["completed_by"]
    assert refused.status_code == 400
    assert http.get(f"/api/annotations/{annotation['id']}").json()["result"] == [POSITIVE]


def test_turning_an_annotation_into_a_skip_recounts(http):
    project, task = make_task(http)
    annotation = annotate(http, task).json()

    http.patch(f"/api/annotations/{annotation['id']}", json={"was_cancelled": True})

    assert task_counters(http, task) == (0, 1, False)
    assert project_counters(http, project) == (0, 1, 0, 0)


def test_a_task_has_one_ground_truth(http):
    _, task = make_task(http, maximum_annotations=2)
    first = annotate(http, task, ground_truth=True).json()
    second = annotate(http, task, ground_truth=True).json()

    listed = {a["id"]: a["ground_truth"] for a in http.get(f"/api/tasks/{task['id']}/annotations").json()}

    assert listed == {first["id"]: False, second["id"]: True}


def test_deleting_an_annotation_uncounts_it(http):
    project, task = make_task(http)
    annotation = annotate(http, task).json()

    assert http.delete(f"/api/annotations/{annotation['id']}/").status_code == 204

    assert http.get(f"/api/annotations/{annotation['id']}").status_code == 404
    assert task_counters(http, task) == (0, 0, False)
    assert project_counters(http, project) == (0, 0, 0, 0)


def test_an_unknown_task_or_annotation_is_404(http):
    assert http.post("/api/tasks/999999/annotations", json={"result": []}).status_code == 404
    assert http.get("/api/annotations/999999").status_code == 404
    assert http.patch("/api/annotations/999999", json={"result": []}).status_code == 404


def test_drafts_are_autosaved_and_consumed_by_the_submitted_annotation(http):
    _, task = make_task(http)

    draft = http.post(f"/api/tasks/{task['id']}/drafts", json={"result": [PERSON], "lead_time": 2})
    assert draft.status_code == 201
    draft_id = draft.json()["id"]
    saved = http.patch(f"/api/drafts/{draft_id}", json={"result": [PERSON, POSITIVE], "lead_time": 5}).json()
    assert saved["result"] == [PERSON, POSITIVE] and saved["lead_time"] == 5
    assert http.get(f"/api/tasks/{task['id']}").json()["draft_exists"] is True
    assert [d["id"] for d in http.get(f"/api/tasks/{task['id']}/drafts").json()] == [draft_id]

    annotation = annotate(http, task).json()

    assert annotation["draft_created_at"] is not None
    assert http.get(f"/api/tasks/{task['id']}/drafts").json() == []
    assert http.get(f"/api/drafts/{draft_id}").status_code == 404


def test_a_draft_can_be_deleted(http):
    _, task = make_task(http)
    draft = http.post(f"/api/tasks/{task['id']}/drafts", json={"result": []}).json()

    assert http.delete(f"/api/drafts/{draft['id']}").status_code == 204
    assert http.get(f"/api/tasks/{task['id']}/drafts").json() == []


# --------------------------------------------------------------------------- events (in process)


class Recorder:
    """An ``on_event`` listener that also reads the database, to prove the change was committed."""

    __name__ = "recorder"

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any], int]] = []
        self.engine = None

    @hookimpl
    def on_event(self, event: str, payload: dict[str, Any]) -> None:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            annotations = connection.execute(text("SELECT count(*) FROM annotation")).scalar()
        self.events.append((event, payload, annotations))


@pytest.fixture
def recorded(tmp_path):
    import warnings

    with warnings.catch_warnings():  # starlette's notice about its httpx-based client
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from labelcore.app import create_app
    from labelcore.plugins import create_plugin_manager
    from labelcore.settings import Settings

    recorder = Recorder()
    pm = create_plugin_manager()
    pm.register(recorder, name="recorder")
    token = uuid.uuid4().hex
    settings = Settings(data_dir=tmp_path, username="events@example.com", password="pass-1234", user_token=token)
    with TestClient(create_app(settings, pm), headers={"Authorization": f"Token {token}"}) as client:
        recorder.engine = client.app.state.engine
        yield client, recorder


def test_plugins_hear_of_annotations_after_they_are_committed_with_label_studio_payloads(recorded):
    client, recorder = recorded
    project, task = make_task(client)
    annotation = annotate(client, task).json()
    client.patch(f"/api/annotations/{annotation['id']}", json={"result": [POSITIVE]})
    client.delete(f"/api/annotations/{annotation['id']}")

    events = [(event, count) for event, _, count in recorder.events]
    assert events == [("PROJECT_CREATED", 0), ("TASKS_CREATED", 0), ("ANNOTATION_CREATED", 1),
                      ("ANNOTATION_UPDATED", 1), ("ANNOTATIONS_DELETED", 0)]
    created = recorder.events[2][1]
    assert created["action"] == "ANNOTATION_CREATED"
    assert created["annotation"]["id"] == annotation["id"] and created["annotation"]["result"] == [PERSON, POSITIVE]
    assert created["task"]["id"] == task["id"] and created["task"]["total_annotations"] == 1
    assert created["project"]["id"] == project["id"] and created["project"]["total_annotations_number"] == 1
    assert recorder.events[3][1]["annotation"]["result"] == [POSITIVE]
    assert recorder.events[4][1]["annotations"] == [{"id": annotation["id"]}]
    assert recorder.events[1][1]["tasks"][0]["id"] == task["id"]


def test_the_bulk_delete_action_tells_listeners_which_annotations_went(recorded):
    client, recorder = recorded
    project, task = make_task(client)
    ids = [annotate(client, task).json()["id"] for _ in range(2)]

    response = client.post("/api/dm/actions", params={"id": "delete_tasks_annotations", "project": project["id"]},
                           json={"selectedItems": {"all": True}})

    assert response.json()["processed_items"] == 2
    event, payload, annotations_left = recorder.events[-1]
    assert (event, annotations_left) == ("ANNOTATIONS_DELETED", 0)
    assert payload["annotations"] == [{"id": annotation_id} for annotation_id in sorted(ids)]
    assert payload["project"]["total_annotations_number"] == 0

    client.post("/api/dm/actions", params={"id": "delete_tasks", "project": project["id"]},
                json={"selectedItems": {"all": True}})
    event, payload, _ = recorder.events[-1]
    assert (event, payload["tasks"], payload["project"]["task_number"]) == ("TASKS_DELETED", [{"id": task["id"]}], 0)


def test_a_refused_annotation_tells_no_one(recorded):
    client, recorder = recorded
    _, task = make_task(client)

    assert annotate(client, task, result=[{**POSITIVE, "value": {"choices": ["meh"]}}]).status_code == 400

    assert [event for event, _, _ in recorder.events] == ["PROJECT_CREATED", "TASKS_CREATED"]
