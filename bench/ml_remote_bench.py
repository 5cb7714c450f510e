"""Predictions per second through Label Studio's ML-backend protocol (not a pass/fail test), end to end.

On 127.0.0.1: starts ``labelcore serve`` (SQLite in a temporary folder) and a model server, either
``--server lsml`` (the label-studio-ml 1.0.9 bright-box model of tests/ml/lsml_model.py, in the
``.cache/lsml`` venv made by ``./dev ml-fixtures``) or ``--server yolo`` (``labelcore ml serve yolo``,
the bundled shapes detector). Both fetch every image back from labelcore with the ML token.

Per run (``--repeat`` runs per batch size, each on a fresh project and a freshly attached backend):

1. a project (Image + RectangleLabels), ``--tasks`` synthetic 320x240 JPEGs uploaded 100 per
   multipart request (plugins/ml_yolo's generator);
2. the model server attached with ``POST /api/ml`` (``remote``, ``settings.batch_size`` = tasks per
   /predict request), then the data manager's ``retrieve_tasks_predictions`` on all tasks, timed
   from the POST until ``/api/jobs/{id}`` says finished; every task must then hold a prediction;
3. ``direct``: the same tasks POSTed to the model server's /predict by this script, batch by batch
   (model + media fetch, without labelcore's side: reading tasks, checking, writing), after
   emptying label-studio-ml's download cache;
4. ``sync``: ``--sample`` tasks have their predictions deleted and are opened one by one with
   ``GET /api/tasks/{id}`` (the project shows predictions, so each open predicts and stores one
   task within the request); p50/p95 of those, and of opening a task that already has one; and
   the p50 of fetching one image from labelcore on a new connection (admin token).

One JSON line per run, with the load average before and after and both servers' RSS.

    .venv/bin/python bench/ml_remote_bench.py --server lsml --batch-size 1,10,100 --repeat 2
    .venv/bin/python bench/ml_remote_bench.py --server yolo --tasks 300 --batch-size 1
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import httpx

from labelcore.services.ml_protocol import project_uid
from labelcore.testing import LiveServer, free_port, stop_process, wait_healthy
from labelcore_ml_yolo.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
LSML_MODEL = ROOT / "tests" / "ml" / "lsml_model.py"
#: the yolo model's classes; the bright-box model labels with the first one
CONFIG = """<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">
<Label value="Circle"/><Label value="Square"/><Label value="Triangle"/></RectangleLabels></View>"""
UPLOAD_BATCH = 100


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def loadavg() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def start_model_server(kind: str, home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    if kind == "lsml":
        python = os.environ.get("LABELCORE_TEST_LSML_PYTHON") or str(ROOT / ".cache" / "lsml" / "bin" / "python")
        if not Path(python).exists():
            sys.exit(f"no label-studio-ml venv at {python}: run ./dev ml-fixtures")
        command = [python, str(LSML_MODEL), "--port", str(port), "--model-dir", str(home / "models")]
    else:
        command = [sys.executable, "-m", "labelcore", "ml", "serve", "yolo", "--port", str(port)]
    # label-studio-tools caches downloads under XDG_CACHE_HOME: a fresh folder, so every image is fetched
    env = {**os.environ, "LSML_CALLS_LOG": os.devnull, "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_DATA_HOME": str(home / "share"), "LABELCORE_DATA_DIR": str(home)}
    log = home / "model-server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log, f"the {kind} model server", seconds=60)
    except RuntimeError as exc:
        sys.exit(str(exc))
    return process, url


def jpegs(count: int) -> list[bytes]:
    images = []
    for image, _ in generate(4242, count, [(320, 240)]):
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        images.append(out.getvalue())
    return images


def wait_job(http: httpx.Client, job: int, seconds: float = 3600) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = http.get(f"/api/jobs/{job}").json()
        if status["state"] in ("finished", "failed"):
            return status
        time.sleep(0.05)
    sys.exit(f"job {job} did not finish within {seconds:g} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def make_project(http: httpx.Client, images: list[bytes], title: str) -> tuple[dict, list[dict]]:
    project = http.post("/api/projects", json={"title": title, "label_config": CONFIG}).json()
    for start in range(0, len(images), UPLOAD_BATCH):
        files = [(f"file{index}", (f"img{start + index}.jpg", data, "image/jpeg"))
                 for index, data in enumerate(images[start:start + UPLOAD_BATCH])]
        response = http.post(f"/api/projects/{project['id']}/import", files=files)
        if response.status_code != 201:
            sys.exit(f"upload failed: {response.status_code} {response.text[:300]}")
    tasks = http.get("/api/tasks", params={"project": project["id"], "fields": "all",
                                           "page_size": len(images) + 1}).json()["tasks"]
    if len(tasks) != len(images):
        sys.exit(f"uploaded {len(images)} images, the project holds {len(tasks)} tasks")
    return project, sorted(tasks, key=lambda task: task["id"])


def predicted_tasks(http: httpx.Client, project_id: int) -> int:
    return http.get(f"/api/projects/{project_id}").json()["total_predictions_number"]


def direct_predict(model_url: str, project: dict, tasks: list[dict], batch: int) -> float:
    """Seconds for the model server alone to answer /predict over all tasks, ``batch`` per request."""
    uid = project_uid(project["id"], datetime.fromisoformat(project["created_at"]))
    body_tasks = [{"id": task["id"], "data": task["data"], "annotations": [], "predictions": []} for task in tasks]
    with httpx.Client(timeout=600) as client:
        started = time.perf_counter()
        for start in range(0, len(body_tasks), batch):
            response = client.post(f"{model_url}/predict", json={
                "tasks": body_tasks[start:start + batch], "project": uid, "label_config": CONFIG, "params": {}})
            response.raise_for_status()
            if len(response.json()["results"]) != len(body_tasks[start:start + batch]):
                sys.exit(f"direct /predict answered {len(response.json()['results'])} results")
        return time.perf_counter() - started


def run(server: LiveServer, kind: str, model_url: str, model_pid: int, images: list[bytes], batch: int,
        rep: int, sample: int, direct: bool, home: Path) -> dict:
    with server.client(timeout=600) as http:
        project, tasks = make_project(http, images, f"{kind} b{batch} r{rep}")
        response = http.post("/api/ml", json={"project": project["id"], "url": model_url, "title": kind,
                                              "settings": {"batch_size": batch}})
        if response.status_code != 201:
            sys.exit(f"attaching the model failed: {response.status_code} {response.text[:300]}")
        backend = response.json()
        load_before = loadavg()
        started = time.perf_counter()
        response = http.post("/api/dm/actions", params={"id": "retrieve_tasks_predictions", "project": project["id"]},
                             json={"selectedItems": {"all": True, "excluded": []}})
        response.raise_for_status()
        status = wait_job(http, response.json()["job"])
        seconds = time.perf_counter() - started
        load_after = loadavg()
        if status["state"] != "finished":
            row = http.get(f"/api/ml/{backend['id']}").json()
            sys.exit(f"retrieve predictions failed: {status}; backend: {row}")
        count = predicted_tasks(http, project["id"])
        if count != len(tasks):
            sys.exit(f"{count} predictions for {len(tasks)} tasks")
        record = {"bench": "ml_remote", "server": kind, "tasks": len(tasks), "batch_size": batch, "rep": rep,
                  "seconds": round(seconds, 2), "predictions_per_s": round(len(tasks) / seconds, 1),
                  "loadavg_before": load_before, "loadavg_after": load_after}
        if direct:
            shutil.rmtree(home / "cache", ignore_errors=True)  # label-studio-ml's download cache
            direct_s = direct_predict(model_url, project, tasks, batch)
            record.update(direct_seconds=round(direct_s, 2), direct_predictions_per_s=round(len(tasks) / direct_s, 1))

        fetches = []
        for task in tasks[:sample]:  # one connection per image, as label-studio-tools' requests.get does
            began = time.perf_counter()
            with urllib.request.urlopen(urllib.request.Request(server.url + task["data"]["image"],
                                                               headers=server.headers)) as image:
                image.read()
            fetches.append(time.perf_counter() - began)
        record["media_fetch_p50_ms"] = round(1000 * statistics.median(fetches), 1)

        picked = [task["id"] for task in tasks[:sample]]
        http.post("/api/dm/actions", params={"id": "delete_tasks_predictions", "project": project["id"]},
                  json={"selectedItems": {"all": False, "included": picked}}).raise_for_status()
        opens, warm = [], []
        for task_id in picked:
            began = time.perf_counter()
            opened = http.get(f"/api/tasks/{task_id}")
            opens.append(time.perf_counter() - began)
            if opened.status_code != 200 or not opened.json()["predictions"]:
                sys.exit(f"opening task {task_id} gave no prediction: {opened.status_code} {opened.text[:300]}")
            began = time.perf_counter()
            http.get(f"/api/tasks/{task_id}").raise_for_status()
            warm.append(time.perf_counter() - began)
        record.update(sync_sample=len(picked),
                      sync_open_p50_ms=round(1000 * statistics.median(opens), 1),
                      sync_open_p95_ms=round(1000 * percentile(opens, 0.95), 1),
                      open_predicted_p50_ms=round(1000 * statistics.median(warm), 1),
                      labelcore_rss_mib=rss_mib(server.process.pid), model_server_rss_mib=rss_mib(model_pid),
                      loadavg_end=loadavg())
        http.delete(f"/api/projects/{project['id']}")
        return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("lsml", "yolo"), default="lsml")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--batch-size", default="1,10,100", help="tasks per /predict request, comma-separated")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sample", type=int, default=50, help="tasks opened one by one for the synchronous path")
    parser.add_argument("--no-direct", dest="direct", action="store_false",
                        help="skip timing the model server's /predict without labelcore")
    args = parser.parse_args()

    images = jpegs(args.tasks)
    with tempfile.TemporaryDirectory() as folder:
        data_dir, home = Path(folder) / "data", Path(folder) / "model"
        data_dir.mkdir()
        home.mkdir()
        process, model_url = start_model_server(args.server, home)
        try:
            with LiveServer(data_dir) as server:
                for batch in (int(value) for value in args.batch_size.split(",")):
                    for rep in range(1, args.repeat + 1):
                        print(json.dumps(run(server, args.server, model_url, process.pid, images, batch, rep,
                                             args.sample, args.direct, home)), flush=True)
        finally:
            stop_process(process)


if __name__ == "__main__":
    main()
