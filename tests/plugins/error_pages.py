"""Small named plugins for the ``handle_exception`` fallback chain (a firstresult hook).

``CatchAll`` is a ``trylast`` fallback, like a builtin error page: it answers every exception,
but only when no other plugin did. It records the exceptions it saw, so a test can show it was
never called once an earlier plugin had answered. ``Silent`` never answers. ``Crashing`` adds a
page that fails with an error no plugin knows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from labelcore import hookimpl


class CatchAll:
    __name__ = "catch_all"

    def __init__(self) -> None:
        self.seen: list[Exception] = []

    @hookimpl(trylast=True)
    def handle_exception(self, request: Any, exc: Exception) -> JSONResponse:
        self.seen.append(exc)
        return JSONResponse({"detail": f"Something went wrong ({type(exc).__name__})"}, status_code=500)


class Silent:
    """Looks at every exception and never answers: its None falls through to the next plugin."""

    __name__ = "silent"

    @hookimpl
    def handle_exception(self, request: Any, exc: Exception) -> None:
        return None


class Crashing:
    __name__ = "crashing"

    @hookimpl
    def register_routes(self) -> list[APIRouter]:
        router = APIRouter(prefix="/plugins/crashing")

        @router.get("/ratio")
        def ratio() -> dict[str, float]:
            return {"ratio": 1 / 0}

        return [router]
