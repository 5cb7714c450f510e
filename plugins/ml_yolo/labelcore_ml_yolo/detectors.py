"""The two ways to run a detector: ONNX Runtime on the CPU (the default) or ultralytics for ``.pt``.

Both take RGB PIL images and return, per image, ``Detections`` in that image's pixels.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from labelcore import LabelcoreError
from labelcore_ml_yolo.boxes import decode, letterbox
from labelcore_ml_yolo.settings import YoloSettings
from labelcore_ml_yolo.training import import_ultralytics


@dataclass
class Detections:
    """One image's detections: ``boxes`` (n x 4, xyxy pixels), ``scores`` (n), ``classes`` (n)."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray


def parse_names(raw: str | None) -> list[str]:
    """Class names from Ultralytics' ``names`` metadata (``"{0: 'circle', 1: 'square'}"``)."""
    if not raw:
        return []
    try:
        names = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return []
    if isinstance(names, dict):
        return [str(names[key]) for key in sorted(names)]
    if isinstance(names, (list, tuple)):
        return [str(name) for name in names]
    return []


def input_size(shape: list, metadata: dict[str, str], fallback: int) -> tuple[int, int]:
    """``(width, height)`` of the model input: the graph's static shape, else Ultralytics' ``imgsz``
    metadata, else ``fallback`` (square)."""
    height, width = shape[2:4] if len(shape) == 4 else (None, None)
    if isinstance(height, int) and isinstance(width, int) and height > 0 and width > 0:
        return width, height
    try:
        size = ast.literal_eval(metadata.get("imgsz", ""))
        return int(size[1]), int(size[0])
    except (ValueError, SyntaxError, TypeError, IndexError):
        return fallback, fallback


class OnnxDetector:
    """An Ultralytics YOLOv8/11 detection model exported to ONNX, run with ONNX Runtime on the CPU."""

    kind = "onnx"

    def __init__(self, path: Path, settings: YoloSettings):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types for unreadable models
            raise LabelcoreError(f"cannot load the ONNX model {path}: {exc}") from exc
        self.settings = settings
        meta = self.session.get_modelmeta().custom_metadata_map
        self.names = list(settings.class_names or parse_names(meta.get("names")))
        if not self.names:
            raise LabelcoreError(f"the ONNX model {path} has no class names in its metadata: set class_names")
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        self.width, self.height = input_size(list(model_input.shape), meta, settings.imgsz)
        batch = model_input.shape[0]
        self.fixed_batch = batch if isinstance(batch, int) and batch > 0 else None

    def detect(self, images: list[Image.Image]) -> list[Detections]:
        step = self.fixed_batch or self.settings.batch_size
        found: list[Detections] = []
        for start in range(0, len(images), step):
            chunk = images[start:start + step]
            arrays, boxes = zip(*(letterbox(image, self.width, self.height) for image in chunk))
            batch = np.stack(arrays).transpose(0, 3, 1, 2).astype(np.float32) / 255.0
            if self.fixed_batch and len(chunk) < self.fixed_batch:
                pad = np.zeros((self.fixed_batch - len(chunk), *batch.shape[1:]), dtype=np.float32)
                batch = np.concatenate([batch, pad])
            output = self.session.run(None, {self.input_name: batch})[0]
            for index, box in enumerate(boxes):
                xyxy, scores, classes = decode(output[index], self.settings.score_threshold,
                                               self.settings.iou_threshold, self.settings.max_detections)
                found.append(Detections(box.to_image(xyxy), scores, classes))
        return found


class UltralyticsDetector:
    """A ``.pt`` checkpoint run by ultralytics itself (needs the ``train`` extra)."""

    kind = "ultralytics"

    def __init__(self, path: Path, settings: YoloSettings):
        try:
            ultralytics = import_ultralytics()
        except LabelcoreError as exc:
            raise LabelcoreError(f"{path.name} is a PyTorch checkpoint, which needs ultralytics: "
                                 f"install labelcore-ml-yolo[train], or use an ONNX export") from exc
        self.model = ultralytics.YOLO(str(path), task="detect")
        self.settings = settings
        names = self.model.names
        self.names = list(settings.class_names or [str(names[key]) for key in sorted(names)])

    def detect(self, images: list[Image.Image]) -> list[Detections]:
        found: list[Detections] = []
        step = self.settings.batch_size
        for start in range(0, len(images), step):
            results = self.model.predict(
                [np.asarray(image)[:, :, ::-1] for image in images[start:start + step]],  # ultralytics wants BGR
                imgsz=self.settings.imgsz, conf=self.settings.score_threshold, iou=self.settings.iou_threshold,
                max_det=self.settings.max_detections, device="cpu", verbose=False)
            for result in results:
                boxes = result.boxes
                found.append(Detections(boxes.xyxy.cpu().numpy(), boxes.conf.cpu().numpy(),
                                        boxes.cls.cpu().numpy().astype(np.int64)))
        return found


def load_detector(path: Path, settings: YoloSettings) -> OnnxDetector | UltralyticsDetector:
    if path.suffix.lower() == ".pt":
        return UltralyticsDetector(path, settings)
    return OnnxDetector(path, settings)

