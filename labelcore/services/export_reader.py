"""Reading a stored JSON export back (a snapshot's file), one task at a time, to convert it."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from labelcore.errors import LabelcoreError


def read_json_tasks(stream: IO[bytes], chunk_size: int = 1 << 20) -> Iterator[dict[str, Any]]:
    """The items of a JSON array file, one at a time, holding one item and one chunk in memory."""
    decoder = json.JSONDecoder()
    text = ""
    position = 0
    started = False
    reader = _utf8_chunks(stream, chunk_size)
    eof = False
    while True:
        # skip whitespace, the opening bracket and separators
        while True:
            while position < len(text) and text[position] in " \t\r\n,":
                position += 1
            if position < len(text) or eof:
                break
            text, position = next(reader, ""), 0
            eof = text == ""
        if position >= len(text):
            if not started:
                raise LabelcoreError("the stored export is empty")
            return
        if not started:
            if text[position] != "[":
                raise LabelcoreError("the stored export is not a JSON list")
            started = True
            position += 1
            continue
        if text[position] == "]":
            return
        while True:
            try:
                item, end = decoder.raw_decode(text, position)
                break
            except json.JSONDecodeError:
                more = next(reader, "")
                if not more:
                    raise LabelcoreError("the stored export ends in the middle of a task") from None
                text, position = text[position:] + more, 0
        position = end
        yield item


def _utf8_chunks(stream: IO[bytes], size: int) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    while True:
        data = stream.read(size)
        if not data:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        text = decoder.decode(data)
        if text:
            yield text


def stored_data_keys(path: Any) -> list[str]:
    """Every data key of the tasks in a stored JSON export (one streaming pass over the file)."""
    keys: set[str] = set()
    with open(path, "rb") as stream:
        for task in read_json_tasks(stream):
            data = task.get("data") if isinstance(task, dict) else None
            if isinstance(data, dict):
                keys.update(data)
    return sorted(keys)
