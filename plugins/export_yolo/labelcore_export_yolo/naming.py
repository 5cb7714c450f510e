"""File names in the dataset: ``images/<name>`` and ``labels/<stem>.txt`` from a task's image URL.

Label Studio names a label file after the image's basename (``/data/upload/3/1a2b-cat.jpg`` ->
``labels/1a2b-cat.txt``), and so does this export. Ultralytics finds an image's labels by swapping
``images/`` for ``labels/`` and the extension for ``.txt``, so names must be unique by stem, not by
whole name (``cat.jpg`` and ``cat.png`` would share ``cat.txt``), and case-insensitively, so the
dataset unpacks on Windows and macOS. The first task keeps the name; a later task whose stem is
taken gets ``<stem>_<task id>`` (then ``_2``, ``_3``...). Label Studio overwrites the earlier file.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qs, unquote, urlsplit

#: Characters no file name may hold on some platform (Windows is the strictest).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
#: Room for a dedupe suffix and an extension within the usual 255-byte file name limit.
MAX_STEM_BYTES = 200

_SIGNATURES = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
    (b"BM", ".bmp"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
)


def url_basename(url: object) -> str:
    """The file name an image URL ends with, or "" (data: URIs, empty values).

    ``https://host/a/cat.jpg?X-Amz-Signature=...`` -> ``cat.jpg``; ``s3://bucket/a/cat.jpg`` ->
    ``cat.jpg``; Label Studio's ``/data/local-files/?d=photos/cat.jpg`` -> ``cat.jpg``.
    """
    if not isinstance(url, str) or not url.strip() or url.startswith("data:"):
        return ""
    parts = urlsplit(url.strip())
    path = parts.path
    local = parse_qs(parts.query).get("d")
    if local and path.rstrip("/").endswith("local-files"):
        path = local[0]
    return unquote(posixpath.basename(path.replace("\\", "/")))


def _truncate(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def split_name(basename: str, fallback: str) -> tuple[str, str]:
    """(stem, extension) made safe for a file name; ``fallback`` is the stem when nothing is left."""
    stem, dot, extension = basename.rpartition(".")
    if not dot or not stem:
        stem, extension = basename, ""
    stem = _UNSAFE.sub("_", stem).strip(" .")
    extension = _UNSAFE.sub("_", extension).strip(" .")
    stem = _truncate(stem, MAX_STEM_BYTES).strip(" .") or fallback
    extension = _truncate(extension, 16)
    return stem, f".{extension}" if extension else ""


def sniff_extension(head: bytes) -> str:
    """An image extension from the file's first bytes, or "" when unknown."""
    for signature, extension in _SIGNATURES:
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return ""


class UniqueStems:
    """Hands out stems unique case-insensitively, the first come keeping its own."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, stem: str, task_id: object) -> str:
        candidate = stem
        if candidate.casefold() in self._taken:
            task = _UNSAFE.sub("_", str(task_id))
            candidate = f"{stem}_{task}"
            suffix = 2
            while candidate.casefold() in self._taken:
                candidate = f"{stem}_{task}_{suffix}"
                suffix += 1
        self._taken.add(candidate.casefold())
        return candidate
