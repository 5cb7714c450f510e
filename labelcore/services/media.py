"""Finding the bytes behind a task's media URL, only inside the folders labelcore serves.

``/data/upload/<path>`` is a file uploaded through the import dialog (the data folder's upload/);
``/data/local-files/?d=<path>`` is a file under LABELCORE_LOCAL_FILES_ROOT (Label Studio's URL
for local storage). Anything else is not ours to read.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, unquote, urlsplit

from labelcore.builtin.storage_local import confined
from labelcore.errors import LabelcoreError, NotFoundError
from labelcore.settings import Settings

UPLOAD_PREFIX = "/data/upload/"
LOCAL_FILES_PATH = "/data/local-files"


def media_path(url: str, settings: Settings) -> Path | None:
    """The file a media URL names, or None when the URL is not served by labelcore.

    :raises LabelcoreError: the URL tries to leave its folder.
    :raises NotFoundError: the file does not exist.
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if parts.path.startswith(UPLOAD_PREFIX):
        path = confined(settings.uploads_dir, unquote(parts.path[len(UPLOAD_PREFIX):]))
    elif parts.path.rstrip("/") == LOCAL_FILES_PATH:
        if settings.local_files_root is None:
            raise LabelcoreError("local files are not served: set LABELCORE_LOCAL_FILES_ROOT")
        relative = (parse_qs(parts.query).get("d") or [""])[0]
        path = confined(Path(settings.local_files_root), relative)
    else:
        return None
    if not path.is_file():
        raise NotFoundError(f"no file at {url}")
    return path


def open_media(url: str, settings: Settings) -> IO[bytes] | None:
    """Open a task's media for reading (exporters' ``*_WITH_IMAGES``), or None if not ours."""
    path = media_path(url, settings)
    return path.open("rb") if path is not None else None
