"""Importing tasks and predictions: ``POST /api/projects/{id}/import`` and ``.../import/predictions``.

Bodies are read raw and parsed with orjson (no pydantic model per task); uploaded files stream
from starlette's spooled temporary files into the importers. The work runs in a worker thread.
"""

from __future__ import annotations

import time
from pathlib import Path

import pluggy
from fastapi import APIRouter, Depends, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from labelcore.api.deps import current_caller, current_user, get_engine, get_pm, get_registry, get_settings
from labelcore.errors import LabelcoreError
from labelcore.jobs import queue_for_app
from labelcore.jsonio import FastJSONResponse, loads
from labelcore.models import User
from labelcore.registry import Registry
from labelcore.services import importing, ml_predicting
from labelcore.services.importing import ImportOptions, ImportProblems, ImportSource
from labelcore.settings import Settings

router = APIRouter(prefix="/api/projects", tags=["import"], dependencies=[Depends(current_caller)])

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "not", "off", "0"}
#: Files one multipart request may carry.
MAX_FILES = 1000


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise LabelcoreError(f'{name}: incorrect bool value "{raw}"; it should be one of 1, 0, true, false, yes, no')


def _import_options(request: Request) -> ImportOptions:
    # Label Studio splits one value on , ; or |; the SDK repeats the parameter for a list
    fields = [part for raw in request.query_params.getlist("preannotated_from_fields")
              for part in raw.replace(";", ",").replace("|", ",").split(",") if part]
    return ImportOptions(
        commit_to_project=_flag(request, "commit_to_project", True),
        return_task_ids=_flag(request, "return_task_ids", False),
        preannotated_from_fields=fields or None,
    )


def _problems_response(exc: ImportProblems) -> FastJSONResponse:
    return FastJSONResponse(status_code=exc.status_code, content=exc.as_json())


@router.post("/{project_id}/import", status_code=201)
async def import_tasks(project_id: int, request: Request, user: User = Depends(current_user),
                       engine: Engine = Depends(get_engine), registry: Registry = Depends(get_registry),
                       pm: pluggy.PluginManager = Depends(get_pm), settings: Settings = Depends(get_settings)):
    """Label Studio's import: a JSON list of tasks (or one task) as the body, or task files
    (JSON, JSONL, CSV, TSV, TXT) as multipart form data. All or nothing."""
    started = time.perf_counter()
    options = _import_options(request)
    content_type = request.headers.get("content-type", "").lower()
    if request.query_params.get("url") or content_type.startswith("application/x-www-form-urlencoded"):
        raise LabelcoreError("importing tasks from a URL is not supported yet: download the file and upload it, "
                             "or POST its tasks as JSON")
    # uploaded files are spooled to temporary files by the form parser and read from there
    form = await request.form(max_files=MAX_FILES) if content_type.startswith("multipart/form-data") else None
    sources: list[ImportSource] = []
    try:
        if form is not None:
            sources = await run_in_threadpool(_file_sources, form, project_id, engine, registry, pm,
                                              settings.uploads_dir)
        else:
            sources = [importing.json_body_source(registry, await request.body())]
        predictors = await run_in_threadpool(ml_predicting.automatic_backends, engine, project_id)
        result = await run_in_threadpool(
            importing.import_tasks, engine, project_id, sources, user_id=user.id, registry=registry,
            pm=pm, options=options, started=started, want_task_ids=bool(predictors),
        )
    except ImportProblems as exc:
        importing.discard_stored(sources)
        return _problems_response(exc)
    except BaseException:
        importing.discard_stored(sources)
        raise
    finally:
        if form is not None:
            await form.close()
    if predictors and result.new_task_ids:
        # evaluate_predictions_automatically: the new tasks are predicted in the background
        queue_for_app(request.app).submit(ml_predicting.run_predictions, predictors, result.new_task_ids,
                                          ml_predicting.DEFAULT_BATCH)
    return FastJSONResponse(status_code=201, content=result.as_json())


def _file_sources(form: FormData, project_id: int, engine: Engine, registry: Registry, pm: pluggy.PluginManager,
                  uploads_dir: Path) -> list[ImportSource]:
    uploads = [value for _, value in form.multi_items() if isinstance(value, UploadFile)]
    if not uploads:
        raise LabelcoreError("no files found in the form data")
    media = [upload for upload in uploads if importing.is_media_file(upload.filename or "")]
    sources = [ImportSource(stream=upload.file, name=upload.filename or "upload",
                            importer=importing.importer_for(registry, upload.filename or ""))
               for upload in uploads if upload not in media]
    if media:  # images: stored under upload/<project>/, one task each
        sources += importing.media_sources(engine, uploads_dir, project_id,
                                           [(upload.filename or "upload", upload.file) for upload in media],
                                           registry, pm)
    return sources


@router.post("/{project_id}/import/predictions", status_code=201)
async def import_predictions(project_id: int, request: Request, engine: Engine = Depends(get_engine),
                             registry: Registry = Depends(get_registry), pm: pluggy.PluginManager = Depends(get_pm)):
    """Label Studio's predictions import: ``[{"task": id, "result": [...], "score", "model_version"}]``."""
    body = await request.body()
    try:
        items = loads(body)
    except ValueError as exc:
        raise LabelcoreError(f"the body is not valid JSON: {exc}") from None
    try:
        created = await run_in_threadpool(
            importing.import_predictions, engine, project_id, items, registry=registry, pm=pm,
        )
    except ImportProblems as exc:
        return _problems_response(exc)
    return FastJSONResponse(status_code=201, content={"created": created})
