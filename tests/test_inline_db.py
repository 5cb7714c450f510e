"""The hot routes' database steps (``labelcore.api.inline``): on the event loop while SQLite's writer
is free, moved whole to the thread pool when another writer holds or waits for it, and always in
the thread pool on PostgreSQL; ``no_wait_for_writer`` refuses only before anything was written."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading

import pytest
from sqlalchemy import create_engine, func, select

from labelcore.api import inline
from labelcore.db import WriterBusy, no_wait_for_writer, write_session
from labelcore.models import Project


def projects(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count(Project.id))).scalar_one()


class HeldWriter:
    """Another thread inside a write session until ``release()``."""

    def __init__(self, engine):
        self.entered, self.released = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(engine,))
        self.thread.start()
        assert self.entered.wait(10)

    def _hold(self, engine):
        with write_session(engine):
            self.entered.set()
            self.released.wait(10)

    def release(self):
        self.released.set()
        self.thread.join(10)


def add_project(engine, title="p"):
    with write_session(engine) as session:
        session.add(Project(title=title))
    return threading.get_ident()


def test_the_first_write_refuses_at_once_while_another_thread_writes(engine):
    holder = HeldWriter(engine)
    try:
        with no_wait_for_writer(), pytest.raises(WriterBusy):
            add_project(engine)
    finally:
        holder.release()
    assert projects(engine) == 0
    with no_wait_for_writer():  # free again: it writes
        add_project(engine)
    assert projects(engine) == 1


def test_a_writer_of_another_process_makes_it_refuse_too(engine):
    # an flock taken through another open file conflicts like another process's would
    fd = os.open(f"{engine.url.database}.writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with no_wait_for_writer(), pytest.raises(WriterBusy):
            add_project(engine)
    finally:
        os.close(fd)
    assert projects(engine) == 0


def test_after_the_first_write_later_ones_wait_instead_of_refusing(engine):
    with no_wait_for_writer():
        add_project(engine, "first")
        holder = HeldWriter(engine)
        threading.Timer(0.2, holder.release).start()
        add_project(engine, "second")  # waits for the holder, then writes: no WriterBusy
    assert projects(engine) == 2


def on_a_loop(step_of_loop):
    """Run ``step_of_loop()`` (a coroutine function) on a fresh event loop in its own thread (the
    suite's browser fixtures keep a loop running in the main thread); returns (its result, the
    loop's thread)."""
    out = {}

    def run():
        out["loop_thread"] = threading.get_ident()
        out["result"] = asyncio.run(step_of_loop())

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return out["result"], out["loop_thread"]


def test_a_step_runs_on_the_loops_thread_while_the_writer_is_free(engine):
    async def main():
        return await inline.run(engine, add_project, engine)

    ran_on, loop_thread = on_a_loop(main)
    assert ran_on == loop_thread


def test_a_step_that_meets_a_busy_writer_runs_again_in_a_thread_and_waits_there(engine):
    holder = HeldWriter(engine)

    async def main():
        asyncio.get_running_loop().call_later(0.2, holder.release)
        return await inline.run(engine, add_project, engine)

    ran_on, loop_thread = on_a_loop(main)
    assert ran_on != loop_thread
    assert projects(engine) == 1  # written once, by the second run


def test_postgresql_steps_always_run_in_the_thread_pool():
    engine = create_engine("postgresql://nobody@127.0.0.1:1/none")  # never connects

    async def main():
        return await inline.run(engine, threading.get_ident)

    ran_on, loop_thread = on_a_loop(main)
    assert ran_on != loop_thread
