"""Projects: create one with a labeling config, list, change and delete them, and check a new
config before using it, with Label Studio's shapes and status codes."""

from __future__ import annotations

import uuid

import httpx

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="positive"/>
    <Choice value="negative"/>
  </Choices>
</View>"""

BROKEN_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Chioces name="sentiment" toName="text"/>
  <Labels name="ner" toName="body"><Label value="PER"/></Labels>
</View>"""


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def make_project(http: httpx.Client, **fields) -> dict:
    response = http.post("/api/projects/", json={"title": unique("Project"), "label_config": CONFIG, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def annotate(http: httpx.Client, project: dict, text: str = "fine", choice: str = "positive") -> tuple[dict, dict]:
    task = http.post("/api/tasks/", json={"project": project["id"], "data": {"text": text}}).json()
    result = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [choice]}}]
    annotation = http.post(f"/api/tasks/{task['id']}/annotations/", json={"result": result})
    assert annotation.status_code == 201, annotation.text
    return task, annotation.json()


def test_a_new_project_reports_its_config_as_label_studio_parses_it(http, server):
    project = make_project(http, description="Reviews", maximum_annotations=2, color="#FF0000")

    assert project["description"] == "Reviews"
    assert project["maximum_annotations"] == 2
    assert project["parsed_label_config"] == {
        "sentiment": {
            "type": "Choices",
            "to_name": ["text"],
            "inputs": [{"type": "Text", "valueType": None, "value": "text"}],
            "labels": ["positive", "negative"],
            "labels_attrs": {"positive": {"value": "positive"}, "negative": {"value": "negative"}},
        }
    }
    assert project["config_has_control_tags"] is True
    assert project["created_by"]["email"] == server.email
    assert (project["task_number"], project["total_annotations_number"], project["finished_task_number"]) == (0, 0, 0)
    assert http.get(f"/api/projects/{project['id']}").json()["title"] == project["title"]


def test_a_project_created_without_a_config_starts_with_an_empty_view(http):
    project = http.post("/api/projects", json={"title": unique("Blank")}).json()

    assert project["label_config"] == "<View></View>"
    assert project["parsed_label_config"] == {}
    assert project["config_has_control_tags"] is False


def test_a_broken_config_is_refused_naming_every_error_with_its_line(http):
    title = unique("Broken")
    response = http.post("/api/projects", json={"title": title, "label_config": BROKEN_CONFIG})

    assert response.status_code == 400
    errors = response.json()["validation_errors"]
    assert any("line 3" in error and "Chioces" in error for error in errors)
    assert any("line 4" in error and "body" in error for error in errors)
    assert http.get("/api/projects", params={"title": title}).json()["count"] == 0


def test_bad_settings_are_refused(http):
    too_short = http.post("/api/projects", json={"title": "ab"})
    no_overlap = http.post("/api/projects", json={"title": unique("Zero"), "maximum_annotations": 0})
    bad_sampling = http.post("/api/projects", json={"title": unique("Sampling"), "sampling": "Random"})

    assert too_short.status_code == 400 and "title" in too_short.json()["detail"]
    assert no_overlap.status_code == 400 and "maximum_annotations" in no_overlap.json()["detail"]
    assert bad_sampling.status_code == 400 and "Random" in bad_sampling.json()["detail"]


def test_projects_are_listed_page_by_page(http):
    prefix = unique("Listed")
    ids = [make_project(http, title=f"{prefix} {n}")["id"] for n in range(3)]

    first = http.get("/api/projects/", params={"title": prefix, "page_size": 2}).json()
    second = http.get("/api/projects/", params={"title": prefix, "page_size": 2, "page": 2}).json()
    past_the_end = http.get("/api/projects/", params={"title": prefix, "page_size": 2, "page": 3})

    assert first["count"] == 3 and first["previous"] is None and "page=2" in first["next"]
    assert [p["id"] for p in first["results"] + second["results"]] == ids[::-1]  # newest first
    assert second["next"] is None
    assert past_the_end.status_code == 404


def test_projects_can_be_picked_by_id_and_ordered(http):
    prefix = unique("Picked")
    ids = [make_project(http, title=f"{prefix} {n}")["id"] for n in range(3)]

    picked = http.get("/api/projects", params={"ids": f"{ids[0]},{ids[2]}", "ordering": "id"}).json()

    assert [p["id"] for p in picked["results"]] == [ids[0], ids[2]]


def test_an_unknown_project_is_404(http):
    assert http.get("/api/projects/999999").status_code == 404
    assert http.patch("/api/projects/999999", json={"title": "Nope"}).status_code == 404


def test_settings_are_changed_with_patch(http):
    project = make_project(http)

    changed = http.patch(f"/api/projects/{project['id']}/", json={"title": "Renamed", "show_skip_button": False,
                                                                   "expert_instruction": "<b>Be kind</b>"})

    assert changed.status_code == 200
    again = http.get(f"/api/projects/{project['id']}").json()
    assert (again["title"], again["show_skip_button"], again["expert_instruction"]) == \
        ("Renamed", False, "<b>Be kind</b>")


def test_raising_the_overlap_reopens_labeled_tasks_and_recounts(http):
    project = make_project(http)
    task, _ = annotate(http, project)
    assert http.get(f"/api/projects/{project['id']}").json()["finished_task_number"] == 1

    changed = http.patch(f"/api/projects/{project['id']}", json={"maximum_annotations": 2}).json()

    assert changed["finished_task_number"] == 0
    assert changed["num_tasks_with_annotations"] == 1
    task = http.get(f"/api/tasks/{task['id']}").json()
    assert (task["overlap"], task["is_labeled"]) == (2, False)


def test_a_config_that_drops_a_used_label_is_refused(http):
    project = make_project(http)
    annotate(http, project, choice="negative")
    without_negative = CONFIG.replace('<Choice value="negative"/>', "")

    response = http.patch(f"/api/projects/{project['id']}", json={"label_config": without_negative})

    assert response.status_code == 400
    assert response.json()["detail"] == ("These labels still exist in annotations or drafts:\n"
                                         "negative (1 annotation)\n"
                                         'Please add labels to tag with name="sentiment".')
    assert http.get(f"/api/projects/{project['id']}").json()["label_config"] == CONFIG


def test_a_config_that_drops_a_used_control_is_refused(http):
    project = make_project(http)
    annotate(http, project)
    other_control = CONFIG.replace('name="sentiment"', 'name="mood"')

    response = http.patch(f"/api/projects/{project['id']}", json={"label_config": other_control})

    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "Created annotations are incompatible with provided labeling schema, we found:\n"
        "1 with from_name=sentiment, to_name=text, type=choices")


def test_a_config_that_only_adds_labels_is_accepted(http):
    project = make_project(http)
    annotate(http, project)
    with_neutral = CONFIG.replace('<Choice value="negative"/>', '<Choice value="negative"/><Choice value="neutral"/>')

    response = http.patch(f"/api/projects/{project['id']}", json={"label_config": with_neutral})

    assert response.status_code == 200
    assert response.json()["parsed_label_config"]["sentiment"]["labels"] == ["positive", "negative", "neutral"]


def test_a_config_is_validated_for_a_project_before_it_is_saved(http):
    project = make_project(http)
    annotate(http, project, choice="negative")

    same = http.post(f"/api/projects/{project['id']}/validate/", json={"label_config": CONFIG})
    grown = http.post(f"/api/projects/{project['id']}/validate/",
                      json={"label_config": CONFIG.replace("</Choices>", '<Choice value="mixed"/></Choices>')})
    orphaning = http.post(f"/api/projects/{project['id']}/validate/",
                          json={"label_config": CONFIG.replace('<Choice value="negative"/>', "")})
    broken = http.post(f"/api/projects/{project['id']}/validate/", json={"label_config": BROKEN_CONFIG})
    empty = http.post(f"/api/projects/{project['id']}/validate/", json={"label_config": ""})

    assert same.json() == {"config_essential_data_has_changed": False}
    assert grown.json() == {"config_essential_data_has_changed": True}
    assert orphaning.status_code == 400 and "negative (1 annotation)" in orphaning.json()["detail"]
    assert broken.status_code == 400 and "Chioces" in broken.json()["detail"]
    assert empty.status_code == 400 and empty.json()["detail"] == "Label config is not set or is empty"
    assert http.get(f"/api/projects/{project['id']}").json()["label_config"] == CONFIG


def test_any_config_can_be_checked_on_its_own(http):
    assert http.post("/api/projects/validate/", json={"label_config": CONFIG}).status_code == 204
    assert http.post("/api/projects/validate/", json={"label_config": BROKEN_CONFIG}).status_code == 400


def test_deleting_a_project_deletes_its_tasks(http):
    project = make_project(http)
    task, annotation = annotate(http, project)

    assert http.delete(f"/api/projects/{project['id']}/").status_code == 204

    assert http.get(f"/api/projects/{project['id']}").status_code == 404
    assert http.get(f"/api/tasks/{task['id']}").status_code == 404
    assert http.get(f"/api/annotations/{annotation['id']}").status_code == 404


def test_projects_need_credentials(server):
    assert httpx.get(f"{server.url}/api/projects/").status_code == 401
    assert httpx.post(f"{server.url}/api/projects/", json={"title": "Anonymous"}).status_code == 401
