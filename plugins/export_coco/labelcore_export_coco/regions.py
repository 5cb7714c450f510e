"""Reading image regions out of Label Studio tasks: the part every image-export format shares.

**Which annotation.** A task is exported from one annotation: its ground-truth annotation if it
has one, else its most recently created one (``created_at``, then ``id``), cancelled (skipped)
annotations left out. Label Studio's converter instead writes every annotation of a task as a
separate image entry, so a task labeled by three annotators appears three times with three sets
of boxes, which a training set should not hold. ``options["annotations"] = "all"`` merges the
regions of every non-cancelled annotation into the task's one image instead. A task without a
usable annotation is left out entirely: it is unlabeled, not an image with nothing in it. An
annotation with an empty result is kept: it says the image holds none of the labels.

**Which image.** Each ``<Image>`` of the config makes one picture per task (``value="$image"``),
or one per URL of the list (``valueList="$images"``, regions choosing theirs by ``item_index``).
Its size is the ``original_width``/``original_height`` its regions carry (the first region giving
whole numbers), else the size in the image file's header; every region's percentages are turned
into pixels of that size.

**Which regions.** Result items of the image region types (``rectanglelabels``, ``polygon``,
``keypointlabels``, ``brushlabels``, ``labels`` with a shape's values...) on an ``<Image>``. A
region's category is its first label. Items without a label (a bare ``<Rectangle>``'s half of a
``<Labels>`` + ``<Rectangle>`` region) give no object of their own.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from labelcore.config.tree import DATA_REF

from labelcore_export_coco import masks, shapes

log = logging.getLogger(__name__)

LABELED_CONTROLS = {"RectangleLabels": "rectangle", "PolygonLabels": "polygon", "EllipseLabels": "ellipse",
                    "KeyPointLabels": "keypoint", "BrushLabels": "brush"}
SHAPE_CONTROLS = {"Rectangle": "rectangle", "Polygon": "polygon", "Ellipse": "ellipse", "KeyPoint": "keypoint",
                  "Brush": "brush", "MagicWand": "brush"}
#: Result ``type`` -> shape; ``labels`` (a ``<Labels>`` on a drawn region) is told by its value's keys.
RESULT_KINDS = {"rectanglelabels": "rectangle", "rectangle": "rectangle", "polygonlabels": "polygon",
                "polygon": "polygon", "ellipselabels": "ellipse", "ellipse": "ellipse",
                "keypointlabels": "keypoint", "keypoint": "keypoint", "brushlabels": "brush", "brush": "brush",
                "labels": None}
LABEL_KEYS = ("rectanglelabels", "polygonlabels", "ellipselabels", "keypointlabels", "brushlabels", "labels")
ANNOTATION_MODES = ("latest", "all")


# --------------------------------------------------------------------------- the config


@dataclass(frozen=True)
class LabelOption:
    """One ``<Label>`` of a control: its value, alias, and the attributes exports read."""

    value: str
    alias: str | None = None
    category: str | None = None
    model_index: str | None = None


@dataclass(frozen=True)
class ImageObject:
    name: str
    data_key: str | None
    is_list: bool


@dataclass
class ImageSchema:
    """What a config says about image regions: its ``<Image>`` objects, the controls whose labels
    are object categories, and the controls whose labels name keypoints."""

    images: dict[str, ImageObject] = field(default_factory=dict)
    object_controls: dict[str, list[LabelOption]] = field(default_factory=dict)
    keypoint_controls: dict[str, list[LabelOption]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Any) -> ImageSchema:
        schema = cls()
        for name, node in config.objects.items():
            if node.tag != "Image":
                continue
            source = node.attr("valueList") or node.attr("value") or ""
            match = DATA_REF.match(source.strip())
            schema.images[name] = ImageObject(name, match.group(1) if match else None,
                                              node.attr("valueList") is not None)
        shapes_on: dict[str, set[str]] = {name: set() for name in schema.images}
        for node in config.controls.values():
            kind = SHAPE_CONTROLS.get(node.tag) or LABELED_CONTROLS.get(node.tag)
            for target in node.to_names:
                if kind and target in shapes_on:
                    shapes_on[target].add(kind)
        for name, node in config.controls.items():
            targets = [target for target in node.to_names if target in schema.images]
            if not targets:
                continue
            kind = LABELED_CONTROLS.get(node.tag)
            if kind is None and node.tag == "Labels":
                # <Labels> name the regions the image's shape controls draw
                drawn = set().union(*(shapes_on[target] for target in targets))
                kind = "object" if drawn - {"keypoint"} else ("keypoint" if drawn else None)
            if kind is None:
                continue
            options = _label_options(config, name)
            if kind == "keypoint":
                schema.keypoint_controls[name] = options
            else:
                schema.object_controls[name] = options
        return schema

    def refusal(self, keypoints_count: bool) -> str | None:
        """Why the config has nothing to export (None when it has)."""
        if not self.images:
            return "the labeling config has no <Image> object tag"
        if self.object_controls or (keypoints_count and self.keypoint_controls):
            return None
        controls = "RectangleLabels, PolygonLabels, EllipseLabels, " + ("KeyPointLabels, " if keypoints_count else "")
        shapes = "Rectangle, Polygon, Ellipse, " + ("KeyPoint, " if keypoints_count else "")
        return (f"no control labels regions of an <Image>: add {controls}or BrushLabels, or <Labels> with "
                f"{shapes}or Brush, pointing at the image (toName)")

    def keypoint_names(self, control: str | None = None) -> list[str]:
        """Keypoint names in COCO's order: labels with a ``model_index`` by that index (as Label
        Studio orders them), then the others as the config lists them; one control's, or all."""
        controls = [control] if control is not None else list(self.keypoint_controls)
        indexed: list[tuple[int, str]] = []
        plain: list[str] = []
        for name in controls:
            for option in self.keypoint_controls.get(name, ()):
                try:
                    indexed.append((int(option.model_index), option.value))
                except (TypeError, ValueError):
                    plain.append(option.value)
        ordered = [value for _, value in sorted(indexed, key=lambda pair: pair[0])] + plain
        return list(dict.fromkeys(ordered))

    def aliases(self) -> dict[str, str]:
        """alias -> value over every labels control (a result names a label by its alias when it has one)."""
        found = {}
        for options in (*self.object_controls.values(), *self.keypoint_controls.values()):
            for option in options:
                if option.alias:
                    found.setdefault(option.alias, option.value)
        return found


def _label_options(config: Any, control: str) -> list[LabelOption]:
    options = []
    for node in config.options(control):
        value = node.attr("value")
        if value is None:
            continue
        options.append(LabelOption(value=value, alias=node.attr("alias"), category=node.attr("category"),
                                   model_index=node.attr("model_index")))
    return options


# --------------------------------------------------------------------------- tasks


@dataclass
class Region:
    """One labeled (or bare) region of a result, before any geometry is worked out."""

    id: str | None
    kind: str
    label: str | None
    control: str
    value: dict[str, Any]
    width: float | None
    height: float | None
    parent_id: str | None = None


@dataclass
class Picture:
    """One image of one task, with the regions drawn on it, grouped by the annotation they come from."""

    task: dict[str, Any]
    object_name: str
    index: int | None
    url: str | None
    width: int | None = None
    height: int | None = None
    groups: list[list[Region]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Tally:
    """What an export left out and why, logged once at the end instead of once per region."""

    counts: Counter = field(default_factory=Counter)

    def skip(self, reason: str) -> None:
        self.counts[reason] += 1

    def log(self, export: str) -> None:
        for reason, count in sorted(self.counts.items()):
            log.warning("%s export left out %d %s", export, count, reason)


def _usable(annotation: Any) -> bool:
    return isinstance(annotation, dict) and not (annotation.get("was_cancelled") or annotation.get("skipped"))


def _recency(annotation: dict[str, Any]) -> tuple:
    identifier = annotation.get("id")
    return (bool(annotation.get("ground_truth")), str(annotation.get("created_at") or ""),
            identifier if isinstance(identifier, (int, float)) else -1)


def chosen_annotations(task: dict[str, Any], mode: str = "latest") -> list[dict[str, Any]]:
    """The annotations a task is exported from (see the module docstring); [] leaves the task out."""
    annotations = task.get("annotations")
    if annotations is None:
        annotations = task.get("completions")  # Label Studio's name before 1.0
    usable = [annotation for annotation in annotations or () if _usable(annotation)]
    if mode == "all" or not usable:
        return usable
    return [max(usable, key=_recency)]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return None
    return value


def _whole(value: float | None) -> int | None:
    return int(value) if value is not None and float(value).is_integer() else None


def region_kind(item: dict[str, Any]) -> str | None:
    item_type = str(item.get("type") or "").lower()
    if item_type not in RESULT_KINDS:
        return None
    kind = RESULT_KINDS[item_type]
    if kind is not None:
        return kind
    value = item.get("value") or {}
    if "points" in value:
        return "polygon"
    if "radiusX" in value:
        return "ellipse"
    if "rle" in value:
        return "brush"
    if "x" in value and "y" in value and "width" in value:
        return "rectangle" if "height" in value else "keypoint"
    return None


def region_label(value: dict[str, Any]) -> str | None:
    for key in LABEL_KEYS:
        labels = value.get(key)
        if isinstance(labels, list) and labels and isinstance(labels[0], str):
            return labels[0]
    return None


def _picture_key(item: dict[str, Any], image: ImageObject) -> int | None:
    if not image.is_list:
        return None
    index = item.get("item_index")
    return index if isinstance(index, int) and not isinstance(index, bool) else 0


def pictures(task: dict[str, Any], schema: ImageSchema, mode: str = "latest") -> list[Picture]:
    """The pictures of one task with their regions; [] when the task has no usable annotation."""
    annotations = chosen_annotations(task, mode)
    if not annotations:
        return []
    data = task.get("data") if isinstance(task.get("data"), dict) else {}
    found: dict[tuple[str, int | None], Picture] = {}
    for image in schema.images.values():
        source = data.get(image.data_key) if image.data_key else None
        if image.is_list:
            for index, url in enumerate(source if isinstance(source, list) else ()):
                found[(image.name, index)] = Picture(task, image.name, index, url if isinstance(url, str) else None)
        else:
            found[(image.name, None)] = Picture(task, image.name, None, source if isinstance(source, str) else None)
    for picture in found.values():
        picture.annotations = annotations
        picture.groups = [[] for _ in annotations]
    for position, annotation in enumerate(annotations):
        for item in annotation.get("result") or ():
            if not isinstance(item, dict):
                continue
            image = schema.images.get(item.get("to_name"))
            kind = region_kind(item) if image is not None else None
            if kind is None:
                continue
            picture = found.get((image.name, _picture_key(item, image)))
            if picture is None:
                continue
            value = item.get("value") if isinstance(item.get("value"), dict) else {}
            width, height = _number(item.get("original_width")), _number(item.get("original_height"))
            if picture.width is None and _whole(width) and _whole(height):
                picture.width, picture.height = _whole(width), _whole(height)
            picture.groups[position].append(Region(
                id=str(item["id"]) if item.get("id") is not None else None, kind=kind, label=region_label(value),
                control=str(item.get("from_name")), value=value, width=width, height=height,
                parent_id=str(item["parentID"]) if item.get("parentID") is not None else None))
    return list(found.values())


def iter_pictures(tasks: Any, schema: ImageSchema, mode: str, tally: Tally) -> Iterator[Picture]:
    """Every picture of every task with a usable annotation, one task at a time."""
    for task in tasks:
        found = pictures(task, schema, mode)
        if not found:
            tally.skip("task(s) without a non-cancelled annotation")
        yield from found


def annotator(picture: Picture) -> str:
    """Who made the (first) annotation: an email when the export expands users, else the user id."""
    if not picture.annotations:
        return ""
    completed_by = picture.annotations[0].get("completed_by")
    if isinstance(completed_by, dict):
        return str(completed_by.get("email") or completed_by.get("id") or "")
    return "" if completed_by is None else str(completed_by)


def measure(region: Region, width: float, height: float, tally: Tally) -> shapes.Outline | masks.Mask | None:
    """The visible geometry of a shaped region (not a keypoint) on a width x height image: an
    :class:`~labelcore_export_coco.shapes.Outline`, or a :class:`~labelcore_export_coco.masks.Mask`
    for a brush; None (counted in ``tally``) when there is nothing to export."""
    try:
        if region.kind == "brush":
            if not (float(width).is_integer() and float(height).is_integer()):
                tally.skip("brush mask(s) on an image whose size is not whole pixels")
                return None
            mask = masks.brush_mask(region.value, int(width), int(height))
            if mask.box is None:
                tally.skip("empty brush mask(s)")
                return None
            return mask
        outline = {"rectangle": shapes.rectangle_outline, "polygon": shapes.polygon_outline,
                   "ellipse": shapes.ellipse_outline}[region.kind](region.value, width, height)
    except masks.MaskError:
        tally.skip("brush mask(s) that do not decode to a mask of the image's size")
        return None
    except (KeyError, TypeError, ValueError):
        tally.skip("region(s) with incomplete geometry")
        return None
    if outline is None:
        tally.skip("region(s) without area inside the image")
    return outline


def labeled_objects(group: list[Region], tally: Tally) -> Iterator[Region]:
    """The labeled shaped regions of one annotation, each region once.

    ``<Labels>`` + ``<Rectangle>`` write a region twice under one id (the shape's item without a
    label, the labels' item with one): the labeled item stands for it. A region labeled by two
    labels controls is one object, under its first label.
    """
    labeled_ids = {region.id for region in group if region.label is not None and region.id is not None}
    seen: set[tuple[str, str]] = set()
    for region in group:
        if region.kind == "keypoint":
            continue
        if region.label is None:
            if region.id not in labeled_ids:
                tally.skip("region(s) without a label")
            continue
        if region.id is not None:
            if (region.id, region.kind) in seen:
                continue
            seen.add((region.id, region.kind))
        yield region
