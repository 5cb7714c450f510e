"""Export speed and server memory against project size (not a pass/fail test).

For each size N it starts a fresh ``labelcore serve`` (so its peak RSS starts clean), creates a
project of N tasks each with one annotation of three boxes (the shape of lsbench's W2), through
the REST API (``POST /api/projects``, ``POST /api/projects/{id}/import``) or, with ``--seed db``,
straight into the database, then streams ``GET /api/projects/{id}/export?exportType=F`` for each
format and reports seconds, time to first byte, bytes, and the server's RSS: sampled every 20 ms
during the export, and VmHWM (the kernel's high-water mark) before and after.

Seeding runs on one server process and the exports on a fresh one over the same data, so the
exports' memory is measured from a clean start. The point is the peak columns: they must not
grow with N, because the export streams.

    .venv/bin/python bench/export_memory.py --sizes 10000,100000
    .venv/bin/python bench/export_memory.py --sizes 10000,100000 --postgres "$(./dev postgres)"

It prints one JSON line per export (``--jsonl FILE`` appends them too) and a table at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx

from labelcore.testing import LiveServer

CONFIG = ('<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">'
          '<Label value="Car"/><Label value="Person"/></RectangleLabels></View>')


def task(i: int) -> dict:
    boxes = [{"id": f"t{i}b{k}", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
              "original_width": 1920, "original_height": 1080, "image_rotation": 0,
              "value": {"x": 10.0 + k * 20, "y": 15.5, "width": 12.25, "height": 20.0, "rotation": 0,
                        "rectanglelabels": ["Car" if k % 2 == 0 else "Person"]}} for k in range(3)]
    return {"data": {"image": f"/data/img_{i:06d}.jpg"}, "annotations": [{"result": boxes, "lead_time": 3.2}]}


# --------------------------------------------------------------------------- server memory


def _status(pid: int) -> dict[str, int]:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])  # kB
    except OSError:
        pass
    return values


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for tid in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (tid / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids += _tree(int(child))
    return pids


def rss_mib(pid: int) -> float:
    return sum(_status(p).get("VmRSS", 0) for p in _tree(pid)) / 1024


def hwm_mib(pid: int) -> float:
    return _status(pid).get("VmHWM", 0) / 1024


class Sampler:
    """Samples the server's RSS every ``interval`` seconds while it runs."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval, self.peak, self.samples = pid, interval, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            self.samples += 1
            time.sleep(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))


# --------------------------------------------------------------------------- arranging the project


def create_project_via_api(client: httpx.Client, n: int, chunk: int) -> int:
    project = client.post("/api/projects", json={"title": f"export bench {n}", "label_config": CONFIG})
    project.raise_for_status()
    project_id = project.json()["id"]
    for start in range(0, n, chunk):
        body = [task(i) for i in range(start, min(n, start + chunk))]
        response = client.post(f"/api/projects/{project_id}/import", json=body, timeout=3600)
        if response.status_code in (404, 405):
            raise LookupError("no import endpoint")
        response.raise_for_status()
    return project_id


def create_project_in_db(server: LiveServer, n: int) -> int:
    from sqlalchemy import insert, select

    from labelcore.db import make_engine, write_session
    from labelcore.models import Annotation, Project, Task, User
    from labelcore.services.counters import recount_project
    from labelcore.settings import Settings

    engine = make_engine(Settings(data_dir=server.data_dir, database_url=server.database_url))
    now = datetime.now(timezone.utc)
    with write_session(engine) as session:
        user_id = session.exec(select(User.id)).first()[0]
        project = Project(title=f"export bench {n}", label_config=CONFIG, created_by_id=user_id)
        session.add(project)
        session.flush()
        connection = session.connection()
        for start in range(0, n, 10_000):
            items = [task(i) for i in range(start, min(n, start + 10_000))]
            connection.execute(insert(Task), [
                {"project_id": project.id, "inner_id": start + k + 1, "data": item["data"], "meta": {},
                 "total_annotations": 1, "is_labeled": True, "created_at": now, "updated_at": now}
                for k, item in enumerate(items)])
            ids = connection.execute(select(Task.id).where(Task.project_id == project.id,
                                                           Task.inner_id > start).order_by(Task.id)).scalars().all()
            connection.execute(insert(Annotation), [
                {"task_id": task_id, "project_id": project.id, "result": item["annotations"][0]["result"],
                 "completed_by_id": user_id, "lead_time": 3.2, "was_cancelled": False, "ground_truth": False,
                 "unique_id": uuid.uuid4().hex, "created_at": now, "updated_at": now}
                for task_id, item in zip(ids, items)])
        recount_project(session, project.id)
        project_id = project.id
    engine.dispose()
    return project_id


def fresh_postgres(admin_url: str) -> str:
    import psycopg

    name = f"lc_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(admin_url: str, database_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}"')


# --------------------------------------------------------------------------- measuring


def measure_export(client: httpx.Client, pid: int, project_id: int, export_type: str) -> dict:
    before_hwm = hwm_mib(pid)
    start_rss = rss_mib(pid)
    size = 0
    ttfb = None
    with Sampler(pid) as sampler:
        started = time.perf_counter()
        with client.stream("GET", f"/api/projects/{project_id}/export", params={"exportType": export_type},
                           timeout=3600) as response:
            response.raise_for_status()
            for chunk in response.iter_raw():
                if ttfb is None:
                    ttfb = time.perf_counter() - started
                size += len(chunk)
        seconds = time.perf_counter() - started
    return {"format": export_type, "seconds": round(seconds, 3), "ttfb_s": round(ttfb or seconds, 3), "bytes": size,
            "rss_start_mib": round(start_rss, 1), "rss_peak_sampled_mib": round(sampler.peak, 1),
            "vmhwm_before_mib": round(before_hwm, 1), "vmhwm_after_mib": round(hwm_mib(pid), 1),
            "samples": sampler.samples}


def run_size(n: int, args: argparse.Namespace, out) -> list[dict]:
    database_url = fresh_postgres(args.postgres) if args.postgres else None
    try:
        return _run_size(n, args, out, database_url)
    finally:
        if database_url:
            drop_postgres(args.postgres, database_url)


def _run_size(n: int, args: argparse.Namespace, out, database_url: str | None) -> list[dict]:
    backend = "postgresql" if database_url else "sqlite"
    with tempfile.TemporaryDirectory(prefix="lc-export-bench-") as data_dir:
        with LiveServer(Path(data_dir), database_url=database_url) as server, \
                httpx.Client(base_url=server.url, headers=server.headers, timeout=600) as client:
            seeded = time.perf_counter()
            seed = args.seed
            if seed == "api":
                try:
                    project_id = create_project_via_api(client, n, args.chunk)
                except LookupError:
                    seed = "db"
            if seed == "db":
                project_id = create_project_in_db(server, n)
            seeded = time.perf_counter() - seeded
        # a fresh process for the exports, so its high-water mark is the exports' alone
        with LiveServer(Path(data_dir), database_url=database_url) as server, \
                httpx.Client(base_url=server.url, headers=server.headers, timeout=600) as client:
            pid = server.process.pid
            project = client.get(f"/api/projects/{project_id}").json()
            print(f"# N={n}: project {project_id} via {seed} in {seeded:.1f} s "
                  f"({project.get('task_number')} tasks, {project.get('total_annotations_number')} annotations), "
                  f"backend={backend}, export server pid {pid}", file=sys.stderr)
            if args.settle:
                time.sleep(args.settle)
            idle = rss_mib(pid)
            records = []
            for export_type in args.formats:
                for rep in range(args.repeat):
                    record = {"workload": "export-memory", "n": n, "rep": rep, "backend": backend,
                              "seeded_via": seed, "rss_idle_mib": round(idle, 1),
                              **measure_export(client, pid, project_id, export_type)}
                    print(json.dumps(record))
                    if out is not None:
                        out.write(json.dumps(record) + "\n")
                        out.flush()
                    records.append(record)
            return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated task counts")
    parser.add_argument("--formats", default="JSON,JSON_MIN,CSV,TSV")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", choices=("api", "db"), default="api",
                        help="create the tasks through the import API (falls back to db) or in the database")
    parser.add_argument("--chunk", type=int, default=10_000, help="tasks per import request")
    parser.add_argument("--postgres", default=None, help="admin URL: run on a fresh PostgreSQL database per size")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait after seeding")
    parser.add_argument("--jsonl", default=None)
    args = parser.parse_args()
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    out = open(args.jsonl, "a") if args.jsonl else None
    summary = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            summary += run_size(n, args, out)
    finally:
        if out is not None:
            out.close()
    print(f"\n{'N':>8} {'format':<9} {'median s':>9} {'tasks/s':>9} {'MB':>7} {'RSS idle':>9} "
          f"{'peak RSS':>9} {'peak-idle':>9} {'VmHWM':>7}", file=sys.stderr)
    keys = sorted({(r["n"], r["format"]) for r in summary}, key=lambda k: (k[0], args.formats.index(k[1])))
    for n, export_type in keys:
        rows = [r for r in summary if r["n"] == n and r["format"] == export_type]
        median = statistics.median(r["seconds"] for r in rows)
        peak = max(r["rss_peak_sampled_mib"] for r in rows)
        idle = rows[0]["rss_idle_mib"]
        hwm = max(r["vmhwm_after_mib"] for r in rows)
        print(f"{n:>8} {export_type:<9} {median:>9.3f} {n / median:>9.0f} {rows[0]['bytes'] / 1e6:>7.1f} "
              f"{idle:>9.1f} {peak:>9.1f} {peak - idle:>9.1f} {hwm:>7.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
