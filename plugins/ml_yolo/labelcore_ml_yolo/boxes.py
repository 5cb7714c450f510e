"""Box arithmetic in numpy: letterboxing, decoding Ultralytics YOLOv8/11 output, NMS.

Boxes are ``(x0, y0, x1, y1)`` rows in pixels. Letterboxing is Ultralytics' own (keep the aspect
ratio, centre, pad with grey 114), so the exported model sees what it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

PAD_VALUE = 114


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted into the model input: ``scale`` then a shift by ``(left, top)``."""

    scale: float
    left: int
    top: int

    def to_image(self, boxes: np.ndarray) -> np.ndarray:
        """Boxes in model-input pixels back to the original image's pixels."""
        out = boxes.astype(np.float32, copy=True)
        out[:, [0, 2]] = (out[:, [0, 2]] - self.left) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.top) / self.scale
        return out

    def to_input(self, boxes: np.ndarray) -> np.ndarray:
        """Boxes in original-image pixels into model-input pixels."""
        out = boxes.astype(np.float32, copy=True)
        out[:, [0, 2]] = out[:, [0, 2]] * self.scale + self.left
        out[:, [1, 3]] = out[:, [1, 3]] * self.scale + self.top
        return out


def letterbox(image: Image.Image, width: int, height: int) -> tuple[np.ndarray, Letterbox]:
    """An RGB image as a ``height x width x 3`` uint8 array, scaled to fit and padded with 114."""
    scale = min(width / image.width, height / image.height)
    new_w, new_h = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    left = round((width - new_w) / 2 - 0.1)
    top = round((height - new_h) / 2 - 0.1)
    canvas = np.full((height, width, 3), PAD_VALUE, dtype=np.uint8)
    resized = image.convert("RGB").resize((new_w, new_h), Image.BILINEAR) if (new_w, new_h) != image.size \
        else image.convert("RGB")
    canvas[top:top + new_h, left:left + new_w] = np.asarray(resized)
    return canvas, Letterbox(scale, left, top)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of two sets of boxes (``len(a) x len(b)``)."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes greedy non-maximum suppression keeps, best score first."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best = order[0]
        keep.append(int(best))
        rest = order[1:]
        order = rest[iou_matrix(boxes[best:best + 1], boxes[rest])[0] <= iou_threshold]
    return np.array(keep, dtype=np.int64)


def per_class_nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_threshold: float) -> np.ndarray:
    """NMS within each class only (boxes of different classes never suppress each other)."""
    if not len(boxes):
        return np.zeros(0, dtype=np.int64)
    # shifting each class into its own region makes one NMS pass class-aware
    offset = classes.astype(np.float32)[:, None] * (float(boxes.max() - boxes.min()) + 1.0)
    return nms(boxes + offset, scores, iou_threshold)


def decode(output: np.ndarray, score_threshold: float, iou_threshold: float,
           max_detections: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's raw output ``(4 + nc, N)`` (cx, cy, w, h in input pixels, then class scores) to
    ``(boxes xyxy, scores, class indices)`` after the score threshold and per-class NMS, best first."""
    preds = output.T
    class_scores = preds[:, 4:]
    classes = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(preds)), classes]
    mask = scores > score_threshold
    preds, scores, classes = preds[mask], scores[mask], classes[mask]
    cx, cy, w, h = preds[:, 0], preds[:, 1], preds[:, 2], preds[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    keep = per_class_nms(boxes, scores, classes, iou_threshold)[:max_detections]
    return boxes[keep], scores[keep], classes[keep]
