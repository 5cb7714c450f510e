"""A real label-studio-ml server attached to a labelcore project the way a team does it, with the
official SDK: connect, pre-label on import, retrieve predictions from the data manager, serve the
most uncertain task next, accept predictions as annotations, train. The model server reads every
image back from labelcore with the read-only ML token labelcore gave it in /setup."""

from __future__ import annotations

import pytest

from labelcore.results import validate_results
from labelcore.testing import eventually

from .conftest import BRIGHT_BOXES, CONFIG, IMAGE_SIZE, png


def box_of(prediction: dict) -> tuple[float, float, float, float]:
    width, height = IMAGE_SIZE
    value = prediction["result"][0]["value"]
    left, top = value["x"] * width / 100, value["y"] * height / 100
    return left, top, left + value["width"] * width / 100, top + value["height"] * height / 100


@pytest.fixture
def http(labelcore_server):
    with labelcore_server.client() as client:
        yield client


@pytest.fixture
def ls(labelcore_server):
    return labelcore_server.sdk()


def upload(http, project_id: int, names: list[str]) -> None:
    files = [(f"file{index}", (name, png(BRIGHT_BOXES[name]))) for index, name in enumerate(names)]
    response = http.post(f"/api/projects/{project_id}/import", files=files)
    assert response.status_code == 201, response.text


def tasks_of(http, project_id: int) -> list[dict]:
    tasks = http.get("/api/tasks", params={"project": project_id, "fields": "all"}).json()["tasks"]
    return sorted(tasks, key=lambda task: task["id"])


def test_a_label_studio_ml_server_pre_labels_ranks_and_trains_a_labelcore_project(http, ls, lsml_server, installed):
    project = ls.projects.create(title="Suns with a model", label_config=CONFIG)

    backend = ls.ml.create(url=lsml_server.url, project=project.id, title="bright boxes")
    assert backend.state == "CO" and backend.model_version == "INITIAL"
    assert ls.projects.get(id=project.id).model_version == "INITIAL"
    assert [item.id for item in ls.ml.list(project=project.id)] == [backend.id]

    # Pre-labels on import: the model server fetches each uploaded image from labelcore itself.
    http.patch(f"/api/projects/{project.id}", json={"evaluate_predictions_automatically": True}).raise_for_status()
    upload(http, project.id, ["left.png", "middle.png"])
    tasks = eventually(lambda: (lambda found: found if all(t["predictions"] for t in found) else None)(
        tasks_of(http, project.id)), "pre-labels of the imported tasks")
    config = installed.parse(CONFIG)
    for task in tasks:
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == "INITIAL"
        assert validate_results(prediction["result"], config) == []
        expected = BRIGHT_BOXES[task["data"]["image"].split("-", 1)[1]]
        assert box_of(prediction) == pytest.approx(expected, abs=0.5)
    fetched = {task_id for call in lsml_server.calls("predict") for task_id in call["task_ids"]}
    assert fetched == {task["id"] for task in tasks}

    # Without automatic pre-labels, the data manager's action retrieves them for the selected tasks.
    http.patch(f"/api/projects/{project.id}", json={"evaluate_predictions_automatically": False}).raise_for_status()
    upload(http, project.id, ["right.png"])
    (new,) = [task for task in tasks_of(http, project.id) if not task["predictions"]]
    response = http.post("/api/dm/actions", params={"id": "retrieve_tasks_predictions", "project": project.id},
                         json={"selectedItems": {"all": False, "included": [new["id"]]}})
    assert response.status_code == 200, response.text
    job = response.json()["job"]
    status = eventually(lambda: (lambda s: s if s["state"] in ("finished", "failed") else None)(
        http.get(f"/api/jobs/{job}").json()), "the retrieve-predictions job")
    assert status["state"] == "finished" and status["done"] == status["total"] == 1, status
    (prediction,) = http.get(f"/api/tasks/{new['id']}").json()["predictions"]
    assert box_of(prediction) == pytest.approx(BRIGHT_BOXES["right.png"], abs=0.5)

    # Uncertainty sampling: the model scores by bright area, so the smallest box comes first.
    ls.projects.update(id=project.id, sampling="Uncertainty sampling")
    served = http.get(f"/api/projects/{project.id}/next").json()
    assert served["data"]["image"].endswith("-left.png")

    # Accepting the pre-labels makes annotations; with auto_update, a corrected annotation reaches
    # the model server's webhook, which is how label-studio-ml 1.0.x trains.
    ls.ml.update(id=backend.id, auto_update=True)
    ls.actions.create(id="predictions_to_annotations", project=project.id,
                      selected_items={"all": True, "excluded": []})
    annotated = tasks_of(http, project.id)
    assert all(task["total_annotations"] == 1 for task in annotated)
    assert ls.projects.get(id=project.id).total_annotations_number == 3
    corrected = annotated[0]["annotations"][0]
    result = corrected["result"]
    result[0]["value"]["width"] /= 2
    ls.annotations.update(id=corrected["id"], result=result)
    (fit,) = eventually(lambda: lsml_server.calls("fit"), "the annotation webhook at the model server")
    assert fit["event"] == "ANNOTATION_UPDATED"
    assert fit["annotation"]["id"] == corrected["id"]
    assert fit["annotation"]["result"][0]["value"]["width"] == pytest.approx(result[0]["value"]["width"])

    ls.ml.train(id=backend.id)
    assert ls.ml.get(id=backend.id).state in ("CO", "TR")

    ls.ml.delete(id=backend.id)
    assert list(ls.ml.list(project=project.id)) == []


def test_an_unreachable_model_server_is_refused_by_the_sdk_naming_the_url(ls, lsml_server):
    from label_studio_sdk.core.api_error import ApiError

    project = ls.projects.create(title="No model", label_config=CONFIG)
    dead = lsml_server.url.rsplit(":", 1)[0] + ":9"
    with pytest.raises(ApiError) as refused:
        ls.ml.create(url=dead, project=project.id)
    assert refused.value.status_code == 400
    assert dead in str(refused.value.body)
    assert list(ls.ml.list(project=project.id)) == []


def test_label_studios_fields_sent_inside_settings_are_kept_at_the_top_level(http, lsml_server):
    project = http.post("/api/projects", json={"title": "Settings", "label_config": CONFIG}).json()

    created = http.post("/api/ml", json={"project": project["id"], "backend": "remote",
                                         "settings": {"url": lsml_server.url, "timeout": 7, "batch_size": 5}})

    assert created.status_code == 201, created.text
    backend = created.json()
    assert (backend["url"], backend["timeout"], backend["settings"]) == (lsml_server.url, 7, {"batch_size": 5})
    changed = http.patch(f"/api/ml/{backend['id']}", json={"settings": {"timeout": 9}}).json()
    assert (changed["timeout"], changed["settings"]) == (9, {"batch_size": 5})
