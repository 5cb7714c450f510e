"""A test ML backend plugin that reads task media: an image's mean brightness picks Bright or Dark.

``brightness`` trains (each ``fit`` moves the threshold to the mean brightness of the annotated
task's image and bumps ``model_version``); ``brightness_fixed`` does not train.
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageStat
from pydantic import BaseModel, Field

from labelcore import LabelcoreError, MLBackendSpec, Prediction, hookimpl


class BrightnessSettings(BaseModel):
    threshold: float = Field(default=128, ge=0, le=255, description="Mean grey level from which an image is Bright.")


class BrightnessModel:
    """Predicts the first Choices over an Image whose options include Bright and Dark."""

    def __init__(self, settings: BrightnessSettings):
        self.threshold = settings.threshold
        self.model_version = "brightness-1"

    def setup(self, config, media) -> None:
        for name, control in config.controls.items():
            if control.tag != "Choices" or not {"Bright", "Dark"} <= set(config.labels(name)):
                continue
            target = config.objects[control.to_names[0]]
            if target.tag != "Image":
                continue
            self.from_name, self.to_name = name, target.name
            self.data_key = target.attr("value").lstrip("$")
            self.media = media
            return
        raise LabelcoreError("the brightness backend needs a <Choices> with Bright and Dark over an <Image>")

    def brightness(self, url: str) -> float:
        with self.media(url) as stream:
            return ImageStat.Stat(Image.open(stream).convert("L")).mean[0]

    def predict(self, tasks, context=None) -> list[Prediction]:
        predictions = []
        for task in tasks:
            mean = self.brightness(task["data"][self.data_key])
            choice = "Bright" if mean >= self.threshold else "Dark"
            score = round(min(1.0, abs(mean - self.threshold) / 128), 3)
            predictions.append(Prediction(
                result=[{"from_name": self.from_name, "to_name": self.to_name, "type": "choices",
                         "value": {"choices": [choice]}}],
                score=score, model_version=self.model_version))
        return predictions

    def health(self) -> dict[str, Any]:
        return {"status": "UP", "model_class": type(self).__name__}


class TrainableBrightnessModel(BrightnessModel):
    """The same predictions, and ``fit`` learns the threshold from annotated tasks."""

    def __init__(self, settings: BrightnessSettings):
        super().__init__(settings)
        self.fits: list[tuple[str, dict[str, Any]]] = []

    def fit(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        self.fits.append((event, data))
        task = data.get("task") or {}
        if "data" in task:
            self.threshold = self.brightness(task["data"][self.data_key])
        self.model_version = f"brightness-{len(self.fits) + 1}"
        return {"model_version": self.model_version, "event": event, "threshold": round(self.threshold, 1)}


@hookimpl
def register_ml_backends() -> list[MLBackendSpec]:
    return [
        MLBackendSpec(id="brightness", title="Image brightness", settings_model=BrightnessSettings,
                      factory=TrainableBrightnessModel, can_train=True),
        MLBackendSpec(id="brightness_fixed", title="Image brightness (no training)",
                      settings_model=BrightnessSettings, factory=BrightnessModel),
    ]
