"""Predictions per second of the yolo ML backend (not a pass/fail test), end to end.

Saves N synthetic JPEGs (plugins/ml_yolo's generator; 640x480 unless ``--size``), then times ``model.predict`` over
all of them at each batch size: reading each file through a media opener, decoding, letterboxing,
ONNX Runtime on the CPU, decoding boxes and building Label Studio results. One warm-up batch
runs first; the best of ``--repeat`` runs is printed per batch size.

    .venv/bin/python bench/ml_yolo_bench.py
    .venv/bin/python bench/ml_yolo_bench.py --images 200 --batch 1,8 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import onnxruntime

import labelcore_tags_image
from labelcore.testing import ConfigChecker, plugin_manager
from labelcore_ml_yolo.model import YoloModel
from labelcore_ml_yolo.settings import YoloSettings
from labelcore_ml_yolo.synthetic import generate

CONFIG = """<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">
<Label value="Circle"/><Label value="Square"/><Label value="Triangle"/></RectangleLabels></View>"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--batch", default="1,8")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", default="640x480", help="image width x height")
    args = parser.parse_args()

    parsed = ConfigChecker(plugin_manager(labelcore_tags_image)).parse(CONFIG)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        tasks = []
        width, height = (int(value) for value in args.size.split("x"))
        for index, (image, _) in enumerate(generate(9001, args.images, [(width, height)])):
            image.save(root / f"{index}.jpg", quality=90)
            tasks.append({"id": index, "data": {"image": f"/data/upload/1/{index}.jpg"}})

        def media(url: str):
            return (root / url.rsplit("/", 1)[1]).open("rb")

        for batch in (int(b) for b in args.batch.split(",")):
            model = YoloModel(YoloSettings(batch_size=batch))
            model.setup(parsed, media)
            model.predict(tasks[:batch])
            runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                predictions = model.predict(tasks)
                runs.append(time.perf_counter() - started)
            regions = sum(len(p.result) for p in predictions)
            print(json.dumps({"bench": "ml_yolo", "batch": batch, "images": len(tasks), "size": args.size,
                              "predictions_per_s": round(len(tasks) / min(runs), 1),
                              "seconds": [round(r, 2) for r in runs], "regions": regions,
                              "onnxruntime": onnxruntime.__version__, "cpus": os.cpu_count(),
                              "loadavg": [round(v, 2) for v in os.getloadavg()]}))


if __name__ == "__main__":
    main()
