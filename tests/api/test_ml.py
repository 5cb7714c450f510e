"""Models in the loop: ML backends attached through ``/api/ml/``, pre-labeling on import and on
``/next``, data-manager actions, training (by hand and automatically) and the ML token, against a
live server that has the ``recorder`` test backend (tests/plugins/ml_recorder.py) installed."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError

from labelcore.security import make_jwt
from labelcore.testing import LiveServer, eventually

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
CONFIG = ('<View><Text name="text" value="$text"/>'
          '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>')
POS = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}]


def install_entry_point(folder: Path) -> Path:
    """A dist-info folder declaring the recorder plugin's entry point (what `pip install` writes)."""
    info = folder / "labelcore_ml_recorder-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: labelcore-ml-recorder\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[labelcore]\nml_recorder = ml_recorder\n")
    return folder


@pytest.fixture(scope="module")
def live(server, tmp_path_factory):
    """A server with the recorder backend, on ``server``'s database (with its admin and token, which
    a server sets at start: another token would lock the other tests out)."""
    data_dir = tmp_path_factory.mktemp("ml")
    folder = install_entry_point(data_dir / "site")
    path = os.pathsep.join(part for part in (str(folder), str(PLUGINS), os.environ.get("PYTHONPATH")) if part)
    started = LiveServer(data_dir, database_url=server.database_url, env={"PYTHONPATH": path})
    started.password, started.token = server.password, server.token
    with started:
        yield started


@pytest.fixture
def api(live):
    with live.client() as client:
        yield client


@pytest.fixture
def ls(live):
    return live.sdk()


@pytest.fixture
def log(tmp_path):
    return tmp_path / "calls.jsonl"


def calls(log: Path, event: str | None = None) -> list[dict]:
    if not log.exists():
        return []
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [entry for entry in entries if event is None or entry["event"] == event]


def project(api, tasks=(), **settings) -> tuple[int, list[int]]:
    created = api.post("/api/projects/", json={"title": f"ML {uuid.uuid4().hex[:6]}", "label_config": CONFIG,
                                               **settings})
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    ids = []
    if tasks:
        imported = api.post(f"/api/projects/{project_id}/import?return_task_ids=true", json=list(tasks))
        assert imported.status_code == 201, imported.text
        ids = imported.json()["task_ids"]
    return project_id, ids


def attach(api, project_id: int, log: Path, backend: str = "recorder", **fields) -> dict:
    settings = {"log": str(log), **fields.pop("settings", {})}
    response = api.post("/api/ml/", json={"project": project_id, "backend": backend, "settings": settings,
                                          "title": "recorder", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def texts(*scores) -> list[dict]:
    return [{"text": f"item {n}", "score": score} for n, score in enumerate(scores)]


def wait_job(api, job_id: str) -> dict:
    def ended():
        status = api.get(f"/api/jobs/{job_id}").json()
        return status if status["state"] in ("finished", "failed") else None

    return eventually(ended, f"job {job_id} ending")


# --------------------------------------------------------------------------- attaching


def test_installed_backend_kinds_are_listed_with_their_settings_schema(api):
    kinds = {kind["id"]: kind for kind in api.get("/api/ml/backends").json()}

    assert kinds["recorder"]["can_train"] is True and kinds["recorder"]["interactive"] is True
    assert kinds["plain"]["can_train"] is False
    properties = kinds["recorder"]["settings_schema"]["properties"]
    assert "log" in properties and "choice" in properties
    assert not {"access_token", "hostname", "project"} & set(properties)


def test_a_backend_is_attached_read_changed_and_detached_through_the_sdk(api, ls, log):
    project_id, _ = project(api, texts(0.5))
    created = attach(api, project_id, log, description="first")

    assert (created["state"], created["readable_state"], created["model_version"]) == ("CO", "Connected", "rec-1")
    assert created["settings"] == {"log": str(log)} and created["basic_auth_pass_is_set"] is False
    assert api.get(f"/api/projects/{project_id}").json()["model_version"] == "rec-1"
    assert [backend.id for backend in ls.ml.list(project=project_id)] == [created["id"]]
    assert ls.ml.get(created["id"]).description == "first"

    updated = ls.ml.update(created["id"], title="renamed", timeout=5)
    assert (updated.title, updated.timeout, updated.state) == ("renamed", 5, "CO")
    assert ls.ml.list_model_versions(created["id"]).versions == ["rec-1"]
    assert len(calls(log, "setup")) == 2  # set up again after the change

    ls.ml.delete(created["id"])
    with pytest.raises(ApiError) as gone:
        ls.ml.get(created["id"])
    assert gone.value.status_code == 404
    assert ls.ml.list(project=project_id) == []


def test_a_backend_that_cannot_be_set_up_is_refused_and_nothing_is_stored(api, log):
    no_choices = '<View><Text name="text" value="$text"/></View>'
    created = api.post("/api/projects/", json={"title": "no choices", "label_config": no_choices})
    project_id = created.json()["id"]

    refused = api.post("/api/ml/", json={"project": project_id, "backend": "recorder", "settings": {"log": str(log)}})

    assert refused.status_code == 400
    assert "needs a <Choices> control" in refused.json()["detail"]
    assert api.get(f"/api/ml/?project={project_id}").json() == []
    assert api.get(f"/api/projects/{project_id}").json()["model_version"] == ""


def test_bad_attachments_are_refused_naming_the_problem(api, log):
    project_id, _ = project(api)

    unknown = api.post("/api/ml/", json={"project": project_id, "backend": "nope", "settings": {}})
    missing = api.post("/api/ml/", json={"project": project_id, "backend": "recorder", "settings": {}})
    extra = api.post("/api/ml/", json={"project": project_id, "backend": "recorder",
                                       "settings": {"log": str(log), "colour": "red"}})
    no_project = api.post("/api/ml/", json={"project": 10**9, "backend": "recorder", "settings": {"log": "x"}})

    assert unknown.status_code == 400 and "'nope'" in unknown.json()["detail"]
    assert missing.status_code == 400 and "log" in missing.json()["detail"]
    assert extra.status_code == 400 and "colour" in extra.json()["detail"]
    assert no_project.status_code == 404
    assert api.get("/api/ml/?project=1000000000").status_code == 404
    assert api.get("/api/ml/1000000000").status_code == 404
    assert api.get("/api/jobs/no-such-job").status_code == 404


# --------------------------------------------------------------------------- predicting


def test_an_import_is_predicted_in_the_background_when_the_project_evaluates_automatically(api, log):
    project_id, _ = project(api, evaluate_predictions_automatically=True)
    attach(api, project_id, log)

    imported = api.post(f"/api/projects/{project_id}/import", json=texts(0.1, 0.2, 0.3))
    assert imported.status_code == 201

    eventually(lambda: api.get(f"/api/projects/{project_id}").json()["total_predictions_number"] == 3,
               "three predictions")
    tasks = api.get(f"/api/projects/{project_id}/tasks").json()
    assert [task["total_predictions"] for task in tasks] == [1, 1, 1]
    assert [(task["predictions"][0]["model_version"], task["predictions"][0]["score"]) for task in tasks] == \
        [("rec-1", 0.1), ("rec-1", 0.2), ("rec-1", 0.3)]
    assert api.get(f"/api/projects/{project_id}").json()["evaluate_predictions_automatically"] is True


def test_opening_a_task_predicts_it_when_it_lacks_a_prediction_of_the_shown_version(api, log):
    project_id, [task_id, opened] = project(api, texts(0.7, 0.3))
    attach(api, project_id, log)

    served = api.get(f"/api/projects/{project_id}/next").json()

    assert served["id"] == task_id
    assert [(p["model_version"], p["result"][0]["value"]) for p in served["predictions"]] == \
        [("rec-1", {"choices": ["pos"]})]
    assert api.get(f"/api/projects/{project_id}").json()["total_predictions_number"] == 1
    api.get(f"/api/tasks/{task_id}")
    assert len(calls(log, "predict")) == 1  # the stored prediction is reused
    assert [p["score"] for p in api.get(f"/api/tasks/{opened}").json()["predictions"]] == [0.3]
    assert api.get(f"/api/projects/{project_id}").json()["total_predictions_number"] == 2


def test_a_failing_backend_does_not_stop_labeling_and_shows_the_error(api, log):
    project_id, [task_id] = project(api, texts(0.7))
    backend = attach(api, project_id, log, settings={"fail": True})

    served = api.get(f"/api/projects/{project_id}/next")

    assert served.status_code == 200 and served.json()["id"] == task_id and served.json()["predictions"] == []
    shown = api.get(f"/api/ml/{backend['id']}").json()
    assert shown["state"] == "ER" and "the recorder was told to fail" in shown["error_message"]


def test_invalid_predictions_are_recorded_as_the_error_and_nothing_is_written(api, ls, log):
    project_id, task_ids = project(api, texts(0.1, 0.2))
    backend = attach(api, project_id, log, settings={"invalid": True})

    job = api.post(f"/api/ml/{backend['id']}/predict", params={"batch_size": 10}).json()["job"]

    assert wait_job(api, job)["state"] == "failed"
    shown = api.get(f"/api/ml/{backend['id']}").json()
    assert shown["state"] == "ER" and f"task {task_ids[0]}" in shown["error_message"]
    assert "no such choice" in shown["error_message"]
    assert api.get(f"/api/projects/{project_id}").json()["total_predictions_number"] == 0
    test = api.post(f"/api/ml/{backend['id']}/predict/test", json={"task": task_ids[1]})
    assert test.status_code == 400 and f"task {task_ids[1]}" in test.json()["detail"]


def test_predict_all_tasks_predicts_only_those_lacking_the_version(api, ls, log):
    project_id, task_ids = project(api, texts(0.1, 0.2, 0.3))
    backend = attach(api, project_id, log)
    api.get(f"/api/projects/{project_id}/next")  # predicts the first task

    job = api.post(f"/api/ml/{backend['id']}/predict", params={"batch_size": 1}).json()["job"]

    assert wait_job(api, job) == {"id": job, "state": "finished", "done": 2, "total": 2, "error": None}
    assert api.get(f"/api/projects/{project_id}").json()["total_predictions_number"] == 3
    assert [entry["tasks"] for entry in calls(log, "predict")] == [[task_ids[0]], [task_ids[1]], [task_ids[2]]]
    ls.ml.predict_all_tasks(backend["id"], batch_size=5)  # nothing left: the job finds no task


def test_predict_test_and_interactive_annotating_return_a_prediction_without_storing_it(api, ls, log):
    project_id, [task_id] = project(api, texts(0.4))
    backend = attach(api, project_id, log, is_interactive=True)

    tested = api.post(f"/api/ml/{backend['id']}/predict/test", json={})
    interactive = api.post(f"/api/ml/{backend['id']}/interactive-annotating",
                           json={"task": task_id, "context": {"result": []}})
    ls.ml.predict_interactive(backend["id"], task=task_id, context={"clicked": 1})

    assert tested.status_code == 200 and tested.json()["prediction"]["score"] == 0.4
    assert interactive.json() == {"data": {"task": task_id, "result": POS, "score": 0.4, "model_version": "rec-1"}}
    assert [entry["context"] for entry in calls(log, "predict")][-2:] == [{"result": []}, {"clicked": 1}]
    assert api.get(f"/api/projects/{project_id}").json()["total_predictions_number"] == 0
    other, [foreign] = project(api, texts(0.1))
    assert api.post(f"/api/ml/{backend['id']}/interactive-annotating", json={"task": foreign}).status_code == 404


# --------------------------------------------------------------------------- data-manager actions


def test_actions_are_listed_in_label_studio_shape(ls, api):
    project_id, _ = project(api)

    actions = {action.id: action for action in ls.actions.list(project=project_id)}

    assert {"retrieve_tasks_predictions", "predictions_to_annotations", "delete_tasks", "delete_tasks_annotations",
            "delete_tasks_predictions"} <= set(actions)
    assert actions["retrieve_tasks_predictions"].title == "Retrieve Predictions"
    assert actions["delete_tasks"].dialog.type == "confirm"


def test_retrieve_predictions_runs_a_job_over_the_selected_tasks(api, ls, log):
    project_id, [first, second, third] = project(api, texts(0.1, 0.2, 0.3))
    attach(api, project_id, log)

    answer = api.post("/api/dm/actions", params={"id": "retrieve_tasks_predictions", "project": project_id},
                      json={"selectedItems": {"all": True, "excluded": [second]}}).json()

    assert answer["processed_items"] == 2
    assert wait_job(api, answer["job"])["state"] == "finished"
    ls.actions.create(id="retrieve_tasks_predictions", project=project_id,
                      selected_items={"all": False, "included": [second]})
    eventually(lambda: api.get(f"/api/projects/{project_id}").json()["total_predictions_number"] == 3,
               "the third prediction")
    assert sorted(task for entry in calls(log, "predict") for task in entry["tasks"]) == [first, second, third]


def test_predictions_become_annotations_of_the_caller_with_counters_right(api, ls):
    tasks = [{"data": {"text": f"t{n}"}, "predictions": [{"result": POS, "model_version": "v1", "score": 0.5}]}
             for n in range(3)]
    project_id, [first, second, third] = project(api, tasks)
    api.post("/api/predictions/", json={"task": first, "result": POS, "model_version": "v0"})

    ls.actions.create(id="predictions_to_annotations", project=project_id,
                      selected_items={"all": True, "excluded": [third]})

    shown = api.get(f"/api/projects/{project_id}").json()
    assert (shown["model_version"], shown["total_annotations_number"], shown["num_tasks_with_annotations"]) == \
        ("v1", 2, 2)
    annotated = {task["id"]: task for task in api.get(f"/api/projects/{project_id}/tasks").json()}
    assert [annotated[t]["total_annotations"] for t in (first, second, third)] == [1, 1, 0]
    assert annotated[first]["annotations"][0]["result"] == POS
    assert annotated[first]["annotations"][0]["parent_prediction"] == annotated[first]["predictions"][0]["id"]
    again = api.post("/api/dm/actions", params={"id": "predictions_to_annotations", "project": project_id},
                     json={"selectedItems": {"all": True}})
    assert again.json()["processed_items"] == 1  # only the third task's prediction was left


def test_delete_actions_remove_in_bulk_and_recount(api):
    tasks = [{"data": {"text": f"t{n}"}, "annotations": [{"result": POS}], "predictions": [{"result": POS}]}
             for n in range(3)]
    project_id, [first, second, third] = project(api, tasks)

    def act(action, selected):
        response = api.post("/api/dm/actions", params={"id": action, "project": project_id},
                            json={"selectedItems": selected})
        assert response.status_code == 200, response.text
        return response.json()["processed_items"]

    assert act("delete_tasks_predictions", {"all": False, "included": [first, second]}) == 2
    assert act("delete_tasks_annotations", {"all": False, "included": [first]}) == 1
    assert act("delete_tasks", {"all": False, "included": [third]}) == 1
    shown = api.get(f"/api/projects/{project_id}").json()
    assert (shown["task_number"], shown["total_annotations_number"], shown["total_predictions_number"],
            shown["finished_task_number"]) == (2, 1, 0, 1)


def test_actions_refuse_bad_requests(api):
    project_id, _ = project(api)

    unknown = api.post("/api/dm/actions", params={"id": "nope", "project": project_id}, json={})
    unselected = api.post("/api/dm/actions", params={"id": "delete_tasks", "project": project_id}, json={})
    no_backend = api.post("/api/dm/actions", params={"id": "retrieve_tasks_predictions", "project": project_id},
                          json={"selectedItems": {"all": True}})

    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    assert unselected.status_code == 400 and "selectedItems" in unselected.json()["detail"]
    assert no_backend.status_code == 400 and "no ML backend" in no_backend.json()["detail"]
    assert api.post("/api/dm/actions", params={"id": "delete_tasks", "project": 10**9},
                    json={"selectedItems": {"all": True}}).status_code == 404


# --------------------------------------------------------------------------- training


def test_training_by_hand_fits_on_the_annotated_tasks(api, ls, log):
    project_id, [first, second] = project(api, texts(0.1, 0.2))
    backend = attach(api, project_id, log, auto_update=False)
    api.post(f"/api/tasks/{second}/annotations/", json={"result": POS})

    ls.ml.train(backend["id"])

    eventually(lambda: api.get(f"/api/ml/{backend['id']}").json()["state"] == "CO" and calls(log, "fit"),
               "the training run")
    [fit] = calls(log, "fit")
    assert (fit["kind"], fit["tasks"], fit["project"]) == ("START_TRAINING", [second], project_id)
    assert api.get(f"/api/ml/{backend['id']}").json()["model_version"] == "rec-2"
    assert api.get(f"/api/projects/{project_id}").json()["model_version"] == "rec-2"


def test_a_backend_that_cannot_train_is_refused_saying_so(api, log):
    project_id, _ = project(api)
    backend = attach(api, project_id, log, backend="plain")

    refused = api.post(f"/api/ml/{backend['id']}/train")

    assert refused.status_code == 400 and "cannot train" in refused.json()["detail"]


def test_every_n_annotations_train_an_automatic_backend_once(api, log):
    project_id, task_ids = project(api, texts(*[0.1] * 5), min_annotations_to_start_training=2)
    backend = attach(api, project_id, log, auto_update=True)
    fits_after = []
    for task_id in task_ids:
        api.post(f"/api/tasks/{task_id}/annotations/", json={"result": POS})
        if len(fits_after) % 2 == 1:
            eventually(lambda: len(calls(log, "fit")) == (len(fits_after) + 1) // 2
                       and api.get(f"/api/ml/{backend['id']}").json()["state"] == "CO", "a training run")
        fits_after.append(len(calls(log, "fit")))

    assert fits_after == [0, 1, 1, 2, 2]
    assert [len(fit["tasks"]) for fit in calls(log, "fit")] == [2, 4]


# --------------------------------------------------------------------------- the ML token


def test_the_ml_token_reads_media_and_data_but_never_writes(api, live, log, tmp_path):
    project_id, _ = project(api)
    upload = api.post(f"/api/projects/{project_id}/import", files={"file": ("cat.png", b"\x89PNG fake", "image/png")})
    assert upload.status_code == 201, upload.text
    [task] = api.get(f"/api/projects/{project_id}/tasks").json()
    media_url = next(iter(task["data"].values()))
    api.patch(f"/api/tasks/{task['id']}", json={"data": {"text": "x", "media": media_url}})
    backend = attach(api, project_id, log, settings={"read_media": True})

    [setup] = calls(log, "setup")
    assert setup["hostname"] == live.url and setup["project"].split(".")[0] == str(project_id)
    model = httpx.Client(base_url=live.url, headers={"Authorization": f"Token {setup['access_token']}"})
    assert model.get(media_url).content == b"\x89PNG fake"
    assert model.get(f"/api/projects/{project_id}").status_code == 200
    assert model.get(f"/api/tasks/{task['id']}").status_code == 200
    assert model.post("/api/projects/", json={"title": "nope"}).status_code == 403
    assert model.patch(f"/api/projects/{project_id}", json={"title": "nope"}).status_code == 403
    assert model.get(f"/api/projects/{project_id}/next").status_code == 403

    # and only its own project's
    other_id, [other_task] = project(api, tasks=[{"text": "elsewhere"}])
    other_media = f"/data/upload/{other_id}/" + media_url.rsplit("/", 1)[1]  # refused before it is looked for
    assert model.get("/api/tasks/", params={"project": project_id}).status_code == 200
    for path in (f"/api/projects/{other_id}", f"/api/tasks/{other_task}", "/api/projects", "/api/users",
                 f"/api/tasks/?project={other_id}", other_media):
        refused = model.get(path)
        assert refused.status_code == 403, path
        assert f"project {project_id}" in refused.json()["detail"]
    assert model.get("/projects", follow_redirects=False).status_code == 303  # not the pages either

    api.get(f"/api/projects/{project_id}/next")  # the model reads the media through the host
    assert calls(log, "media") == [{"event": "media", "task": task["id"], "size": 9}]

    secret = (Path(live.data_dir) / "secret.key").read_text().strip()
    expired = make_jwt(secret, 1, "ml", -10, extra={"ml_backend": backend["id"], "project": project_id})
    for token in (expired, "not.a.token", "garbage"):
        assert httpx.get(f"{live.url}/api/projects/{project_id}",
                         headers={"Authorization": f"Token {token}"}).status_code == 401
    api.delete(f"/api/ml/{backend['id']}")
    assert model.get(f"/api/projects/{project_id}").status_code == 401  # it dies with its backend
