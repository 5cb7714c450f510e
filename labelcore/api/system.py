"""Unauthenticated endpoints: version and health (as Label Studio serves them)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import Engine, text

from labelcore import __version__
from labelcore.api.deps import get_engine

router = APIRouter(tags=["system"])


@router.get("/api/version")
def version() -> dict:
    return {
        "release": __version__,
        "label-studio-os-package": {"version": __version__, "short_version": __version__},
        "labelcore": {"version": __version__},
    }


@router.get("/health")
def health(engine: Engine = Depends(get_engine)) -> dict:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "UP"}
