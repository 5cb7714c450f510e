"""Background jobs: exports, conversions (later predictions and storage sync).

``JobQueue`` is the interface the rest of the code uses: ``submit(fn, *args) -> job id`` and
``status(job_id)``. ``InProcessQueue`` runs jobs on a small thread pool inside the server
process, which is all a single-machine install needs. A Redis queue (RQ) for several server
processes will implement the same two calls; so that it can, a job is already written as one:

- ``fn`` is a module-level function (a worker imports it by its dotted path);
- its arguments are plain JSON values (ids and options, never sessions or rows);
- it receives a :class:`JobContext` first, built by whoever runs the job (the server here, a
  ``labelcore worker`` process later), and opens its own database sessions from it;
- it records its outcome in the database (an export snapshot's ``status``), because the queue
  only knows whether the function returned or raised;
- it may report progress with ``context.report(done, total)``; the queue keeps the last report
  with the job's status (a Redis queue would keep it in the job's meta).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

JobState = Literal["queued", "started", "finished", "failed"]


@dataclass(frozen=True)
class JobContext:
    """What every job function receives first: the process's settings, engine and plugins."""

    settings: Any
    engine: Any
    registry: Any
    pm: Any
    job_id: str | None = None
    progress: Callable[[str, int, int], None] | None = None

    def report(self, done: int, total: int) -> None:
        """Record how far the job is (``done`` of ``total`` items); a no-op outside a queue."""
        if self.progress is not None and self.job_id is not None:
            self.progress(self.job_id, done, total)


@dataclass(frozen=True)
class JobStatus:
    id: str
    state: JobState
    error: str | None = None
    done: int = 0
    total: int = 0


class JobQueue(Protocol):
    def submit(self, fn: Callable[..., Any], *args: Any) -> str: ...

    def status(self, job_id: str) -> JobStatus | None: ...

    def shutdown(self, wait: bool = True) -> None: ...


def _check_portable(fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Refuse what a Redis queue could not run, so code written today keeps working there."""
    if "<locals>" in getattr(fn, "__qualname__", "<locals>") or not getattr(fn, "__module__", None):
        raise TypeError(f"job function {fn!r} must be a module-level function")

    def plain(value: Any) -> bool:
        if value is None or isinstance(value, (bool, int, float, str)):
            return True
        if isinstance(value, (list, tuple)):
            return all(plain(item) for item in value)
        if isinstance(value, dict):
            return all(isinstance(key, str) and plain(item) for key, item in value.items())
        return False

    for arg in args:
        if not plain(arg):
            raise TypeError(f"job argument {arg!r} is not a plain JSON value")


class InProcessQueue:
    """Jobs on a thread pool in this process; statuses of the last ``keep`` jobs are remembered."""

    def __init__(self, context: JobContext, workers: int = 2, keep: int = 1000):
        self.context = context
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="labelcore-job")
        self._jobs: OrderedDict[str, Future] = OrderedDict()
        self._started: set[str] = set()
        self._progress: dict[str, tuple[int, int]] = {}
        self._keep = keep
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> str:
        _check_portable(fn, args)
        job_id = uuid.uuid4().hex
        future = self._pool.submit(self._run, job_id, fn, args)
        with self._lock:
            self._jobs[job_id] = future
            while len(self._jobs) > self._keep:
                old_id, old = next(iter(self._jobs.items()))
                if not old.done():
                    break
                del self._jobs[old_id]
                self._started.discard(old_id)
                self._progress.pop(old_id, None)
        return job_id

    def _run(self, job_id: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        with self._lock:
            self._started.add(job_id)
        try:
            return fn(replace(self.context, job_id=job_id, progress=self._report), *args)
        except BaseException:
            log.exception("job %s (%s.%s) failed", job_id, fn.__module__, fn.__qualname__)
            raise

    def _report(self, job_id: str, done: int, total: int) -> None:
        with self._lock:
            self._progress[job_id] = (done, total)

    def status(self, job_id: str) -> JobStatus | None:
        with self._lock:
            future = self._jobs.get(job_id)
            started = job_id in self._started
            done, total = self._progress.get(job_id, (0, 0))
        if future is None:
            return None
        if not future.done():
            return JobStatus(job_id, "started" if started else "queued", done=done, total=total)
        if future.cancelled():
            return JobStatus(job_id, "failed", "cancelled: the server stopped before it ran", done, total)
        error = future.exception()
        if error is not None:
            return JobStatus(job_id, "failed", f"{type(error).__name__}: {error}", done, total)
        return JobStatus(job_id, "finished", done=done, total=total)

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus | None:
        """Block until the job ends (tests and the CLI); returns its final status."""
        with self._lock:
            future = self._jobs.get(job_id)
        if future is not None:
            try:
                future.result(timeout=timeout)
            except Exception:
                pass
        return self.status(job_id)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


_QUEUE_LOCK = threading.Lock()


def queue_for_app(app: Any) -> JobQueue:
    """The app's job queue (``app.state.jobs``), created on first use from the app's state."""
    queue = getattr(app.state, "jobs", None)
    if queue is not None:
        return queue
    with _QUEUE_LOCK:
        queue = getattr(app.state, "jobs", None)
        if queue is None:
            context = JobContext(settings=app.state.settings, engine=app.state.engine,
                                 registry=app.state.registry, pm=app.state.pm)
            queue = InProcessQueue(context)
            app.state.jobs = queue
    return queue
