"""Whom a credential (API token, session cookie, access token's user id) stands for, remembered for
a few seconds, so the hot routes do not look the caller up in the database on every request.

What is remembered is the active user and when the token expires; unknown or refused credentials
are never remembered. A transaction that adds, changes or deletes ``User`` or ``Token`` rows (a
token reset or revocation, a logout, a user changed or deactivated), through the ORM or an
UPDATE/DELETE statement, makes this process forget everything when it commits
(:func:`labelcore.db.when_changed` watches every session, so no write path can forget to say so).
A lookup that read the old rows just before such a commit lives at most :data:`TTL_SECONDS`; other
server processes (``serve --workers N``, the CLI) see the change within :data:`TTL_SECONDS` too.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

from labelcore.db import when_changed
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


when_changed((User, Token), forget_all)
