"""The export reads tasks one at a time: memory does not grow with what the tasks hold.

What does grow is the zip's central directory (``zipfile`` keeps a small record per file until it
writes the directory at the end) and the set of stems handed out: a few hundred bytes per task,
against the several kilobytes a task with its annotation takes in memory.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

from labelcore import ExportContext
from labelcore_export_yolo.exporters import write_yolo_zip


class Sink(io.RawIOBase):
    """An unseekable output that keeps only a byte count (and the bytes when asked to)."""

    def __init__(self, keep: bool = False):
        self.size = 0
        self.kept = bytearray() if keep else None

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        if self.kept is not None:
            self.kept += data
        return len(data)


def generated_tasks(count: int):
    for task_id in range(count):
        yield {
            "id": task_id,
            "data": {"image": f"s3://bucket/photos/image-{task_id:06d}.jpg"},
            "annotations": [{
                "id": task_id, "created_at": "2024-05-01T10:00:00Z", "was_cancelled": False,
                "result": [{"id": f"r{index}", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
                            "original_width": 800, "original_height": 600,
                            "value": {"x": index * 10.0, "y": 5.0, "width": 10.0, "height": 20.0, "rotation": 15.0,
                                      "rectanglelabels": ["Car"]}} for index in range(3)],
            }],
            "predictions": [],
        }


def export_peak(config, count: int) -> tuple[int, Sink]:
    sink = Sink()
    tracemalloc.start()
    try:
        write_yolo_zip(generated_tasks(count), sink, ExportContext(project_id=1, config=config))
        return tracemalloc.get_traced_memory()[1], sink
    finally:
        tracemalloc.stop()


def held_size(count: int) -> int:
    tracemalloc.start()
    try:
        held = list(generated_tasks(count))
        size = tracemalloc.get_traced_memory()[0]
        del held
        return size
    finally:
        tracemalloc.stop()


def test_twenty_thousand_generated_tasks_export_in_a_fraction_of_their_memory(yolo):
    config = yolo.parse(yolo.BOXES)

    small_peak, _ = export_peak(config, 2_000)
    peak, sink = export_peak(config, 20_000)

    holding_them = held_size(2_000) * 10
    assert peak < holding_them / 4, (peak, holding_them)
    assert peak < 20_000_000
    # growth per task: the zip directory record and the stem, not the task
    assert (peak - small_peak) / 18_000 < 1_024
    assert sink.size > 20_000 * 40


def test_the_generator_is_consumed_lazily_while_the_zip_is_written(yolo):
    config = yolo.parse(yolo.BOXES)
    sink = Sink(keep=True)
    seen = []

    def tasks():
        for task in generated_tasks(3):
            seen.append((task["id"], sink.size))
            yield task

    write_yolo_zip(tasks(), sink, ExportContext(project_id=1, config=config))

    # each task is pulled only after the previous one's label file went out
    assert [size > 0 for _, size in seen] == [True, True, True]
    assert seen[0][1] < seen[1][1] < seen[2][1]
    with zipfile.ZipFile(io.BytesIO(bytes(sink.kept))) as archive:
        assert len([name for name in archive.namelist() if name.startswith("labels/")]) == 3
