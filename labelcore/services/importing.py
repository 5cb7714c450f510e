"""Importing tasks (with their annotations and predictions), and predictions for existing tasks:
the service entry points the API and the CLI call.

An import is all-or-nothing and runs in two phases:

1. *Check* (``import_check``), without holding a write lock: parse every source (streaming), turn
   each task into the row values it will be stored as, and check it against the project's labeling
   config. Any problem ends the import with ``ImportProblems`` and nothing is written.
2. *Write* (``import_writer``), in one transaction: reserve the tasks' ``inner_id`` range, insert
   tasks, annotations and predictions in bulk, and move the project's counters once. On
   PostgreSQL the grown tables are analyzed right after the commit.
"""

from __future__ import annotations

import gc
import io
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

import orjson
import pluggy
from sqlalchemy import Engine, select

from labelcore.config import ParsedConfig
from labelcore.db import chunks, read_session, write_session
from labelcore.errors import LabelcoreError
from labelcore.models import Project, Task
from labelcore.registry import Registry
from labelcore.services.events import emit
from labelcore.services.import_check import (MAX_REPORTED_PROBLEMS, ImportOptions, ImportProblems, ImportSource,
                                             check_predictions, check_sources)
from labelcore.services.import_writer import ImportConflict, commit_and_analyze, write_predictions, write_tasks
from labelcore.services.projects import get_project, parsed_config
from labelcore.specs import ImporterSpec

__all__ = [
    "MAX_REPORTED_PROBLEMS", "MEDIA_EXTENSIONS", "ImportConflict", "ImportOptions", "ImportProblems", "ImportResult",
    "ImportSource", "discard_stored", "import_predictions", "import_tasks", "importer_for", "is_media_file",
    "json_body_source", "media_sources",
]


@dataclass
class ImportResult:
    task_count: int
    annotation_count: int | None
    prediction_count: int | None
    duration: float
    found_formats: dict[str, int] | list
    could_be_tasks_list: bool
    data_columns: list[str]
    task_ids: list[int] | None = None
    #: the new tasks' ids when the caller asked for them (``want_task_ids``); not in the response
    new_task_ids: list[int] | None = None

    def as_json(self) -> dict[str, Any]:
        """Label Studio's import response."""
        body = {
            "task_count": self.task_count,
            "annotation_count": self.annotation_count,
            "prediction_count": self.prediction_count,
            "duration": self.duration,
            "file_upload_ids": [],
            "could_be_tasks_list": self.could_be_tasks_list,
            "found_formats": self.found_formats,
            "data_columns": self.data_columns,
        }
        if self.task_ids is not None:
            body["task_ids"] = self.task_ids
        return body


def importer_for(registry: Registry, file_name: str) -> ImporterSpec:
    """The importer that reads files named like ``file_name`` (by extension)."""
    name = file_name.lower()
    best: ImporterSpec | None = None
    matched = 0
    for spec in registry.importers.values():
        for extension in spec.extensions:
            if name.endswith(extension.lower()) and len(extension) > matched:
                best, matched = spec, len(extension)
    if best is None:
        suffix = PurePath(file_name).suffix or file_name
        known = sorted(ext for spec in registry.importers.values() for ext in spec.extensions)
        raise LabelcoreError(f"{suffix} extension is not supported ({file_name}); task files can be "
                             f"{', '.join(known)}")
    return best


def json_body_source(registry: Registry, body: bytes) -> ImportSource:
    """A request body holding a JSON list of tasks or one task, read by the JSON importer."""
    return ImportSource(stream=io.BytesIO(body), importer=registry.importers["JSON"])


class _CollectorPause:
    """Pauses Python's cycle collector while imports build their objects.

    Parsing 100k tasks allocates millions of containers, which triggers full collections that
    rescan every live object again and again (a third of the parse time at 10k annotated tasks).
    Nothing an import builds is cyclic, so reference counting frees it all as usual. Concurrent
    imports share one pause; the collector comes back when the last one ends.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._reenable = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._reenable = gc.isenabled()
                gc.disable()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and self._reenable:
                    gc.enable()


_gc_paused = _CollectorPause()


# --------------------------------------------------------------------------- importing tasks


def import_tasks(
    engine: Engine,
    project_id: int,
    sources: Iterable[ImportSource],
    *,
    user_id: int | None,
    registry: Registry,
    pm: pluggy.PluginManager | None = None,
    options: ImportOptions | None = None,
    started: float | None = None,
    want_task_ids: bool = False,
) -> ImportResult:
    """Import tasks from the given sources into a project, all or nothing.

    :param user_id: who imports; annotations that do not name their annotator are theirs.
    :param options: Label Studio's query parameters (commit, return ids, preannotated fields).
    :param started: ``time.perf_counter()`` when the request began, for the reported duration.
    :param want_task_ids: return the new tasks' ids in ``new_task_ids`` (to predict them afterwards).
    :raises ImportProblems: some task cannot be imported; lists the problems, nothing is written.
    :raises NotFoundError: no such project.
    """
    started = time.perf_counter() if started is None else started
    options = options or ImportOptions()
    with read_session(engine) as session:
        project = get_project(session, project_id)
        label_config = project.label_config
        importer_id = user_id if user_id is not None else project.created_by_id
    config = parsed_config(label_config, registry, pm)

    with _gc_paused():
        checked = check_sources(engine, sources, config, registry, pm, options)
        rows = checked.rows
        result = ImportResult(
            task_count=len(rows.tasks), annotation_count=None, prediction_count=None, duration=0.0,
            found_formats=checked.found_formats if checked.from_files else [],
            could_be_tasks_list=checked.could_be_tasks_list,
            data_columns=(checked.data_columns or []) if checked.from_files else [],
        )
        listening = pm is not None and bool(pm.hook.on_event.get_hookimpls())
        task_ids = None
        if options.commit_to_project:
            with write_session(engine) as session:
                task_ids = write_tasks(session, project_id, label_config, rows, importer_id,
                                       want_ids=options.return_task_ids or listening or want_task_ids)
                commit_and_analyze(session, {"task": len(rows.tasks), "annotation": len(rows.annotations),
                                             "prediction": len(rows.predictions)})
            result.annotation_count = len(rows.annotations)
            result.prediction_count = len(rows.predictions)
            if options.return_task_ids:
                result.task_ids = task_ids
            if want_task_ids:
                result.new_task_ids = task_ids
        del checked, rows
    result.duration = time.perf_counter() - started
    if task_ids is not None and listening:
        emit(pm, "TASKS_CREATED", _tasks_created_payload(engine, project_id, task_ids))
    return result


def _tasks_created_payload(engine: Engine, project_id: int, task_ids: list[int]) -> dict[str, Any]:
    """Label Studio's TASKS_CREATED webhook payload (built only when a plugin listens)."""
    from labelcore.api.serializers import project_payload, task_json, webhook_payload

    with read_session(engine) as session:
        project = session.get(Project, project_id)
        tasks = []
        for chunk in chunks(task_ids):
            rows = session.execute(select(Task).where(Task.id.in_(chunk)).order_by(Task.id)).scalars()
            tasks.extend(task_json(row) for row in rows)
        return webhook_payload("TASKS_CREATED", tasks=tasks,
                               project=project_payload(session, project) if project else {"id": project_id})


# --------------------------------------------------------------------------- importing predictions


def import_predictions(
    engine: Engine,
    project_id: int,
    items: Any,
    *,
    registry: Registry,
    pm: pluggy.PluginManager | None = None,
) -> int:
    """Add predictions ``{task, result, score, model_version}`` to a project's tasks, all or nothing.

    Each result is checked against the config and its task's data.
    :return: how many predictions were created.
    :raises ImportProblems: some prediction cannot be imported; nothing is written.
    """
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise LabelcoreError("expected a list of predictions")
    with read_session(engine) as session:
        label_config = get_project(session, project_id).label_config
    config = parsed_config(label_config, registry, pm)
    checked = check_predictions(engine, project_id, items, config)
    if not checked.rows:
        return 0
    with write_session(engine) as session:
        write_predictions(session, project_id, label_config, checked)
        commit_and_analyze(session, {"prediction": len(checked.rows)})
    return len(checked.rows)


# --------------------------------------------------------------------------- media files (one task each)

#: Uploaded files that are media rather than task files: each becomes one task pointing at it
#: (Label Studio's image upload). The value is the ``data_type`` of the object tag that shows them.
MEDIA_EXTENSIONS = {".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image",
                    ".webp": "image", ".avif": "image", ".tif": "image", ".tiff": "image"}


def is_media_file(file_name: str) -> bool:
    """Whether an uploaded file is a media file (an image) rather than a file of tasks."""
    return PurePath(file_name.lower()).suffix in MEDIA_EXTENSIONS


def _media_key(config: ParsedConfig, registry: Registry, kind: str) -> str:
    """The data key for uploaded media of ``kind``: the first read by an object tag showing that kind."""
    specs = {name.lower(): spec for name, spec in registry.tags.items()}
    for ref in config.data_refs:
        spec = specs.get(ref.tag.lower())
        if spec is not None and spec.data_type == kind:
            return ref.name
    return (config.data_keys or config.all_data_keys or [kind])[0]


def media_sources(engine: Engine, uploads_dir: Any, project_id: int, files: list[tuple[str, IO[bytes]]],
                  registry: Registry, pm: pluggy.PluginManager | None = None) -> list[ImportSource]:
    """Store uploaded media files in ``<uploads_dir>/<project>/`` and return one import source per
    file, each holding one task ``{<key>: "/data/upload/<project>/<stored name>"}``.

    ``<key>`` is the first data key the project's config reads with an object tag for that kind of
    file (``<Image value="$image">``), else its first data key. Stored names get a random prefix,
    so uploading two files with the same name keeps both.
    """
    with read_session(engine) as session:
        label_config = get_project(session, project_id).label_config
    config = parsed_config(label_config, registry, pm)
    folder = Path(uploads_dir) / str(project_id)
    folder.mkdir(parents=True, exist_ok=True)
    sources: list[ImportSource] = []
    try:
        for name, stream in files:
            base = PurePath(name.replace("\\", "/")).name
            safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")[-120:] or "file"
            stored = folder / f"{uuid.uuid4().hex[:8]}-{safe}"
            key = _media_key(config, registry, MEDIA_EXTENSIONS[PurePath(base.lower()).suffix])
            task = {"data": {key: f"/data/upload/{project_id}/{stored.name}"}}
            sources.append(ImportSource(stream=io.BytesIO(orjson.dumps([task])), importer=registry.importers["JSON"],
                                        name=base, stored=stored))
            with stored.open("wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
    except BaseException:
        discard_stored(sources)
        raise
    return sources


def discard_stored(sources: list[ImportSource]) -> None:
    """Remove the media files an import stored, when it did not commit (nothing points at them)."""
    for source in sources:
        if source.stored is not None:
            source.stored.unlink(missing_ok=True)
