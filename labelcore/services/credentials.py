"""Whom a credential (API token, session cookie, access token's user id) stands for, remembered for
a few seconds, so the hot routes do not look the caller up in the database on every request.

What is remembered is the active user and when the token expires; unknown or refused credentials
are never remembered. Any transaction that changes or deletes a ``User`` or ``Token`` row (a token
reset or revocation, a logout, a user changed or deactivated), through the ORM or an UPDATE/DELETE
statement, makes this process forget everything when it commits: the session events below watch
every session, so no write path can forget to say so. A lookup that read the old rows just before
such a commit lives at most :data:`TTL_SECONDS`; other server processes (``serve --workers N``, the
CLI) see the change within :data:`TTL_SECONDS` too.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

from itertools import chain

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from labelcore.db import after_commit
from labelcore.models import Token, User

TTL_SECONDS = 2.0
_MAX_ENTRIES = 10_000

_GUARD = threading.Lock()
_REMEMBERED: dict[Any, tuple[float, User, datetime | None]] = {}


def recall(key: Any) -> User | None:
    """The user remembered for ``key`` (a tuple naming the kind of credential), if still fresh and
    its token has not expired."""
    entry = _REMEMBERED.get(key)
    if entry is None:
        return None
    remembered_at, user, expires_at = entry
    if time.monotonic() - remembered_at > TTL_SECONDS or (
            expires_at is not None and expires_at < datetime.now(timezone.utc)):
        with _GUARD:
            _REMEMBERED.pop(key, None)
        return None
    return user


def remember(key: Any, user: User, expires_at: datetime | None = None) -> None:
    with _GUARD:
        if len(_REMEMBERED) >= _MAX_ENTRIES:
            _REMEMBERED.clear()
        _REMEMBERED[key] = (time.monotonic(), user, expires_at)


def forget_all() -> None:
    with _GUARD:
        _REMEMBERED.clear()


_WATCHED = (User, Token)


@event.listens_for(Session, "after_flush")
def _rows_flushed(session: Session, _context: object) -> None:
    if any(isinstance(row, _WATCHED) for row in chain(session.dirty, session.deleted)):
        after_commit(session, forget_all)


@event.listens_for(Session, "do_orm_execute")
def _statement_run(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in _WATCHED:
        after_commit(state.session, forget_all)
