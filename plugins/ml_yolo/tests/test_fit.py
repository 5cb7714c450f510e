"""fit(): training on START_TRAINING only; the clear refusal without ultralytics; a real fine-tune with it."""

from __future__ import annotations

import pytest

from labelcore import LabelcoreError
from labelcore.results import validate_results
from labelcore_ml_yolo.model import YoloModel
from labelcore_ml_yolo.settings import YoloSettings
from labelcore_ml_yolo.synthetic import generate
from labelcore_ml_yolo.training import CANNOT_TRAIN, ultralytics_available

FIT_SEED = 31337


def annotated_tasks(media, count: int) -> list[dict]:
    """Synthetic images saved for ``media`` with one annotation each, boxes in percent."""
    tasks = []
    for index, (image, shapes) in enumerate(generate(FIT_SEED, count, [(320, 240), (256, 256)])):
        task = media.save(image, f"fit-{index}.jpg")
        w, h = image.size
        result = [{"id": f"r{index}-{n}", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
                   "original_width": w, "original_height": h,
                   "value": {"x": s.x0 * 100 / w, "y": s.y0 * 100 / h, "width": (s.x1 - s.x0) * 100 / w,
                             "height": (s.y1 - s.y0) * 100 / h, "rotation": 0,
                             "rectanglelabels": [s.label.capitalize()]}}
                  for n, s in enumerate(shapes)]
        task["annotations"] = [{"id": index, "result": result, "was_cancelled": False}]
        tasks.append(task)
    return tasks


def test_events_other_than_start_training_are_skipped(model, parsed, media):
    model.setup(parsed, media)

    assert model.fit("ANNOTATION_CREATED", {"tasks": []}) == {"skipped": "ANNOTATION_CREATED"}
    assert model.model_version == "yolo-shapes"


@pytest.mark.skipif(ultralytics_available(), reason="ultralytics is installed: the real fine-tune runs instead")
def test_without_ultralytics_training_is_refused_with_how_to_get_it(model, parsed, media, tmp_path):
    model.setup(parsed, media)

    with pytest.raises(LabelcoreError) as caught:
        model.fit("START_TRAINING", {"tasks": annotated_tasks(media, 2)})

    assert caught.value.message == CANNOT_TRAIN == (
        "the yolo backend cannot train here: install labelcore-ml-yolo[train] (ultralytics with torch)")
    assert model.model_version == "yolo-shapes"


@pytest.mark.skipif(not ultralytics_available(), reason="fine-tuning needs ultralytics (labelcore-ml-yolo[train])")
def test_too_few_annotated_images_is_refused_naming_the_count(parsed, media, tmp_path):
    model = YoloModel(YoloSettings(work_dir=tmp_path / "work", min_train_images=4))
    model.setup(parsed, media)
    tasks = annotated_tasks(media, 3) + [{"id": 99, "data": {"image": "/data/upload/1/fit-0.jpg"},
                                          "annotations": [{"result": [], "was_cancelled": True}]}]

    with pytest.raises(LabelcoreError) as caught:
        model.fit("START_TRAINING", {"tasks": iter(tasks)})

    assert caught.value.message == "fine-tuning needs at least 4 annotated images; the project has 3"
    assert list((tmp_path / "work").iterdir()) == []


@pytest.mark.skipif(not ultralytics_available(), reason="fine-tuning needs ultralytics (labelcore-ml-yolo[train])")
def test_fine_tuning_switches_to_the_new_weights(parsed, media, tmp_path):
    model = YoloModel(YoloSettings(work_dir=tmp_path / "work", epochs=2))
    model.setup(parsed, media)
    tasks = annotated_tasks(media, 8)

    outcome = model.fit("START_TRAINING", {"project": {"id": 1}, "tasks": iter(tasks)})

    assert outcome == {"model_version": "yolo-shapes-1", "images": 8, "epochs": 2}
    assert model.model_version == "yolo-shapes-1"
    assert (tmp_path / "work" / "yolo-shapes-1.onnx").is_file()
    assert model.health()["classes"] == ["Circle", "Square", "Triangle"]
    [prediction] = model.predict(tasks[:1])
    assert prediction.model_version == "yolo-shapes-1"
    assert validate_results(prediction.result, parsed) == []
    assert model.fit("START_TRAINING", {"tasks": iter(tasks)})["model_version"] == "yolo-shapes-2"
