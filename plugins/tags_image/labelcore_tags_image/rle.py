"""Label Studio's brush masks: a bit-packed run-length encoding of an RGBA image.

Label Studio's browser writes masks with ``@thi.ng/rle-pack`` and its converter reads them back
(``decode_rle`` in ``label_studio_converter.brush``). A mask is the image's RGBA bytes, row by
row (``original_width * original_height * 4`` values; Label Studio copies the alpha channel into
R, G and B, so masked areas become long runs). The stream is read most significant bit first:

====================  =====================================================================
32 bits               ``count``: how many values the stream decodes to
5 bits                ``word_size - 1``: bits per value (Label Studio writes 8)
4 x 4 bits            ``run_size - 1`` for each of the four run-length widths (3, 4, 8, 16)
blocks                until ``count`` values are out: 1 bit *repeat*, 2 bits choosing a width
                      ``w``, ``w`` bits ``n``; the block holds ``n + 1`` values, given once
                      (repeat) or one after another (literal), ``word_size`` bits each
====================  =====================================================================

The last byte is padded with zero bits. Pure Python: :func:`scan` walks a stream without building
the mask (its cost grows with the number of blocks, not with the image size), :func:`decode`
builds it, :func:`encode` writes one.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

#: Run-length widths (bits) Label Studio's encoder uses.
DEFAULT_RUN_SIZES = (3, 4, 8, 16)
HEADER_BITS = 32 + 5 + 4 * 4
_PAD = b"\0" * 5  # lets every read take 5 bytes, even at the end of the stream


class RLEError(ValueError):
    """A byte list that is not a complete Label Studio RLE stream."""


class _EndOfStream(Exception):
    pass


@dataclass(frozen=True)
class RLEHeader:
    """The first 53 bits of a stream."""

    count: int
    word_size: int
    run_sizes: tuple[int, int, int, int]


class _BitReader:
    __slots__ = ("data", "total", "pos")

    def __init__(self, rle: Sequence[int] | bytes | bytearray):
        try:
            raw = bytes(rle)
        except (TypeError, ValueError) as exc:
            raise RLEError("an RLE stream is a list of integers between 0 and 255") from exc
        self.data = raw + _PAD
        self.total = len(raw) * 8
        self.pos = 0

    def read(self, width: int) -> int:
        pos = self.pos
        end = pos + width
        if end > self.total:
            raise _EndOfStream
        self.pos = end
        chunk = int.from_bytes(self.data[pos >> 3:(pos >> 3) + 5], "big")
        return (chunk >> (40 - (pos & 7) - width)) & ((1 << width) - 1)

    def skip(self, width: int) -> None:
        end = self.pos + width
        if end > self.total:
            raise _EndOfStream
        self.pos = end


def _header(bits: _BitReader) -> RLEHeader:
    if bits.total < HEADER_BITS:
        raise RLEError(f"an RLE stream starts with a {HEADER_BITS}-bit header, but this one has only "
                       f"{bits.total} bits")
    count = bits.read(32)
    word_size = bits.read(5) + 1
    run_sizes = (bits.read(4) + 1, bits.read(4) + 1, bits.read(4) + 1, bits.read(4) + 1)
    return RLEHeader(count=count, word_size=word_size, run_sizes=run_sizes)


def read_header(rle: Sequence[int] | bytes | bytearray) -> RLEHeader:
    """The header alone: cheap, whatever the size of the stream."""
    return _header(_BitReader(rle))


def _overshoot(start: int, length: int, count: int) -> RLEError:
    return RLEError(f"the block at value {start} holds {length} values, {start + length - count} past the "
                    f"{count} the header declares")


def scan(rle: Sequence[int] | bytes | bytearray) -> RLEHeader:
    """Walk a whole stream without building the mask and return its header.

    :raises RLEError: the header is cut short, the stream ends before ``count`` values, or a block
        runs past ``count`` (Label Studio's browser would drop the excess; its Python converter fails).
    """
    bits = _BitReader(rle)
    header = _header(bits)
    count, word_size, sizes = header.count, header.word_size, header.run_sizes
    read, skip = bits.read, bits.skip
    done = 0
    try:
        while done < count:
            head = read(3)
            length = read(sizes[head & 3]) + 1
            skip(word_size if head >> 2 else word_size * length)
            if done + length > count:
                raise _overshoot(done, length, count)
            done += length
    except _EndOfStream:
        raise RLEError(f"the stream ends after {bits.total} bits, having given {done} of the {count} values its "
                       "header declares") from None
    return header


def decode(rle: Sequence[int] | bytes | bytearray) -> bytearray | array:
    """Decode a stream to its values: a ``bytearray`` for 8-bit words (Label Studio's masks),
    else an ``array`` of 16- or 32-bit unsigned integers.

    :raises RLEError: as :func:`scan`.
    """
    # Walk the stream first: a corrupt header may claim billions of values, and the output is
    # only allocated once the blocks are known to deliver them.
    header = scan(rle)
    bits = _BitReader(rle)
    bits.pos = HEADER_BITS
    count, word_size, sizes = header.count, header.word_size, header.run_sizes
    if word_size <= 8:
        out: bytearray | array = bytearray(count)

        def repeated(value: int, length: int) -> bytes | array:
            return bytes((value,)) * length
    else:
        typecode = "H" if word_size <= 16 else "L"
        out = array(typecode, bytes(count * array(typecode).itemsize))

        def repeated(value: int, length: int) -> bytes | array:
            return array(typecode, (value,)) * length

    read = bits.read
    done = 0
    while done < count:
        head = read(3)
        length = read(sizes[head & 3]) + 1
        end = done + length
        if head >> 2:
            value = read(word_size)
            if value:  # the output starts zeroed
                out[done:end] = repeated(value, length)
        else:
            for index in range(done, end):
                out[index] = read(word_size)
        done = end
    return out


class _BitWriter:
    def __init__(self) -> None:
        self.value = 0
        self.bits = 0
        self.out = bytearray()

    def write(self, value: int, width: int) -> None:
        self.value = (self.value << width) | value
        self.bits += width
        while self.bits >= 8:
            self.bits -= 8
            self.out.append((self.value >> self.bits) & 0xFF)
        self.value &= (1 << self.bits) - 1

    def finish(self) -> list[int]:
        if self.bits:
            self.out.append((self.value << (8 - self.bits)) & 0xFF)
        return list(self.out)


def encode(values: Iterable[int], word_size: int = 8,
           run_sizes: tuple[int, int, int, int] = DEFAULT_RUN_SIZES) -> list[int]:
    """Encode values (an RGBA mask, ``width * height * 4`` bytes) into Label Studio's RLE bytes.

    Repeated values become repeat blocks and the rest literal blocks, each as long as the widest
    run size allows. Any conforming decoder (the browser's, the SDK's, :func:`decode`) reads it.
    """
    if not 1 <= word_size <= 32:
        raise ValueError("word_size must be between 1 and 32")
    if len(run_sizes) != 4 or not all(1 <= size <= 16 for size in run_sizes):
        raise ValueError("run_sizes must be four widths between 1 and 16")
    limit = 1 << max(run_sizes)
    word_max = (1 << word_size) - 1
    runs = [(value, sum(1 for _ in group)) for value, group in groupby(values)]
    writer = _BitWriter()
    writer.write(sum(length for _, length in runs), 32)
    writer.write(word_size - 1, 5)
    for size in run_sizes:
        writer.write(size - 1, 4)

    def block(repeat: bool, length: int) -> None:
        selector = next(index for index, size in enumerate(run_sizes) if length - 1 < (1 << size))
        writer.write((int(repeat) << 2) | selector, 3)
        writer.write(length - 1, run_sizes[selector])

    literal: list[int] = []

    def flush_literal() -> None:
        for start in range(0, len(literal), limit):
            chunk = literal[start:start + limit]
            block(False, len(chunk))
            for value in chunk:
                writer.write(value, word_size)
        literal.clear()

    for value, length in runs:
        if not 0 <= value <= word_max:
            raise ValueError(f"{value} does not fit in {word_size} bits")
        if length == 1:
            literal.append(value)
            continue
        flush_literal()
        while length:
            part = min(length, limit)
            block(True, part)
            writer.write(value, word_size)
            length -= part
    flush_literal()
    return writer.finish()
