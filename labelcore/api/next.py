"""The labeling stream: ``GET /api/projects/{id}/next`` hands the caller their next task (Label Studio's
ProjectNextTaskAPI), locked for them for ``task_lock_seconds``; 404 when nothing is left for them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from labelcore.api import inline
from labelcore.api.deps import Caller, current_caller, current_user, get_engine, get_registry, get_settings
from labelcore.api.serializers import draft_json, task_json
from labelcore.db import read_session, write_session
from labelcore.jobs import queue_for_app
from labelcore.jsonio import FastJSONResponse
from labelcore.models import Project
from labelcore.registry import Registry
from labelcore.services import distribution, ml_backends, ml_predicting
from labelcore.settings import Settings

router = APIRouter(tags=["next"], dependencies=[Depends(current_user)])


@router.get("/api/projects/{project_id}/next")
async def next_task(request: Request, project_id: int, caller: Caller = Depends(current_caller),
                    engine: Engine = Depends(get_engine), registry: Registry = Depends(get_registry),
                    settings: Settings = Depends(get_settings)) -> FastJSONResponse:
    if caller.via == "ml":  # /next reserves tasks: not for read-only ML tokens
        raise HTTPException(status_code=403, detail="ML backend tokens can only read.")
    user = caller.user
    project, assignment, prelabels = await inline.run(engine, _assign, engine, registry, project_id, user.id,
                                                      settings.task_lock_seconds)
    if assignment is None:
        raise HTTPException(status_code=404, detail=f"There are no tasks for {user.email}")
    if prelabels:
        # the project's model pre-labels the task now if it has no prediction of the shown version
        await run_in_threadpool(ml_predicting.ensure_prediction, queue_for_app(request.app).context, project,
                                assignment.task_id)
    rows = await inline.run(engine, _rows, engine, project, assignment.task_id, user.id)
    if rows is None:
        raise HTTPException(status_code=404, detail=f"There are no tasks for {user.email}")
    out = task_json(rows.task, annotations=[], predictions=rows.predictions)
    out.update({
        "drafts": [draft_json(draft, user) for draft in rows.drafts],
        "updated_by": [{"user_id": rows.task.updated_by_id}] if rows.task.updated_by_id else [],
        "unique_lock_id": None,
        "queue": assignment.queue,
    })
    return FastJSONResponse(out)  # a Response skips FastAPI's response validation (hot path)


def _assign(engine: Engine, registry: Registry, project_id: int, user_id: int,
            lock_seconds: int) -> tuple[Project, distribution.Assignment | None, bool]:
    """The project, the task handed out (or None), and whether a model of the project pre-labels."""
    # only the choice holds the writer lock: what can be read before it is, and the response is built after
    with read_session(engine) as session:
        project = session.get(Project, project_id)
        if project is None:
            raise HTTPException(status_code=404, detail="Not found.")
        sampler = distribution.sampler_for(registry, project)
        plan = distribution.plan_next(session, project, user_id, sampler)
    with write_session(engine) as session:
        assignment = distribution.assign_next_task(session, project, user_id, sampler, lock_seconds, plan=plan)
    return project, assignment, ml_backends.project_models(engine, project.id).prelabels


def _rows(engine: Engine, project: Project, task_id: int, user_id: int) -> distribution.NextTaskRows | None:
    with read_session(engine) as session:
        return distribution.next_task_rows(session, project, task_id, user_id)
