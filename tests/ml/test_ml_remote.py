"""The builtin ``remote`` ML backend against a real label-studio-ml 1.0.9 server that fetches the
task images from a real labelcore server, and against tiny local servers for the failures."""

from __future__ import annotations

import base64
import json
import time

import pytest
from pydantic import ValidationError

from labelcore import LabelcoreError, MLModel, Prediction
from labelcore.builtin.ml_remote import RemoteModel, RemoteSettings
from labelcore.plugins import create_plugin_manager
from labelcore.registry import build_registry
from labelcore.results import validate_results
from labelcore.services.ml_protocol import MLBackendError, predictions_from_response
from labelcore.services.outbound import OutboundError
from labelcore.testing import eventually, free_port


def no_media(url):
    raise AssertionError(f"the remote backend must let its server fetch {url} itself")


def box_of(prediction: Prediction) -> tuple[float, float, float, float]:
    """The predicted rectangle in pixels of the original image: (left, top, right, bottom)."""
    value = prediction.result[0]
    width, height = value["original_width"], value["original_height"]
    value = value["value"]
    return (value["x"] * width / 100, value["y"] * height / 100, (value["x"] + value["width"]) * width / 100,
            (value["y"] + value["height"]) * height / 100)


# --------------------------------------------------------------------------- the registry


def test_remote_is_a_builtin_backend_that_trains_and_is_interactive():
    spec = build_registry(create_plugin_manager(load_entrypoints=False)).ml_backends["remote"]

    assert (spec.title, spec.can_train, spec.interactive) == ("Label Studio ML backend (URL)", True, True)
    model = spec.factory(spec.settings_model(url="http://127.0.0.1:9090"))
    assert isinstance(model, MLModel)
    assert model.settings.timeout == 100


# --------------------------------------------------------------------------- a real label-studio-ml server


def test_health_is_the_servers_answer(remote_model):
    assert remote_model.health()["status"] == "UP"


def test_setup_sends_the_config_and_keeps_the_model_version(remote_model, config):
    assert remote_model.model_version == ""

    remote_model.setup(config, no_media)

    assert remote_model.model_version == "INITIAL"  # label-studio-ml 1.0.x's version before any training


def test_predict_fetches_the_uploaded_images_through_labelcore_and_boxes_the_bright_object(
        remote_settings, config, image_project, lsml_server):
    model = RemoteModel(remote_settings(batch_size=2))
    model.setup(config, no_media)
    tasks = [{key: task[key] for key in ("id", "data", "meta", "inner_id")} for task in image_project["tasks"]]

    predictions = model.predict(tasks)

    assert len(predictions) == len(tasks) == 3
    for task, prediction in zip(image_project["tasks"], predictions, strict=True):
        assert validate_results(prediction.result, config) == []
        assert box_of(prediction) == pytest.approx(task["box"], abs=0.01)
        left, top, right, bottom = task["box"]
        width, height = image_project["size"]
        assert (prediction.result[0]["original_width"], prediction.result[0]["original_height"]) == (width, height)
        assert prediction.score == pytest.approx((right - left) * (bottom - top) / (width * height), abs=1e-4)
        assert prediction.model_version == "INITIAL"  # the 1.0.x shape names it beside "results"
    # two requests of at most batch_size tasks, in order
    assert [call["task_ids"] for call in lsml_server.calls("predict")] == [
        [tasks[0]["id"], tasks[1]["id"]], [tasks[2]["id"]]]


def test_predict_passes_the_interactive_context_to_the_model(remote_model, config, image_project, lsml_server):
    remote_model.setup(config, no_media)
    context = {"result": [{"type": "keypointlabels", "value": {"x": 10, "y": 20}}]}

    remote_model.predict([image_project["tasks"][0]], context=context)

    assert lsml_server.calls("predict")[-1]["context"] == context


def test_a_wrong_media_token_surfaces_as_the_servers_500_with_its_error(remote_settings, config, image_project):
    model = RemoteModel(remote_settings(access_token="not-a-token"))
    model.setup(config, no_media)

    with pytest.raises(MLBackendError) as caught:
        model.predict([image_project["tasks"][0]])

    message = caught.value.message
    assert message.startswith(f"ML backend at {model.settings.url} answered 500 to /predict: HTTPError: 401")
    assert caught.value.upstream_status == 500 and caught.value.status_code == 502


def test_fit_sends_the_webhook_event_and_a_trained_version_follows(remote_model, config, image_project,
                                                                    lsml_server):
    remote_model.setup(config, no_media)
    project, task = image_project["project"], image_project["tasks"][0]
    annotation = {"id": 71, "result": [], "task": task["id"]}
    tasks_streamed = iter(image_project["tasks"])

    answer = remote_model.fit("ANNOTATION_CREATED", {
        "project": {"id": project["id"], "title": project["title"], "label_config": config.xml},
        "annotation": annotation, "task": {"id": task["id"], "data": task["data"]}, "tasks": tasks_streamed})

    job_id = answer["job_id"]
    fit = eventually(lambda: lsml_server.calls("fit"), "the model's fit() to run")[0]
    assert fit["event"] == "ANNOTATION_CREATED"
    assert fit["project"] == {"id": project["id"], "title": project["title"], "label_config": config.xml}
    assert (fit["annotation"], fit["task"]["id"]) == (annotation, task["id"])
    assert fit["keys"] == ["annotation", "project", "task"]  # the streamed tasks stay home
    # label-studio-ml names the trained model after the job and serves it from the next /setup on
    eventually(lambda: (lsml_server.model_dir / job_id / "job_result.json").exists(), "the training result")
    remote_model.setup(config, no_media)
    assert remote_model.model_version == job_id
    assert remote_model.versions() == [job_id]  # Label Studio's GET /versions, POST for label-studio-ml 1.0.x


def test_fit_fills_the_project_from_setup_when_the_host_sends_none(remote_model, config, image_project,
                                                                    lsml_server):
    remote_model.setup(config, no_media)

    remote_model.fit("PROJECT_UPDATED", {})  # 1.0.9 trains on these, not START_TRAINING

    fit = eventually(lambda: lsml_server.calls("fit"), "the model's fit() to run")[0]
    assert fit["event"] == "PROJECT_UPDATED"
    assert fit["project"] == {"id": image_project["project"]["id"], "label_config": config.xml}


def test_predict_before_setup_says_to_call_setup(remote_model, image_project):
    with pytest.raises(MLBackendError, match="has not been set up with a labeling config"):
        remote_model.predict(image_project["tasks"][:1])


# --------------------------------------------------------------------------- URLs and settings


@pytest.mark.parametrize("url, why", [
    ("http://169.254.169.254/latest/meta-data/", "never calls"),
    ("ftp://127.0.0.1:9090", "only http and https"),
    ("http://user:pass@127.0.0.1:9090", "credentials"),
])
def test_a_url_labelcore_must_not_call_is_refused_when_the_model_is_made(url, why):
    spec = build_registry(create_plugin_manager(load_entrypoints=False)).ml_backends["remote"]

    with pytest.raises(OutboundError, match=why):
        spec.factory(spec.settings_model(url=url))


def test_basic_auth_needs_a_user_and_a_password():
    with pytest.raises(ValidationError, match="BASIC_AUTH needs basic_auth_user and basic_auth_pass"):
        RemoteSettings(url="http://127.0.0.1:9090", auth_method="BASIC_AUTH", basic_auth_user="ml")


def test_the_password_and_token_stay_out_of_the_settings_repr():
    settings = RemoteSettings(url="http://127.0.0.1:9090", auth_method="BASIC_AUTH", basic_auth_user="ml",
                              basic_auth_pass="hunter2", access_token="tok3n")

    assert "hunter2" not in repr(settings) and "tok3n" not in repr(settings)


# --------------------------------------------------------------------------- failures, with tiny servers


def answer(status: int, body) -> callable:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda method, path, headers, request_body: (status, content)


def test_a_closed_port_says_connection_refused():
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(MLBackendError) as caught:
        RemoteModel(RemoteSettings(url=url)).health()

    assert caught.value.message == f"cannot reach ML backend at {url}: connection refused"


def test_a_server_error_names_the_status_and_the_start_of_its_body(tiny_server):
    server = tiny_server(answer(500, b"Traceback: model exploded " + b"x" * 1000))

    with pytest.raises(MLBackendError) as caught:
        RemoteModel(RemoteSettings(url=server.url)).health()

    message = caught.value.message
    assert message.startswith(f"ML backend at {server.url} answered 500 to /health: Traceback: model exploded xxx")
    assert message.endswith("x" * 274) and "x" * 275 not in message  # 300 characters of the body


def test_a_json_error_body_gives_its_detail(tiny_server):
    server = tiny_server(answer(503, {"status": 503, "detail": "model is still loading", "result": {}}))

    with pytest.raises(MLBackendError, match="answered 503 to /health: model is still loading$"):
        RemoteModel(RemoteSettings(url=server.url)).health()


def test_a_slow_server_is_given_up_on_after_the_timeout(tiny_server):
    def slow(method, path, headers, body):
        time.sleep(3)
        return 200, b'{"results": []}'

    server = tiny_server(slow)
    model = RemoteModel(RemoteSettings(url=server.url, timeout=0.5))
    model.label_config = "<View/>"

    with pytest.raises(MLBackendError) as caught:
        model.predict([{"id": 1, "data": {"image": "/x.png"}}])

    assert caught.value.message == f"ML backend at {server.url} did not answer /predict within 0.5 s"


def test_invalid_json_is_named(tiny_server):
    server = tiny_server(answer(200, b"<html>proxy login</html>"))

    with pytest.raises(MLBackendError, match=f"^ML backend at {server.url} returned invalid JSON for /health"):
        RemoteModel(RemoteSettings(url=server.url)).health()


def test_basic_auth_is_sent_when_configured(tiny_server):
    expected = "Basic " + base64.b64encode(b"ml-user:s3cret").decode()

    def guarded(method, path, headers, body):
        if headers.get("Authorization") != expected:
            return 401, b'{"detail": "who are you?"}'
        return 200, b'{"status": "UP"}'

    server = tiny_server(guarded)

    with_auth = RemoteModel(RemoteSettings(url=server.url, auth_method="BASIC_AUTH", basic_auth_user="ml-user",
                                           basic_auth_pass="s3cret"))
    assert with_auth.health() == {"status": "UP"}
    with pytest.raises(MLBackendError, match=r"answered 401 to /health \(check basic_auth_user and "
                                             r"basic_auth_pass\): who are you\?"):
        RemoteModel(RemoteSettings(url=server.url)).health()
    # NONE sends no credentials even when some are filled in, as Label Studio's auth_method says
    with pytest.raises(MLBackendError, match="answered 401"):
        RemoteModel(RemoteSettings(url=server.url, basic_auth_user="ml-user", basic_auth_pass="s3cret")).health()


def test_setup_and_predict_bodies_are_label_studios(tiny_server, config):
    def protocol(method, path, headers, body):
        if path == "/ml/setup":
            return 200, b'{"model_version": "v7"}'
        count = len(json.loads(body)["tasks"])
        return 200, json.dumps({"results": [{"result": [], "score": 0.1}] * count}).encode()

    server = tiny_server(protocol)
    model = RemoteModel(RemoteSettings(url=server.url + "/ml", project="4.1700000000", hostname="http://lc:8080",
                                       access_token="tok", extra_params={"threshold": 0.3}))

    model.setup(config, no_media)
    predictions = model.predict([{"id": 1, "data": {"image": "/a.png"}}, {"id": 2, "data": {"image": "/b.png"}}],
                                context={"result": []})

    setup, predict = (json.loads(request["body"]) for request in server.requests)
    assert [request["path"] for request in server.requests] == ["/ml/setup", "/ml/predict"]
    assert setup == {"project": "4.1700000000", "schema": config.xml, "hostname": "http://lc:8080",
                     "access_token": "tok", "extra_params": {"threshold": 0.3}}
    assert predict == {"tasks": [{"id": 1, "data": {"image": "/a.png"}}, {"id": 2, "data": {"image": "/b.png"}}],
                       "project": "4.1700000000", "label_config": config.xml,
                       "params": {"login": None, "password": None, "context": {"result": []}}}
    assert [(p.result, p.score, p.model_version) for p in predictions] == [([], 0.1, "v7")] * 2


def test_a_result_count_that_does_not_match_the_tasks_is_an_error(tiny_server):
    server = tiny_server(answer(200, {"results": [{"result": []}, {"result": []}]}))
    model = RemoteModel(RemoteSettings(url=server.url))
    model.label_config = "<View/>"

    with pytest.raises(MLBackendError, match=f"^ML backend at {server.url} returned 2 predictions for 3 tasks$"):
        model.predict([{"id": 1, "data": {}}, {"id": 2, "data": {}}, {"id": 3, "data": {}}])


def test_a_server_that_predicts_one_task_per_request_is_asked_task_by_task(tiny_server):
    def first_only(method, path, headers, body):
        task = json.loads(body)["tasks"][0]
        return 200, json.dumps({"results": [{"result": [], "score": task["id"] / 10}]}).encode()

    server = tiny_server(first_only)
    model = RemoteModel(RemoteSettings(url=server.url))
    model.label_config = "<View/>"

    predictions = model.predict([{"id": 1, "data": {}}, {"id": 2, "data": {}}, {"id": 3, "data": {}}])

    assert [prediction.score for prediction in predictions] == [0.1, 0.2, 0.3]
    assert [len(json.loads(request["body"])["tasks"]) for request in server.requests] == [3, 1, 1, 1]


# --------------------------------------------------------------------------- the response shapes


def test_model_version_comes_from_the_item_then_the_answer_then_setup():
    body = {"results": [{"result": [], "model_version": "item-v"}, {"result": [], "score": 0.5}],
            "model_version": 1700000000}

    predictions = predictions_from_response(body, 2, "setup-v", "ML backend at X")

    assert [p.model_version for p in predictions] == ["item-v", "1700000000"]
    assert predictions_from_response({"results": [{"result": []}]}, 1, "setup-v", "X")[0].model_version == "setup-v"


def test_several_predictions_for_a_task_give_the_first():
    body = {"results": [[{"result": [{"type": "choices"}], "score": 0.9}, {"result": [], "score": 0.1}], []]}

    predictions = predictions_from_response(body, 2, None, "X")

    assert [(p.result, p.score) for p in predictions] == [([{"type": "choices"}], 0.9), ([], None)]


@pytest.mark.parametrize("body, message", [
    ({"predictions": []}, 'answered /predict without a "results" list'),
    ({"results": [{"score": 1}]}, 'returned prediction 0 without a "result" list'),
    ({"results": [{"result": [], "score": "high"}]}, "returned an invalid prediction 0: score"),
])
def test_answers_that_are_not_predictions_are_named(body, message):
    with pytest.raises(LabelcoreError, match=message):
        predictions_from_response(body, 1, None, "ML backend at X")
