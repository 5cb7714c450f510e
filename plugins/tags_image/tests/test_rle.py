"""Label Studio's brush RLE: decoding, encoding, and how a broken stream is reported.

The reference streams below were written by ``label_studio_sdk.converter.brush.encode_rle``
(label-studio-sdk 2.1.2), the encoder Label Studio's own tools use to turn masks into results.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore_tags_image.rle import RLEError, RLEHeader, decode, encode, read_header, scan

# A 4x3 mask with pixels (1, 1) and (2, 1) set, each pixel's alpha copied into R, G and B.
BAR_MASK = [0] * 20 + [255] * 8 + [0] * 20
BAR_RLE = [0, 0, 0, 48, 57, 27, 254, 19, 0, 159, 255, 9, 128, 0]

# A 3x2 mask with soft edges (alpha 0, 128, 255 / 255, 64, 0): literal blocks between the runs.
SOFT_MASK = [value for alpha in (0, 128, 255, 255, 64, 0) for value in (alpha,) * 4]
SOFT_RLE = [0, 0, 0, 24, 57, 27, 252, 96, 17, 192, 79, 255, 26, 4, 96, 0]

fast = settings(deadline=None, max_examples=60)


def test_decodes_what_label_studio_encodes():
    assert bytes(decode(BAR_RLE)) == bytes(BAR_MASK)
    assert bytes(decode(SOFT_RLE)) == bytes(SOFT_MASK)


def test_encodes_as_label_studio_does():
    assert encode(BAR_MASK) == BAR_RLE
    assert encode(SOFT_MASK) == SOFT_RLE


def test_the_header_of_a_mask_label_studio_exported():
    # the first bytes of a brushlabels result on a 3332x2527 image, from a public Label Studio export
    header = read_header([2, 1, 233, 240, 57, 27, 255])

    assert header == RLEHeader(count=3332 * 2527 * 4, word_size=8, run_sizes=(3, 4, 8, 16))


def test_scan_walks_the_stream_without_building_the_mask():
    assert scan(BAR_RLE) == RLEHeader(count=48, word_size=8, run_sizes=(3, 4, 8, 16))


def test_runs_longer_than_the_widest_run_size_are_split():
    mask = [255] * 200_000

    stream = encode(mask)

    assert len(stream) < 32
    assert bytes(decode(stream)) == bytes(mask)


def test_wider_words_decode_to_wider_arrays():
    values = [0, 0, 40_000, 40_000, 40_000, 7, 65_535]

    decoded = decode(encode(values, word_size=16))

    assert decoded.typecode == "H"
    assert list(decoded) == values


def test_an_empty_stream_is_only_a_header():
    assert list(decode(encode([]))) == []


@pytest.mark.parametrize("stream,message", [
    ([], "an RLE stream starts with a 53-bit header, but this one has only 0 bits"),
    (BAR_RLE[:6], "an RLE stream starts with a 53-bit header, but this one has only 48 bits"),
    (BAR_RLE[:-2], "the stream ends after 96 bits, having given 28 of the 48 values its header declares"),
    # the header claims 49 values; the blocks hold 48
    ([0, 0, 0, 49] + BAR_RLE[4:], "the stream ends after 112 bits, having given 48 of the 49 values its header "
                                  "declares"),
    # the header claims 47 values; the last block holds 20 of which only 19 fit
    ([0, 0, 0, 47] + BAR_RLE[4:], "the block at value 28 holds 20 values, 1 past the 47 the header declares"),
    ([0, 0, 0, 48, 256], "an RLE stream is a list of integers between 0 and 255"),
    ("not bytes", "an RLE stream is a list of integers between 0 and 255"),
])
def test_a_broken_stream_says_where_it_breaks(stream, message):
    for reader in (scan, decode):
        with pytest.raises(RLEError) as caught:
            reader(stream)
        assert str(caught.value) == message


def test_a_header_claiming_billions_of_values_is_rejected_before_allocating_them():
    with pytest.raises(RLEError, match="having given 48 of the 4294967295 values"):
        decode([255, 255, 255, 255] + BAR_RLE[4:])


@pytest.mark.parametrize("word_size,run_sizes", [(0, (3, 4, 8, 16)), (33, (3, 4, 8, 16)), (8, (3, 4, 8)),
                                                 (8, (3, 4, 8, 17))])
def test_encode_refuses_sizes_the_format_cannot_hold(word_size, run_sizes):
    with pytest.raises(ValueError):
        encode([1, 2, 3], word_size=word_size, run_sizes=run_sizes)


def test_encode_refuses_values_wider_than_a_word():
    with pytest.raises(ValueError, match="256 does not fit in 8 bits"):
        encode([1, 256])


masks = st.lists(st.sampled_from([0, 0, 0, 255, 255, 17, 128]), max_size=400)


@fast
@given(masks, st.sampled_from([(3, 4, 8, 16), (1, 2, 3, 4), (16, 16, 16, 16)]))
def test_decode_inverts_encode(values, run_sizes):
    stream = encode(values, run_sizes=run_sizes)

    assert bytes(decode(stream)) == bytes(values)
    assert scan(stream).count == len(values)


@fast
@given(masks.filter(bool))
def test_a_stream_missing_its_last_byte_is_always_reported(values):
    # padding is under one byte, so the last byte always carries data the values need
    with pytest.raises(RLEError):
        scan(encode(values)[:-1])


@fast
@given(st.binary(min_size=7, max_size=64))
def test_arbitrary_bytes_either_scan_or_raise_rle_error(data):
    try:
        header = scan(data)
    except RLEError:
        return
    assert len(decode(data)) == header.count
