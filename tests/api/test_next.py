"""The labeling stream, ``GET /api/projects/{id}/next``: which task each annotator gets, in which order,
how locks, overlap and skips shape it, and the 404 once nothing is left."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from labelcore.db import make_engine, write_session
from labelcore.models import Annotation, Task
from labelcore.settings import Settings
from labelcore.testing import LiveServer

LABEL_CONFIG = ('<View><Text name="text" value="$text"/>'
                '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>')
RESULT = [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}]


@dataclass
class Annotator:
    id: int
    email: str
    client: httpx.Client

    def next(self, project_id: int) -> httpx.Response:
        return self.client.get(f"/api/projects/{project_id}/next/")

    def next_id(self, project_id: int) -> int | None:
        response = self.next(project_id)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()["id"]


class Workspace:
    """Projects, annotators and annotations for these tests.

    Everything goes through the REST API; annotators are made as users do it (created, log in,
    reset the token). Task ids are read from the server's database.
    """

    def __init__(self, server: LiveServer):
        self.server = server
        self.admin = httpx.Client(base_url=server.url, headers=server.headers, timeout=60)
        self.engine = make_engine(Settings(data_dir=server.data_dir, database_url=server.database_url))
        self.clients: list[httpx.Client] = [self.admin]

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.engine.dispose()

    # ----------------------------------------------------------------- annotators

    def annotator(self, name: str = "annotator") -> Annotator:
        user_id, email, token = self.server.new_user(name)
        client = httpx.Client(base_url=self.server.url, headers={"Authorization": f"Token {token}"}, timeout=60)
        self.clients.append(client)
        return Annotator(user_id, email, client)

    # ----------------------------------------------------------------- projects

    def project(self, tasks: int, maximum_annotations: int = 1, sampling: str = "Sequential sampling",
                skip_queue: str = "REQUEUE_FOR_OTHERS", **fields) -> tuple[int, list[int]]:
        """A project with ``tasks`` text tasks; returns its id and its task ids in id order."""
        settings = {"title": "next", "label_config": LABEL_CONFIG, "maximum_annotations": maximum_annotations,
                    "sampling": sampling, "skip_queue": skip_queue, **fields}
        data = [{"text": f"item {i}"} for i in range(tasks)]
        created = self.admin.post("/api/projects/", json=settings)
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]
        if tasks:
            imported = self.admin.post(f"/api/projects/{project_id}/import", json=data)
            assert imported.status_code == 201, imported.text
        return project_id, self.task_ids(project_id)

    def task_ids(self, project_id: int) -> list[int]:
        with write_session(self.engine) as session:
            return list(session.exec(select(Task.id).where(Task.project_id == project_id).order_by(Task.id)).scalars())

    # ----------------------------------------------------------------- annotations

    def annotate(self, who: Annotator, task_id: int, skip: bool = False) -> None:
        """Submit (or, with ``skip``, skip) the task as ``who``."""
        body = {"result": [] if skip else RESULT, "was_cancelled": skip, "lead_time": 1.0}
        response = who.client.post(f"/api/tasks/{task_id}/annotations/", json=body)
        assert response.status_code in (200, 201), response.text

    def draft(self, who: Annotator, task_id: int, postponed: bool = False) -> None:
        """A draft of ``who``; ``postponed``: put aside with the stream's "postpone" button."""
        body = {"result": RESULT, "lead_time": 2.5, "was_postponed": postponed}
        response = who.client.post(f"/api/tasks/{task_id}/drafts", json=body)
        assert response.status_code == 201, response.text

    def postpone(self, who: Annotator, task_id: int) -> None:
        self.draft(who, task_id, postponed=True)

    def predict(self, task_id: int, model_version: str = "", score: float = 0.5) -> None:
        body = {"task": task_id, "result": RESULT, "score": score, "model_version": model_version}
        response = self.admin.post("/api/predictions/", json=body)
        assert response.status_code == 201, response.text

    def drain(self, who: Annotator, project_id: int, limit: int = 1000) -> list[int]:
        """Label everything the stream gives ``who`` until it answers 404; the task ids, in order."""
        served = []
        for _ in range(limit):
            task_id = who.next_id(project_id)
            if task_id is None:
                return served
            served.append(task_id)
            self.annotate(who, task_id)
        raise AssertionError(f"the stream never ran dry: {served[-10:]}")


@pytest.fixture
def ws(server):
    workspace = Workspace(server)
    yield workspace
    workspace.close()


# --------------------------------------------------------------------------- the task JSON


def test_next_returns_the_task_with_its_predictions_and_the_callers_drafts(ws):
    project_id, [first, *_] = ws.project(tasks=3)
    ws.predict(first)
    alice = ws.annotator("alice")
    ws.draft(alice, first)
    ws.draft(ws.annotator("bob"), first)  # someone else's draft is not shown

    task = alice.next(project_id).json()

    assert task["id"] == first
    assert task["data"] == {"text": "item 0"}
    assert task["project"] == project_id
    assert task["annotations"] == []  # Label Studio's stream sends none
    assert [p["result"] for p in task["predictions"]] == [RESULT]
    assert [(d["result"], d["lead_time"], d["task"]) for d in task["drafts"]] == [(RESULT, 2.5, first)]
    assert task["queue"] == "Sequence queue"


def test_predictions_are_hidden_when_the_project_does_not_show_them(ws):
    project_id, [first, *_] = ws.project(tasks=2, show_collab_predictions=False)
    ws.predict(first)

    assert ws.annotator().next(project_id).json()["predictions"] == []


def test_only_the_projects_model_version_is_shown_once_it_is_set(ws):
    project_id, [first, *_] = ws.project(tasks=2, model_version="v2")
    ws.predict(first, model_version="v1")
    ws.predict(first, model_version="v2")

    assert [p["model_version"] for p in ws.annotator().next(project_id).json()["predictions"]] == ["v2"]


def test_an_unknown_project_is_404(ws):
    response = ws.annotator().next(999_999)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_next_needs_credentials(server, ws):
    project_id, _ = ws.project(tasks=1)

    assert httpx.get(f"{server.url}/api/projects/{project_id}/next/").status_code == 401


# --------------------------------------------------------------------------- order and locks


def test_sequential_sampling_hands_out_tasks_in_id_order_then_404(ws):
    project_id, task_ids = ws.project(tasks=5)
    alice = ws.annotator("alice")

    assert ws.drain(alice, project_id) == task_ids

    response = alice.next(project_id)
    assert response.status_code == 404
    assert response.json() == {"detail": f"There are no tasks for {alice.email}"}


def test_asking_again_returns_the_same_task_until_it_is_submitted(ws):
    project_id, [first, second, *_] = ws.project(tasks=3)
    alice = ws.annotator("alice")

    assert alice.next(project_id).json()["id"] == first
    again = alice.next(project_id).json()
    assert (again["id"], again["queue"]) == (first, "Task lock")

    ws.annotate(alice, first)
    assert alice.next_id(project_id) == second


def test_overlap_1_gives_two_annotators_different_tasks(ws):
    project_id, [first, second, third] = ws.project(tasks=3)
    alice, bob = ws.annotator("alice"), ws.annotator("bob")

    assert alice.next_id(project_id) == first
    assert bob.next_id(project_id) == second  # first is locked by alice

    ws.annotate(alice, first)
    assert bob.next_id(project_id) == second  # bob's own lock
    assert alice.next_id(project_id) == third


def test_overlap_2_gives_two_annotators_the_same_task_and_a_third_the_next(ws):
    project_id, [first, second, *_] = ws.project(tasks=3, maximum_annotations=2)
    alice, bob, carol = ws.annotator("alice"), ws.annotator("bob"), ws.annotator("carol")

    assert alice.next_id(project_id) == first
    assert bob.next_id(project_id) == first
    assert carol.next_id(project_id) == second  # first has its two annotators

    ws.annotate(alice, first)
    ws.annotate(bob, first)
    assert alice.next_id(project_id) == second  # carol holds one of second's two places
    assert carol.next_id(project_id) == second


def test_overlap_2_serves_every_task_to_exactly_two_annotators(ws):
    project_id, task_ids = ws.project(tasks=4, maximum_annotations=2)
    alice, bob = ws.annotator("alice"), ws.annotator("bob")

    assert ws.drain(alice, project_id) == task_ids
    assert ws.drain(bob, project_id) == task_ids
    assert ws.annotator("carol").next(project_id).status_code == 404


def test_labeled_tasks_are_not_handed_out(ws):
    project_id, [first, second] = ws.project(tasks=2)
    alice, bob = ws.annotator("alice"), ws.annotator("bob")
    ws.annotate(alice, first)  # first is labeled without ever going through /next

    assert bob.next_id(project_id) == second


def test_uniform_sampling_serves_every_task_once_in_a_random_order(ws):
    project_id, task_ids = ws.project(tasks=40, sampling="Uniform sampling")
    alice = ws.annotator("alice")

    served = ws.drain(alice, project_id)

    assert sorted(served) == task_ids
    assert served != task_ids  # 40 random draws in id order: odds of about 1 in 10**47
    assert alice.next(project_id).status_code == 404


def test_uniform_sampling_names_its_queue(ws):
    project_id, _ = ws.project(tasks=3, sampling="Uniform sampling")

    assert ws.annotator().next(project_id).json()["queue"] == "Uniform random queue"


def test_uncertainty_sampling_serves_the_least_confident_prediction_first(ws):
    project_id, [high, low, unscored, middle, tied] = ws.project(tasks=5, sampling="Uncertainty sampling",
                                                                  model_version="v1")
    for task_id, score in ((high, 0.9), (low, 0.2), (middle, 0.5), (tied, 0.5)):
        ws.predict(task_id, "v1", score)
    ws.predict(unscored, "v0", 0.01)  # another model version does not count
    ws.predict(high, "v0", 0.0)

    served = ws.drain(ws.annotator(), project_id)

    assert served == [low, middle, tied, high, unscored]


def test_uncertainty_sampling_without_predictions_serves_tasks_in_id_order(ws):
    project_id, task_ids = ws.project(tasks=5, sampling="Uncertainty sampling")
    alice = ws.annotator()

    assert alice.next(project_id).json()["queue"] == "Active learning or random queue"
    assert ws.drain(alice, project_id) == task_ids


# --------------------------------------------------------------------------- skips


def test_requeue_for_others_gives_a_skipped_task_to_someone_else_never_back(ws):
    project_id, [first, second, third] = ws.project(tasks=3, skip_queue="REQUEUE_FOR_OTHERS")
    alice, bob = ws.annotator("alice"), ws.annotator("bob")

    assert alice.next_id(project_id) == first
    ws.annotate(alice, first, skip=True)

    assert bob.next_id(project_id) == first
    assert ws.drain(alice, project_id) == [second, third]


def test_requeue_for_me_gives_a_skipped_task_back_to_its_skipper_last(ws):
    project_id, [first, second, third] = ws.project(tasks=3, skip_queue="REQUEUE_FOR_ME")
    alice, bob = ws.annotator("alice"), ws.annotator("bob")

    assert alice.next_id(project_id) == first
    ws.annotate(alice, first, skip=True)

    assert bob.next_id(project_id) == second  # first is alice's
    ws.annotate(bob, second)
    assert alice.next_id(project_id) == third
    ws.annotate(alice, third)
    back = alice.next(project_id).json()
    assert (back["id"], back["queue"]) == (first, "Skipped queue")
    ws.annotate(alice, first)
    assert alice.next(project_id).status_code == 404
    assert bob.next(project_id).status_code == 404


def test_ignore_skipped_closes_a_skipped_task_for_everyone(ws):
    project_id, [first, second] = ws.project(tasks=2, skip_queue="IGNORE_SKIPPED")
    alice, bob = ws.annotator("alice"), ws.annotator("bob")

    assert alice.next_id(project_id) == first
    ws.annotate(alice, first, skip=True)

    assert bob.next_id(project_id) == second
    ws.annotate(bob, second)
    assert alice.next(project_id).status_code == 404
    assert bob.next(project_id).status_code == 404


def _done(ws, project_id: int) -> tuple[list[bool], int]:
    """Each task's is_labeled in id order, and the project's finished_task_number."""
    tasks = ws.admin.get("/api/tasks/", params={"project": project_id, "fields": "all"}).json()["tasks"]
    project = ws.admin.get(f"/api/projects/{project_id}/").json()
    return [task["is_labeled"] for task in sorted(tasks, key=lambda task: task["id"])], project["finished_task_number"]


def test_ignore_skipped_counts_a_skip_as_done_as_label_studio_does(ws):
    project_id, [first, second] = ws.project(tasks=2, skip_queue="IGNORE_SKIPPED")
    alice = ws.annotator("alice")
    ws.annotate(alice, first, skip=True)

    assert _done(ws, project_id) == ([True, False], 1)

    # another skip queue: only submitted annotations finish a task, and the counters follow at once
    assert ws.admin.patch(f"/api/projects/{project_id}/", json={"skip_queue": "REQUEUE_FOR_ME"}).status_code == 200
    assert _done(ws, project_id) == ([False, False], 0)
    assert ws.admin.patch(f"/api/projects/{project_id}/", json={"skip_queue": "IGNORE_SKIPPED"}).status_code == 200
    assert _done(ws, project_id) == ([True, False], 1)

    # removing the skip reopens the task
    with write_session(ws.engine) as session:
        skip_id = session.exec(select(Annotation.id).where(Annotation.task_id == first)).scalar_one()
    assert ws.admin.delete(f"/api/annotations/{skip_id}/").status_code == 204
    assert _done(ws, project_id) == ([False, False], 0)


def test_ignore_skipped_counts_imported_skips_too(ws):
    project_id, _ = ws.project(tasks=0, skip_queue="IGNORE_SKIPPED")
    tasks = [{"data": {"text": "skipped"}, "annotations": [{"result": [], "was_cancelled": True}]},
             {"data": {"text": "open"}}]
    assert ws.admin.post(f"/api/projects/{project_id}/import", json=tasks).status_code == 201

    assert _done(ws, project_id) == ([True, False], 1)


def test_postponing_the_task_in_hand_moves_the_stream_on(ws):
    project_id, [first, second] = ws.project(tasks=2)
    alice = ws.annotator("alice")
    assert alice.next_id(project_id) == first

    ws.postpone(alice, first)

    assert alice.next_id(project_id) == second


def test_postponed_tasks_come_back_after_the_rest(ws):
    project_id, [first, second] = ws.project(tasks=2)
    alice = ws.annotator("alice")
    ws.postpone(alice, first)

    assert alice.next_id(project_id) == second
    ws.annotate(alice, second)
    back = alice.next(project_id).json()
    assert (back["id"], back["queue"]) == (first, "Postponed draft queue")


# --------------------------------------------------------------------------- lock expiry


@pytest.fixture(scope="module")
def short_lock_server(server):
    """A second server on ``server``'s database whose /next locks last one second."""
    live = LiveServer(server.data_dir, database_url=server.database_url, env={"LABELCORE_TASK_LOCK_SECONDS": "1"})
    live.token, live.password = server.token, server.password  # the same first admin, the same credentials
    with live:
        yield live


def test_an_expired_lock_frees_the_task_for_others(short_lock_server):
    ws = Workspace(short_lock_server)
    try:
        project_id, [first, second, third] = ws.project(tasks=3)
        alice, bob, carol = ws.annotator("alice"), ws.annotator("bob"), ws.annotator("carol")

        assert alice.next_id(project_id) == first
        assert bob.next_id(project_id) == second
        time.sleep(1.5)

        assert carol.next_id(project_id) == first  # alice's and bob's locks have expired
        assert bob.next_id(project_id) == second  # bob asks again and takes it anew
        assert alice.next_id(project_id) == third
    finally:
        ws.close()
