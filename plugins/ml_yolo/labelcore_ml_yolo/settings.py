"""Settings of the yolo backend, as a project's ML backend form and ``labelcore ml serve`` take them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field

BUNDLED_MODEL = Path(__file__).resolve().parent / "models" / "yolo-shapes.onnx"


class YoloSettings(BaseModel):
    model_path: Path = Field(default=BUNDLED_MODEL, description="An Ultralytics YOLOv8/11 detection model: "
                             ".onnx (run with ONNX Runtime) or .pt (needs ultralytics). Default: the bundled "
                             "shapes detector (circle, square, triangle).")
    label_map: dict[str, str] = Field(default_factory=dict, description="Model class -> config label; classes "
                                      "not named here match labels by name, case-insensitively.")
    class_names: list[str] | None = Field(default=None, description="The model's class names in index order, "
                                          "when its metadata has none (or to override them).")
    score_threshold: float = Field(default=0.25, ge=0, le=1)
    iou_threshold: float = Field(default=0.45, ge=0, le=1, description="Boxes of one class overlapping more are "
                                 "merged (non-maximum suppression).")
    max_detections: int = Field(default=100, ge=1)
    batch_size: int = Field(default=8, ge=1)
    imgsz: int = Field(default=320, ge=32, description="Input size when the model's own is dynamic; also the "
                       "training size of fine-tuning.")
    work_dir: Path | None = Field(default=None, description="Where fine-tuning writes datasets and weights; "
                                  "default LABELCORE_DATA_DIR/ml_yolo, else a folder in the system temp dir.")
    epochs: int = Field(default=5, ge=1, description="Fine-tuning epochs.")
    min_train_images: int = Field(default=4, ge=1, description="Fine-tuning needs at least this many "
                                  "annotated images.")

    def resolved_work_dir(self) -> Path:
        if self.work_dir is not None:
            return self.work_dir
        data_dir = os.environ.get("LABELCORE_DATA_DIR")
        if data_dir:
            return Path(data_dir).expanduser() / "ml_yolo"
        return Path(tempfile.gettempdir()) / "labelcore-ml-yolo"
