"""The COCO and COCO_WITH_IMAGES export formats.

One JSON object with ``info``, ``images``, ``annotations`` and ``categories``
(cocodataset.org/#format-data), which ``pycocotools.coco.COCO`` loads:

- ``images``: one per picture of an exported task (see ``regions``): ``width``/``height`` in
  pixels, ``id`` counting from 0 in export order (as Label Studio numbers them), ``file_name``
  ``images/<md5(url)[:8]>__<basename>`` (Label Studio's name for the downloaded file, see ``media``).
- ``categories``: the labels of the controls that label image regions (RectangleLabels,
  PolygonLabels, EllipseLabels, BrushLabels, <Labels> on a drawn shape). A ``<Label category="7">``
  keeps its id; the others get the smallest free ids from 0 in alphabetical order of their values,
  which are the ids Label Studio's converter gives (``options["category_order"] = "config"``: in
  the order the config lists them). Labels a result uses that the config lacks (dynamic labels,
  a changed config) are added with the next free ids; that is why ``categories`` comes last in the
  file, after the tasks were read. Keypoint labels are keypoint names, not categories.
- ``annotations``: one per labeled region, ids from 1 (pycocotools' COCOeval reads a ground-truth
  id of 0 as "no match", cvat-ai/cvat#748), ``iscrowd`` 0, ``bbox`` ``[x, y, width, height]`` in
  continuous pixels (percent x original size), everything cut to the image:

  - a rectangle: its four corners as the segmentation polygon, the box enclosing them, area
    w x h. Label Studio's converter turns a rotated box in percent space, which is only right on
    square images, and writes ``segmentation: []``, which pycocotools cannot rasterise
    (``annToMask`` raises IndexError, so segm evaluation of a box dataset fails);
  - a polygon: its points, the box enclosing them, the shoelace area;
  - an ellipse: a polygon within 0.5 px of the curve, the exact box and area pi * rx * ry;
  - a brush mask: COCO RLE (``{"counts": [...], "size": [h, w]}``; ``options["rle"] =
    "compressed"`` writes pycocotools' string form), the box of its pixels, their count as area.
  - keypoints: a KeyPointLabels point whose ``parentID`` names a region of the same annotation
    is one entry of that region's ``keypoints`` ``[x, y, v, ...]`` (v = 2: labeled and visible;
    unlisted names 0, 0, 0), in the order of the category's ``keypoints`` names (``model_index``
    first, as Label Studio orders them). When a config has KeyPointLabels, every object category
    lists the keypoint names and every object annotation carries ``keypoints``/``num_keypoints``.
    Points without a parent region are gathered, per image and control, into one annotation
    whose category is named after the KeyPointLabels control, with the box of its points.

Regions wholly outside the image, without area, or without a label are left out and counted in
one warning at the end.

Streaming: images go straight to the output (COCO) or to a temporary file (the zip's JSON is
written after the images), annotations to a temporary file appended after the images; memory
holds one task and the categories. The zip keeps one small entry record per file, which any zip
writer must hold for the central directory at the end.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import orjson

from labelcore import ExportContext, ExporterSpec, LabelcoreError
from labelcore.geometry import percent_to_pixels

from labelcore_export_coco import masks
from labelcore_export_coco.media import ZipMedia, image_path, place, zip_entry
from labelcore_export_coco.regions import (ANNOTATION_MODES, ImageSchema, Picture, Region, Tally, iter_pictures,
                                           labeled_objects, measure)

RLE_FORMS = ("uncompressed", "compressed")
CATEGORY_ORDERS = ("alphabetical", "config")
RESULT_FILE = "result.json"

log = logging.getLogger(__name__)


def option(context: ExportContext, name: str, allowed: tuple[str, ...]) -> str:
    """``context.options[name]``, one of ``allowed`` (the first is the default)."""
    value = context.options.get(name) or allowed[0]
    if value not in allowed:
        raise LabelcoreError(f"export option {name}={value!r} is not one of {', '.join(allowed)}")
    return value


# --------------------------------------------------------------------------- categories


@dataclass
class Categories:
    """COCO categories: fixed by the config up front, grown by labels the config lacks."""

    keypoint_names: list[str]
    entries: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_label: dict[str, int] = field(default_factory=dict)
    keypoint_groups: dict[str, int] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    _next_free: int = 0

    @classmethod
    def from_schema(cls, schema: ImageSchema, order: str = "alphabetical") -> Categories:
        categories = cls(keypoint_names=schema.keypoint_names())
        options = [option for control in schema.object_controls.values() for option in control]
        for label in options:
            try:
                explicit = int(label.category) if label.category is not None else None
            except ValueError:
                explicit = None
            if explicit is None or label.value in categories.by_label:
                continue
            if explicit not in categories.entries:
                categories._add(explicit, label.value)
            # a second label with the same id joins that category
            categories.by_label[label.value] = explicit
        rest = list(dict.fromkeys(label.value for label in options if label.value not in categories.by_label))
        for value in sorted(rest) if order == "alphabetical" else rest:
            categories._add(categories._free_id(), value)
        for alias, value in schema.aliases().items():
            if value in categories.by_label:
                categories.by_label.setdefault(alias, categories.by_label[value])
        return categories

    def _free_id(self) -> int:
        while self._next_free in self.entries:
            self._next_free += 1
        return self._next_free

    def _add(self, identifier: int, name: str) -> None:
        entry: dict[str, Any] = {"id": identifier, "name": name}
        if self.keypoint_names:
            entry["keypoints"] = self.keypoint_names
            entry["skeleton"] = []
        self.entries[identifier] = entry
        self.by_label[name] = identifier

    def object_id(self, label: str) -> int:
        """The category of a region's label, added with the next free id if the config lacks it."""
        identifier = self.by_label.get(label)
        if identifier is None:
            identifier = self._free_id()
            self._add(identifier, label)
            self.added.append(label)
        return identifier

    def keypoint_group_id(self, control: str, names: list[str]) -> int:
        """The category of a control's keypoints that have no parent region (added when first used)."""
        identifier = self.keypoint_groups.get(control)
        if identifier is None:
            identifier = self._free_id()
            entry = {"id": identifier, "name": control, "keypoints": names, "skeleton": []}
            self.entries[identifier] = entry
            self.keypoint_groups[control] = identifier
        return identifier

    def as_list(self) -> list[dict[str, Any]]:
        return [self.entries[identifier] for identifier in sorted(self.entries)]


# --------------------------------------------------------------------------- annotations


def _flat(points: Iterable[tuple[float, float]]) -> list[float]:
    return [coordinate for point in points for coordinate in point]


def region_record(region: Region, width: float, height: float, rle_form: str, tally: Tally) -> dict[str, Any] | None:
    """``segmentation``, ``bbox`` and ``area`` of one shaped region (not a keypoint), or None."""
    shape = measure(region, width, height, tally)
    if shape is None:
        return None
    x_min, y_min, x_max, y_max = shape.box
    if isinstance(shape, masks.Mask):
        segmentation: Any = shape.compressed() if rle_form == "compressed" else shape.uncompressed()
    else:
        segmentation = [_flat(shape.polygon)]
    return {"segmentation": segmentation, "bbox": [x_min, y_min, x_max - x_min, y_max - y_min], "area": shape.area}


def _keypoint(region: Region, picture: Picture) -> tuple[float, float] | None:
    width, height = picture.width, picture.height
    try:
        x, y = percent_to_pixels(region.value["x"], width), percent_to_pixels(region.value["y"], height)
    except (KeyError, TypeError):
        return None
    return (x, y) if 0 <= x <= width and 0 <= y <= height else None


def _keypoint_list(points: list[Region], names: list[str], picture: Picture, tally: Tally) -> list[float]:
    values: list[float] = [0] * (3 * len(names))
    slots = {name: index for index, name in enumerate(names)}
    for point in points:
        slot = slots.get(point.label)
        position = _keypoint(point, picture)
        if slot is None or position is None:
            tally.skip("keypoint(s) with a label that is no keypoint name, or outside the image")
            continue
        if values[3 * slot + 2]:
            tally.skip("keypoint(s) repeating a name already placed on the same object")
            continue
        values[3 * slot:3 * slot + 3] = [position[0], position[1], 2]
    return values


def _visible(keypoints: list[float]) -> int:
    return sum(1 for index in range(2, len(keypoints), 3) if keypoints[index])


def picture_annotations(picture: Picture, categories: Categories, schema: ImageSchema, rle_form: str,
                        tally: Tally) -> Iterator[dict[str, Any]]:
    """The annotation records of one picture (its size settled), without ``id``/``image_id``."""
    for group in picture.groups:
        objects: list[tuple[Region, dict[str, Any]]] = []
        points = [region for region in group if region.kind == "keypoint" and region.label is not None]
        for region in labeled_objects(group, tally):
            geometry = region_record(region, picture.width, picture.height, rle_form, tally)
            if geometry is not None:
                record = {"category_id": categories.object_id(region.label), "segmentation": geometry["segmentation"],
                          "bbox": geometry["bbox"], "ignore": 0, "iscrowd": 0, "area": geometry["area"]}
                objects.append((region, record))
        parents = {region.id: record for region, record in objects if region.id is not None}
        children: dict[str, list[Region]] = defaultdict(list)
        loose: dict[str, list[Region]] = defaultdict(list)
        for point in points:
            if point.parent_id is not None and point.parent_id in parents:
                children[point.parent_id].append(point)
            else:
                loose[point.control].append(point)
        for region, record in objects:
            if categories.keypoint_names:
                record["keypoints"] = _keypoint_list(children.get(region.id, []) if region.id else [],
                                                     categories.keypoint_names, picture, tally)
                record["num_keypoints"] = _visible(record["keypoints"])
            yield record
        for control, group_points in loose.items():
            names = schema.keypoint_names(control) if control in schema.keypoint_controls else categories.keypoint_names
            keypoints = _keypoint_list(group_points, names, picture, tally)
            visible = [(keypoints[index], keypoints[index + 1]) for index in range(0, len(keypoints), 3)
                       if keypoints[index + 2]]
            if not visible:
                continue
            xs, ys = [x for x, _ in visible], [y for _, y in visible]
            box = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
            yield {"category_id": categories.keypoint_group_id(control, names), "segmentation": [], "bbox": box,
                   "ignore": 0, "iscrowd": 0, "area": box[2] * box[3], "keypoints": keypoints,
                   "num_keypoints": len(visible)}


# --------------------------------------------------------------------------- writing


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:  # a lone surrogate (from a "\\ud800" escape) in a URL or label
        return json.dumps(value, ensure_ascii=True).encode("ascii")


class _JsonArray:
    """Items of a JSON array written one by one to a binary sink."""

    def __init__(self, sink: IO[bytes]):
        self.sink = sink
        self.count = 0

    def add(self, item: dict[str, Any]) -> None:
        self.sink.write(b"\n" if self.count == 0 else b",\n")
        self.sink.write(_dumps(item))
        self.count += 1


def _info(context: ExportContext) -> dict[str, Any]:
    now = datetime.now()
    return {"year": now.year, "version": "1.0", "description": context.project_title, "contributor": "labelcore",
            "url": "", "date_created": str(now)}


@dataclass
class _Run:
    """One export: its settings, the categories and ids so far, and what was left out."""

    context: ExportContext
    schema: ImageSchema
    mode: str
    rle_form: str
    categories: Categories
    tally: Tally = field(default_factory=Tally)

    @classmethod
    def start(cls, context: ExportContext) -> _Run:
        schema = ImageSchema.from_config(context.config)
        order = option(context, "category_order", CATEGORY_ORDERS)
        return cls(context=context, schema=schema, mode=option(context, "annotations", ANNOTATION_MODES),
                   rle_form=option(context, "rle", RLE_FORMS), categories=Categories.from_schema(schema, order))

    def convert(self, tasks: Iterable[dict[str, Any]], images: _JsonArray, annotations: _JsonArray,
                media: ZipMedia | None = None) -> None:
        for picture in iter_pictures(tasks, self.schema, self.mode, self.tally):
            if not place(picture, self.context.open_media, media, self.tally)[0]:
                continue
            image_id = images.count
            images.add({"width": picture.width, "height": picture.height, "id": image_id,
                        "file_name": image_path(picture.url)})
            for record in picture_annotations(picture, self.categories, self.schema, self.rle_form, self.tally):
                annotations.add({"id": annotations.count + 1, "image_id": image_id, **record})

    # The JSON around the two arrays; the tail holds the categories, complete once the tasks are read.
    def head(self) -> bytes:
        return b'{"info": ' + _dumps(_info(self.context)) + b',\n"images": ['

    MIDDLE = b'\n],\n"annotations": ['

    def tail(self) -> bytes:
        return b'\n],\n"categories": ' + _dumps(self.categories.as_list()) + b"}\n"

    def finish(self, export: str) -> None:
        if self.categories.added:
            log.warning("%s export: label(s) the config lacks were added as categories: %s", export,
                        ", ".join(self.categories.added))
        self.tally.log(export)


def _export_zip(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext,
                with_images: bool) -> None:
    """result.json (and, with images, images/<name>) in a zip, the layout Label Studio returns."""
    if with_images and context.open_media is None:
        raise LabelcoreError("COCO_WITH_IMAGES needs to read the tasks' images, and this export was started "
                             "without access to media")
    run = _Run.start(context)
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive, \
            tempfile.TemporaryFile() as spooled_images, tempfile.TemporaryFile() as spooled_annotations:
        media = ZipMedia(archive, context.open_media) if with_images else None
        run.convert(tasks, _JsonArray(spooled_images), _JsonArray(spooled_annotations), media)
        if not with_images:
            archive.writestr(zipfile.ZipInfo("images/"), b"")  # Label Studio's COCO zip has the folder too
        head, middle, tail = run.head(), run.MIDDLE, run.tail()
        size = len(head) + spooled_images.tell() + len(middle) + spooled_annotations.tell() + len(tail)
        with archive.open(zip_entry(RESULT_FILE, size), "w") as target:
            target.write(head)
            spooled_images.seek(0)
            shutil.copyfileobj(spooled_images, target, 1 << 16)
            target.write(middle)
            spooled_annotations.seek(0)
            shutil.copyfileobj(spooled_annotations, target, 1 << 16)
            target.write(tail)
    run.finish("COCO_WITH_IMAGES" if with_images else "COCO")


def export_coco(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    _export_zip(tasks, stream, context, with_images=False)


def export_coco_with_images(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    _export_zip(tasks, stream, context, with_images=True)


def supports(config: Any) -> str | None:
    return ImageSchema.from_config(config).refusal(keypoints_count=True)


EXPORTERS = [
    ExporterSpec(
        id="COCO",
        title="COCO",
        description="Image regions in COCO's JSON for object detection and segmentation: boxes (rotated boxes "
                    "by their enclosing box and corner polygon), polygons, ellipses, brush masks (RLE) and "
                    "keypoints, in pixels, as result.json in a zip (as Label Studio returns it). One annotation per task: "
                    "its ground truth, else its latest.",
        media_type="application/zip",
        extension="zip",
        supports=supports,
        export=export_coco,
    ),
    ExporterSpec(
        id="COCO_WITH_IMAGES",
        title="COCO with Images",
        description="The COCO export in a zip with the images it names: result.json and images/.",
        media_type="application/zip",
        extension="zip",
        supports=supports,
        export=export_coco_with_images,
    ),
]
