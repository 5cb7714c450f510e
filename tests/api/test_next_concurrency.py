"""Many annotators asking ``/next`` at once, through two server processes on one database (the same
PostgreSQL database, or the same SQLite file), or through the workers of one ``labelcore serve
--workers 2``: no task is ever handed to more annotators than its overlap. Timing is measured by
bench/annotators.py, never asserted here."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import func, select

from labelcore.db import make_engine, write_session
from labelcore.models import Annotation, Project, Task
from labelcore.settings import Settings
from labelcore.testing import LiveServer

LABEL_CONFIG = ('<View><Text name="text" value="$text"/>'
                '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>')
RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}]
ANNOTATORS = 20


@pytest.fixture(scope="module")
def twin(server):
    """A second server process on ``server``'s database (same PostgreSQL database or SQLite file)."""
    live = LiveServer(server.data_dir, database_url=server.database_url)
    live.token, live.password = server.token, server.password  # the same first admin, the same credentials
    with live:
        yield live


@pytest.fixture(scope="module")
def workers(server):
    """``labelcore serve`` with two worker processes, on ``server``'s database."""
    live = LiveServer(server.data_dir, database_url=server.database_url, env={"LABELCORE_WORKERS": "2"})
    live.token, live.password = server.token, server.password
    with live:
        yield live


def worker_cpu(live: LiveServer) -> dict[int, int]:
    """CPU ticks used so far by each worker process of ``live`` (uvicorn spawns them as children)."""
    parent = live.process.pid
    children = [int(pid) for task in os.listdir(f"/proc/{parent}/task")
                for pid in open(f"/proc/{parent}/task/{task}/children").read().split()]
    ticks = {}
    for pid in children:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if b"spawn_main" not in cmdline.read():
                continue  # multiprocessing's resource tracker
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


@dataclass
class Stream:
    """One annotator's view of the run: what /next served them, when, and through which server."""

    user_id: int
    token: str
    # task, when /next answered, when the submit was sent, whether it was a skip
    served: list[tuple[int, float, float, bool]] = field(default_factory=list)
    calls: int = 0


class Harness:
    def __init__(self, server: LiveServer):
        self.server = server
        self.admin = httpx.Client(base_url=server.url, headers=server.headers, timeout=60)
        self.engine = make_engine(Settings(data_dir=server.data_dir, database_url=server.database_url))

    def close(self) -> None:
        self.admin.close()
        self.engine.dispose()

    def annotator(self) -> Stream:
        user_id, _, token = self.server.new_user("crowd")
        return Stream(user_id, token)

    def project(self, tasks: int, overlap: int) -> int:
        settings = {"title": "crowd", "label_config": LABEL_CONFIG, "maximum_annotations": overlap}
        data = [{"text": f"item {i}"} for i in range(tasks)]
        project_id = self.admin.post("/api/projects/", json=settings).json()["id"]
        assert self.admin.post(f"/api/projects/{project_id}/import", json=data).status_code == 201
        return project_id

    def submit(self, client: httpx.Client, stream: Stream, task_id: int, skip: bool = False) -> None:
        result = [] if skip else RESULT
        response = client.post(f"/api/tasks/{task_id}/annotations/",
                               json={"result": result, "was_cancelled": skip, "lead_time": 1.0})
        assert response.status_code in (200, 201), response.text

    def labeled(self, project_id: int) -> int:
        with write_session(self.engine) as session:
            return session.exec(select(func.count(Task.id)).where(Task.project_id == project_id,
                                                                  Task.is_labeled == True)).one()[0]  # noqa: E712

    def annotations_per_task(self, project_id: int) -> dict[int, list[tuple[int, bool]]]:
        """Each task's stored annotations as (annotator, was it a skip)."""
        with write_session(self.engine) as session:
            rows = session.exec(select(Annotation.task_id, Annotation.completed_by_id, Annotation.was_cancelled)
                                .where(Annotation.project_id == project_id)).all()
        annotations: dict[int, list[tuple[int, bool]]] = defaultdict(list)
        for task_id, user_id, skipped in rows:
            annotations[task_id].append((user_id, skipped))
        return annotations


@pytest.fixture
def harness(server):
    harness = Harness(server)
    yield harness
    harness.close()


def clients(stream: Stream, *servers: LiveServer, keep_alive: bool = True) -> list[httpx.Client]:
    headers = {"Authorization": f"Token {stream.token}"} | ({} if keep_alive else {"Connection": "close"})
    return [httpx.Client(base_url=live.url, headers=headers, timeout=60) for live in servers]


def test_annotators_asking_at_the_same_instant_get_different_tasks(server, twin, harness):
    project_id = harness.project(tasks=100, overlap=1)
    streams = [harness.annotator() for _ in range(ANNOTATORS)]
    start = threading.Barrier(ANNOTATORS)

    def ask(index: int) -> int:
        [client] = clients(streams[index], (server, twin)[index % 2])
        with client:
            start.wait()
            response = client.get(f"/api/projects/{project_id}/next/")
        assert response.status_code == 200, response.text
        return response.json()["id"]

    with ThreadPoolExecutor(ANNOTATORS) as pool:
        served = list(pool.map(ask, range(ANNOTATORS)))

    assert len(set(served)) == ANNOTATORS


@pytest.mark.parametrize("overlap", [1, 2])
def test_no_task_gets_more_annotators_than_its_overlap(server, twin, harness, overlap):
    label_all_and_check_overlap(harness, overlap, [server, twin])


def test_workers_of_one_server_never_serve_a_task_beyond_its_overlap(workers, harness):
    before = worker_cpu(workers)
    # a new connection per call, so the kernel hands calls to either worker, not one for the whole run
    label_all_and_check_overlap(harness, 2, [workers], keep_alive=False)
    used = {pid: ticks - before.get(pid, 0) for pid, ticks in worker_cpu(workers).items()}
    assert len(used) == 2, used
    # both workers served: an idle worker's event loop uses well under 1% of what serving takes
    assert all(ticks * 10 >= sum(used.values()) for ticks in used.values()), used


def label_all_and_check_overlap(harness: Harness, overlap: int, servers: list[LiveServer],
                                keep_alive: bool = True) -> None:
    """ANNOTATORS annotators label a project through ``servers`` in turn; then no task was held by more
    annotators at once than its overlap, and every task ended with exactly that many annotations."""
    tasks = 60
    project_id = harness.project(tasks=tasks, overlap=overlap)
    streams = [harness.annotator() for _ in range(ANNOTATORS)]
    start = threading.Barrier(ANNOTATORS)

    def label(stream: Stream) -> None:
        # calls alternate between the servers; about one task in five is skipped, so a
        # task passes through several hands over time and only "at once" is bounded by the overlap
        chance = random.Random(stream.user_id)
        pair = clients(stream, *servers, keep_alive=keep_alive)
        try:
            start.wait()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                response = pair[stream.calls % len(pair)].get(f"/api/projects/{project_id}/next/")
                stream.calls += 1
                if response.status_code == 404:
                    # nothing open for this annotator now; what others hold may still come back as skips
                    if harness.labeled(project_id) == tasks:
                        return
                    time.sleep(0.05)
                    continue
                assert response.status_code == 200, response.text
                task_id, got_at = response.json()["id"], time.monotonic()
                skip = chance.random() < 0.2
                stream.served.append((task_id, got_at, time.monotonic(), skip))
                harness.submit(pair[stream.calls % len(pair)], stream, task_id, skip)
        finally:
            for client in pair:
                client.close()

    with ThreadPoolExecutor(ANNOTATORS) as pool:
        list(pool.map(label, streams))

    served_to: dict[int, list[int]] = defaultdict(list)
    for stream in streams:
        for task_id, *_ in stream.served:
            served_to[task_id].append(stream.user_id)
    stored = harness.annotations_per_task(project_id)
    calls = sum(stream.calls for stream in streams)
    print(f"overlap={overlap}: {calls} /next calls through {len(servers)} server(s), "
          f"{sum(map(len, served_to.values()))} tasks served, {sum(map(len, stored.values()))} annotations "
          f"({sum(skipped for rows in stored.values() for _, skipped in rows)} skips)")

    # nobody got a task twice, every serve ended in exactly one annotation or skip
    assert all(len(users) == len(set(users)) for users in served_to.values())
    assert {task: sorted(user for user, _ in rows) for task, rows in stored.items()} == {
        task: sorted(users) for task, users in served_to.items()}
    # every task got exactly `overlap` annotations from different annotators
    completed = {task: [user for user, skipped in rows if not skipped] for task, rows in stored.items()}
    assert len(completed) == tasks
    assert all(len(users) == len(set(users)) == overlap for users in completed.values()), {
        task: stored[task] for task, users in completed.items() if len(users) != overlap}

    # and at no instant did more than `overlap` annotators hold one task: the span from /next's answer
    # to sending the submit lies inside the server's lock, so overlapping spans are real overlaps
    for task_id in served_to:
        spans = [(got_at, sent_at) for stream in streams for task, got_at, sent_at, _ in stream.served
                 if task == task_id]
        events = sorted([(got_at, 1) for got_at, _ in spans] + [(sent_at, -1) for _, sent_at in spans])
        holding = peak = 0
        for _, step in events:
            holding += step
            peak = max(peak, holding)
        assert peak <= overlap, f"task {task_id} was held by {peak} annotators at once"

    assert harness.labeled(project_id) == tasks
    with write_session(harness.engine) as session:
        assert session.get(Project, project_id).finished_task_number == tasks
