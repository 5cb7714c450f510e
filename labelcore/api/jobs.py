"""Background jobs' progress: ``GET /api/jobs/{job_id}`` -> ``{id, state, done, total, error}``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from labelcore.api.deps import current_user
from labelcore.errors import NotFoundError
from labelcore.jobs import queue_for_app

router = APIRouter(tags=["jobs"], dependencies=[Depends(current_user)])


@router.get("/api/jobs/{job_id}")
def job_status(job_id: str, request: Request) -> dict:
    """``state``: queued, started, finished or failed; ``done`` of ``total`` items so far."""
    status = queue_for_app(request.app).status(job_id)
    if status is None:
        raise NotFoundError(f"job {job_id} not found (unknown, or forgotten after many newer jobs)")
    return {"id": status.id, "state": status.state, "done": status.done, "total": status.total,
            "error": status.error}
