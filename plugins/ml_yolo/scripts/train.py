"""Train the bundled shapes detector from scratch and export it to ONNX.

Not part of the plugin's runtime or CI: it needs torch and ultralytics in a separate venv
(README.md has the exact commands). Used to produce labelcore_ml_yolo/models/yolo-shapes.{onnx,pt}
with: torch 2.14.1, torchvision 0.29.1, ultralytics 8.4.x, onnx, onnxslim, onnxruntime (Python 3.11).

    YOLO_OFFLINE=1 python scripts/train.py --work /tmp/yolo-shapes --images 1000 --epochs 30
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from labelcore_ml_yolo.synthetic import CLASSES, generate
from labelcore_ml_yolo.training import copy_weights, export_onnx, import_ultralytics, train, write_dataset

MODELS = Path(__file__).resolve().parents[1] / "labelcore_ml_yolo" / "models"
TRAIN_SEED = 20261130

# yolov8's layout with a 0.125 width multiplier: about 0.8M parameters, ~3 MB as ONNX.
MODEL_YAML = """\
nc: {nc}
scales:
  t: [0.33, 0.125, 1024]
backbone:
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [128, 3, 2]]
  - [-1, 3, C2f, [128, True]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [-1, 6, C2f, [256, True]]
  - [-1, 1, Conv, [512, 3, 2]]
  - [-1, 6, C2f, [512, True]]
  - [-1, 1, Conv, [1024, 3, 2]]
  - [-1, 3, C2f, [1024, True]]
  - [-1, 1, SPPF, [1024, 5]]
head:
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 6], 1, Concat, [1]]
  - [-1, 3, C2f, [512]]
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 4], 1, Concat, [1]]
  - [-1, 3, C2f, [256]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [[-1, 12], 1, Concat, [1]]
  - [-1, 3, C2f, [512]]
  - [-1, 1, Conv, [512, 3, 2]]
  - [[-1, 9], 1, Concat, [1]]
  - [-1, 3, C2f, [1024]]
  - [[15, 18, 21], 1, Detect, [nc]]
"""


def samples(count: int):
    for index, (image, shapes) in enumerate(generate(TRAIN_SEED, count)):
        w, h = image.size
        boxes = [(CLASSES.index(s.label), (s.x0 + s.x1) / 2 / w, (s.y0 + s.y1) / 2 / h,
                  (s.x1 - s.x0) / w, (s.y1 - s.y0) / h) for s in shapes]
        yield f"{index:05d}", image, boxes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/yolo-shapes"))
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--imgsz", type=int, default=256)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()

    torch.set_num_threads(2)
    args.work.mkdir(parents=True, exist_ok=True)
    data, count = write_dataset(args.work / "data", samples(args.images), list(CLASSES), val_fraction=0.15)
    model_yaml = args.work / "yolo-shapes.yaml"
    model_yaml.write_text(MODEL_YAML.format(nc=len(CLASSES)))
    best = train(model_yaml, data, args.work / "run", epochs=args.epochs, imgsz=args.imgsz, batch=args.batch,
                 cache="ram", close_mosaic=5, patience=0, seed=0, deterministic=True)
    onnx = export_onnx(best, args.imgsz)
    metrics = import_ultralytics().YOLO(str(onnx), task="detect").val(
        data=str(data), imgsz=args.imgsz, batch=1, device="cpu", plots=False, verbose=False)
    copy_weights(best, MODELS / "yolo-shapes.pt")
    copy_weights(onnx, MODELS / "yolo-shapes.onnx")
    print(json.dumps({"images": count, "epochs": args.epochs, "imgsz": args.imgsz,
                      "onnx_mAP50": round(float(metrics.box.map50), 4),
                      "onnx_mAP50-95": round(float(metrics.box.map), 4)}))


if __name__ == "__main__":
    main()
