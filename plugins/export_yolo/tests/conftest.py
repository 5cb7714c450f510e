"""Helpers for the YOLO export tests: real configs (image and text tags), tasks in Label Studio JSON,
and the export read back from its zip. Tests reach them through the ``yolo`` fixture (test modules
cannot import conftest under ``--import-mode=importlib``)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

import labelcore_tags_image
import labelcore_tags_text
import pytest

from labelcore import ExportContext
from labelcore.testing import ConfigChecker, plugin_manager
from labelcore_export_yolo.exporters import write_yolo_zip

BOXES = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Person"/><Label value="Car"/><Label value="Bike"/>
  </RectangleLabels>
</View>"""

BOXES_AND_POLYGONS = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Person"/><Label value="Car"/>
  </RectangleLabels>
  <PolygonLabels name="outline" toName="image">
    <Label value="Road"/><Label value="Car"/>
  </PolygonLabels>
</View>"""


@pytest.fixture(scope="session")
def checker() -> ConfigChecker:
    return ConfigChecker(plugin_manager(labelcore_tags_image, labelcore_tags_text))


@pytest.fixture(scope="session")
def parse(checker) -> Callable[[str], Any]:
    return checker.parse


def box(x: float, y: float, width: float, height: float, label: str = "Car", rotation: float | None = 0.0,
        size: tuple[float, float] | None = (800, 600), from_name: str = "label") -> dict[str, Any]:
    """A rectanglelabels result item."""
    value: dict[str, Any] = {"x": x, "y": y, "width": width, "height": height, "rectanglelabels": [label]}
    if rotation is not None:
        value["rotation"] = rotation
    item: dict[str, Any] = {"id": f"r{x}-{y}", "from_name": from_name, "to_name": "image",
                            "type": "rectanglelabels", "value": value}
    if size:
        item["original_width"], item["original_height"] = size
    return item


def polygon(points: list[list[float]], label: str = "Road", size: tuple[float, float] | None = (800, 600),
            from_name: str = "outline") -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"p{points[0]}", "from_name": from_name, "to_name": "image",
                            "type": "polygonlabels", "value": {"points": points, "polygonlabels": [label]}}
    if size:
        item["original_width"], item["original_height"] = size
    return item


def task(task_id: int, image: str, *results: dict[str, Any], **annotation: Any) -> dict[str, Any]:
    """A task with one annotation holding ``results``."""
    return {"id": task_id, "data": {"image": image},
            "annotations": [{"id": task_id, "result": list(results), "was_cancelled": False,
                             "created_at": "2024-05-01T10:00:00Z", **annotation}],
            "predictions": []}


def export_zip(config: Any, tasks: Iterable[dict[str, Any]], obb: bool = False, with_images: bool = False,
               open_media: Callable[[str], Any] | None = None) -> dict[str, bytes]:
    """The export's zip entries, name -> bytes, in the order they were written."""
    stream = io.BytesIO()
    context = ExportContext(project_id=1, project_title="Test", config=config, open_media=open_media)
    write_yolo_zip(iter(tasks), stream, context, obb=obb, with_images=with_images)
    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def label_rows(content: bytes) -> list[tuple[int, list[float]]]:
    """A label file parsed back: (class id, coordinates) per line."""
    rows = []
    for line in content.decode("utf-8").splitlines():
        class_id, *values = line.split()
        rows.append((int(class_id), [float(value) for value in values]))
    return rows


def ultralytics_problems(content: bytes, class_count: int) -> list[str]:
    """What Ultralytics' ``verify_image_label`` (ultralytics/data/utils.py) would reject in a label file.

    It reads a whole file as segments once any line has more than 6 values (a ``cx cy w h`` line
    then becomes two vertices), checks the box around each line's points lies in 0..1 (1 % slack)
    and every class id is below ``nc``.
    """
    rows = label_rows(content)
    problems = []
    segments = any(len(values) > 5 for _, values in rows)
    for class_id, values in rows:
        if not 0 <= class_id < class_count:
            problems.append(f"class {class_id} outside 0..{class_count - 1}")
        if segments and len(values) == 4:
            problems.append("a box line in a file of segments")
        if len(values) % 2 or (segments and len(values) < 6) or (not segments and len(values) != 4):
            problems.append(f"{len(values)} coordinates")
            continue
        if segments:
            xs, ys = values[0::2], values[1::2]
            cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
            values = [cx, cy, max(xs) - min(xs), max(ys) - min(ys)]
        if max(values) > 1.01 or min(values) < -0.01:
            problems.append(f"out of bounds {values}")
    return problems


@pytest.fixture(scope="session")
def yolo(checker) -> SimpleNamespace:
    return SimpleNamespace(parse=checker.parse, BOXES=BOXES, BOXES_AND_POLYGONS=BOXES_AND_POLYGONS, box=box,
                           polygon=polygon, task=task, export=export_zip, rows=label_rows,
                           ultralytics_problems=ultralytics_problems)
