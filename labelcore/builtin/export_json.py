"""Builtin plugin: the JSON and JSON_MIN export formats, on the same hook as any exporter plugin.

``JSON`` is Label Studio's export format itself: the list of tasks as the exporter receives them.
``JSON_MIN`` is Label Studio's flattened form: one object per annotation holding the task's data,
each control's values under the control's name, and who made it when (see ``annotation_rows``).
Both write the array one item at a time, so a project of any size streams through.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from labelcore.builtin.annotation_rows import ControlSchema, annotation_rows, annotator, prettify
from labelcore.hookspecs import hookimpl
from labelcore.jsonio import dumps
from labelcore.specs import ExportContext, ExporterSpec


def write_json_array(items: Iterable[Any], stream: IO[bytes]) -> None:
    """``[`` item ``,`` item ... ``]`` with one item per line, encoded as they come."""
    separator = b"[\n"
    for item in items:
        stream.write(separator)
        stream.write(dumps(item))
        separator = b",\n"
    stream.write(b"[]" if separator == b"[\n" else b"\n]")


def export_json(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    write_json_array(tasks, stream)


def min_records(tasks: Iterable[dict[str, Any]], context: ExportContext) -> Iterable[dict[str, Any]]:
    """Label Studio's JSON_MIN records (``Converter.convert_to_json_min``), one per annotation."""
    schema = ControlSchema.from_config(context.config)
    for task in tasks:
        for row in annotation_rows(task, schema):
            record = dict(row["input"])
            record["id"] = row["id"]
            for name, values in row["output"].items():
                record[name] = prettify(values)
            record["annotator"] = annotator(row, int_id=True)
            record["annotation_id"] = row["annotation_id"]
            record["created_at"] = row["created_at"]
            record["updated_at"] = row["updated_at"]
            record["lead_time"] = row["lead_time"]
            yield record


def export_json_min(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    write_json_array(min_records(tasks, context), stream)


EXPORTERS = [
    ExporterSpec(
        id="JSON",
        title="JSON",
        description="Every task with its data, annotations and predictions in Label Studio's JSON format, "
                    "in one file. Re-importable into labelcore and Label Studio.",
        media_type="application/json",
        extension="json",
        export=export_json,
    ),
    ExporterSpec(
        id="JSON_MIN",
        title="JSON-MIN",
        description="One JSON object per annotation: the task's data plus each control's values under the "
                    "control's name (from_name). Annotations only, without predictions.",
        media_type="application/json",
        extension="json",
        export=export_json_min,
    ),
]


@hookimpl
def register_exporters():
    return EXPORTERS
