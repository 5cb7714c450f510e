"""Export snapshots (``/api/projects/{id}/exports``): a project's JSON export written to a file by a
background job, then downloaded, converted to other formats, or deleted.

The lifecycle and fields are Label Studio's (``data_export/models.py``, ``mixins.py``): ``status``
goes ``created`` -> ``in_progress`` -> ``completed`` | ``failed``; ``md5`` is the file's digest;
``counters`` count what it holds; each conversion is an entry of ``converted_formats`` with its own
``status``. Files live under ``settings.exports_dir / <project id> /``, a folder deleted with
its project.

The job functions (``run_snapshot``, ``run_conversion``) follow ``labelcore.jobs``' rules: plain
arguments, a ``JobContext`` first, their outcome written to the snapshot row.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlmodel import Session

from labelcore.db import read_session, write_session
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.jobs import JobContext
from labelcore.models import ExportSnapshot, Project, utcnow
from labelcore.services import export_formats, export_reader, export_stream, exporting

log = logging.getLogger(__name__)

STATUSES = ("created", "in_progress", "failed", "completed")


def expand_from_serialization(options: dict[str, Any] | None) -> frozenset[str]:
    """Label Studio's ``_get_export_serializer_option``: what a snapshot writes in full, not as ids."""
    expand: set[str] = set()
    if isinstance(options, dict):
        for key, name in (("drafts", "drafts"), ("predictions", "predictions"),
                          ("annotations__completed_by", "annotations.completed_by")):
            value = options.get(key)
            if isinstance(value, dict) and not value.get("only_id"):
                expand.add(name)
    return frozenset(expand)


def default_title(project: Project) -> str:
    return f"{(project.title or '').replace(' ', '-')}-at-{datetime.now(timezone.utc).strftime('%Y-%m-%d-%H-%M')}"


def create_snapshot(session: Session, project: Project, user_id: int | None, title: str = "",
                    task_filter_options: dict[str, Any] | None = None,
                    annotation_filter_options: dict[str, Any] | None = None,
                    serialization_options: dict[str, Any] | None = None) -> ExportSnapshot:
    """Record a new snapshot (``created``); the caller submits ``run_snapshot`` once it committed."""
    snapshot = ExportSnapshot(project_id=project.id, title=title or default_title(project), status="created",
                              created_by_id=user_id, counters={}, converted_formats=[],
                              task_filter_options=task_filter_options,
                              annotation_filter_options=annotation_filter_options,
                              serialization_options=serialization_options)
    session.add(snapshot)
    session.flush()
    return snapshot


def get_snapshot(session: Session, project_id: int, snapshot_id: int) -> ExportSnapshot:
    snapshot = session.get(ExportSnapshot, snapshot_id)
    if snapshot is None or snapshot.project_id != project_id:
        raise NotFoundError("Not found.")
    return snapshot


def file_path(settings: Any, relative: str | None) -> Path | None:
    """The absolute path of a stored export file, refusing anything outside the exports folder."""
    if not relative:
        return None
    root = settings.exports_dir.resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        return None
    return path


class _HashingWriter:
    """Writes to a file while computing its md5 (so the file is read once, never twice)."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self.md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: bytes) -> int:
        self.md5.update(data)
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()


def project_folder(settings: Any, project_id: int) -> Path:
    """The folder holding a project's export files."""
    return settings.exports_dir / str(project_id)


def remove_project_files(settings: Any, project_id: int) -> None:
    """Delete a project's export files folder, once the project's deletion has committed. A folder
    that cannot be removed is logged: the project is gone either way."""
    folder = project_folder(settings, project_id)
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("could not remove the export files of deleted project %s (%s)", project_id, folder)


def _write_file(settings: Any, project_id: int, extension: str, produce) -> tuple[str, str]:
    """Run ``produce(stream)`` into a new file; returns (path relative to exports_dir, md5)."""
    folder = project_folder(settings, project_id)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".tmp-{os.getpid()}-{datetime.now().timestamp():.6f}.{extension}"
    try:
        with open(temporary, "wb", buffering=1 << 20) as raw:
            writer = _HashingWriter(raw)
            produce(writer)
        md5 = writer.md5.hexdigest()
        name = f"project-{project_id}-at-{datetime.now().strftime('%Y-%m-%d-%H-%M')}-{md5[:8]}.{extension}"
        final = folder / name
        if final.exists():  # same content in the same minute: keep both files distinct
            final = folder / f"{final.stem}-{temporary.stem[-6:]}.{extension}"
        temporary.replace(final)
        return str(final.relative_to(settings.exports_dir)), md5
    finally:
        temporary.unlink(missing_ok=True)


def _set(engine: Any, snapshot_id: int, **changes: Any) -> bool:
    """Update a snapshot row; False when it was deleted meanwhile."""
    with write_session(engine) as session:
        snapshot = session.get(ExportSnapshot, snapshot_id)
        if snapshot is None:
            return False
        for key, value in changes.items():
            setattr(snapshot, key, value)
        return True


def run_snapshot(context: JobContext, snapshot_id: int) -> None:
    """Job: write a snapshot's JSON file and record the outcome on its row."""
    engine, settings = context.engine, context.settings
    with read_session(engine) as session:
        snapshot = session.get(ExportSnapshot, snapshot_id)
        if snapshot is None or snapshot.status != "created":
            return
        project = session.get(Project, snapshot.project_id)
    _set(engine, snapshot_id, status="in_progress")
    try:
        config = export_formats.project_config(project, context.registry, context.pm)
        exporter = export_formats.resolve_exporter(context.registry, "JSON", config)
        counters = export_stream.ExportCounters()
        selection = exporting.TaskSelection(project_id=project.id, only_annotated=False,
                                            task_filter_options=snapshot.task_filter_options,
                                            annotation_filter_options=snapshot.annotation_filter_options)
        expand = expand_from_serialization(snapshot.serialization_options)
        export_context = exporting.export_context(project, config, settings)

        def produce(stream: IO[bytes]) -> None:
            tasks = counters.count(exporting.iter_selected(engine, selection, expand=expand))
            export_stream.run_export(exporter, tasks, stream, export_context)

        relative, md5 = _write_file(settings, project.id, exporter.extension, produce)
    except Exception as exc:
        _set(engine, snapshot_id, status="failed", finished_at=utcnow(), error=f"{type(exc).__name__}: {exc}")
        raise
    if not _set(engine, snapshot_id, status="completed", finished_at=utcnow(), file_path=relative, md5=md5,
                counters=counters.as_dict()):
        _remove(settings, relative)  # the snapshot was deleted while its file was being written


def _remove(settings: Any, relative: str | None) -> None:
    path = file_path(settings, relative)
    if path is not None:
        path.unlink(missing_ok=True)


def stored_file(settings: Any, snapshot: ExportSnapshot) -> Path:
    """A completed snapshot's JSON file; 404 when it is gone."""
    path = file_path(settings, snapshot.file_path)
    if path is None or not path.is_file():
        raise NotFoundError("The export file is missing.")
    return path


def convert_stored(settings: Any, snapshot: ExportSnapshot, exporter: Any, context: Any, out: IO[bytes]) -> None:
    """Write a stored snapshot in another format, reading its JSON one task at a time."""
    with open(stored_file(settings, snapshot), "rb") as stream:
        export_stream.run_export(exporter, export_reader.read_json_tasks(stream), out, context)


def stored_context(settings: Any, snapshot: ExportSnapshot, project: Project, config: export_formats.ProjectConfig):
    """The ExportContext for converting a stored snapshot (its data keys come from the file)."""
    path = file_path(settings, snapshot.file_path)
    return exporting.export_context(project, config, settings,
                                    {"data_keys": lambda: export_reader.stored_data_keys(path)})


def start_conversion(session: Session, snapshot: ExportSnapshot, export_type: str) -> int:
    """Add a ``created`` entry to ``converted_formats``; 400 if that conversion is already under way."""
    entries = list(snapshot.converted_formats or [])
    for entry in entries:
        if entry["export_type"] == export_type and entry["status"] != "failed":
            raise LabelcoreError(f"Conversion to {export_type} already started")
    converted_id = max((entry["id"] for entry in entries), default=0) + 1
    entries.append({"id": converted_id, "export_type": export_type, "status": "created", "traceback": None,
                    "file_path": None, "created_at": utcnow().isoformat(), "finished_at": None})
    snapshot.converted_formats = entries
    session.add(snapshot)
    return converted_id


def _set_conversion(engine: Any, snapshot_id: int, converted_id: int, **changes: Any) -> bool:
    """Update one ``converted_formats`` entry; False when the snapshot was deleted meanwhile."""
    with write_session(engine) as session:
        row = session.exec(select(ExportSnapshot).where(ExportSnapshot.id == snapshot_id).with_for_update()).first()
        snapshot = row[0] if row is not None else None
        if snapshot is None:
            return False
        entries = []
        for entry in snapshot.converted_formats or []:
            if entry["id"] == converted_id:
                entry = {**entry, **changes}
            entries.append(entry)
        snapshot.converted_formats = entries
        session.add(snapshot)
        return True


def run_conversion(context: JobContext, snapshot_id: int, converted_id: int, export_type: str) -> None:
    """Job: convert a completed snapshot's JSON file to ``export_type`` and record the file."""
    engine, settings = context.engine, context.settings
    with read_session(engine) as session:
        snapshot = session.get(ExportSnapshot, snapshot_id)
        if snapshot is None:
            return
        project = session.get(Project, snapshot.project_id)
    _set_conversion(engine, snapshot_id, converted_id, status="in_progress")
    try:
        config = export_formats.project_config(project, context.registry, context.pm)
        exporter = export_formats.resolve_exporter(context.registry, export_type, config)
        export_context = stored_context(settings, snapshot, project, config)
        relative, _ = _write_file(settings, project.id, exporter.extension,
                                  lambda out: convert_stored(settings, snapshot, exporter, export_context, out))
    except Exception:
        _set_conversion(engine, snapshot_id, converted_id, status="failed", traceback=traceback.format_exc(),
                        finished_at=utcnow().isoformat())
        raise
    if not _set_conversion(engine, snapshot_id, converted_id, status="completed", file_path=relative,
                           finished_at=utcnow().isoformat()):
        _remove(settings, relative)


def delete_snapshot(session: Session, settings: Any, snapshot: ExportSnapshot) -> None:
    """Delete a snapshot and its files (the JSON and every converted file)."""
    paths = [snapshot.file_path] + [entry.get("file_path") for entry in snapshot.converted_formats or []]
    session.delete(snapshot)
    session.flush()
    for relative in paths:
        _remove(settings, relative)
