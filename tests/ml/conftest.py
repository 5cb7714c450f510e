"""Servers the remote ML backend is tested against: a real label-studio-ml 1.0.9 server (its own
venv, made by ``./dev ml-fixtures``), a labelcore LiveServer holding uploaded images, and tiny
local HTTP servers for the failures a real server would not show on demand."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from PIL import Image

from labelcore.builtin.ml_remote import RemoteModel, RemoteSettings
from labelcore.services.ml_protocol import project_uid
from labelcore.testing import LiveServer, free_port, local_http_server, stop_process, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
MODEL_SCRIPT = Path(__file__).with_name("lsml_model.py")

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Sun"/>
  </RectangleLabels>
</View>"""

IMAGE_SIZE = (200, 100)
#: Where each uploaded image's bright rectangle is, in pixels: (left, top, right, bottom).
BRIGHT_BOXES = {"left.png": (10, 10, 50, 40), "middle.png": (80, 30, 150, 90), "right.png": (150, 0, 200, 25)}


def png(box: tuple[int, int, int, int]) -> bytes:
    image = Image.new("L", IMAGE_SIZE, 30)
    image.paste(230, box)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def lsml_python() -> str:
    python = os.environ.get("LABELCORE_TEST_LSML_PYTHON") or str(ROOT / ".cache" / "lsml" / "bin" / "python")
    if not Path(python).exists():
        pytest.fail(f"no label-studio-ml venv at {python}: run ./dev test (or ./dev ml-fixtures) to create it")
    return python


@pytest.fixture(scope="module")
def labelcore_server(tmp_path_factory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("data")) as server:
        yield server


@pytest.fixture(scope="module")
def image_project(labelcore_server) -> dict:
    """A project whose tasks are images uploaded to labelcore: ``{"project", "tasks", "size"}``, each
    task with its ``box`` added (the bright rectangle's pixels), ``size`` the images' (width, height)."""
    with httpx.Client(base_url=labelcore_server.url, headers=labelcore_server.headers, timeout=30) as http:
        project = http.post("/api/projects", json={"title": "Suns", "label_config": CONFIG}).json()
        files = [(f"file{index}", (name, png(box))) for index, (name, box) in enumerate(BRIGHT_BOXES.items())]
        response = http.post(f"/api/projects/{project['id']}/import", files=files)
        assert response.status_code == 201, response.text
        tasks = http.get("/api/tasks", params={"project": project["id"], "fields": "all"}).json()["tasks"]
    tasks.sort(key=lambda task: task["inner_id"])
    for task in tasks:
        assert task["data"]["image"].startswith(f"/data/upload/{project['id']}/")
        task["box"] = BRIGHT_BOXES[task["data"]["image"].split("-", 1)[1]]
    return {"project": project, "tasks": tasks, "size": IMAGE_SIZE}


class LabelStudioML:
    """A running label-studio-ml server; ``calls()`` reads what its model recorded."""

    def __init__(self, url: str, calls_log: Path, model_dir: Path):
        self.url = url
        self.calls_log = calls_log
        self.model_dir = model_dir

    def calls(self, kind: str | None = None) -> list[dict]:
        if not self.calls_log.exists():
            return []
        lines = [json.loads(line) for line in self.calls_log.read_text().splitlines()]
        return [line for line in lines if kind is None or line["call"] == kind]


@pytest.fixture(scope="module")
def config(installed):
    return installed.parse(CONFIG)


@pytest.fixture
def lsml_server(tmp_path) -> Iterator[LabelStudioML]:
    python = lsml_python()
    port = free_port()
    home = tmp_path / "lsml"
    home.mkdir()
    env = {**os.environ, "LSML_CALLS_LOG": str(home / "calls.jsonl"),
           # label-studio-tools caches downloads here: fresh folders, so every image is really fetched
           "XDG_CACHE_HOME": str(home / "cache"), "XDG_DATA_HOME": str(home / "share")}
    with (home / "server.log").open("wb") as log:
        process = subprocess.Popen([python, str(MODEL_SCRIPT), "--port", str(port),
                                    "--model-dir", str(home / "models")],
                                   cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, process, home / "server.log", "label-studio-ml")
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield LabelStudioML(url, home / "calls.jsonl", home / "models")
    finally:
        stop_process(process)


@pytest.fixture
def remote_settings(lsml_server, labelcore_server, image_project) -> Callable[..., RemoteSettings]:
    """Settings for the label-studio-ml server, with what the host fills (hostname, token, project)."""
    project = image_project["project"]

    def make(**overrides) -> RemoteSettings:
        fields = {"url": lsml_server.url, "hostname": labelcore_server.url, "access_token": labelcore_server.token,
                  "project": project_uid(project["id"], datetime.fromisoformat(project["created_at"])), **overrides}
        return RemoteSettings(**fields)

    return make


@pytest.fixture
def remote_model(remote_settings) -> Iterator[RemoteModel]:
    model = RemoteModel(remote_settings())
    yield model
    model.close()


Responder = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]


class TinyServer:
    """A local HTTP server answering every request with ``respond(method, path, headers, body)``;
    ``requests`` lists what it received."""

    def __init__(self, respond: Responder):
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                       "body": body})
                status, content = respond(self.command, self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args):
                pass

        self._serving = local_http_server(Handler)
        self.url = self._serving.__enter__()

    def close(self) -> None:
        self._serving.__exit__(None, None, None)


@pytest.fixture
def tiny_server() -> Iterator[Callable[[Responder], TinyServer]]:
    started: list[TinyServer] = []

    def start(respond: Responder) -> TinyServer:
        server = TinyServer(respond)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
