"""Running an exporter: ``run_export`` feeds tasks to an exporter plugin; ``ChunkStream`` runs an
export on a worker thread and yields its bytes in bounded chunks, for a streaming HTTP response;
``ExportCounters`` counts what went through.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from labelcore.specs import ExportContext, ExporterSpec

log = logging.getLogger(__name__)


class ExportCancelled(Exception):
    """The reader went away (the client disconnected); the exporter unwinds."""


@dataclass
class ExportCounters:
    """What went through an export, as a snapshot records it."""

    task_number: int = 0
    annotation_number: int = 0
    prediction_number: int = 0

    def count(self, tasks: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None
              ) -> Iterator[dict[str, Any]]:
        for task in tasks:
            self.task_number += 1
            self.annotation_number += len(task.get("annotations") or ())
            self.prediction_number += len(task.get("predictions") or ())
            if progress is not None:
                progress(1)
            yield task

    def as_dict(self) -> dict[str, int]:
        return {"task_number": self.task_number, "annotation_number": self.annotation_number,
                "prediction_number": self.prediction_number}


def run_export(exporter: ExporterSpec, tasks: Iterable[dict[str, Any]], stream: IO[bytes],
               context: ExportContext) -> None:
    """Write ``tasks`` with ``exporter`` to ``stream`` (the caller owns and closes the stream)."""
    exporter.export(iter(tasks), stream, context)


class _ChunkWriter:
    """A write-only binary stream that hands the bytes to a reader in chunks through a bounded queue."""

    def __init__(self, chunks: queue.Queue, cancelled: threading.Event, chunk_size: int, stall_seconds: float):
        self._chunks = chunks
        self._cancelled = cancelled
        self._chunk_size = chunk_size
        self._stall_seconds = stall_seconds
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        if len(self._buffer) >= self._chunk_size:
            self._put(bytes(self._buffer))
            self._buffer.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self._buffer:
            self._put(bytes(self._buffer))
            self._buffer.clear()

    def _put(self, item: Any) -> None:
        waited = 0.0
        while True:
            if self._cancelled.is_set() or waited > self._stall_seconds:
                # the reader left, or has read nothing for so long that it is surely gone
                raise ExportCancelled()
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                waited += 0.5


_DONE = object()


@dataclass
class _Failed:
    error: BaseException


@dataclass
class ChunkStream:
    """The bytes of an export as they are written, for ``StreamingResponse`` (a sync iterator).

    The exporter runs on its own thread and blocks when ``max_chunks`` chunks wait unread, so a
    slow client holds back the database reads instead of filling memory. Closing the iterator
    early (a client disconnect) stops the exporter at its next write.
    """

    produce: Callable[[IO[bytes]], None]
    chunk_size: int = 256 * 1024
    max_chunks: int = 8
    stall_seconds: float = 600.0
    _chunks: queue.Queue = field(init=False)
    _cancelled: threading.Event = field(init=False, default_factory=threading.Event)
    _thread: threading.Thread | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._chunks = queue.Queue(maxsize=self.max_chunks)

    def _run(self) -> None:
        writer = _ChunkWriter(self._chunks, self._cancelled, self.chunk_size, self.stall_seconds)
        try:
            self.produce(writer)
            writer.finish()
            writer._put(_DONE)
        except ExportCancelled:
            return
        except BaseException as exc:  # handed to the reader, which raises it
            log.exception("export failed while streaming")
            try:
                writer._put(_Failed(exc))
            except ExportCancelled:
                pass

    def __iter__(self) -> Iterator[bytes]:
        self._thread = threading.Thread(target=self._run, name="labelcore-export", daemon=True)
        self._thread.start()
        try:
            while True:
                item = self._chunks.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failed):
                    raise RuntimeError("export failed while streaming") from item.error
                yield item
        finally:
            self._cancelled.set()
