"""Where the hot routes do their database work: on the event loop for SQLite, in the thread pool
for PostgreSQL.

A SQLite read takes the calling thread a fraction of a millisecond and never waits for a lock
(WAL); a write of the hot routes holds the file about a millisecond. Running them on the event
loop saves the thread hand-offs of each step and the GIL hand-overs between the pool's threads,
which at 50 concurrent annotators cost about a third of the server's time, and serves requests in
the order they came. A write runs there only if no other writer holds or waits for the database
at that moment (:func:`labelcore.db.no_wait_for_writer`); otherwise the whole step runs again in
the thread pool and queues there, so the event loop never sleeps in a queue. PostgreSQL calls are
network round trips and always run in the thread pool.

A step given to :func:`run` must be safe to run again from the start until its first write
session has begun (it reads, then writes once), and must not call anything that blocks: models,
outbound HTTP and plugin event listeners run in the thread pool (``run_in_threadpool``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from labelcore.db import WriterBusy, no_wait_for_writer

_T = TypeVar("_T")


async def run(engine: Engine, step: Callable[..., _T], *args: Any) -> _T:
    """``step(*args)``, inline on SQLite while the writer is free, else in the thread pool."""
    if engine.dialect.name == "sqlite":
        with no_wait_for_writer():
            try:
                return step(*args)
            except WriterBusy:
                pass  # nothing was written: run it again where it may wait
    return await run_in_threadpool(step, *args)
