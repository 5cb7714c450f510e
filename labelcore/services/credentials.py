"""Whom a credential (API token, session cookie, access token's user id) stands for, remembered for
a few seconds, so the hot routes do not look the caller up in the database on every request.

What is remembered is the active user and when the token expires; unknown or refused credentials
are never remembered. Every change that can take a credential or a user away (token reset,
refresh-token and session revocation, a user changed or deactivated) forgets everything when it
commits (:func:`forget_when_committed`). This process then looks callers up afresh, save for a
lookup that read the old rows just before the commit, which lives at most :data:`TTL_SECONDS`; other
server processes (``serve --workers N``, the CLI) see the change within :data:`TTL_SECONDS` too.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session

from labelcore.db import after_commit
from labelcore.models import User

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


def forget_when_committed(session: Session) -> None:
    """Forget everything when ``session`` commits: a lookup made before then, which saw the old
    rows, must not outlive the change."""
    after_commit(session, forget_all)
