"""The one JSON encoder: orjson, with datetimes as ISO 8601 in UTC ("...Z")."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class FastJSONResponse(JSONResponse):
    """Responses rendered with orjson (several times faster than the stdlib on task lists)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
