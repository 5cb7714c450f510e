"""What a labeling config says about a YOLO export: which image, which controls, which classes.

Class ids follow Label Studio's converter (``Converter._get_labels``), so a dataset exported from
labelcore numbers its classes exactly as Label Studio's export of the same project does:
labels with a ``category="<int>"`` attribute keep that id; the other labels are sorted by name and
take the lowest ids still free. The order depends only on the config, never on the tasks.
Two deliberate departures, both where Label Studio's ids are unusable:

- only the labels of the exported controls count (Label Studio also numbers ``<Choices>`` and
  every other control's options, which never appear in a label file);
- a ``category`` id claimed twice, or negative, is ignored for the later label (Label Studio gives
  both labels the same id).

Labels found in results but not in the config (dynamic labels, an edited config) are numbered
after the highest id as they are met, as Label Studio does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Controls whose results carry both a shape and its labels.
LABELED_SHAPES = {"RectangleLabels": "rectangle", "PolygonLabels": "polygon"}
#: Shape tools that a ``<Labels>`` control on the same image names the classes of.
SHAPE_TOOLS = {"Rectangle": "rectangle", "Polygon": "polygon"}


@dataclass(frozen=True)
class YoloSchema:
    """The image a YOLO export is about and the controls whose results it writes."""

    image_name: str
    data_key: str
    controls: frozenset[str]
    class_ids: dict[str, int] = field(default_factory=dict)


def _int_category(option: Any) -> int | None:
    raw = option.attr("category")
    try:
        value = int(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None


def _labelled_images(config: Any) -> dict[str, tuple[list[str], set[str]]]:
    """Image name -> (the exported controls, in config order; the shapes they draw)."""
    images: dict[str, tuple[list[str], set[str]]] = {}
    image_names = {name for name, node in config.objects.items() if node.tag == "Image"}
    tools: dict[str, set[str]] = {}
    for node in config.controls.values():
        if node.tag in SHAPE_TOOLS:
            for target in node.to_names:
                tools.setdefault(target, set()).add(SHAPE_TOOLS[node.tag])
    for name, node in config.controls.items():
        for target in node.to_names:
            if target not in image_names:
                continue
            if node.tag in LABELED_SHAPES:
                shapes = {LABELED_SHAPES[node.tag]}
            elif node.tag == "Labels" and tools.get(target):
                shapes = tools[target]
            else:
                continue
            controls, drawn = images.setdefault(target, ([], set()))
            controls.append(name)
            drawn.update(shapes)
    return images


def yolo_schema(config: Any, obb: bool = False) -> YoloSchema | str:
    """The schema, or why this config cannot be exported (as oriented boxes, with ``obb``)."""
    if config is None or not hasattr(config, "controls"):
        return "The project has no labeling config."
    images = _labelled_images(config)
    wanted = {"rectangle"} if obb else {"rectangle", "polygon"}
    usable = {name: found for name, found in images.items() if found[1] & wanted}
    if not usable:
        if obb:
            return ("YOLO OBB exports rotated boxes: the config needs an <Image> with <RectangleLabels> "
                    "(or <Rectangle> and <Labels>).")
        return ("YOLO exports boxes and polygons: the config needs an <Image> with <RectangleLabels> or "
                "<PolygonLabels> (or <Rectangle>/<Polygon> and <Labels>).")
    if len(usable) > 1:
        return (f"YOLO writes one label file per task image, and this config labels {len(usable)} images "
                f"({', '.join(sorted(usable))}).")
    [(image_name, (controls, _))] = usable.items()
    image = config.objects[image_name]
    if image.attr("valueList") and not image.attr("value"):
        return "YOLO writes one label file per task image; this <Image> shows a list of images (valueList)."
    keys = config.keys_of(image_name)
    if not keys:
        return f'The <Image name="{image_name}"> does not read a task field (value="$field").'
    # YOLO and YOLO_OBB number the same classes (polygon labels included), so ids agree across formats
    return YoloSchema(image_name=image_name, data_key=keys[0], controls=frozenset(controls),
                      class_ids=class_ids(config, controls))


def class_ids(config: Any, controls: list[str]) -> dict[str, int]:
    """Label -> class id, Label Studio's way (see the module docstring)."""
    ids: dict[str, int] = {}
    uncategorised: list[str] = []
    for control in controls:
        for option in config.options(control):
            label = option.attr("value")
            if label is None or label in ids:
                continue
            category = _int_category(option)
            if category is not None and category not in ids.values():
                ids[label] = category
            else:
                uncategorised.append(label)
    taken = set(ids.values())
    number = 0
    for label in sorted(set(uncategorised) - set(ids)):
        while number in taken:
            number += 1
        ids[label] = number
        taken.add(number)
    return ids


class ClassNumbers:
    """The class ids of one export: the config's, plus labels met in results that it lacks."""

    def __init__(self, configured: dict[str, int]):
        self.ids = dict(configured)

    def __call__(self, label: str) -> int:
        number = self.ids.get(label)
        if number is None:
            number = max(self.ids.values(), default=-1) + 1
            self.ids[label] = number
        return number

    def names(self) -> list[str | None]:
        """Names indexed by id; None where no label has that id (a gap left by ``category``)."""
        size = max(self.ids.values(), default=-1) + 1
        names: list[str | None] = [None] * size
        for label, number in self.ids.items():
            names[number] = label
        return names
