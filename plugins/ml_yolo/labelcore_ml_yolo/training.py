"""Training with ultralytics (the ``train`` extra): YOLO dataset folders and offline runs.

Used by ``scripts/train.py`` to train the bundled model from scratch and by ``YoloModel.fit`` to
fine-tune it on a project's annotations. ultralytics is imported only inside these functions, so
the plugin works without it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from labelcore import LabelcoreError

#: One object in YOLO's label format: class index and centre/size as fractions of the image.
YoloBox = tuple[int, float, float, float, float]

CANNOT_TRAIN = "the yolo backend cannot train here: install labelcore-ml-yolo[train] (ultralytics with torch)"


def ultralytics_available() -> bool:
    try:
        import ultralytics  # noqa: F401
    except ImportError:
        return False
    return True


def import_ultralytics():
    """The ultralytics module, set up to run offline (no hub, font or update checks)."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    try:
        import ultralytics
    except ImportError as exc:
        raise LabelcoreError(CANNOT_TRAIN) from exc
    ultralytics.settings.update({"sync": False})
    return ultralytics


def write_dataset(folder: Path, samples: Iterable[tuple[str, Image.Image, list[YoloBox]]],
                  names: list[str], val_fraction: float = 0.0) -> tuple[Path, int]:
    """Write ``(stem, image, boxes)`` samples as a YOLO dataset under ``folder``.

    Every ``1/val_fraction``-th image goes to the validation split; with no fraction the training
    images double as validation (tiny fine-tuning sets). Returns the data YAML's path and the
    number of images written.
    """
    every = round(1 / val_fraction) if val_fraction else 0
    count = 0
    for split in ("train", "val"):
        (folder / "images" / split).mkdir(parents=True, exist_ok=True)
        (folder / "labels" / split).mkdir(parents=True, exist_ok=True)
    for stem, image, boxes in samples:
        split = "val" if every and count % every == every - 1 else "train"
        image.convert("RGB").save(folder / "images" / split / f"{stem}.jpg", quality=92)
        lines = [f"{c} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}" for c, cx, cy, w, h in boxes]
        (folder / "labels" / split / f"{stem}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
        count += 1
    val = "images/val" if every else "images/train"
    data = folder / "data.yaml"
    names_yaml = "".join(f"  {index}: {name!r}\n" for index, name in enumerate(names))
    data.write_text(f"path: {folder.resolve()}\ntrain: images/train\nval: {val}\nnames:\n{names_yaml}")
    return data, count


def train(start: str | Path, data: Path, out_dir: Path, *, epochs: int, imgsz: int, batch: int = 16,
          workers: int = 2, **overrides) -> Path:
    """Train from ``start`` (a model YAML, or a ``.pt`` to fine-tune) on the CPU; returns best.pt."""
    ultralytics = import_ultralytics()
    model = ultralytics.YOLO(str(start), task="detect")
    model.train(data=str(data), epochs=epochs, imgsz=imgsz, batch=batch, workers=workers, device="cpu",
                amp=False, plots=False, project=str(out_dir.parent), name=out_dir.name, exist_ok=True,
                verbose=False, **overrides)
    best = out_dir / "weights" / "best.pt"
    return best if best.exists() else out_dir / "weights" / "last.pt"


def export_onnx(weights: Path, imgsz: int, opset: int = 12) -> Path:
    """Export ``weights`` to ONNX beside it, class names in the metadata; returns the path.

    The batch dimension stays dynamic (batched inference) while height and width are fixed to
    ``imgsz``, so the runtime reads its input size from the graph.
    """
    ultralytics = import_ultralytics()
    import onnx

    exported = Path(ultralytics.YOLO(str(weights), task="detect").export(
        format="onnx", imgsz=imgsz, opset=opset, simplify=True, dynamic=True, device="cpu"))
    graph = onnx.load(str(exported))
    dims = graph.graph.input[0].type.tensor_type.shape.dim
    dims[0].dim_param = "batch"
    for dim in dims[2:]:
        dim.dim_value = imgsz
    onnx.save(graph, str(exported))
    return exported


def copy_weights(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
