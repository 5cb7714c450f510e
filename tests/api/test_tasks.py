"""Tasks: create one, read it back with its annotations, change and delete it, and page through a
project's tasks the way Label Studio's data manager does (filters, ordering, selected items)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/>
    <Choice value="negative"/>
  </Choices>
</View>"""

POSITIVE = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["positive"]}}]


def make_project(http: httpx.Client, **fields) -> dict:
    response = http.post("/api/projects", json={"title": f"Tasks {uuid.uuid4().hex[:8]}", "label_config": CONFIG,
                                                **fields})
    assert response.status_code == 201, response.text
    return response.json()


def add_task(http: httpx.Client, project: dict, data: dict, **fields) -> dict:
    response = http.post("/api/tasks", json={"project": project["id"], "data": data, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def counters(http: httpx.Client, project: dict) -> tuple[int, int, int]:
    got = http.get(f"/api/projects/{project['id']}").json()
    return got["task_number"], got["total_annotations_number"], got["finished_task_number"]


def dm_list(http: httpx.Client, project: dict, query: dict | None = None, **params) -> dict:
    if query is not None:
        params["query"] = json.dumps(query)
    response = http.get("/api/tasks", params={"project": project["id"], **params})
    assert response.status_code == 200, response.text
    return response.json()


def filters(*items: dict, conjunction: str = "and") -> dict:
    return {"filters": {"conjunction": conjunction, "items": list(items)}}


def test_a_created_task_numbers_itself_within_its_project(http):
    project = make_project(http)

    first = add_task(http, project, {"text": "first"}, meta={"source": "mail"})
    second = add_task(http, project, {"text": "second"})

    assert (first["inner_id"], second["inner_id"]) == (1, 2)
    assert first["data"] == {"text": "first"} and first["meta"] == {"source": "mail"}
    assert (first["project"], first["overlap"], first["is_labeled"], first["total_annotations"]) == \
        (project["id"], 1, False, 0)
    assert counters(http, project) == (2, 0, 0)


def test_a_task_without_the_data_the_config_reads_is_refused(http):
    project = make_project(http)

    response = http.post("/api/tasks", json={"project": project["id"], "data": {"body": "no text key"}})

    assert response.status_code == 400
    assert "'text'" in response.json()["detail"]
    assert counters(http, project) == (0, 0, 0)


def test_a_task_needs_an_existing_project(http):
    assert http.post("/api/tasks", json={"data": {"text": "x"}}).status_code == 400
    assert http.post("/api/tasks", json={"project": 999999, "data": {"text": "x"}}).status_code == 404


def test_a_task_is_read_with_its_annotations_and_predictions(http, server):
    project = make_project(http)
    task = add_task(http, project, {"text": "great"})
    http.post(f"/api/tasks/{task['id']}/annotations", json={"result": POSITIVE, "lead_time": 4.0})
    http.post("/api/predictions", json={"task": task["id"], "result": POSITIVE, "score": 0.9, "model_version": "v1"})

    got = http.get(f"/api/tasks/{task['id']}/").json()

    assert (got["total_annotations"], got["total_predictions"], got["is_labeled"]) == (1, 1, True)
    assert got["annotations"][0]["result"] == POSITIVE
    assert got["annotations"][0]["completed_by"]["email"] == server.email
    assert got["predictions"][0]["score"] == 0.9
    assert got["annotators"] == [got["annotations"][0]["completed_by"]["id"]]
    assert got["drafts"] == [] and got["draft_exists"] is False
    assert got["avg_lead_time"] == 4.0


def test_a_task_is_changed_and_its_new_data_checked(http):
    project = make_project(http)
    task = add_task(http, project, {"text": "old"})

    changed = http.patch(f"/api/tasks/{task['id']}/", json={"data": {"text": "new"}, "meta": {"checked": True}})
    refused = http.patch(f"/api/tasks/{task['id']}/", json={"data": {"body": "new"}})

    assert changed.status_code == 200
    assert changed.json()["data"] == {"text": "new"} and changed.json()["meta"] == {"checked": True}
    assert changed.json()["annotations"] == [] and changed.json()["predictions"] == []
    assert refused.status_code == 400 and "'text'" in refused.json()["detail"]
    assert http.get(f"/api/tasks/{task['id']}").json()["data"] == {"text": "new"}


def test_a_task_overlap_change_recounts_it(http):
    project = make_project(http)
    task = add_task(http, project, {"text": "x"})
    http.post(f"/api/tasks/{task['id']}/annotations", json={"result": POSITIVE})

    changed = http.patch(f"/api/tasks/{task['id']}", json={"overlap": 2}).json()

    assert (changed["overlap"], changed["is_labeled"]) == (2, False)
    assert counters(http, project) == (1, 1, 0)


def test_deleting_a_task_uncounts_it(http):
    project = make_project(http)
    task = add_task(http, project, {"text": "x"})
    add_task(http, project, {"text": "y"})
    http.post(f"/api/tasks/{task['id']}/annotations", json={"result": POSITIVE})
    assert counters(http, project) == (2, 1, 1)

    assert http.delete(f"/api/tasks/{task['id']}").status_code == 204

    assert http.get(f"/api/tasks/{task['id']}").status_code == 404
    assert counters(http, project) == (1, 0, 0)


def test_the_data_manager_list_has_label_studios_shape(http):
    project = make_project(http)
    tasks = [add_task(http, project, {"text": f"t{n}"}) for n in range(3)]
    http.post(f"/api/tasks/{tasks[0]['id']}/annotations", json={"result": POSITIVE})
    http.post("/api/predictions", json={"task": tasks[1]["id"], "result": POSITIVE, "score": 0.5})

    listed = dm_list(http, project)
    with_everything = dm_list(http, project, fields="all")

    assert (listed["total"], listed["total_annotations"], listed["total_predictions"]) == (3, 1, 1)
    assert [t["id"] for t in listed["tasks"]] == [t["id"] for t in tasks]
    assert "annotations" not in listed["tasks"][0]
    assert listed["tasks"][0]["annotations_ids"] == str(with_everything["tasks"][0]["annotations"][0]["id"])
    assert listed["tasks"][1]["predictions_score"] == 0.5
    assert with_everything["tasks"][0]["annotations"][0]["result"] == POSITIVE
    assert with_everything["tasks"][1]["predictions"][0]["score"] == 0.5
    assert dm_list(http, project, include="id,data")["tasks"][0] == {"id": tasks[0]["id"], "data": {"text": "t0"}}


def test_the_data_manager_list_is_paged(http):
    project = make_project(http)
    ids = [add_task(http, project, {"text": f"t{n}"})["id"] for n in range(5)]

    pages = [dm_list(http, project, page=page, page_size=2) for page in (1, 2, 3)]
    past_the_end = http.get("/api/tasks", params={"project": project["id"], "page": 4, "page_size": 2})

    assert [[t["id"] for t in page["tasks"]] for page in pages] == [ids[0:2], ids[2:4], ids[4:5]]
    assert all(page["total"] == 5 for page in pages)
    assert past_the_end.status_code == 404


def test_the_data_manager_list_needs_a_project(http):
    response = http.get("/api/tasks")

    assert response.status_code == 404
    assert response.json() == {"detail": "Neither project nor view id specified"}


def test_tasks_are_filtered_on_their_data(http):
    project = make_project(http)
    apple = add_task(http, project, {"text": "Apple pie", "stars": 5})
    add_task(http, project, {"text": "banana bread", "stars": 2})
    cherry = add_task(http, project, {"text": "cherry apple tart", "stars": 4})

    contains = dm_list(http, project, filters({"filter": "filter:tasks:data.text", "operator": "contains",
                                               "type": "String", "value": "apple"}))
    rated = dm_list(http, project, filters({"filter": "filter:tasks:data.stars", "operator": "greater",
                                            "type": "Number", "value": 3}))
    exact = dm_list(http, project, filters({"filter": "filter:tasks:data.text", "operator": "equal",
                                            "type": "String", "value": "Apple pie"}))

    assert [t["id"] for t in contains["tasks"]] == [apple["id"], cherry["id"]] and contains["total"] == 2
    assert [t["id"] for t in rated["tasks"]] == [apple["id"], cherry["id"]]
    assert [t["id"] for t in exact["tasks"]] == [apple["id"]]


def test_tasks_are_filtered_on_their_counters_and_annotators(http, server):
    project = make_project(http)
    ids = [add_task(http, project, {"text": f"t{n}"})["id"] for n in range(4)]
    http.post(f"/api/tasks/{ids[1]}/annotations", json={"result": POSITIVE})
    http.post(f"/api/tasks/{ids[3]}/annotations", json={"result": POSITIVE})
    me = http.get("/api/current-user/whoami").json()["id"]

    labeled = dm_list(http, project, filters({"filter": "filter:tasks:is_labeled", "operator": "equal",
                                              "type": "Boolean", "value": True}))
    unannotated = dm_list(http, project, filters({"filter": "filter:tasks:total_annotations", "operator": "equal",
                                                  "type": "Number", "value": 0}))
    mine = dm_list(http, project, filters({"filter": "filter:tasks:annotators", "operator": "contains",
                                           "type": "List", "value": me}))
    id_range = dm_list(http, project, filters({"filter": "filter:tasks:id", "operator": "in", "type": "Number",
                                               "value": {"min": ids[1], "max": ids[2]}}))
    either = dm_list(http, project, filters({"filter": "filter:tasks:id", "operator": "equal", "value": ids[0]},
                                            {"filter": "filter:tasks:id", "operator": "equal", "value": ids[2]},
                                            conjunction="or"))

    assert [t["id"] for t in labeled["tasks"]] == [ids[1], ids[3]]
    assert (labeled["total"], labeled["total_annotations"]) == (2, 2)
    assert [t["id"] for t in unannotated["tasks"]] == [ids[0], ids[2]]
    assert [t["id"] for t in mine["tasks"]] == [ids[1], ids[3]]
    assert [t["id"] for t in id_range["tasks"]] == [ids[1], ids[2]]
    assert [t["id"] for t in either["tasks"]] == [ids[0], ids[2]]


def test_tasks_are_filtered_on_when_they_were_created(http):
    project = make_project(http)
    task = add_task(http, project, {"text": "x"})

    since = dm_list(http, project, filters({"filter": "filter:tasks:created_at", "operator": "greater",
                                            "type": "Datetime", "value": "2000-01-01T00:00:00.000Z"}))
    before = dm_list(http, project, filters({"filter": "filter:tasks:created_at", "operator": "less",
                                             "type": "Datetime", "value": "2000-01-01T00:00:00.000Z"}))

    assert [t["id"] for t in since["tasks"]] == [task["id"]]
    assert before["tasks"] == [] and before["total"] == 0


def test_tasks_are_ordered_by_a_column_or_a_data_field(http):
    project = make_project(http)
    low = add_task(http, project, {"text": "b", "stars": 1})
    high = add_task(http, project, {"text": "a", "stars": 5})
    middle = add_task(http, project, {"text": "c", "stars": 3})

    by_stars = dm_list(http, project, {"ordering": ["-tasks:data.stars"]})
    by_id_desc = dm_list(http, project, {"ordering": ["-tasks:id"]})

    assert [t["id"] for t in by_stars["tasks"]] == [high["id"], middle["id"], low["id"]]
    assert [t["id"] for t in by_id_desc["tasks"]] == [middle["id"], high["id"], low["id"]]


def test_selected_items_narrow_the_list(http):
    project = make_project(http)
    ids = [add_task(http, project, {"text": f"t{n}"})["id"] for n in range(3)]

    included = dm_list(http, project, {"selectedItems": {"all": False, "included": [ids[2], ids[0]]}})
    excluded = dm_list(http, project, {"selectedItems": {"all": True, "excluded": [ids[1]]}})

    assert [t["id"] for t in included["tasks"]] == [ids[0], ids[2]] and included["total"] == 2
    assert [t["id"] for t in excluded["tasks"]] == [ids[0], ids[2]]


@pytest.mark.parametrize("query, message", [
    ({"filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:colour", "operator": "equal"}]}},
     "filter:tasks:colour"),
    ({"filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:id", "operator": "near"}]}}, "near"),
    ({"ordering": ["tasks:colour"]}, "tasks:colour"),
])
def test_a_query_the_server_cannot_run_is_400_naming_the_problem(http, query, message):
    project = make_project(http)

    response = http.get("/api/tasks", params={"project": project["id"], "query": json.dumps(query)})

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_a_projects_tasks_are_listed_with_their_annotations(http):
    project = make_project(http)
    first = add_task(http, project, {"text": "x"})
    add_task(http, project, {"text": "y"})
    http.post(f"/api/tasks/{first['id']}/annotations", json={"result": POSITIVE})

    listed = http.get(f"/api/projects/{project['id']}/tasks/").json()
    second_page = http.get(f"/api/projects/{project['id']}/tasks/", params={"page": 2, "page_size": 1}).json()

    assert [t["data"]["text"] for t in listed] == ["x", "y"]
    assert listed[0]["annotations"][0]["result"] == POSITIVE and listed[1]["annotations"] == []
    assert [t["data"]["text"] for t in second_page] == ["y"]


def test_deleting_all_tasks_resets_the_project(http):
    project = make_project(http)
    for n in range(3):
        task = add_task(http, project, {"text": f"t{n}"})
        http.post(f"/api/tasks/{task['id']}/annotations", json={"result": POSITIVE})
    assert counters(http, project) == (3, 3, 3)

    assert http.delete(f"/api/projects/{project['id']}/tasks/").status_code == 204

    assert counters(http, project) == (0, 0, 0)
    assert dm_list(http, project)["tasks"] == []
    assert add_task(http, project, {"text": "again"})["inner_id"] == 1
