"""Builtin plugin: the CSV and TSV export formats, on the same hook as any exporter plugin.

One row per annotation (``annotation_rows``), with Label Studio's columns, sorted by name: the
task's data keys, one column per control (its values; a lone choice or text as plain text, else
JSON), and ``id``, ``annotator``, ``annotation_id``, ``created_at``, ``updated_at``, ``lead_time``.
A data key that is also a control's name becomes ``_data_<key>``.

The header has to be written before the first row, so the columns come from the config, not from
a first pass over the tasks: controls from ``context.config``, data keys from
``context.options["data_keys"]`` when the caller knows them (a list, or a zero-argument callable
that computes them, e.g. one aggregate query), else the keys the config reads.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

import orjson

from labelcore.builtin.annotation_rows import ControlSchema, annotation_rows, annotator, prettify
from labelcore.hookspecs import hookimpl
from labelcore.specs import ExportContext, ExporterSpec

ANNOTATION_COLUMNS = ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")


def _cell_json(value: Any) -> str:
    # the converter writes cells with ujson, which escapes "/"; "/" occurs only inside JSON strings
    return orjson.dumps(value).decode("utf-8").replace("/", "\\/")


def _data_keys(context: ExportContext) -> list[str]:
    keys = context.options.get("data_keys")
    if callable(keys):
        keys = keys()
    if keys is None:
        keys = getattr(context.config, "all_data_keys", None) or []
    return list(keys)


def columns(context: ExportContext, schema: ControlSchema) -> tuple[list[str], set[str]]:
    """The header (sorted) and the data keys renamed because a control has the same name."""
    controls = [name for name in schema.types if "{{" not in name]
    data_keys = _data_keys(context)
    colliding = set(data_keys) & set(controls)
    names = {"id", *ANNOTATION_COLUMNS, *controls}
    names.update(f"_data_{key}" if key in colliding else key for key in data_keys)
    names.update(f"{name}_transcript" for name in controls if schema.types[name] == "Chat")
    return sorted(names), colliding


def _record(row: dict[str, Any], colliding: set[str]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": row["id"]}
    for name, values in row["output"].items():
        pretty = prettify(values)
        record[name] = pretty if isinstance(pretty, str) else _cell_json(pretty)
        if any(value.get("type") in ("Chat", "chatmessage") for value in values):
            record[f"{name}_transcript"] = _transcript(pretty)
    for key, value in row["input"].items():
        column = f"_data_{key}" if key in colliding else key
        record[column] = _cell_json(value) if isinstance(value, (dict, list)) else value
    record["annotator"] = annotator(row)
    record["annotation_id"] = row["annotation_id"]
    record["created_at"] = row["created_at"]
    record["updated_at"] = row["updated_at"]
    record["lead_time"] = row["lead_time"]
    return record


def _transcript(messages: Any) -> str:
    lines = []
    for message in messages if isinstance(messages, list) else ():
        if isinstance(message, dict):
            role, content = str(message.get("role", "")), str(message.get("content", ""))
            lines.append((f"{role}: {content}" if content else f"{role}:") if role else content)
    return "\n".join(lines)


class _TextToBytes:
    """What ``csv.writer`` needs (``write(str)``) on top of the binary export stream."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text.encode("utf-8"))


def write_table(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext, delimiter: str) -> None:
    schema = ControlSchema.from_config(context.config)
    header, colliding = columns(context, schema)
    writer = csv.writer(_TextToBytes(stream), delimiter=delimiter, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(header)
    for task in tasks:
        for row in annotation_rows(task, schema):
            record = _record(row, colliding)
            writer.writerow([record.get(name, "") for name in header])


def export_csv(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    write_table(tasks, stream, context, ",")


def export_tsv(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    write_table(tasks, stream, context, "\t")


EXPORTERS = [
    ExporterSpec(
        id="CSV",
        title="CSV",
        description="One row per annotation in comma-separated values: the task's data columns, one column per "
                    "control (named by its from_name), and the annotator and timestamps.",
        media_type="text/csv",
        extension="csv",
        export=export_csv,
    ),
    ExporterSpec(
        id="TSV",
        title="TSV",
        description="The CSV table with tab-separated values.",
        media_type="text/tab-separated-values",
        extension="tsv",
        export=export_tsv,
    ),
]


@hookimpl
def register_exporters():
    return EXPORTERS
