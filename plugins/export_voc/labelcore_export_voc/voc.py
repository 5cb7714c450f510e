"""The VOC and VOC_WITH_IMAGES export formats: Pascal VOC XML, one file per image, in a zip.

The zip holds ``Annotations/<image stem>.xml`` (and, with images, ``images/<file name>``), as
Label Studio's converter lays it out. Images, their file names and sizes, and the annotation each
task is exported from are those of the COCO export (``labelcore_export_coco.regions``/``media``):
one picture per ``<Image>`` (per URL of a ``valueList``), from the task's ground-truth annotation,
else its latest; a task without a non-cancelled annotation is left out, and an annotation without
regions gives an XML file without objects.

Each XML has ``folder`` (``images``), ``filename``, ``source`` (``database`` labelcore,
``annotation`` the project title, ``image`` the task's image URL, ``annotator``), ``size``
(``width``, ``height``, ``depth``: the image's channels when its file was read, else 3),
``segmented`` 0, and one ``object`` per labeled region: ``name`` (its first label), ``pose``
Unspecified, ``truncated``, ``difficult`` 0, ``bndbox``.

**Boxes.** Every shape becomes its bounding box: a rectangle's (a rotated one's box enclosing its
four corners), a polygon's, an ellipse's (exact extents), a brush mask's pixels'. Keypoints have no
box and are left out. The box is cut to the image first; ``truncated`` is 1 when the shape reached
past the image's edge. Coordinates are pixel edges counted from 0 (Label Studio's convention, not
the 1-based indices of the original VOC devkit): xmin/ymin round down, xmax/ymax round up, so the
integer box is the smallest one holding the shape, and a box already on whole pixels is kept
as is. A value within 1e-6 px of a whole number counts as that number (so 33.333...% of 300 px is
100, not 101). Label Studio writes ``int(x)``, ``int(x) + int(width)``: the same xmin, but its xmax
truncates twice and can end a pixel short; it also ignores rotation and writes rectangles only.
"""

from __future__ import annotations

import math
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from lxml import etree

from labelcore import ExportContext, ExporterSpec, LabelcoreError

from labelcore_export_coco import masks
from labelcore_export_coco.coco import option
from labelcore_export_coco.media import IMAGES_FOLDER, ImageInfo, ZipMedia, image_file_name, place, zip_entry
from labelcore_export_coco.regions import (ANNOTATION_MODES, ImageSchema, Picture, Tally, annotator, iter_pictures,
                                           labeled_objects, measure)

ANNOTATIONS_FOLDER = "Annotations"
#: How close to a whole pixel a coordinate must be to count as on it.
SNAP = 1e-6
DEFAULT_DEPTH = 3

Box = tuple[int, int, int, int]


def pixel_box(box: tuple[float, float, float, float], width: int, height: int) -> Box | None:
    """(xmin, ymin, xmax, ymax) in whole pixels holding ``box``, inside the image; None if empty."""
    x_min = max(0, math.floor(box[0] + SNAP))
    y_min = max(0, math.floor(box[1] + SNAP))
    x_max = min(width, math.ceil(box[2] - SNAP))
    y_max = min(height, math.ceil(box[3] - SNAP))
    if x_max <= x_min or y_max <= y_min:
        return None
    return x_min, y_min, x_max, y_max


def picture_objects(picture: Picture, tally: Tally) -> Iterator[tuple[str, Box, bool]]:
    """(label, box, truncated) of each labeled shaped region of a picture (its size settled)."""
    for group in picture.groups:
        for region in labeled_objects(group, tally):
            shape = measure(region, picture.width, picture.height, tally)
            if shape is None:
                continue
            box = pixel_box(shape.box, picture.width, picture.height)
            if box is None:
                tally.skip("region(s) without area inside the image")
                continue
            truncated = not isinstance(shape, masks.Mask) and shape.clipped
            yield region.label, box, truncated


#: Characters XML 1.0 cannot hold (lxml refuses them); dropped from labels, titles and URLs.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _child(parent: etree._Element, tag: str, text: Any = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = _NOT_XML.sub("", str(text))
    return element


def picture_xml(picture: Picture, context: ExportContext, info: ImageInfo | None, tally: Tally) -> bytes:
    root = etree.Element("annotation")
    _child(root, "folder", IMAGES_FOLDER)
    _child(root, "filename", image_file_name(picture.url))
    source = _child(root, "source")
    _child(source, "database", "labelcore")
    _child(source, "annotation", context.project_title)
    _child(source, "image", picture.url)
    _child(source, "annotator", annotator(picture))
    size = _child(root, "size")
    _child(size, "width", picture.width)
    _child(size, "height", picture.height)
    _child(size, "depth", info.channels if info is not None else DEFAULT_DEPTH)
    _child(root, "segmented", 0)
    for label, (x_min, y_min, x_max, y_max), truncated in picture_objects(picture, tally):
        element = _child(root, "object")
        _child(element, "name", label)
        _child(element, "pose", "Unspecified")
        _child(element, "truncated", int(truncated))
        _child(element, "difficult", 0)
        box = _child(element, "bndbox")
        _child(box, "xmin", x_min)
        _child(box, "ymin", y_min)
        _child(box, "xmax", x_max)
        _child(box, "ymax", y_max)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _xml_name(archive: zipfile.ZipFile, url: str) -> str:
    """``Annotations/<image stem>.xml``; a second task showing the same image gets ``-1``, ``-2``..."""
    stem = posixpath.splitext(image_file_name(url))[0]
    name, copy = f"{ANNOTATIONS_FOLDER}/{stem}.xml", 0
    while True:
        try:
            archive.getinfo(name)
        except KeyError:
            return name
        copy += 1
        name = f"{ANNOTATIONS_FOLDER}/{stem}-{copy}.xml"


def write_voc(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext, with_images: bool) -> None:
    schema = ImageSchema.from_config(context.config)
    mode = option(context, "annotations", ANNOTATION_MODES)
    tally = Tally()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        media = ZipMedia(archive, context.open_media) if with_images else None
        for picture in iter_pictures(tasks, schema, mode, tally):
            ready, info = place(picture, context.open_media, media, tally)
            if not ready:
                continue
            document = picture_xml(picture, context, info, tally)
            with archive.open(zip_entry(_xml_name(archive, picture.url), len(document)), "w") as target:
                target.write(document)
    tally.log("VOC_WITH_IMAGES" if with_images else "VOC")


def export_voc(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    write_voc(tasks, stream, context, with_images=False)


def export_voc_with_images(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    if context.open_media is None:
        raise LabelcoreError("VOC_WITH_IMAGES needs to read the tasks' images, and this export was started "
                             "without access to media")
    write_voc(tasks, stream, context, with_images=True)


def supports(config: Any) -> str | None:
    reason = ImageSchema.from_config(config).refusal(keypoints_count=False)
    return None if reason is None else f"{reason}; Pascal VOC holds bounding boxes"


EXPORTERS = [
    ExporterSpec(
        id="VOC",
        title="Pascal VOC XML",
        description="A zip of Pascal VOC XML files, one per image, with a bounding box per region in whole "
                    "pixels (rotated boxes, polygons, ellipses and brush masks by their enclosing box).",
        media_type="application/zip",
        extension="zip",
        supports=supports,
        export=export_voc,
    ),
    ExporterSpec(
        id="VOC_WITH_IMAGES",
        title="Pascal VOC XML with Images",
        description="The Pascal VOC export with the images it names: Annotations/ and images/.",
        media_type="application/zip",
        extension="zip",
        supports=supports,
        export=export_voc_with_images,
    ),
]
