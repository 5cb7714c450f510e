"""Task orders for /next (the builtin samplers and the register_samplers contract) and the cost of
choosing a task: every statement of the atomic step finds its rows through an index."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from labelcore import SamplerSpec, hookimpl
from labelcore.db import write_session
from labelcore.models import Annotation, Draft, Project, Task, TaskLock
from labelcore.registry import build_registry
from labelcore.services import distribution
from labelcore.services.distribution import RandomStart, assign_next_task, release_lock, sampler_for
from labelcore.services.users import create_user


def make_project(engine, tasks: int, labeled: int = 0, **fields) -> tuple[int, list[int]]:
    with write_session(engine) as session:
        project = Project(title="p", **fields)
        session.add(project)
        session.flush()
        session.add_all([Task(project_id=project.id, inner_id=i + 1, data={"i": i}, is_labeled=i < labeled,
                              overlap=project.maximum_annotations) for i in range(tasks)])
        session.flush()
        ids = list(session.exec(select(Task.id).where(Task.project_id == project.id).order_by(Task.id)).scalars())
        return project.id, ids


def make_users(engine, n: int) -> list[int]:
    with write_session(engine) as session:
        return [create_user(session, f"user{i}@example.com").id for i in range(n)]


def assign(engine, registry, project_id: int, user_id: int) -> distribution.Assignment | None:
    with write_session(engine) as session:
        project = session.get(Project, project_id)
        return assign_next_task(session, project, user_id, sampler_for(registry, project), lock_seconds=600)


def test_the_builtin_samplers_carry_label_studios_names(registry):
    assert {"Sequential sampling", "Uniform sampling"} <= set(registry.samplers)
    assert registry.provider("samplers", "Uniform sampling").plugin == "labelcore.builtin.samplers"


def test_random_start_is_plain_id_order_in_sql(engine):
    statement = select(Task.id).order_by(RandomStart())

    assert str(statement.compile(engine)).endswith("ORDER BY task.id")


def test_sequential_sampling_follows_task_ids(engine, registry):
    project_id, task_ids = make_project(engine, tasks=5)
    users = make_users(engine, 5)

    assert [assign(engine, registry, project_id, user).task_id for user in users] == task_ids


def test_uniform_sampling_starts_anywhere(engine, registry):
    project_id, task_ids = make_project(engine, tasks=1000, sampling="Uniform sampling")
    users = make_users(engine, 20)

    picks = [assign(engine, registry, project_id, user).task_id for user in users]

    assert len(set(picks)) == 20
    assert max(picks) > task_ids[100]  # twenty starts all in the first tenth: odds of 1 in 10**20


def test_a_plugin_sampler_orders_the_stream(engine, pm):
    class NewestFirst:
        __name__ = "newest_first"

        @hookimpl
        def register_samplers(self):
            return [SamplerSpec(id="Newest first", title="Newest first", order_by=lambda project: [Task.id.desc()])]

    pm.register(NewestFirst(), name="newest_first")
    registry = build_registry(pm)
    project_id, task_ids = make_project(engine, tasks=3, sampling="Newest first")
    users = make_users(engine, 3)

    served = [assign(engine, registry, project_id, user) for user in users]

    assert [a.task_id for a in served] == task_ids[::-1]
    assert served[0].queue == "Newest first queue"


def test_a_sampling_no_plugin_provides_falls_back_to_sequential(engine, registry):
    project_id, task_ids = make_project(engine, tasks=2, sampling="From a removed plugin")
    [user] = make_users(engine, 1)

    assert assign(engine, registry, project_id, user).task_id == task_ids[0]


def test_uncertainty_sampling_is_a_builtin_sampler(engine, registry):
    project = Project(id=1, sampling="Uncertainty sampling")

    assert sampler_for(registry, project).id == "Uncertainty sampling"


def test_release_lock_drops_only_that_annotators_lock(engine, registry):
    project_id, [first, *_] = make_project(engine, tasks=2, maximum_annotations=2)
    alice, bob = make_users(engine, 2)
    assert assign(engine, registry, project_id, alice).task_id == first
    assert assign(engine, registry, project_id, bob).task_id == first

    with write_session(engine) as session:
        release_lock(session, first, alice)
    with write_session(engine) as session:
        holders = session.exec(select(TaskLock.user_id).where(TaskLock.task_id == first)).scalars().all()
    assert holders == [bob]


def test_expired_locks_are_cleared_by_the_next_assignment(engine, registry):
    project_id, [first, second] = make_project(engine, tasks=2)
    alice, bob = make_users(engine, 2)
    with write_session(engine) as session:
        session.add(TaskLock(task_id=first, project_id=project_id, user_id=alice,
                             expire_at=distribution.utcnow() - timedelta(seconds=1)))

    assert assign(engine, registry, project_id, bob).task_id == first
    with write_session(engine) as session:
        assert session.exec(select(TaskLock.user_id)).scalars().all() == [bob]


def test_a_plan_read_before_the_callers_other_assignment_does_not_give_them_a_second_task(engine, registry):
    """/next reads its plan before the write session; if the same caller was assigned a task in
    between (two of their requests at once), the one-statement claim gives way to the full step,
    which hands back the task they already hold instead of locking another."""
    project_id, [first, _second] = make_project(engine, tasks=2)
    [alice] = make_users(engine, 1)
    with write_session(engine) as session:
        project = session.get(Project, project_id)
        plan = distribution.plan_next(session, project, alice, sampler_for(registry, project))
    assert plan.claims and not plan.tidy

    assert assign(engine, registry, project_id, alice).task_id == first
    with write_session(engine) as session:
        project = session.get(Project, project_id)
        again = assign_next_task(session, project, alice, sampler_for(registry, project), lock_seconds=600, plan=plan)
    assert again == distribution.Assignment(first, "Task lock")
    with write_session(engine) as session:
        assert session.exec(select(TaskLock.task_id).where(TaskLock.user_id == alice)).scalars().all() == [first]


# --------------------------------------------------------------------------- cost


@pytest.mark.parametrize("sampling", ["Sequential sampling", "Uniform sampling"])
@pytest.mark.parametrize("skip_queue", ["REQUEUE_FOR_OTHERS", "REQUEUE_FOR_ME", "IGNORE_SKIPPED"])
def test_no_statement_of_the_atomic_step_scans_a_table(engine, registry, sampling, skip_queue):
    """Every statement /next runs finds its rows through an index: no "SCAN" of the tables in SQLite's plans."""
    project_id, task_ids = make_project(engine, tasks=2000, labeled=1000, sampling=sampling, skip_queue=skip_queue)
    alice, bob = make_users(engine, 2)
    with write_session(engine) as session:
        # alice has postponed one task and skipped another, so every queue of the step runs
        session.add(Draft(task_id=task_ids[1500], user_id=alice, result=[], was_postponed=True))
        session.add(Annotation(task_id=task_ids[1600], project_id=project_id, completed_by_id=alice, result=[],
                               was_cancelled=True))
        # bob labeled the first half and left drafts: the planner's statistics see realistic tables
        session.add_all([Annotation(task_id=task_id, project_id=project_id, completed_by_id=bob, result=[])
                         for task_id in task_ids[:1000]])
        session.add_all([Draft(task_id=task_id, user_id=bob, result=[]) for task_id in task_ids[:300]])
        session.exec(text("ANALYZE"))
    assert assign(engine, registry, project_id, bob) is not None

    statements: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            statements.append((statement, parameters))

    @contextmanager
    def recording():
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", record)

    def label(*ids):
        with write_session(engine) as session:
            session.exec(update(Task).where(Task.id.in_(ids)).values(is_labeled=True))

    # all but the postponed and the skipped task are labeled: alice gets the postponed one (twice: a
    # postponed task is never "her lock"), and once it is labeled too her skip comes back (REQUEUE_FOR_ME)
    label(*[task_id for task_id in task_ids if task_id not in (task_ids[1500], task_ids[1600])])
    with recording():
        for _ in range(2):
            again = assign(engine, registry, project_id, alice)
            assert (again.task_id, again.queue) == (task_ids[1500], "Postponed draft queue")
    label(task_ids[1500])
    with recording():
        last = assign(engine, registry, project_id, alice)
    assert (last.queue if last else None) == ("Skipped queue" if skip_queue == "REQUEUE_FOR_ME" else None)

    with engine.connect() as connection:
        plans = [(statement, [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                          parameters)])
                 for statement, parameters in statements]
    assert len(plans) >= 4
    for statement, plan in plans:
        scans = [step for step in plan if re.match(r"SCAN (task|tasklock|annotation|draft)\b", step)]
        assert not scans, (statement, plan)
