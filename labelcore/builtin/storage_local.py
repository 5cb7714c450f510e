"""Builtin plugin: local folder storage (Label Studio's ``localfiles``), confined to a root.

A folder can only be used as storage when it lies inside ``LABELCORE_LOCAL_FILES_ROOT``; keys are
paths relative to the folder and never escape it.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pydantic import BaseModel, Field

from labelcore.errors import LabelcoreError
from labelcore.hookspecs import hookimpl
from labelcore.specs import StorageSpec


def confined(root: Path, relative: str) -> Path:
    """``root / relative`` resolved, refusing anything that leaves ``root`` (.., symlinks, absolute)."""
    root = root.resolve()
    candidate = (root / relative).resolve()  # an absolute `relative` replaces root and fails below
    if candidate != root and root not in candidate.parents:
        raise LabelcoreError(f"path {relative!r} is outside the storage folder")
    return candidate


class LocalFilesSettings(BaseModel):
    path: str = Field(description="Absolute folder inside LABELCORE_LOCAL_FILES_ROOT.")
    regex_filter: str | None = Field(default=None, description="Only keys matching this regular expression.")
    use_blob_urls: bool = Field(default=True, description="Each file becomes a task (vs. JSON task files).")
    document_root: str = Field(description="LABELCORE_LOCAL_FILES_ROOT, filled in by the server.")


class LocalStorage:
    def __init__(self, settings: LocalFilesSettings):
        root = Path(settings.document_root).resolve()
        folder = Path(settings.path).resolve()
        if folder != root and root not in folder.parents:
            raise LabelcoreError(f"{settings.path} is not inside LABELCORE_LOCAL_FILES_ROOT ({root})")
        if not folder.is_dir():
            raise LabelcoreError(f"{settings.path} is not a folder")
        self.root = root
        self.folder = folder
        self.pattern = re.compile(settings.regex_filter) if settings.regex_filter else None

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        start = confined(self.folder, prefix) if prefix else self.folder
        for directory, _, files in os.walk(start):
            for name in sorted(files):
                key = str((Path(directory) / name).relative_to(self.folder))
                if self.pattern is None or self.pattern.search(key):
                    yield key

    def open(self, key: str) -> IO[bytes]:
        return confined(self.folder, key).open("rb")

    def resolve_url(self, key: str) -> str | None:
        # served by the media endpoint, which checks the caller and the root again
        relative = confined(self.folder, key).relative_to(self.root)
        return f"/data/local-files/?d={relative.as_posix()}"

    def write(self, key: str, stream: IO[bytes]) -> None:
        target = confined(self.folder, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        with partial.open("wb") as out:
            shutil.copyfileobj(stream, out)
        partial.replace(target)  # a crash mid-write leaves no half-written file under the real name


@hookimpl(trylast=True)
def register_storages() -> list[StorageSpec]:
    return [StorageSpec(type="localfiles", title="Local files", settings_model=LocalFilesSettings,
                        factory=LocalStorage)]
