"""Predictions: a model's pre-labels for a task, checked against the config and the task's data
like annotations, counted on the task and the project, listed per task or per project."""

from __future__ import annotations

import uuid

import httpx

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text">
    <Label value="PER"/>
    <Label value="ORG"/>
  </Labels>
</View>"""

TEXT = "Grace Hopper"
PERSON = [{"from_name": "ner", "to_name": "text", "type": "labels",
           "value": {"start": 0, "end": 12, "text": "Grace Hopper", "labels": ["PER"]}}]


def make_task(http: httpx.Client) -> tuple[dict, dict]:
    project = http.post("/api/projects", json={"title": f"Predictions {uuid.uuid4().hex[:8]}",
                                               "label_config": CONFIG}).json()
    task = http.post("/api/tasks", json={"project": project["id"], "data": {"text": TEXT}}).json()
    return project, task


def predict(http: httpx.Client, task: dict, **body) -> httpx.Response:
    return http.post("/api/predictions/", json={"task": task["id"], "result": PERSON, "score": 0.87,
                                                "model_version": "ner-v1", **body})


def counted(http: httpx.Client, project: dict, task: dict) -> tuple[int, int]:
    return (http.get(f"/api/tasks/{task['id']}").json()["total_predictions"],
            http.get(f"/api/projects/{project['id']}").json()["total_predictions_number"])


def test_a_prediction_is_201_and_counted(http):
    project, task = make_task(http)

    response = predict(http, task)

    assert response.status_code == 201
    prediction = response.json()
    assert (prediction["task"], prediction["project"], prediction["result"]) == (task["id"], project["id"], PERSON)
    assert (prediction["score"], prediction["model_version"]) == (0.87, "ner-v1")
    assert counted(http, project, task) == (1, 1)


def test_a_prediction_outside_the_task_data_is_refused(http):
    project, task = make_task(http)
    past_the_end = [{**PERSON[0], "value": {**PERSON[0]["value"], "end": 40}}]

    response = predict(http, task, result=past_the_end)

    assert response.status_code == 400
    assert response.json()["validation_errors"][0].startswith("result[0] from_name=ner")
    assert counted(http, project, task) == (0, 0)


def test_a_prediction_with_an_unknown_label_is_refused(http):
    project, task = make_task(http)

    response = predict(http, task, result=[{**PERSON[0], "value": {**PERSON[0]["value"], "labels": ["LOC"]}}])

    assert response.status_code == 400 and "'LOC'" in response.json()["detail"]
    assert counted(http, project, task) == (0, 0)


def test_a_prediction_needs_a_task_and_a_result(http):
    _, task = make_task(http)

    assert http.post("/api/predictions", json={"result": PERSON}).status_code == 400
    assert http.post("/api/predictions", json={"task": task["id"]}).status_code == 400
    assert http.post("/api/predictions", json={"task": 999999, "result": PERSON}).status_code == 404


def test_predictions_are_listed_per_task_and_per_project(http):
    project, task = make_task(http)
    other = http.post("/api/tasks", json={"project": project["id"], "data": {"text": TEXT}}).json()
    first = predict(http, task).json()
    second = predict(http, other).json()

    by_task = http.get("/api/predictions", params={"task": task["id"]}).json()
    by_project = http.get("/api/predictions", params={"project": project["id"]}).json()

    assert [p["id"] for p in by_task] == [first["id"]]
    assert [p["id"] for p in by_project] == [first["id"], second["id"]]


def test_a_prediction_is_read_changed_and_deleted(http):
    project, task = make_task(http)
    prediction = predict(http, task).json()

    changed = http.patch(f"/api/predictions/{prediction['id']}/", json={"score": 0.5, "model_version": "ner-v2"})
    refused = http.patch(f"/api/predictions/{prediction['id']}/", json={"result": [{"from_name": "ner"}]})

    assert (changed.json()["score"], changed.json()["model_version"]) == (0.5, "ner-v2")
    assert refused.status_code == 400
    assert http.get(f"/api/predictions/{prediction['id']}").json()["result"] == PERSON
    assert http.delete(f"/api/predictions/{prediction['id']}").status_code == 204
    assert http.get(f"/api/predictions/{prediction['id']}").status_code == 404
    assert counted(http, project, task) == (0, 0)
