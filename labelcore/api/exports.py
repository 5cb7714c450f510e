"""Exports, with Label Studio's paths, shapes and status codes.

- ``GET /api/projects/{id}/export/formats``: every installed format, disabled ones with the reason;
- ``GET /api/projects/{id}/export?exportType=F``: the "easy export", streamed as it is written;
- ``/api/projects/{id}/exports``: snapshots, written by a background job, then downloaded,
  converted or deleted.

The work is in ``labelcore.services``: ``exporting`` (which tasks), ``export_formats`` (which
exporter), ``export_stream`` (running it) and ``export_snapshots``; this module translates.
"""

from __future__ import annotations

from typing import Any, Literal

import pluggy
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, select

from labelcore.api.deps import current_user, get_engine, get_pm, get_registry, get_settings
from labelcore.db import read_session, write_session
from labelcore.jobs import queue_for_app
from labelcore.jsonio import iso
from labelcore.models import ExportSnapshot, Project, User
from labelcore.registry import Registry
from labelcore.services import export_formats as formats
from labelcore.services import export_snapshots as snapshots
from labelcore.services import export_stream, exporting
from labelcore.services.projects import get_project
from labelcore.settings import Settings

router = APIRouter(prefix="/api/projects/{project_id}", tags=["exports"], dependencies=[Depends(current_user)])

_TRUE = {"t", "y", "yes", "true", "on", "1"}
_FALSE = {"f", "n", "no", "false", "off", "0"}


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", field), "msg": message, "type": "value_error"}])


def _flag(request: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter, read as Django REST framework's BooleanField reads it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise _invalid(name, "Must be a valid boolean.")


def _load_project(engine: Engine, project_id: int) -> Project:
    with read_session(engine) as session:
        return get_project(session, project_id)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "filename": name}


@router.get("/export/formats")
def export_formats(project_id: int, engine: Engine = Depends(get_engine), registry: Registry = Depends(get_registry),
                   pm: pluggy.PluginManager = Depends(get_pm)) -> list[dict[str, Any]]:
    project = _load_project(engine, project_id)
    return formats.export_formats(registry, formats.project_config(project, registry, pm))


@router.get("/export")
def export(project_id: int, request: Request, engine: Engine = Depends(get_engine),
           registry: Registry = Depends(get_registry), pm: pluggy.PluginManager = Depends(get_pm),
           settings: Settings = Depends(get_settings)) -> Response:
    """Stream the project's tasks in ``exportType`` (``export_type`` is the older spelling)."""
    params = request.query_params
    export_type = params.get("exportType") or params.get("export_type") or "JSON"
    download_all = _flag(request, "download_all_tasks")
    _flag(request, "download_resources", True)  # validated like Label Studio; media are not bundled yet
    _flag(request, "interpolate_key_frames")
    ids = exporting.parse_ids(params.getlist("ids[]") + params.getlist("ids"))
    project = _load_project(engine, project_id)
    config = formats.project_config(project, registry, pm)
    exporter = formats.resolve_exporter(registry, export_type, config)
    selection = exporting.TaskSelection(project_id=project.id, only_annotated=not download_all, ids=ids)
    context = exporting.export_context(project, config, settings,
                                       {"data_keys": lambda: exporting.data_keys(engine, selection)})

    def produce(stream) -> None:
        tasks = exporting.iter_selected(engine, selection, expand=exporting.EASY_EXPORT_EXPAND)
        export_stream.run_export(exporter, tasks, stream, context)

    name = formats.export_filename(project.id, exporter, str(request.url))
    return StreamingResponse(export_stream.ChunkStream(produce), media_type=exporter.media_type,
                             headers=_attachment(name))


# --------------------------------------------------------------------------- snapshots


FilterMode = Literal["only", "exclude"] | None


class TaskFilterOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    view: int | None = None
    skipped: FilterMode = None
    finished: FilterMode = None
    annotated: FilterMode = None
    only_with_annotations: bool = False
    reviewed: FilterMode = None


class AnnotationFilterOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    usual: bool | None = True
    ground_truth: bool | None = None
    skipped: bool | None = None


class SerializationOption(BaseModel):
    model_config = ConfigDict(extra="ignore")

    only_id: bool = False


class SerializationOptions(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    drafts: SerializationOption | None = None
    predictions: SerializationOption | None = None
    annotations__completed_by: SerializationOption | None = None
    include_annotation_history: bool = False
    interpolate_key_frames: bool = False


class SnapshotCreate(BaseModel):
    """POST body; read-only fields the SDK may send (status, md5, counters...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    title: str = ""
    task_filter_options: TaskFilterOptions | None = None
    annotation_filter_options: AnnotationFilterOptions | None = None
    serialization_options: SerializationOptions | None = None


class ConvertRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    export_type: str
    download_resources: bool | None = None


def _user_simple(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "first_name": user.first_name, "last_name": user.last_name, "email": user.email,
            "avatar": None, "username": user.username}


def snapshot_json(snapshot: ExportSnapshot, created_by: User | None, with_options: bool = False) -> dict[str, Any]:
    """Label Studio's ExportSerializer (ExportCreateSerializer ``with_options``)."""
    out: dict[str, Any] = {
        "title": snapshot.title,
        "id": snapshot.id,
        "created_by": _user_simple(created_by),
        "created_at": iso(snapshot.created_at),
        "finished_at": iso(snapshot.finished_at),
        "status": snapshot.status,
        "md5": snapshot.md5,
        "counters": snapshot.counters or {},
        "converted_formats": [
            {"id": entry["id"], "status": entry["status"], "export_type": entry["export_type"],
             "traceback": entry.get("traceback")}
            for entry in snapshot.converted_formats or []
        ],
    }
    if with_options:
        out["task_filter_options"] = snapshot.task_filter_options
        out["annotation_filter_options"] = snapshot.annotation_filter_options
        out["serialization_options"] = snapshot.serialization_options
    return out


def _creators(session: Session, rows: list[ExportSnapshot]) -> dict[int, User]:
    wanted = {row.created_by_id for row in rows if row.created_by_id is not None}
    if not wanted:
        return {}
    return {user.id: user for user in session.exec(select(User).where(User.id.in_(wanted))).all()}


@router.get("/exports")
def list_snapshots(project_id: int, engine: Engine = Depends(get_engine)) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        get_project(session, project_id)
        rows = session.exec(select(ExportSnapshot).where(ExportSnapshot.project_id == project_id)
                            .order_by(ExportSnapshot.created_at.desc(), ExportSnapshot.id.desc()).limit(100)).all()
        users = _creators(session, rows)
    return [snapshot_json(row, users.get(row.created_by_id)) for row in rows]


@router.post("/exports", status_code=201)
def create_snapshot(project_id: int, request: Request, body: SnapshotCreate | None = None,
                    engine: Engine = Depends(get_engine), user: User = Depends(current_user)) -> dict[str, Any]:
    body = body or SnapshotCreate()
    with write_session(engine) as session:
        project = get_project(session, project_id)
        snapshot = snapshots.create_snapshot(
            session, project, user.id, body.title,
            task_filter_options=body.task_filter_options.model_dump() if body.task_filter_options else None,
            annotation_filter_options=(body.annotation_filter_options.model_dump()
                                       if body.annotation_filter_options else None),
            serialization_options=(body.serialization_options.model_dump(exclude_none=True)
                                   if body.serialization_options else None),
        )
        created = snapshot_json(snapshot, user, with_options=True)
    queue_for_app(request.app).submit(snapshots.run_snapshot, created["id"])
    return created


@router.get("/exports/{export_pk}")
def get_snapshot(project_id: int, export_pk: int, engine: Engine = Depends(get_engine)) -> dict[str, Any]:
    with read_session(engine) as session:
        get_project(session, project_id)
        snapshot = snapshots.get_snapshot(session, project_id, export_pk)
        creator = session.get(User, snapshot.created_by_id) if snapshot.created_by_id else None
        return snapshot_json(snapshot, creator)


@router.delete("/exports/{export_pk}", status_code=204)
def delete_snapshot(project_id: int, export_pk: int, engine: Engine = Depends(get_engine),
                    settings: Settings = Depends(get_settings)) -> Response:
    with write_session(engine) as session:
        get_project(session, project_id)
        snapshot = snapshots.get_snapshot(session, project_id, export_pk)
        snapshots.delete_snapshot(session, settings, snapshot)
    return Response(status_code=204)


@router.get("/exports/{export_pk}/download")
def download_snapshot(project_id: int, export_pk: int, request: Request, engine: Engine = Depends(get_engine),
                      settings: Settings = Depends(get_settings), registry: Registry = Depends(get_registry),
                      pm: pluggy.PluginManager = Depends(get_pm)) -> Response:
    """The snapshot's JSON, a finished conversion of it, or a conversion streamed as it is written."""
    export_type = request.query_params.get("exportType") or "JSON"
    with read_session(engine) as session:
        project = get_project(session, project_id)
        snapshot = snapshots.get_snapshot(session, project_id, export_pk)
    if snapshot.status != "completed":
        return PlainTextResponse("Export is not completed", status_code=404)
    config = formats.project_config(project, registry, pm)
    exporter = formats.resolve_exporter(registry, export_type, config)
    stored = snapshot.file_path
    if exporter.id != "JSON":
        stored = next((entry["file_path"] for entry in snapshot.converted_formats or []
                       if entry["export_type"] == exporter.id and entry["status"] == "completed"), None)
    path = snapshots.file_path(settings, stored)
    if path is not None and path.is_file():
        return FileResponse(path, media_type=exporter.media_type, filename=path.name, headers={"filename": path.name})
    if exporter.id == "JSON":
        return PlainTextResponse("Can't get file", status_code=404)
    source = snapshots.stored_file(settings, snapshot)
    context = snapshots.stored_context(settings, snapshot, project, config)

    def produce(out) -> None:
        snapshots.convert_stored(settings, snapshot, exporter, context, out)

    name = f"{source.stem}.{exporter.extension}"
    return StreamingResponse(export_stream.ChunkStream(produce), media_type=exporter.media_type,
                             headers=_attachment(name))


@router.post("/exports/{export_pk}/convert")
def convert_snapshot(project_id: int, export_pk: int, body: ConvertRequest, request: Request,
                     engine: Engine = Depends(get_engine), registry: Registry = Depends(get_registry),
                     pm: pluggy.PluginManager = Depends(get_pm)) -> dict[str, Any]:
    with read_session(engine) as session:
        project = get_project(session, project_id)
    config = formats.project_config(project, registry, pm)
    usable = {f["name"] for f in formats.export_formats(registry, config) if not f["disabled"]}
    if body.export_type not in usable:
        raise RequestValidationError([{"loc": ("body", "export_type"), "type": "value_error",
                                       "msg": f"{body.export_type} is not supported export format"}])
    with write_session(engine) as session:
        snapshot = snapshots.get_snapshot(session, project_id, export_pk)
        if snapshot.status != "completed":
            raise RequestValidationError([{"loc": ("body", "export_type"), "type": "value_error",
                                           "msg": "Export is not completed"}])
        converted_id = snapshots.start_conversion(session, snapshot, body.export_type)
    queue_for_app(request.app).submit(snapshots.run_conversion, export_pk, converted_id, body.export_type)
    return {"export_type": body.export_type, "converted_format": converted_id}

