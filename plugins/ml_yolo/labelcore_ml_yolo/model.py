"""The yolo ML backend: pre-labels ``<RectangleLabels>`` boxes on an ``<Image>`` with a YOLO detector."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from labelcore import LabelcoreError, MediaOpener, Prediction
from labelcore.geometry import clip_box, enclosing_box, rectangle_corners
from labelcore_ml_yolo import training
from labelcore_ml_yolo.detectors import Detections, load_detector
from labelcore_ml_yolo.images import task_image
from labelcore_ml_yolo.settings import YoloSettings


@dataclass(frozen=True)
class Target:
    """Where predictions go: the RectangleLabels control, its Image, the data key, and which config
    label each model class index becomes."""

    from_name: str
    to_name: str
    data_key: str
    labels: list[str]
    class_labels: dict[int, str]


def find_target(config: Any) -> tuple[str, str, str]:
    """``(from_name, to_name, data_key)`` of the first RectangleLabels control on an Image."""
    for name, control in config.controls.items():
        if control.tag != "RectangleLabels":
            continue
        for to_name in control.to_names:
            target = config.objects.get(to_name)
            if target is None or target.tag != "Image":
                continue
            keys = config.keys_of(to_name)
            if keys:
                return name, to_name, keys[0]
    raise LabelcoreError("the yolo backend needs a <RectangleLabels> control on an <Image value=\"$field\"> "
                         "in the labeling config")


def map_classes(names: list[str], labels: list[str], label_map: dict[str, str]) -> dict[int, str]:
    """Model class index -> config label: through ``label_map``, else the label of the same name
    (case-insensitive); classes with neither are left out."""
    unknown = sorted(set(label_map) - set(names))
    if unknown:
        raise LabelcoreError(f"label_map names classes the model does not have: {', '.join(unknown)} "
                             f"(its classes: {', '.join(names)})")
    missing = sorted(set(label_map.values()) - set(labels))
    if missing:
        raise LabelcoreError(f"label_map maps to labels the config does not have: {', '.join(missing)} "
                             f"(its labels: {', '.join(labels)})")
    by_name = {label.lower(): label for label in labels}
    mapped = {}
    for index, name in enumerate(names):
        label = label_map.get(name) or by_name.get(name.lower())
        if label:
            mapped[index] = label
    if not mapped:
        raise LabelcoreError(f"none of the model's classes ({', '.join(names)}) matches a label of the config "
                             f"({', '.join(labels)}): set label_map")
    return mapped


def region_id() -> str:
    return uuid.uuid4().hex[:10]


class YoloModel:
    """An MLModel (labelcore.specs) running a YOLO detector; ``fit`` fine-tunes it with ultralytics."""

    def __init__(self, settings: YoloSettings):
        path = Path(settings.model_path).expanduser()
        if path.suffix.lower() not in (".onnx", ".pt"):
            raise LabelcoreError(f"model_path must be an .onnx or .pt file, not {path}")
        if not path.is_file():
            raise LabelcoreError(f"model_path {path} does not exist")
        self.settings = settings.model_copy(update={"model_path": path})
        self.detector = load_detector(path, self.settings)
        self.model_version = path.stem
        self.target: Target | None = None
        self.media: MediaOpener | None = None

    @property
    def classes(self) -> list[str]:
        return self.detector.names

    def setup(self, config: Any, media: MediaOpener) -> None:
        from_name, to_name, data_key = find_target(config)
        labels = config.labels(from_name)
        class_labels = map_classes(self.classes, labels, self.settings.label_map)
        self.target = Target(from_name, to_name, data_key, labels, class_labels)
        self.media = media

    def _ready(self) -> tuple[Target, MediaOpener]:
        if self.target is None or self.media is None:
            raise LabelcoreError("the yolo backend has not been set up with a project's labeling config")
        return self.target, self.media

    def predict(self, tasks: list[dict[str, Any]], context: dict[str, Any] | None = None) -> list[Prediction]:
        target, media = self._ready()
        predictions: list[Prediction] = []
        step = self.settings.batch_size
        for start in range(0, len(tasks), step):
            images = [task_image(task, target.data_key, media) for task in tasks[start:start + step]]
            for image, found in zip(images, self.detector.detect(images)):
                result = self._regions(target, image, found)
                score = float(np.mean([item["score"] for item in result])) if result else 0.0
                predictions.append(Prediction(result=result, score=score, model_version=self.model_version))
        return predictions

    def _regions(self, target: Target, image: Image.Image, found: Detections) -> list[dict[str, Any]]:
        width, height = image.size
        regions = []
        for (x0, y0, x1, y1), score, cls in zip(found.boxes.tolist(), found.scores.tolist(), found.classes.tolist()):
            label = target.class_labels.get(int(cls))
            x0, y0, x1, y1 = clip_box((x0, y0, x1, y1), width, height)
            if label is None or x1 <= x0 or y1 <= y0:
                continue
            regions.append({
                "id": region_id(), "from_name": target.from_name, "to_name": target.to_name,
                "type": "rectanglelabels", "original_width": width, "original_height": height,
                "image_rotation": 0,
                "value": {"x": x0 * 100 / width, "y": y0 * 100 / height, "width": (x1 - x0) * 100 / width,
                          "height": (y1 - y0) * 100 / height, "rotation": 0, "rectanglelabels": [label]},
                "score": float(score),
            })
        return regions

    def health(self) -> dict[str, Any]:
        return {"status": "UP", "model_class": type(self).__name__, "model_version": self.model_version,
                "classes": list(self.classes), "runtime": self.detector.kind}

    # ------------------------------------------------------------------ fine-tuning

    def fit(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if event != "START_TRAINING":
            return {"skipped": event}
        if not training.ultralytics_available():
            raise LabelcoreError(training.CANNOT_TRAIN)
        target, media = self._ready()
        start = self._checkpoint()
        work = self.settings.resolved_work_dir()
        version, run = self._new_run(work)
        try:
            yaml, count = training.write_dataset(run / "data", self._samples(target, media, data.get("tasks") or []),
                                                 target.labels)
            if count < self.settings.min_train_images:
                raise LabelcoreError(f"fine-tuning needs at least {self.settings.min_train_images} annotated "
                                     f"images; the project has {count}")
            imgsz = getattr(self.detector, "width", self.settings.imgsz)
            best = training.train(start, yaml, run / "train", epochs=self.settings.epochs, imgsz=imgsz,
                                  batch=min(8, count))
            onnx = training.export_onnx(best, imgsz)
            model_path = training.copy_weights(onnx, work / f"{version}.onnx")
            training.copy_weights(best, work / f"{version}.pt")
        except BaseException:
            shutil.rmtree(run, ignore_errors=True)
            raise
        # the new model's classes are the config's labels, so they map by name
        self.settings = self.settings.model_copy(update={"model_path": model_path, "label_map": {},
                                                         "class_names": None})
        self.detector = load_detector(model_path, self.settings)
        self.model_version = version
        self.target = Target(target.from_name, target.to_name, target.data_key, target.labels,
                             map_classes(self.classes, target.labels, {}))
        return {"model_version": version, "images": count, "epochs": self.settings.epochs}

    def _checkpoint(self) -> Path:
        """The PyTorch weights fine-tuning starts from: the model itself, or the .pt beside the .onnx."""
        path = self.settings.model_path
        checkpoint = path if path.suffix.lower() == ".pt" else path.with_suffix(".pt")
        if not checkpoint.is_file():
            raise LabelcoreError(f"fine-tuning starts from PyTorch weights, and there is no {checkpoint.name} "
                                 f"beside {path}")
        return checkpoint

    def _new_run(self, work: Path) -> tuple[str, Path]:
        """A fresh run folder and the model version it will produce (``<base>-<n>``)."""
        base = re.sub(r"-\d+$", "", self.settings.model_path.stem)
        work.mkdir(parents=True, exist_ok=True)
        taken = [int(m.group(1)) for p in work.iterdir() if (m := re.fullmatch(re.escape(base) + r"-(\d+)", p.stem))]
        number = max(taken, default=0) + 1
        while True:
            version = f"{base}-{number}"
            try:
                (work / version).mkdir()
                return version, work / version
            except FileExistsError:
                number += 1

    def _samples(self, target: Target, media: MediaOpener,
                 tasks: Iterable[dict[str, Any]]) -> Iterator[tuple[str, Image.Image, list[training.YoloBox]]]:
        """``(stem, image, boxes)`` for each task with a usable annotation, streamed."""
        index_of = {label: index for index, label in enumerate(target.labels)}
        for number, task in enumerate(tasks):
            annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
            if not annotations:
                continue
            items = [item for item in annotations[-1].get("result") or []
                     if item.get("type") == "rectanglelabels" and item.get("from_name") == target.from_name]
            image = task_image(task, target.data_key, media)
            width, height = image.size
            boxes = []
            for item in items:
                value = item.get("value") or {}
                labels = value.get("rectanglelabels") or []
                if not labels or labels[0] not in index_of:
                    continue
                corners = rectangle_corners(value["x"], value["y"], value["width"], value["height"],
                                            value.get("rotation", 0), width, height)
                x0, y0, x1, y1 = clip_box(enclosing_box(corners), width, height)
                if x1 > x0 and y1 > y0:
                    boxes.append((index_of[labels[0]], (x0 + x1) / 2 / width, (y0 + y1) / 2 / height,
                                  (x1 - x0) / width, (y1 - y0) / height))
            yield f"{number:06d}-{task.get('id', number)}", image, boxes
