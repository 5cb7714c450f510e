"""Letterboxing, decoding and NMS on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from labelcore_ml_yolo.boxes import PAD_VALUE, decode, iou_matrix, letterbox, nms, per_class_nms
from labelcore_ml_yolo.detectors import input_size, parse_names


@pytest.mark.parametrize("size", [(640, 480), (300, 500), (320, 320), (1000, 200), (200, 1000)])
def test_letterbox_maps_boxes_there_and_back(size):
    width, height = size
    box = np.array([[0.2 * width, 0.3 * height, 0.7 * width, 0.9 * height]], dtype=np.float32)
    image = Image.new("RGB", size, (0, 0, 0))
    image.paste((255, 255, 255), tuple(int(v) for v in box[0]))

    canvas, fit = letterbox(image, 320, 256)

    assert canvas.shape == (256, 320, 3)
    np.testing.assert_allclose(fit.to_image(fit.to_input(box)), box, atol=1e-3)
    # the white rectangle lands where to_input says, within a pixel of resampling blur
    white = np.argwhere(canvas[:, :, 0] > 200)
    x0, y0, x1, y1 = fit.to_input(box)[0]
    assert abs(white[:, 1].min() - x0) <= 1.5 and abs(white[:, 1].max() + 1 - x1) <= 1.5
    assert abs(white[:, 0].min() - y0) <= 1.5 and abs(white[:, 0].max() + 1 - y1) <= 1.5


def test_letterbox_keeps_the_aspect_and_pads_with_grey():
    canvas, fit = letterbox(Image.new("RGB", (640, 480), (10, 20, 30)), 320, 320)

    assert fit.scale == 0.5 and (fit.left, fit.top) == (0, 40)
    assert (canvas[:40] == PAD_VALUE).all() and (canvas[280:] == PAD_VALUE).all()
    assert (canvas[40:280] == (10, 20, 30)).all()


def test_letterbox_of_a_grayscale_image_gives_three_channels():
    canvas, _ = letterbox(Image.new("L", (100, 50), 200), 64, 64)

    assert canvas.shape == (64, 64, 3) and canvas[32, 32].tolist() == [200, 200, 200]


BOXES = np.array([
    [0, 0, 10, 10],      # 0
    [1, 1, 11, 11],      # 1: IoU 0.68 with 0
    [20, 20, 30, 30],    # 2: apart
    [0, 0, 10, 5],       # 3: IoU 0.5 with 0
], dtype=np.float32)


def test_iou_of_hand_made_boxes():
    iou = iou_matrix(BOXES, BOXES)

    assert iou[0, 0] == 1.0
    assert iou[0, 1] == pytest.approx(81 / 119)
    assert iou[0, 2] == 0.0
    assert iou[0, 3] == pytest.approx(0.5)


def test_nms_keeps_the_best_of_overlapping_boxes():
    scores = np.array([0.9, 0.6, 0.8, 0.3], dtype=np.float32)

    assert nms(BOXES, scores, 0.45).tolist() == [0, 2]
    # 3 overlaps 0 by exactly 0.5: suppressed only above that
    assert nms(BOXES, scores, 0.5).tolist() == [0, 2, 3]
    assert nms(BOXES, scores, 0.7).tolist() == [0, 2, 1, 3]


def test_nms_lets_a_box_survive_once_its_suppressor_is_gone():
    # 1 beats 0; 3 overlapped 0 but overlaps 1 by only 0.32
    scores = np.array([0.6, 0.9, 0.8, 0.3], dtype=np.float32)

    assert nms(BOXES, scores, 0.45).tolist() == [1, 2, 3]


def test_nms_never_suppresses_across_classes():
    scores = np.array([0.9, 0.6, 0.8, 0.3], dtype=np.float32)

    keep = per_class_nms(BOXES, scores, np.array([0, 1, 0, 0]), 0.45)

    assert sorted(keep.tolist()) == [0, 1, 2]
    assert per_class_nms(BOXES[:0], scores[:0], np.array([], dtype=int), 0.45).tolist() == []


def output_of(rows: list[tuple[float, float, float, float, list[float]]]) -> np.ndarray:
    """A raw YOLOv8 output (4 + nc, N) from (cx, cy, w, h, class scores) rows."""
    return np.array([[cx, cy, w, h, *scores] for cx, cy, w, h, scores in rows], dtype=np.float32).T


def test_decode_thresholds_suppresses_and_converts_to_corners():
    output = output_of([
        (50, 50, 20, 10, [0.9, 0.1]),    # kept, class 0
        (51, 50, 20, 10, [0.8, 0.0]),    # same object, class 0: suppressed
        (51, 50, 20, 10, [0.0, 0.7]),    # same place, class 1: kept
        (200, 100, 40, 40, [0.2, 0.1]),  # under the threshold
    ])

    boxes, scores, classes = decode(output, 0.25, 0.45, 100)

    np.testing.assert_allclose(boxes, [[40, 45, 60, 55], [41, 45, 61, 55]])
    np.testing.assert_allclose(scores, [0.9, 0.7])
    assert classes.tolist() == [0, 1]


def test_decode_stops_at_max_detections_best_first():
    output = output_of([(10 + 30 * i, 10, 20, 20, [0.3 + 0.05 * i]) for i in range(10)])

    boxes, scores, _ = decode(output, 0.25, 0.45, 3)

    assert len(boxes) == 3
    np.testing.assert_allclose(scores, [0.75, 0.70, 0.65])


def test_decode_of_nothing_above_the_threshold():
    boxes, scores, classes = decode(output_of([(10, 10, 5, 5, [0.1, 0.2])]), 0.25, 0.45, 100)

    assert boxes.shape == (0, 4) and scores.shape == (0,) and classes.shape == (0,)


def test_class_names_from_ultralytics_metadata():
    assert parse_names("{0: 'circle', 1: 'square', 2: 'triangle'}") == ["circle", "square", "triangle"]
    assert parse_names("['a', 'b']") == ["a", "b"]
    assert parse_names("not python") == []
    assert parse_names(None) == []


def test_input_size_from_the_graph_then_metadata_then_settings():
    assert input_size([1, 3, 256, 320], {}, 640) == (320, 256)
    assert input_size(["batch", 3, 256, 256], {"imgsz": "[256, 256]"}, 640) == (256, 256)
    assert input_size(["batch", 3, "height", "width"], {"imgsz": "[224, 288]"}, 640) == (288, 224)
    assert input_size(["batch", 3, "height", "width"], {}, 320) == (320, 320)
