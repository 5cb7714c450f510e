"""Builtin plugin: the task file formats Label Studio imports (JSON, JSONL, CSV, TSV, TXT).

Each ``parse`` yields tasks in Label Studio JSON (``{"data": {...}, "annotations": [...], ...}``)
one at a time. Line-based formats (JSONL, CSV, TSV, TXT) stream: a file is never held whole. A
JSON document is one value, so it is parsed whole with orjson (many times faster than any
streaming JSON parser in Python); the request-size limit bounds it.

Problems in the file itself (invalid JSON, a CSV row with too many cells) raise
``LabelcoreError`` naming the line; problems with a task's content are the import service's to
report, with the task's index.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

import orjson

from labelcore.errors import LabelcoreError
from labelcore.hookspecs import hookimpl
from labelcore.specs import ImportContext, ImporterSpec

_BOM = b"\xef\xbb\xbf"
# Label Studio lets a CSV cell hold up to this many characters (uploader.py sets the same limit).
csv.field_size_limit(131072 * 10)


def as_task(item: Any) -> dict[str, Any]:
    """One imported item as a task: ``{"data": {...}, ...}`` as given, or a bare data object wrapped.

    Label Studio's rule: an item whose ``data`` is missing or empty is itself the data.
    """
    if isinstance(item, dict) and item.get("data"):
        return item
    return {"data": item}


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The stream's lines as text, line endings kept, read one at a time.

    Decoded line by line (rather than through a TextIOWrapper, which decodes 8 KB at a time) so
    that bytes which are not UTF-8 are reported on their own line. A leading byte-order mark,
    which spreadsheet programs often write, is dropped.
    """
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LabelcoreError(f"line {number}: the file is not UTF-8 text ({exc.reason})") from None
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        yield line


# --------------------------------------------------------------------------- JSON, JSONL


def parse_json(stream: IO[bytes], context: ImportContext) -> Iterator[dict[str, Any]]:
    """A JSON list of tasks, or one task object."""
    # a request body arrives as BytesIO: parse its buffer in place rather than copy it
    raw = stream.getbuffer() if isinstance(stream, io.BytesIO) else stream.read()
    try:
        document = orjson.loads(raw[3:] if raw[:3] == _BOM else raw)
    except orjson.JSONDecodeError as exc:
        raise LabelcoreError(f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from None
    finally:
        if isinstance(raw, memoryview):
            raw.release()
        del raw
    if isinstance(document, dict):
        yield as_task(document)
        return
    if not isinstance(document, list):
        raise LabelcoreError(f"a JSON task file holds a list of tasks or one task object, "
                             f"not {type(document).__name__}")
    for index, item in enumerate(document):
        document[index] = None  # the caller keeps what it needs; let each parsed item go once handed over
        yield as_task(item)


def parse_jsonl(stream: IO[bytes], context: ImportContext) -> Iterator[dict[str, Any]]:
    """One task (or bare data object) per line; blank lines are skipped."""
    for number, line in enumerate(stream, start=1):
        if number == 1 and line[:3] == _BOM:
            line = line[3:]
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise LabelcoreError(f"line {number} column {exc.colno}: invalid JSON: {exc.msg}") from None
        yield as_task(item)


# --------------------------------------------------------------------------- CSV, TSV


def _column_names(header: list[str]) -> list[str]:
    """Header cells as data keys, spelled as pandas (and so Label Studio) names them:
    an empty header is ``Unnamed: i``, a repeated one gets ``.1``, ``.2``..."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = cell if cell != "" else f"Unnamed: {index}"
        if name in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}.{seen[name]}"
            name = candidate
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _parse_table(stream: IO[bytes], delimiter: str | None) -> Iterator[dict[str, Any]]:
    """Rows of a delimited table under its header row, every cell kept as the string it is.

    Label Studio reads these with pandas, which also turns numeric-looking cells into numbers and
    "NA"/"null" into empty strings; labelcore keeps cells as written, so ``007`` stays ``"007"``.
    Blank lines are skipped; a short row gets empty strings for its missing cells.
    """
    lines = _text_lines(stream)
    first = next(lines, "")
    if delimiter is None:
        # Label Studio's rule: semicolons win when the header has more of them than commas
        delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(_chain([first], lines), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header == []:  # blank lines before the header
            header = next(reader, None)
        if header is None:
            return
        columns = _column_names(header)
        width = len(columns)
        for row in reader:
            if not row:
                continue
            if len(row) > width:
                raise LabelcoreError(f"line {reader.line_num}: {len(row)} cells, but the header row names {width} "
                                     f"columns")
            if len(row) < width:
                row = row + [""] * (width - len(row))
            yield {"data": dict(zip(columns, row))}
    except csv.Error as exc:
        raise LabelcoreError(f"line {reader.line_num}: {exc}") from None


def _chain(head: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from head
    yield from rest


def parse_csv(stream: IO[bytes], context: ImportContext) -> Iterator[dict[str, Any]]:
    """Comma- (or semicolon-) separated values; the header row names the data keys."""
    return _parse_table(stream, None)


def parse_tsv(stream: IO[bytes], context: ImportContext) -> Iterator[dict[str, Any]]:
    """Tab-separated values; the header row names the data keys."""
    return _parse_table(stream, "\t")


# --------------------------------------------------------------------------- TXT


def parse_txt(stream: IO[bytes], context: ImportContext) -> Iterator[dict[str, Any]]:
    """One task per line, held in the config's first data key (as Label Studio: empty lines too)."""
    if not context.data_keys:
        raise LabelcoreError("a text file can be imported only into a project whose labeling config reads a "
                             "data key (such as $text)")
    key = context.data_keys[0]
    for line in _text_lines(stream):
        yield {"data": {key: line.rstrip("\r\n")}}


# --------------------------------------------------------------------------- registration

JSON = ImporterSpec(id="JSON", title="JSON", extensions=(".json",), media_types=("application/json",),
                    parse=parse_json)
JSONL = ImporterSpec(id="JSONL", title="JSON Lines", extensions=(".jsonl", ".ndjson"),
                     media_types=("application/jsonl", "application/x-ndjson"), parse=parse_jsonl)
CSV = ImporterSpec(id="CSV", title="CSV", extensions=(".csv",), media_types=("text/csv",), parse=parse_csv)
TSV = ImporterSpec(id="TSV", title="TSV", extensions=(".tsv",), media_types=("text/tab-separated-values",),
                   parse=parse_tsv)
TXT = ImporterSpec(id="TXT", title="Text lines", extensions=(".txt",), media_types=("text/plain",), parse=parse_txt)


@hookimpl(trylast=True)
def register_importers() -> list[ImporterSpec]:
    return [JSON, JSONL, CSV, TSV, TXT]
