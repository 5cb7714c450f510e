"""The VOC export reads the tasks once, one at a time: its memory holds a task, and the zip's
record of each file written (which the zip's central directory at the end needs)."""

from __future__ import annotations

import json
import tracemalloc

from labelcore import ExportContext
from labelcore_export_voc.voc import export_voc

CONFIG = """<View><Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/><Label value="Bike"/></RectangleLabels>
</View>"""


def task_template(boxes: int) -> str:
    result = [{"id": f"b-{k}", "from_name": "box", "to_name": "img", "type": "rectanglelabels",
               "original_width": 1280, "original_height": 720,
               "value": {"x": 5.0 * k + 1.5, "y": 5.25, "width": 4.5, "height": 20.0, "rotation": 15 * k,
                         "rectanglelabels": ["Car" if k % 2 else "Bike"]}} for k in range(boxes)]
    task = {"id": 123456789, "data": {"image": "s3://bucket/images/123456789.jpg"},
            "annotations": [{"id": 1, "result": result, "was_cancelled": False, "created_at": "2024-01-01"}]}
    return json.dumps(task).replace("123456789", "%(index)d")


class OneShot:
    def __init__(self, count: int, boxes: int):
        self.count, self.template, self.taken, self.started = count, task_template(boxes), 0, False

    def __iter__(self):
        assert not self.started, "the export iterated the tasks twice"
        self.started = True
        for index in range(self.count):
            self.taken += 1
            yield json.loads(self.template % {"index": index})


class Sink:
    def __init__(self):
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def test_memory_holds_a_task_and_a_record_per_file_written(parse):
    count = 5_000
    tasks = OneShot(count, boxes=12)
    task_bytes = count * len(task_template(12))
    context = ExportContext(project_id=1, config=parse(CONFIG))

    tracemalloc.start()
    try:
        export_voc(tasks, Sink(), context)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert tasks.taken == count
    assert peak < 500_000 + 600 * count  # zipfile's ZipInfo per entry, ~400 bytes
    assert peak < task_bytes / 4
