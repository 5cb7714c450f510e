"""Task images for exports: their file names, their size read from the file header, and copying
them into a zip.

**File names** follow Label Studio's converter, which names a downloaded image
``<first 8 hex digits of md5(url)>__<basename>`` and writes it under ``images/``: the prefix keeps
``a/0001.jpg`` and ``b/0001.jpg`` apart. The basename is read from the URL as Label Studio reads it:
the ``d`` parameter of a local-storage URL (``/data/local-files/?d=dir/1.jpg``), the ``filepath``
of a storage-proxy URL, the last part of a cloud URI (``s3://bucket/a/1.jpg``) or of a URL's path.
For http(s) and cloud URLs the name is the one Label Studio gives; for uploads and local files
Label Studio hashes the URL it resolved against its own host name, which an export cannot know.

**Sizes** come from the regions (``original_width``/``original_height``); an image whose
annotation has no region (a labeled image holding nothing) has its size read from its header
(PNG, JPEG with its EXIF orientation, GIF, BMP, WebP), through ``ExportContext.open_media``.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import shutil
import struct
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

if TYPE_CHECKING:
    from labelcore_export_coco.regions import Picture, Tally

log = logging.getLogger(__name__)

IMAGES_FOLDER = "images"
CLOUD_SCHEMES = ("s3://", "gs://", "gcs://", "azure-blob://", "azure://")
#: How much of a file is read to find its size (a JPEG's EXIF and colour profile come first).
HEADER_LIMIT = 1 << 20
#: Images up to this size are staged in memory before they go into the zip, larger ones on disk.
SPOOL_IN_MEMORY = 8 << 20
CHUNK = 1 << 16

OpenMedia = Callable[[str], "IO[bytes] | None"]


# --------------------------------------------------------------------------- names


def _basename(url: str) -> str:
    if url.startswith("data:"):
        subtype = url[5:].split(";", 1)[0].split(",", 1)[0].rpartition("/")[2]
        return f"image.{subtype}" if subtype else "image"
    parsed = urlparse(url)
    if parsed.path.rstrip("/").endswith("/data/local-files") and "?d=" in url:
        return posixpath.basename(url.split("?d=", 1)[1])
    if parsed.path.rstrip("/").endswith("/storage-data/uploaded"):
        filepath = parse_qs(parsed.query).get("filepath", [""])[0]
        if filepath:
            return posixpath.basename(filepath)
    if url.startswith(CLOUD_SCHEMES):
        return posixpath.basename(url)
    return posixpath.basename(parsed.path)


def image_file_name(url: str) -> str:
    """``<md5(url)[:8]>__<basename>``, Label Studio's name for a downloaded image."""
    digest = hashlib.md5(url.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()[:8]
    # no control characters or lone surrogates: the name is also a zip entry's
    name = "".join(char for char in _basename(url)
                   if char >= " " and char != "\x7f" and not "\ud800" <= char <= "\udfff").replace("\\", "_")
    return f"{digest}__{name or 'image'}"


def image_path(url: str) -> str:
    """The image's path inside an export: ``images/<file name>``."""
    return f"{IMAGES_FOLDER}/{image_file_name(url)}"


# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    channels: int


class _NeedMore(Exception):
    pass


def _u16(data: bytes, at: int, order: str = ">") -> int:
    if at + 2 > len(data):
        raise _NeedMore
    return struct.unpack_from(order + "H", data, at)[0]


def _u32(data: bytes, at: int, order: str = ">") -> int:
    if at + 4 > len(data):
        raise _NeedMore
    return struct.unpack_from(order + "I", data, at)[0]


def _png(data: bytes) -> ImageInfo:
    width, height = _u32(data, 16), _u32(data, 20)
    if len(data) < 26:
        raise _NeedMore
    channels = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}.get(data[25], 3)
    return ImageInfo(width, height, channels)


def _gif(data: bytes) -> ImageInfo:
    return ImageInfo(_u16(data, 6, "<"), _u16(data, 8, "<"), 3)


def _bmp(data: bytes) -> ImageInfo:
    header = _u32(data, 14, "<")
    if header == 12:
        return ImageInfo(_u16(data, 18, "<"), _u16(data, 20, "<"), 3)
    if len(data) < 30:
        raise _NeedMore
    width, height = struct.unpack_from("<ii", data, 18)
    bits = _u16(data, 28, "<")
    return ImageInfo(abs(width), abs(height), 4 if bits == 32 else 3)


def _webp(data: bytes) -> ImageInfo:
    if len(data) < 30:
        raise _NeedMore
    chunk = data[12:16]
    if chunk == b"VP8 ":
        return ImageInfo(_u16(data, 26, "<") & 0x3FFF, _u16(data, 28, "<") & 0x3FFF, 3)
    if chunk == b"VP8L":
        bits = _u32(data, 21, "<")
        return ImageInfo((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, 4 if bits >> 28 & 1 else 3)
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageInfo(width, height, 4 if data[20] & 0x10 else 3)
    raise ValueError("unknown WebP chunk")


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _exif_orientation(segment: bytes) -> int:
    """The EXIF orientation tag (1-8) of an APP1 segment's payload, 1 when absent."""
    if not segment.startswith(b"Exif\0\0") or len(segment) < 14:
        return 1
    tiff = segment[6:]
    order = "<" if tiff[:2] == b"II" else ">"
    try:
        ifd = _u32(tiff, 4, order)
        for entry in range(_u16(tiff, ifd, order)):
            at = ifd + 2 + 12 * entry
            if _u16(tiff, at, order) == 0x0112:
                return _u16(tiff, at + 8, order)
    except (_NeedMore, struct.error):
        pass
    return 1


def _jpeg(data: bytes) -> ImageInfo:
    position, orientation = 2, 1
    while True:
        while position < len(data) and data[position] != 0xFF:
            position += 1
        while position < len(data) and data[position] == 0xFF:
            position += 1
        if position >= len(data):
            raise _NeedMore
        marker = data[position]
        position += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            continue
        if marker in (0xD9, 0xDA):
            raise ValueError("the JPEG has no frame header before its image data")
        length = _u16(data, position)
        if marker == 0xE1 and position + length <= len(data):
            orientation = _exif_orientation(data[position + 2:position + length])
        if marker in _SOF:
            if position + 8 > len(data):
                raise _NeedMore
            height, width, components = _u16(data, position + 3), _u16(data, position + 5), data[position + 7]
            if orientation in (5, 6, 7, 8):  # stored turned a quarter: shown the other way round
                width, height = height, width
            return ImageInfo(width, height, components)
        position += length


def image_info(head: bytes) -> ImageInfo | None:
    """Width, height (as shown, EXIF orientation applied) and channels from a file's first bytes;
    None when the format is not recognised or ``head`` ends before the size."""
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            info = _png(head)
        elif head.startswith(b"\xff\xd8"):
            info = _jpeg(head)
        elif head[:6] in (b"GIF87a", b"GIF89a"):
            info = _gif(head)
        elif head.startswith(b"BM"):
            info = _bmp(head)
        elif head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            info = _webp(head)
        else:
            return None
    except (_NeedMore, ValueError, struct.error):
        return None
    return info if info.width > 0 and info.height > 0 else None


# --------------------------------------------------------------------------- reading media


def _open(open_media: OpenMedia | None, url: str) -> IO[bytes] | None:
    if open_media is None:
        return None
    try:
        return open_media(url)
    except Exception:  # a storage plugin's failure to read one file must not end the export
        log.warning("could not open %s for the export", url, exc_info=True)
        return None


def read_info(open_media: OpenMedia | None, url: str) -> ImageInfo | None:
    """An image's size from the start of its file, without reading the rest."""
    stream = _open(open_media, url)
    if stream is None:
        return None
    head = b""
    try:
        with stream:
            while len(head) < HEADER_LIMIT:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                head += chunk
                info = image_info(head)
                if info is not None:
                    return info
    except Exception:
        log.warning("could not read %s for the export", url, exc_info=True)
    return None


def zip_entry(name: str, size: int, compress: bool = True) -> zipfile.ZipInfo:
    """A zip entry stamped now; ``size`` (uncompressed) lets zipfile pick ZIP64 for a large one."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


class ZipMedia:
    """Copies task images into a zip as ``images/<file name>``, each once, holding one image at a
    time (in memory up to :data:`SPOOL_IN_MEMORY`, on disk beyond), so a file that fails half-way
    leaves no truncated entry. Images go in stored: they are compressed already."""

    def __init__(self, archive: zipfile.ZipFile, open_media: OpenMedia):
        self.archive = archive
        self.open_media = open_media

    def add(self, url: str) -> tuple[bool, ImageInfo | None]:
        """(whether the zip holds the image, its size from its header when it was just copied)."""
        name = image_path(url)
        try:
            self.archive.getinfo(name)
            return True, None
        except KeyError:
            pass
        stream = _open(self.open_media, url)
        if stream is None:
            return False, None
        head = b""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as staged:
            try:
                with stream:
                    while chunk := stream.read(CHUNK):
                        staged.write(chunk)
                        if len(head) < HEADER_LIMIT:
                            head += chunk[:HEADER_LIMIT - len(head)]
            except Exception:
                log.warning("could not read %s for the export", url, exc_info=True)
                return False, None
            info = zip_entry(name, size=staged.tell(), compress=False)
            staged.seek(0)
            with self.archive.open(info, "w") as target:
                shutil.copyfileobj(staged, target, CHUNK)
        return True, image_info(head)


def place(picture: Picture, open_media: OpenMedia | None, media: ZipMedia | None,
          tally: Tally) -> tuple[bool, ImageInfo | None]:
    """Get a picture ready to be written: its image copied into the zip (``media``, for the
    *_WITH_IMAGES formats) and its size settled, read from the file's header when no region gives
    it. Returns (whether the picture can be written, the header's size and channels if read)."""
    if not picture.url:
        tally.skip("image(s) without a URL in the task data")
        return False, None
    info = None
    if media is not None:
        held, info = media.add(picture.url)
        if not held:
            tally.skip("image file(s) that could not be read into the zip (their annotations are kept)")
    if picture.width is None and info is None:
        info = read_info(open_media, picture.url)
    if picture.width is None:
        if info is None:
            tally.skip("image(s) of unknown size: no region gives original_width/height and the file could "
                       "not be read")
            return False, None
        picture.width, picture.height = info.width, info.height
    return True, info
