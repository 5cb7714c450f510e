"""Exports read the tasks once, one at a time, and hold none of them: memory stays flat however
many tasks there are."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile

import pytest

from labelcore import ExportContext
from labelcore_export_coco.coco import export_coco, export_coco_with_images

CONFIG = """<View><Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/><Label value="Bike"/></RectangleLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Road"/></PolygonLabels>
</View>"""


def make_task(index: int, boxes: int = 3) -> dict:
    """A task with boxes and a polygon: about 1 KB of JSON with 3 boxes."""
    result = [{"id": f"b{index}-{k}", "from_name": "box", "to_name": "img", "type": "rectanglelabels",
               "original_width": 1280, "original_height": 720,
               "value": {"x": 10.0 * k + 1.5, "y": 5.25, "width": 7.5, "height": 20.0, "rotation": 30,
                         "rectanglelabels": ["Car" if k % 2 else "Bike"]}} for k in range(boxes)]
    result.append({"id": f"p{index}", "from_name": "poly", "to_name": "img", "type": "polygonlabels",
                   "original_width": 1280, "original_height": 720,
                   "value": {"points": [[1, 1], [30, 2], [25, 40], [3, 30]], "polygonlabels": ["Road"]}})
    return {"id": index, "data": {"image": f"s3://bucket/images/{index:06d}.jpg"},
            "annotations": [{"id": index, "result": result, "was_cancelled": False, "ground_truth": False,
                             "created_at": "2024-01-01T00:00:00Z", "completed_by": 1}]}


class OneShot:
    """Tasks that can be iterated once, counting how many were taken."""

    def __init__(self, count: int, boxes: int = 3):
        self.count = count
        self.boxes = boxes
        self.taken = 0
        self.started = False

    def __iter__(self):
        if self.started:
            raise AssertionError("the export iterated the tasks twice")
        self.started = True
        # json.loads gives every task fresh objects (an export that kept them would show) quickly
        template = json.dumps(make_task(123456789, self.boxes)).replace("123456789", "%(index)d")
        for index in range(self.count):
            self.taken += 1
            yield json.loads(template % {"index": index})


class Sink:
    """A write-only output that keeps only a byte count (and, optionally, when writes happened)."""

    def __init__(self, watch: OneShot | None = None):
        self.size = 0
        self.watch = watch
        self.taken_at_first_image: int | None = None

    def write(self, data) -> int:
        if self.watch is not None and self.taken_at_first_image is None and b'"file_name"' in bytes(data):
            self.taken_at_first_image = self.watch.taken
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


@pytest.fixture(scope="module")
def context(parse):
    return ExportContext(project_id=1, config=parse(CONFIG))


def result_json(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("result.json"))


def test_tasks_are_read_once(context):
    tasks = OneShot(50)

    export_coco(tasks, Sink(), context)

    assert tasks.taken == 50


def test_the_output_is_the_same_as_from_a_list(context):
    whole, streamed = io.BytesIO(), io.BytesIO()
    export_coco(list(OneShot(30)), whole, context)
    export_coco(OneShot(30), streamed, context)

    first, second = result_json(whole.getvalue()), result_json(streamed.getvalue())
    first.pop("info"), second.pop("info")
    assert first == second
    assert len(first["images"]) == 30 and len(first["annotations"]) == 120


def test_memory_stays_flat_over_twenty_thousand_tasks(context):
    tasks = OneShot(20_000, boxes=1)  # tracemalloc slows Python down: the tasks are kept small
    out = io.BytesIO()  # the zip is deflated: ~0.5 MB here for ~10 MB of COCO JSON
    task_bytes = 20_000 * len(json.dumps(make_task(0, boxes=1)))

    tracemalloc.start()
    try:
        export_coco(tasks, out, context)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert tasks.taken == 20_000
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.getinfo("result.json").file_size > 10_000_000  # ~10 MB of tasks in, ~10 MB of COCO out
    # images and annotations are spooled to temporary files, not memory; the output buffer is the
    # compressed zip (counted here because it is a BytesIO)
    assert peak < 1_000_000 + len(out.getvalue())
    assert peak < task_bytes / 10


def test_with_images_memory_grows_only_by_the_zips_entry_records(context, ls):
    image = ls.png(8, 8)
    count = 3_000
    tasks = OneShot(count)
    sink = Sink()
    with_media = ExportContext(project_id=1, config=context.config, open_media=lambda url: io.BytesIO(image))

    tracemalloc.start()
    try:
        export_coco_with_images(tasks, sink, with_media)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # zipfile keeps one ZipInfo (~400 bytes) per entry for the central directory at the end
    assert peak < 1_000_000 + 600 * count


def test_a_zip_to_a_write_only_stream_is_valid(context, ls):
    sink = ls.WriteOnly()
    with_media = ExportContext(project_id=1, config=context.config, open_media=lambda url: io.BytesIO(ls.png(4, 4)))

    export_coco_with_images(OneShot(20), sink, with_media)

    with zipfile.ZipFile(io.BytesIO(bytes(sink.data))) as archive:
        assert archive.testzip() is None
        assert len(archive.namelist()) == 21
        assert len(json.loads(archive.read("result.json"))["images"]) == 20
