"""Database engine and sessions; schema upgrades through Alembic; ``chunks`` of ids for ``IN (...)``.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys on, and
write transactions start with ``BEGIN IMMEDIATE``: a transaction that read first and then tries to
write would otherwise fail at once with "database is locked" instead of waiting its turn.

SQLite writers queue twice before ``BEGIN IMMEDIATE``: first in this process (``_FifoLock``,
first come first served), then across processes (``labelcore serve --workers N``, or several
``labelcore serve`` on one file) on an exclusive ``flock`` of ``<database>.writer.lock``, held
until commit or rollback. The kernel wakes a waiting process as soon as the lock is free, where
SQLite's busy timeout would make it sleep and poll, and lose to newcomers for seconds under load.
PostgreSQL writers lock rows, not the database, and skip both queues.

Inside :func:`no_wait_for_writer` the first ``write_session`` takes both queues only if they are
free at that moment and raises :class:`WriterBusy` otherwise, before it has read or written
anything: the hot API routes run their SQLite work on the event loop (``labelcore.api.inline``),
which must not sleep in a queue; on WriterBusy they run the whole step again in a thread.
"""

from __future__ import annotations

import collections
import os
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import chain
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

from labelcore.settings import Settings

try:
    import fcntl
except ImportError:  # not POSIX: one server process per SQLite file, queued by _FifoLock alone
    fcntl = None

MIGRATIONS = Path(__file__).parent / "migrations"

#: How many ids one ``IN (...)`` binds: well under SQLite's limit of 32766 parameters.
ID_CHUNK = 5000

_Item = TypeVar("_Item")


class WriterBusy(Exception):
    """Inside :func:`no_wait_for_writer`: another writer holds or waits for the SQLite file."""


# [True] while the next write_session inside no_wait_for_writer() must not wait (then [False])
_NO_WAIT: ContextVar[list[bool] | None] = ContextVar("labelcore_no_wait_for_writer", default=None)


@contextmanager
def no_wait_for_writer() -> Iterator[None]:
    """The first ``write_session`` opened inside raises :class:`WriterBusy` instead of waiting for
    another writer; later ones wait as usual (the first one's writes have committed by then, so the
    step could not be run again from the start)."""
    token = _NO_WAIT.set([True])
    try:
        yield
    finally:
        _NO_WAIT.reset(token)


def make_engine(settings: Settings) -> Engine:
    url = settings.sqlalchemy_url
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=20, max_overflow=40)
        busy_ms = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
            # autocommit at the driver level, so SQLAlchemy's "begin" event below owns BEGIN
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # pragma: no cover - driver callback
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)


def alembic_config(engine: Engine):
    from alembic.config import Config  # imported here: alembic costs half a second of every start

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


class _FifoLock:
    """A first-come-first-served lock. SQLite's busy handler makes waiting writers sleep and
    retry, so under 50 concurrent writers some lose to newcomers for seconds; queueing this
    process's writers here first keeps the wait fair.

    Each waiter sleeps on its own lock and the holder hands over to the first in line only: waking
    every waiter on each release (a Condition's notify_all) cost a third of the server's CPU at
    50 concurrent writers."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiters: collections.deque[threading.Lock] = collections.deque()

    def try_acquire(self) -> bool:
        """Take the lock only if it is free and nobody waits for it."""
        with self._guard:
            if self._held:
                return False
            self._held = True
            return True

    def __enter__(self) -> None:
        with self._guard:
            if not self._held:
                self._held = True
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        waiter.acquire()  # released by __exit__, which hands the lock over (it stays held)

    def __exit__(self, *exc) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


@contextmanager
def _file_lock(path: str | None, wait: bool = True) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created if missing), waited for with the GIL released
    (``wait=False``: :class:`WriterBusy` if another process holds it). The file is opened on each
    entry, so a forked child never shares its parent's lock."""
    if path is None or fcntl is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WriterBusy("another server process is writing") from None
        yield
    finally:
        os.close(fd)  # closing the only descriptor of the open file releases the lock


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, tuple[_FifoLock, str | None]] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


@contextmanager
def _writer_queue(engine: Engine, wait: bool = True) -> Iterator[None]:
    if engine.dialect.name != "sqlite":
        yield  # PostgreSQL writers lock rows, not the database
        return
    with _WRITE_LOCKS_GUARD:
        queue = _WRITE_LOCKS.get(engine)
        if queue is None:
            database = engine.url.database
            on_disk = database and database != ":memory:" and not database.startswith("file:")
            queue = _WRITE_LOCKS[engine] = (_FifoLock(), f"{database}.writer.lock" if on_disk else None)
    fifo, lock_path = queue
    if wait:
        fifo.__enter__()
    elif not fifo.try_acquire():
        raise WriterBusy("another writer of this process holds or waits for the database")
    try:
        with _file_lock(lock_path, wait):
            yield
    finally:
        fifo.__exit__()


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on any error."""
    no_wait = _NO_WAIT.get()
    wait = True
    if no_wait is not None and no_wait[0]:
        no_wait[0] = wait = False
    with _writer_queue(engine, wait):
        connection = engine.connect().execution_options(sqlite_begin="IMMEDIATE")
        try:
            with Session(bind=connection, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            connection.close()


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Call ``callback()`` once ``session``'s transaction has committed (never if it rolls back)."""
    event.listen(session, "after_commit", lambda _session: callback(), once=True)


def when_changed(models: tuple[type, ...], callback: Callable[[], object]) -> None:
    """Call ``callback()`` after every commit of a transaction that added, changed or deleted rows
    of ``models``, through ORM objects or UPDATE/DELETE statements, in any session of this process.
    For in-process caches of those rows: no write path has to remember to clear them."""

    @event.listens_for(Session, "after_flush")
    def _flushed(session: Session, _context: object) -> None:
        if any(isinstance(row, models) for row in chain(session.new, session.dirty, session.deleted)):
            after_commit(session, callback)

    @event.listens_for(Session, "do_orm_execute")
    def _executed(state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete) and state.bind_mapper is not None \
                and issubclass(state.bind_mapper.class_, models):
            after_commit(state.session, callback)


def chunks(values: Sequence[_Item], size: int = ID_CHUNK) -> Iterator[Sequence[_Item]]:
    """``values`` in consecutive slices of at most ``size``, each small enough for one ``IN (...)``."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
