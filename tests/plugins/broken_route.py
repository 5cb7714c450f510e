"""A module plugin whose page fails with an error no plugin handles (for the 500 log line)."""

from __future__ import annotations

from fastapi import APIRouter

from labelcore import hookimpl


def ratio_of(numerator: int, denominator: int) -> float:
    return numerator / denominator


@hookimpl
def register_routes() -> list[APIRouter]:
    router = APIRouter(prefix="/plugins/broken-route")

    @router.get("/ratio")
    def ratio() -> dict[str, float]:
        return {"ratio": ratio_of(1, 0)}

    return [router]
