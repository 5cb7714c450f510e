"""Brush masks: Label Studio's RLE (an RGBA image) to COCO's run-length encoding, box and area.

Label Studio stores a brush region as its RGBA image, row by row, in its own bit-packed RLE
(decoded by ``labelcore_tags_image.rle``); the mask is the alpha channel, and a pixel belongs to
the region when its alpha is non-zero (as Label Studio's converter and OpenCV's contour search
read it). COCO's RLE runs through the pixels column by column, starting with a run of background:
``{"counts": [bg, fg, bg, ...], "size": [height, width]}`` (pycocotools' "uncompressed" form), or
the same counts packed into a string (its "compressed" form, ``rleToString`` in ``maskApi.c``).

Pure Python, no NumPy: one mask at a time is held as ``width * height`` bytes (plus its RGBA
bytes while decoding); the runs are found with ``bytes.find``, which runs at memchr speed.
"""

from __future__ import annotations

from dataclasses import dataclass

from labelcore_tags_image import rle as ls_rle

_BINARY = bytes([0] + [1] * 255)


class MaskError(ValueError):
    """A brush value that does not decode to a mask of the image's size."""


@dataclass(frozen=True)
class Mask:
    """A binary mask as COCO runs (column-major, background first), with its box and pixel count.

    ``box`` is (x_min, y_min, x_max, y_max) in continuous pixels: the pixel in column c spans
    [c, c + 1), so a one-pixel mask at (0, 0) has the box (0, 0, 1, 1).
    """

    counts: list[int]
    width: int
    height: int
    area: int
    box: tuple[int, int, int, int] | None

    def uncompressed(self) -> dict:
        return {"counts": self.counts, "size": [self.height, self.width]}

    def compressed(self) -> dict:
        return {"counts": compress_counts(self.counts), "size": [self.height, self.width]}


def decode_mask(rle: list[int] | bytes, width: int, height: int) -> bytes:
    """The region's pixels, row by row: 1 where the brush painted (alpha > 0), else 0."""
    try:
        header = ls_rle.read_header(rle)
    except ls_rle.RLEError as exc:
        raise MaskError(str(exc)) from None
    if header.count != width * height * 4:
        raise MaskError(f"the mask holds {header.count} values, but a {width}x{height} RGBA image has "
                        f"{width * height * 4}")
    if header.word_size > 8:
        raise MaskError(f"the mask stores {header.word_size}-bit values; Label Studio writes 8-bit RGBA")
    try:
        rgba = ls_rle.decode(rle)
    except ls_rle.RLEError as exc:
        raise MaskError(str(exc)) from None
    alpha = rgba[3::4]
    del rgba
    return alpha.translate(_BINARY)


def mask_from_rows(pixels: bytes, width: int, height: int) -> Mask:
    """COCO runs, box and area of a row-major 0/1 mask of ``width * height`` bytes."""
    columns = b"".join(pixels[column::width] for column in range(width))
    counts: list[int] = []
    total = len(columns)
    position, looking_for = 0, b"\x01"
    area = 0
    first = last = -1
    row_min, row_max = height, -1
    while position < total:
        found = columns.find(looking_for, position)
        if found == -1:
            found = total
        if looking_for == b"\x00":  # [position, found) is a run of foreground
            area += found - position
            start_column, start_row = divmod(position, height)
            end_column, end_row = divmod(found - 1, height)
            if start_column == end_column:
                row_min, row_max = min(row_min, start_row), max(row_max, end_row)
            else:  # the run wraps into the next column, from its top row
                row_min, row_max = 0, height - 1
            if first < 0:
                first = position
            last = found - 1
        counts.append(found - position)
        position = found
        looking_for = b"\x00" if looking_for == b"\x01" else b"\x01"
    box = None
    if area:
        box = (first // height, row_min, last // height + 1, row_max + 1)
    return Mask(counts=counts or [0], width=width, height=height, area=area, box=box)


def brush_mask(value: dict, width: int, height: int) -> Mask:
    """The mask of a brush result value (``{"format": "rle", "rle": [...]}``) on a width x height image."""
    if value.get("format", "rle") != "rle" or not isinstance(value.get("rle"), list):
        raise MaskError("a brush value holds its mask as {\"format\": \"rle\", \"rle\": [bytes]}")
    return mask_from_rows(decode_mask(value["rle"], width, height), width, height)


def compress_counts(counts: list[int]) -> str:
    """pycocotools' string form of RLE counts (``rleToString``): each count after the second as the
    difference from the count two before, in 5-bit groups, least significant first, plus 48."""
    out = []
    for index, count in enumerate(counts):
        x = count - counts[index - 2] if index > 2 else count
        more = True
        while more:
            chunk = x & 0x1F
            x >>= 5
            more = x != -1 if chunk & 0x10 else x != 0
            if more:
                chunk |= 0x20
            out.append(chr(chunk + 48))
    return "".join(out)
