"""Settings of the yolo backend, as a project's ML backend form and ``labelcore ml serve`` take them.

Anyone who may attach a model to a project can set ``model_path`` and ``work_dir``, and a ``.pt``
file is a pickle that runs code when loaded, so both are confined: ``model_path`` to the bundled
models or the models folder, ``work_dir`` to the models folder. The models folder is
``LABELCORE_ML_MODELS_DIR``, else ``LABELCORE_DATA_DIR/models``, else ``<system temp>/labelcore-models``:
the server's operator decides what may be loaded by putting files there. Relative paths are
taken inside it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

BUNDLED_DIR = Path(__file__).resolve().parent / "models"
BUNDLED_MODEL = BUNDLED_DIR / "yolo-shapes.onnx"


def models_dir() -> Path:
    """The folder model files may be loaded from (besides the bundled ones) and trained into."""
    configured = os.environ.get("LABELCORE_ML_MODELS_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    data_dir = os.environ.get("LABELCORE_DATA_DIR")
    if data_dir:
        return Path(data_dir).expanduser().resolve() / "models"
    return Path(tempfile.gettempdir()).resolve() / "labelcore-models"


def confined(path: Path, roots: list[Path], what: str) -> Path:
    """``path`` made absolute (relative to the models folder) if it lies inside one of ``roots``."""
    path = path.expanduser()
    resolved = (path if path.is_absolute() else models_dir() / path).resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        where = " or ".join(str(root) for root in roots)
        raise ValueError(f"{what} {path} is outside {where}: put the file in the models folder "
                         f"(LABELCORE_ML_MODELS_DIR)")
    return resolved


class YoloSettings(BaseModel):
    model_path: Path = Field(default=BUNDLED_MODEL, validate_default=False, description="An Ultralytics "
                             "YOLOv8/11 detection model in the models folder (LABELCORE_ML_MODELS_DIR; relative "
                             "paths are taken there): .onnx (run with ONNX Runtime) or .pt (needs ultralytics). "
                             "Default: the bundled shapes detector (circle, square, triangle).")
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
    work_dir: Path | None = Field(default=None, description="Where fine-tuning writes datasets and weights, "
                                  "inside the models folder (default: its ml_yolo/).")
    epochs: int = Field(default=5, ge=1, description="Fine-tuning epochs.")
    min_train_images: int = Field(default=4, ge=1, description="Fine-tuning needs at least this many "
                                  "annotated images.")

    @field_validator("model_path")
    @classmethod
    def _model_in_a_models_folder(cls, path: Path) -> Path:
        return confined(path, [BUNDLED_DIR, models_dir()], "model_path")

    @field_validator("work_dir")
    @classmethod
    def _work_in_the_models_folder(cls, path: Path | None) -> Path | None:
        return None if path is None else confined(path, [models_dir()], "work_dir")

    def resolved_work_dir(self) -> Path:
        return self.work_dir if self.work_dir is not None else models_dir() / "ml_yolo"
