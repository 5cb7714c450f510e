"""A label-studio-ml 1.0.9 backend written the way its users write them, run by the remote backend's
tests in its own venv (``.cache/lsml/bin/python tests/ml/lsml_model.py --port N --model-dir D``).

For an Image + RectangleLabels config it downloads the task's image with label-studio-tools'
``get_local_path`` (so with the hostname and access token that /setup sent) and predicts one box
around the bright pixels. Every predict and fit call is appended as a JSON line to
``$LSML_CALLS_LOG``, so tests can see what reached the model.
"""

import argparse
import json
import os

from label_studio_ml.api import init_app
from label_studio_ml.model import LabelStudioMLBase
from PIL import Image

BRIGHT = 128


def record(kind, **fields):
    with open(os.environ["LSML_CALLS_LOG"], "a") as log:
        log.write(json.dumps({"call": kind, **fields}) + "\n")


class BrightBoxModel(LabelStudioMLBase):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.from_name, info = next(iter(self.parsed_label_config.items()))
        assert info["type"] == "RectangleLabels", "this model labels images with RectangleLabels"
        self.to_name = info["to_name"][0]
        self.value = info["inputs"][0]["value"]
        self.label = info["labels"][0]

    def predict(self, tasks, **kwargs):
        record("predict", task_ids=[task.get("id") for task in tasks], context=kwargs.get("context"))
        predictions = []
        for task in tasks:
            image = Image.open(self.get_local_path(task["data"][self.value])).convert("L")
            width, height = image.size
            box = image.point(lambda level: 255 if level > BRIGHT else 0).getbbox()
            if box is None:
                predictions.append({"result": [], "score": 0.0})
                continue
            left, top, right, bottom = box
            predictions.append({
                "result": [{
                    "from_name": self.from_name, "to_name": self.to_name, "type": "rectanglelabels",
                    "original_width": width, "original_height": height, "image_rotation": 0,
                    "value": {"x": 100 * left / width, "y": 100 * top / height,
                              "width": 100 * (right - left) / width, "height": 100 * (bottom - top) / height,
                              "rotation": 0, "rectanglelabels": [self.label]},
                }],
                "score": round((right - left) * (bottom - top) / (width * height), 4),
            })
        return predictions

    def fit(self, tasks, workdir=None, **kwargs):
        data = kwargs.get("data") or {}
        record("fit", event=kwargs.get("event"), project=data.get("project"), annotation=data.get("annotation"),
               task=data.get("task"), keys=sorted(data))
        return {"trained_on_annotation": (data.get("annotation") or {}).get("id")}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model-dir", required=True)
    args = parser.parse_args()
    app = init_app(model_class=BrightBoxModel, model_dir=args.model_dir)
    app.run(host=args.host, port=args.port)
