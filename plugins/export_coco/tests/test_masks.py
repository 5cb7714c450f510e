"""Brush masks: Label Studio RLE in, COCO RLE out, checked against pycocotools and against
Label Studio's own decoder."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_studio_sdk.converter.brush import decode_rle as label_studio_decode
from pycocotools import mask as coco_mask

from labelcore_export_coco.masks import MaskError, brush_mask, compress_counts, decode_mask, mask_from_rows
from labelcore_tags_image import rle

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def ls_value(mask: np.ndarray, alpha: int = 255) -> dict:
    """A brush value as Label Studio's browser writes it: RGBA rows, alpha copied into R, G, B."""
    rgba = np.repeat((mask > 0).astype(np.uint8) * alpha, 4)
    return {"format": "rle", "rle": rle.encode(rgba.tobytes())}


def coco_decode(segmentation: dict) -> np.ndarray:
    height, width = segmentation["size"]
    return coco_mask.decode(coco_mask.frPyObjects(segmentation, height, width))


masks = st.integers(1, 40).flatmap(lambda h: st.integers(1, 40).flatmap(
    lambda w: st.lists(st.lists(st.sampled_from([0, 0, 0, 1]), min_size=w, max_size=w), min_size=h, max_size=h)))


@settings(max_examples=120, deadline=None)
@given(masks)
def test_a_mask_round_trips_through_coco_rle(rows):
    mask = np.array(rows, dtype=np.uint8)
    height, width = mask.shape

    ours = brush_mask(ls_value(mask), width, height)

    decoded = coco_decode(ours.uncompressed())
    assert decoded.shape == (height, width)
    assert (decoded == mask).all()
    assert ours.area == int(mask.sum())
    assert ours.uncompressed()["counts"] == coco_decode_counts(mask)


def coco_decode_counts(mask: np.ndarray) -> list[int]:
    """pycocotools' own uncompressed counts of a mask (decoding its compressed form)."""
    encoded = coco_mask.encode(np.asfortranarray(mask))
    # pycocotools keeps the counts it encodes only compressed; frString/toBbox read them back
    return _string_to_counts(encoded["counts"].decode())


def _string_to_counts(text: str) -> list[int]:
    """pycocotools' rleFrString, for comparing counts."""
    counts, position = [], 0
    while position < len(text):
        x, k, more = 0, 0, True
        while more:
            c = ord(text[position]) - 48
            x |= (c & 0x1F) << 5 * k
            more = bool(c & 0x20)
            position += 1
            k += 1
            if not more and c & 0x10:
                x |= -1 << 5 * k
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


@settings(max_examples=120, deadline=None)
@given(masks)
def test_the_compressed_form_is_pycocotools_own(rows):
    mask = np.array(rows, dtype=np.uint8)
    height, width = mask.shape

    ours = brush_mask(ls_value(mask), width, height)

    assert ours.compressed()["counts"] == coco_mask.encode(np.asfortranarray(mask))["counts"].decode()
    assert (coco_mask.decode({"size": [height, width], "counts": ours.compressed()["counts"].encode()}) == mask).all()


@settings(max_examples=120, deadline=None)
@given(masks)
def test_the_box_is_pycocotools_box(rows):
    mask = np.array(rows, dtype=np.uint8)
    height, width = mask.shape

    ours = brush_mask(ls_value(mask), width, height)

    if not mask.any():
        assert ours.box is None and ours.area == 0
        return
    x_min, y_min, x_max, y_max = ours.box
    assert [x_min, y_min, x_max - x_min, y_max - y_min] == list(coco_mask.toBbox(coco_mask.encode(
        np.asfortranarray(mask))))


def test_the_pixel_count_matches_label_studios_decoder():
    rng = np.random.default_rng(7)
    mask = (rng.random((120, 200)) > 0.7).astype(np.uint8)
    value = ls_value(mask)

    theirs = np.reshape(label_studio_decode(value["rle"]), [120, 200, 4])[:, :, 3]
    ours = brush_mask(value, 200, 120)

    assert ours.area == int((theirs > 0).sum()) == int(mask.sum())
    assert (coco_decode(ours.uncompressed()) == (theirs > 0)).all()


def test_any_non_zero_alpha_is_in_the_mask():
    # Label Studio's converter (and OpenCV's contour search on its masks) counts alpha > 0
    mask = np.zeros((4, 4), dtype=np.uint8)
    mask[1, 1] = 1
    value = ls_value(mask, alpha=3)

    assert decode_mask(value["rle"], 4, 4) == bytes(mask.flatten())


def test_a_mask_of_the_wrong_size_is_refused():
    value = ls_value(np.ones((10, 10), dtype=np.uint8))

    with pytest.raises(MaskError, match="10x11 RGBA image"):
        brush_mask(value, 10, 11)


def test_a_broken_stream_is_refused():
    with pytest.raises(MaskError):
        brush_mask({"format": "rle", "rle": [1, 2, 3]}, 10, 10)


def test_counts_start_with_background():
    # a mask whose first pixel (top-left) is set starts with a zero-length background run
    assert mask_from_rows(bytes([1, 0, 0, 0]), 2, 2).counts == [0, 1, 3]
    assert mask_from_rows(bytes([0, 0, 0, 1]), 2, 2).counts == [3, 1]
    assert mask_from_rows(bytes(4), 2, 2).counts == [4]


def test_compressing_large_counts():
    counts = [0, 300000, 5, 299990, 123456789]
    mask = {"size": [1, sum(counts)], "counts": compress_counts(counts).encode()}

    assert coco_mask.area(mask) == 300000 + 299990
