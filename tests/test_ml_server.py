"""`labelcore ml serve`: a backend plugin answering Label Studio's ML-backend protocol.

The ML server runs under a real uvicorn on 127.0.0.1 and is driven as Label Studio drives it: /setup
with the hostname and token of a real labelcore server holding the task images, then /predict, whose
model fetches those images through labelcore's auth and media route.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
import uvicorn
from PIL import Image

import labelcore_tags_image
from labelcore.config import parse_config
from labelcore.ml_server import backend_settings, create_ml_app
from labelcore.registry import build_registry
from labelcore.results import validate_results
from labelcore.testing import LiveServer, free_port, local_http_server, plugin_from_file, plugin_manager

PLUGINS_DIR = Path(__file__).parent / "plugins"
brightness_plugin = plugin_from_file(PLUGINS_DIR / "ml_brightness.py")

CONFIG = ('<View><Image name="image" value="$image"/><Choices name="tone" toName="image">'
          '<Choice value="Bright"/><Choice value="Dark"/></Choices></View>')
PROJECT = "7.1700000000"


def png(grey: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (grey, grey, grey)).save(buffer, format="PNG")
    return buffer.getvalue()


@contextmanager
def running(app):
    """``app`` under a real uvicorn on 127.0.0.1, in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the ML server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class _PublicImages(BaseHTTPRequestHandler):
    """Images anyone may fetch, at absolute URLs (no token)."""

    images = {"/bright.png": png(235), "/dark.png": png(15)}

    def do_GET(self):  # noqa: N802
        body = self.images.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def public_images():
    with local_http_server(_PublicImages) as url:
        yield url


@pytest.fixture(scope="module")
def labelcore_server(tmp_path_factory):
    """A live labelcore with a project whose two tasks are uploaded images, one bright, one dark."""
    with LiveServer(tmp_path_factory.mktemp("labelcore")) as live:
        with httpx.Client(base_url=live.url, headers=live.headers, timeout=30) as http:
            project = http.post("/api/projects/", json={"title": "Tones", "label_config": CONFIG}).json()
            response = http.post(f"/api/projects/{project['id']}/import",
                                 files=[("a", ("bright.png", png(235))), ("b", ("dark.png", png(15)))])
            assert response.status_code == 201, response.text
            tasks = http.get("/api/tasks", params={"project": project["id"], "fields": "all"}).json()["tasks"]
        live.tasks = sorted(({"id": task["id"], "data": task["data"]} for task in tasks),
                            key=lambda task: "dark" in task["data"]["image"])
        yield live


@pytest.fixture(scope="module")
def brightness_registry():
    pm = plugin_manager(labelcore_tags_image, brightness_plugin)
    return build_registry(pm), pm


@pytest.fixture
def ml_server(brightness_registry):
    """Start an ML server for a backend id; yields (client, app)."""
    registry, pm = brightness_registry
    started = []

    def start(backend: str = "brightness", basic_auth=None, **settings):
        spec = registry.ml_backends[backend]
        app = create_ml_app(spec, backend_settings(spec, settings), registry, pm, basic_auth=basic_auth)
        context = running(app)
        url = context.__enter__()
        client = httpx.Client(base_url=url, timeout=30)
        started.append((context, client))
        return client, app

    yield start
    for context, client in started:
        client.close()
        context.__exit__(None, None, None)


def setup_body(server: LiveServer, token: str | None = None, schema: str = CONFIG) -> dict:
    return {"project": PROJECT, "schema": schema, "hostname": server.url,
            "access_token": token or server.token, "extra_params": None}


def predict_body(tasks: list[dict], project: str = PROJECT, label_config: str = CONFIG) -> dict:
    return {"tasks": tasks, "project": project, "label_config": label_config,
            "params": {"login": None, "password": None, "context": None}}


def chosen(response: httpx.Response) -> list[list[str]]:
    return [[item["value"]["choices"] for item in result["result"]][0] for result in response.json()["results"]]


def test_health_says_up_with_the_model_class(ml_server):
    client, _ = ml_server()

    for path in ("/health", "/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json() == {"status": "UP", "model_class": "TrainableBrightnessModel",
                                   "backend": "brightness", "projects": 0}


def test_setup_then_predict_reads_images_from_labelcore_with_the_token(ml_server, labelcore_server):
    client, app = ml_server()
    bright, dark = labelcore_server.tasks
    assert bright["data"]["image"].startswith("/data/upload/")

    setup = client.post("/setup", json=setup_body(labelcore_server))
    assert setup.status_code == 200, setup.text
    assert setup.json() == {"model_version": "brightness-1"}

    response = client.post("/predict", json=predict_body([bright, dark]))

    assert response.status_code == 200, response.text
    assert chosen(response) == [["Bright"], ["Dark"]]
    body = response.json()
    assert body["model_version"] == "brightness-1"
    config = parse_config(CONFIG, *brightness_registry_of(app))
    for result, task in zip(body["results"], [bright, dark]):
        assert result["model_version"] == "brightness-1"
        assert 0 < result["score"] <= 1
        assert validate_results(result["result"], config, task["data"]) == []
    # A second /setup of the same project and config keeps the model it built.
    model = app.state.served.models[PROJECT].model
    assert client.post("/setup", json=setup_body(labelcore_server)).status_code == 200
    assert app.state.served.models[PROJECT].model is model


def brightness_registry_of(app):
    served = app.state.served
    return served.registry, served.pm


def test_predict_for_a_project_never_set_up_uses_its_label_config(ml_server, public_images):
    client, _ = ml_server(threshold=100)
    tasks = [{"id": 1, "data": {"image": f"{public_images}/dark.png"}},
             {"id": 2, "data": {"image": f"{public_images}/bright.png"}}]

    response = client.post("/predict", json=predict_body(tasks, project="3.1700000001"))

    assert response.status_code == 200, response.text
    assert chosen(response) == [["Dark"], ["Bright"]]


def test_relative_media_without_setup_says_why(ml_server):
    client, _ = ml_server()

    response = client.post("/predict", json=predict_body([{"id": 1, "data": {"image": "/data/upload/1/a.png"}}],
                                                         project="4.1700000002"))

    assert response.status_code == 400
    assert "task media '/data/upload/1/a.png': it is a relative URL" in response.json()["detail"]
    assert "/setup" in response.json()["error"]


def test_wrong_token_names_the_url_and_status(ml_server, labelcore_server):
    client, _ = ml_server()
    bright, _ = labelcore_server.tasks
    client.post("/setup", json=setup_body(labelcore_server, token="0" * 40)).raise_for_status()

    response = client.post("/predict", json=predict_body([bright]))

    assert response.status_code == 502
    assert response.json()["detail"] == (f"fetching task media {labelcore_server.url}{bright['data']['image']} "
                                         "failed: HTTP 401")


def test_a_link_local_media_url_is_refused_before_any_request(ml_server):
    client, _ = ml_server()
    task = {"id": 1, "data": {"image": "http://169.254.169.254/latest/meta-data/x.png"}}

    response = client.post("/predict", json=predict_body([task], project="5.1"))

    assert response.status_code == 400
    assert "169.254.169.254" in response.json()["detail"]
    assert "never calls" in response.json()["detail"]


def test_webhook_calls_fit_on_a_training_backend(ml_server, labelcore_server):
    client, app = ml_server()
    _, dark = labelcore_server.tasks
    client.post("/setup", json=setup_body(labelcore_server)).raise_for_status()
    annotation = {"id": 11, "result": [{"from_name": "tone", "to_name": "image", "type": "choices",
                                        "value": {"choices": ["Dark"]}}]}

    response = client.post("/webhook", json={
        "action": "ANNOTATION_CREATED", "project": {"id": 7, "title": "Tones", "label_config": CONFIG},
        "task": dark, "annotation": annotation})

    assert response.status_code == 201, response.text
    assert response.json() == {"model_version": "brightness-2", "event": "ANNOTATION_CREATED", "threshold": 15.0}
    [(event, data)] = app.state.served.models[PROJECT].model.fits
    assert event == "ANNOTATION_CREATED"
    assert data["annotation"] == annotation and data["task"] == dark and data["project"]["id"] == 7
    for method in ("GET", "POST"):
        versions = client.request(method, "/versions", json={"project": PROJECT})
        assert versions.json() == {"versions": ["brightness-2"]}


def test_webhook_to_a_backend_that_does_not_train_is_skipped(ml_server):
    client, app = ml_server("brightness_fixed")

    response = client.post("/webhook", json={"action": "START_TRAINING",
                                             "project": {"id": 7, "label_config": CONFIG}})

    assert response.status_code == 201
    assert response.json() == {"status": "skipped", "reason": "backend 'brightness_fixed' does not train"}
    assert app.state.served.models == {}


def test_a_config_with_an_unknown_tag_is_a_400_naming_it(ml_server, labelcore_server):
    client, app = ml_server()
    schema = CONFIG.replace("</View>", "<Sparkle/></View>")

    response = client.post("/setup", json=setup_body(labelcore_server, schema=schema))

    assert response.status_code == 400
    assert "unknown tag <Sparkle>" in response.json()["detail"]
    assert any("Sparkle" in line for line in response.json()["validation_errors"])
    assert app.state.served.models == {}
    broken = client.post("/setup", json=setup_body(labelcore_server, schema="<View><Image"))
    assert broken.status_code == 400


@pytest.mark.parametrize("path, body, message", [
    ("/setup", {"project": "1.2"}, "missing field 'schema'"),
    ("/predict", {"project": "1.2", "label_config": CONFIG}, "missing field 'tasks'"),
    ("/predict", {"tasks": [], "project": "9.9"}, "project '9.9' was never set up"),
    ("/webhook", {"project": {"id": 1}}, "missing field 'action'"),
    ("/predict", b"{not json", "request body is not valid JSON"),
    ("/predict", b"[1, 2]", "request body must be a JSON object, not list"),
])
def test_bad_requests_are_400_with_a_message(ml_server, path, body, message):
    client, _ = ml_server()

    response = client.post(path, **({"content": body} if isinstance(body, bytes) else {"json": body}))

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_a_model_that_raises_is_a_500_with_the_error(ml_server):
    client, _ = ml_server()

    response = client.post("/predict", json=predict_body([{"id": 1, "data": {"picture": "x.png"}}], project="6.1"))

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"] == "backend 'brightness' failed: KeyError: 'image'"


def test_basic_auth_is_required_when_configured(ml_server):
    client, _ = ml_server(basic_auth=("studio", "s3cret"))

    refused = client.get("/health")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Basic")
    assert client.get("/health", auth=("studio", "wrong")).status_code == 401
    assert client.post("/predict", json=predict_body([])).status_code == 401
    assert client.get("/health", auth=("studio", "s3cret")).json()["status"] == "UP"


def test_settings_are_validated_by_the_backend_settings_model(brightness_registry):
    registry, _ = brightness_registry
    with pytest.raises(Exception, match="setting 'threshold': Input should be less than or equal to 255"):
        backend_settings(registry.ml_backends["brightness"], {"threshold": 300})


# --------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """An environment where ml_brightness is an installed plugin: a dist-info with its entry point."""
    site = tmp_path_factory.mktemp("site")
    dist_info = site / "labelcore_test_ml_brightness-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: labelcore-test-ml-brightness\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[labelcore]\nml_brightness = ml_brightness\n")
    path = os.pathsep.join([str(site), str(PLUGINS_DIR), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path.rstrip(os.pathsep)}


def labelcore(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labelcore", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_an_unknown_backend_lists_the_installed_ones(cli_env):
    result = labelcore(cli_env, "ml", "serve", "nosuch")

    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith("Error: no ML backend 'nosuch'; installed backends: ")
    listed = message.split(": ", 2)[2].split(", ")
    assert {"brightness", "brightness_fixed", "remote"} <= set(listed) and listed == sorted(listed)


@pytest.mark.parametrize("args, message", [
    (["--setting", "threshold=dark"], "setting 'threshold': Input should be a valid number"),
    (["--setting", "threshold=300"], "setting 'threshold': Input should be less than or equal to 255"),
    (["--setting", "threshold"], "--setting 'threshold': expected KEY=VALUE"),
    (["--basic-auth", "nocolon"], "--basic-auth: expected USER:PASS"),
])
def test_bad_settings_are_one_line_errors(cli_env, args, message):
    result = labelcore(cli_env, "ml", "serve", "brightness", *args)

    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_settings_file_is_read_and_settings_override_it(cli_env, tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text('{"threshold": 300}')
    assert "less than or equal to 255" in labelcore(cli_env, "ml", "serve", "brightness",
                                                    "--settings", str(settings)).stderr
    settings.write_text('{"threshold": "x"')
    assert "invalid JSON" in labelcore(cli_env, "ml", "serve", "brightness", "--settings", str(settings)).stderr


def test_serve_starts_a_server_that_predicts(cli_env, public_images, tmp_path):
    port = free_port()
    log = open(tmp_path / "ml.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "labelcore", "ml", "serve", "brightness", "--port", str(port),
                                "--setting", "threshold=250"], env=cli_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                health = httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "ml.log").read_text()
                time.sleep(0.1)
        assert health.json()["status"] == "UP"

        tasks = [{"id": 1, "data": {"image": f"{public_images}/bright.png"}}]
        response = httpx.post(f"{url}/predict", json=predict_body(tasks), timeout=30)

        # 235 is below the threshold set on the command line
        assert chosen(response) == [["Dark"]]
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_models_of_projects_not_called_lately_are_dropped_and_set_up_again(brightness_registry):
    from labelcore.ml_server import ServedBackend

    registry, pm = brightness_registry
    spec = registry.ml_backends["brightness_fixed"]
    served = ServedBackend(spec, spec.settings_model(), registry, pm)
    served.max_projects = 2
    first = served.model_for("1.100", CONFIG)
    served.model_for("2.200", CONFIG)
    assert served.model_for("1.100", CONFIG) is first  # used again: now the most recent
    served.model_for("3.300", CONFIG)

    assert list(served.models) == ["1.100", "3.300"]
    assert served.model_for("2.200", CONFIG).model is not None  # set up again on its next call
    assert list(served.models) == ["3.300", "2.200"]
