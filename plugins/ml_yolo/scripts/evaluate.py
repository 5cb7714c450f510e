"""Measure a yolo backend model on fresh synthetic images through predict(), as a project would.

Prints recall and precision at IoU >= 0.5 (right label required) and the mean IoU of the matched
boxes. Runs in the plugin's own environment (no torch needed for .onnx models):

    .venv/bin/python plugins/ml_yolo/scripts/evaluate.py --images 100 --seed 777
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np

import labelcore_tags_image
from labelcore.testing import ConfigChecker, plugin_manager
from labelcore_ml_yolo.boxes import iou_matrix
from labelcore_ml_yolo.model import YoloModel
from labelcore_ml_yolo.settings import BUNDLED_MODEL, YoloSettings
from labelcore_ml_yolo.synthetic import CLASSES, generate

CONFIG = ('<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">'
          + "".join(f'<Label value="{name}"/>' for name in CLASSES) + "</RectangleLabels></View>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=BUNDLED_MODEL)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--seed", type=int, default=777)
    args = parser.parse_args()

    files: dict[str, bytes] = {}
    truth = []
    for index, (image, shapes) in enumerate(generate(args.seed, args.images, [(640, 480), (300, 500), (320, 320)])):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        files[f"/data/upload/1/{index}.jpg"] = buffer.getvalue()
        truth.append(shapes)
    model = YoloModel(YoloSettings(model_path=args.model))
    model.setup(ConfigChecker(plugin_manager(labelcore_tags_image)).parse(CONFIG), lambda url: io.BytesIO(files[url]))
    predictions = model.predict([{"id": i, "data": {"image": url}} for i, url in enumerate(files)])

    matched, ious, detections = 0, [], 0
    for prediction, shapes in zip(predictions, truth):
        detections += len(prediction.result)
        for shape in shapes:
            boxes = [[v["x"] * r["original_width"] / 100, v["y"] * r["original_height"] / 100,
                      (v["x"] + v["width"]) * r["original_width"] / 100,
                      (v["y"] + v["height"]) * r["original_height"] / 100]
                     for r in prediction.result if (v := r["value"])["rectanglelabels"] == [shape.label]]
            if boxes:
                best = float(iou_matrix(np.array([[shape.x0, shape.y0, shape.x1, shape.y1]], np.float32),
                                        np.array(boxes, np.float32)).max())
                if best >= 0.5:
                    matched += 1
                    ious.append(best)
    objects = sum(len(shapes) for shapes in truth)
    print(json.dumps({"model": args.model.name, "images": args.images, "objects": objects,
                      "detections": detections, "recall@0.5": round(matched / objects, 4),
                      "precision@0.5": round(matched / max(detections, 1), 4),
                      "mean_iou_matched": round(float(np.mean(ious)), 4) if ious else None}))


if __name__ == "__main__":
    main()
