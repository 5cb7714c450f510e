"""The YOLO export formats: one zip, written as the tasks stream through.

Layout (Label Studio's, plus ``data.yaml``)::

    labels/<image stem>.txt   one line per object (see ``lines``)
    images/<image name>       *_WITH_IMAGES only, fetched through ExportContext.open_media
    classes.txt  notes.json  data.yaml   from the class ids (see ``schema``, ``dataset_files``)

The description files come last because a label the config does not list (dynamic labels) only
shows up in the results. Per task, only its own regions are held; what grows with the project is
the zip's central directory (a small record per file, kept by ``zipfile`` until it is written at
the end) and the set of stems handed out. An image is spooled (in memory up to 8 MiB, then to a
temporary file) before it enters the zip, so a storage error mid-read skips the task cleanly
instead of leaving half an image; as in Label Studio, a task whose image cannot be fetched is left
out entirely (no label file without its image) and counted in ``notes.json``.
"""

from __future__ import annotations

import logging
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from labelcore import ExportContext, ExporterSpec, LabelcoreError

from labelcore_export_yolo.dataset_files import classes_txt, data_yaml, notes_json
from labelcore_export_yolo.lines import label_lines
from labelcore_export_yolo.naming import UniqueStems, sniff_extension, split_name, url_basename
from labelcore_export_yolo.regions import chosen_annotation, regions
from labelcore_export_yolo.schema import ClassNumbers, YoloSchema, yolo_schema

log = logging.getLogger(__name__)

SPOOL_BYTES = 8 * 1024 * 1024


def image_url(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    return value if isinstance(value, str) and value else None


def fetch_image(open_media: Callable[[str], IO[bytes] | None], url: str | None,
                task_id: Any) -> SpooledTemporaryFile | None:
    """The image's bytes, spooled and rewound, or None (logged) when it cannot be read."""
    if url is None:
        log.warning("YOLO export: task %s has no image URL; it is left out", task_id)
        return None
    try:
        source = open_media(url)
        if source is None:
            log.warning("YOLO export: the image of task %s (%s) was not found; the task is left out", task_id, url)
            return None
        spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            shutil.copyfileobj(source, spool)
        finally:
            source.close()
    except Exception:  # any storage's failure: one unreadable image must not abort the export
        log.warning("YOLO export: the image of task %s (%s) could not be read; the task is left out",
                    task_id, url, exc_info=True)
        return None
    spool.seek(0)
    return spool


class _Zip:
    """A zip being written to the export stream, every entry stamped with the export's start."""

    def __init__(self, stream: IO[bytes]):
        self.archive = zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED)
        self.stamp = time.localtime()[:6]

    def text(self, name: str, content: str) -> None:
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.archive.writestr(info, content.encode("utf-8"))

    def copy(self, name: str, source: IO[bytes]) -> None:
        source.seek(0, 2)
        size = source.tell()
        source.seek(0)
        info = zipfile.ZipInfo(name, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_STORED  # images are compressed already
        info.file_size = size
        with self.archive.open(info, "w") as target:  # the size known, zipfile picks zip64 when needed
            shutil.copyfileobj(source, target)


def write_yolo_zip(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext,
                   obb: bool = False, with_images: bool = False) -> None:
    schema = yolo_schema(context.config, obb=obb)
    if isinstance(schema, str):
        raise LabelcoreError(schema)
    if with_images and context.open_media is None:
        raise LabelcoreError("This export includes the images, but no storage can open this project's media.")
    classes = ClassNumbers(schema.class_ids)
    stems = UniqueStems()
    missing = 0
    out = _Zip(stream)
    with out.archive:
        out.archive.mkdir("images")
        for task in tasks:
            missing += not _write_task(out, task, schema, classes, stems, context, obb, with_images)
        out.text("classes.txt", classes_txt(classes))
        out.text("notes.json", notes_json(classes, {"images_not_found": missing} if missing else None))
        out.text("data.yaml", data_yaml(classes, obb=obb))


def _write_task(out: _Zip, task: dict[str, Any], schema: YoloSchema, classes: ClassNumbers,
                stems: UniqueStems, context: ExportContext, obb: bool, with_images: bool) -> bool:
    """Write one task's label file (and image); False when its image could not be fetched."""
    exported, annotation = chosen_annotation(task)
    if not exported:
        return True
    task_id = task.get("id")
    url = image_url(task.get("data"), schema.data_key)
    stem, extension = split_name(url_basename(url), fallback=f"task_{task_id}")
    image = None
    if with_images:
        image = fetch_image(context.open_media, url, task_id)  # type: ignore[arg-type]
        if image is None:
            return False
        if not extension:
            extension = sniff_extension(image.read(16))
            image.seek(0)
    stem = stems.claim(stem, task_id)
    if image is not None:
        with image:
            out.copy(f"images/{stem}{extension}", image)
    lines = label_lines(regions(annotation, schema), classes, obb=obb)
    out.text(f"labels/{stem}.txt", "".join(line + "\n" for line in lines))
    return True


def _exporter(obb: bool, with_images: bool) -> Callable[[Iterable[dict[str, Any]], IO[bytes], ExportContext], None]:
    def export(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
        write_yolo_zip(tasks, stream, context, obb=obb, with_images=with_images)

    return export


def _supports(obb: bool) -> Callable[[Any], str | None]:
    def supports(config: Any) -> str | None:
        schema = yolo_schema(config, obb=obb)
        return schema if isinstance(schema, str) else None

    return supports


_BOXES = ("labels/<image>.txt per image: one 'class cx cy w h' line per box (a rotated box as its enclosing box) "
          "or 'class x1 y1 x2 y2 ...' per polygon, normalised 0-1")
_OBB = ("labels/<image>.txt per image: one 'class x1 y1 x2 y2 x3 y3 x4 y4' line per box, its corners "
        "(rotation included) normalised 0-1")
_FILES = "; classes.txt, notes.json and an Ultralytics data.yaml"

EXPORTERS = [
    ExporterSpec(id="YOLO", title="YOLO", media_type="application/zip", extension="zip",
                 description=f"Ultralytics YOLO dataset (zip) without the images: {_BOXES}{_FILES}.",
                 supports=_supports(obb=False), export=_exporter(obb=False, with_images=False)),
    ExporterSpec(id="YOLO_WITH_IMAGES", title="YOLO with Images", media_type="application/zip", extension="zip",
                 description=f"Ultralytics YOLO dataset (zip) with the images in images/: {_BOXES}{_FILES}.",
                 supports=_supports(obb=False), export=_exporter(obb=False, with_images=True)),
    ExporterSpec(id="YOLO_OBB", title="YOLOv8 OBB", media_type="application/zip", extension="zip",
                 description=f"Ultralytics YOLO oriented-bounding-box dataset (zip) without the images: "
                             f"{_OBB}{_FILES}.",
                 supports=_supports(obb=True), export=_exporter(obb=True, with_images=False)),
    ExporterSpec(id="YOLO_OBB_WITH_IMAGES", title="YOLOv8 OBB with Images", media_type="application/zip",
                 extension="zip",
                 description=f"Ultralytics YOLO oriented-bounding-box dataset (zip) with the images in images/: "
                             f"{_OBB}{_FILES}.",
                 supports=_supports(obb=True), export=_exporter(obb=True, with_images=True)),
]
