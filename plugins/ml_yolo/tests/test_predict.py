"""The bundled model on fresh synthetic images (a seed training never saw), through predict()."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from labelcore import LabelcoreError, Prediction
from labelcore.results import validate_results
from labelcore_ml_yolo.boxes import iou_matrix
from labelcore_ml_yolo.model import YoloModel
from labelcore_ml_yolo.settings import BUNDLED_MODEL, YoloSettings
from labelcore_ml_yolo.synthetic import generate
from labelcore_ml_yolo.training import ultralytics_available

TEST_SEED = 777  # scripts/train.py trains on another seed
SIZES = [(640, 480), (300, 500), (320, 320), (800, 450)]
OTHER_NAMES = """<View>
  <Image name="photo" value="$img"/>
  <RectangleLabels name="shape" toName="photo">
    <Label value="Ball"/><Label value="Box"/><Label value="Pyramid"/><Label value="Unused"/>
  </RectangleLabels>
</View>"""


def pixel_box(item: dict) -> list[float]:
    """A result item's box back in pixels of the original image."""
    value, w, h = item["value"], item["original_width"], item["original_height"]
    return [value["x"] * w / 100, value["y"] * h / 100, (value["x"] + value["width"]) * w / 100,
            (value["y"] + value["height"]) * h / 100]


def found(shape, result: list[dict], label: str) -> bool:
    """Whether a detection of ``label`` overlaps the drawn shape with IoU >= 0.5."""
    boxes = [pixel_box(item) for item in result if item["value"]["rectanglelabels"] == [label]]
    if not boxes:
        return False
    truth = np.array([[shape.x0, shape.y0, shape.x1, shape.y1]], dtype=np.float32)
    return float(iou_matrix(truth, np.array(boxes, dtype=np.float32)).max()) >= 0.5


@pytest.fixture
def drawn(media):
    """20 fresh synthetic images saved as JPEG files, with their tasks and shapes."""
    tasks, shapes = [], []
    for index, (image, drawn_shapes) in enumerate(generate(TEST_SEED, 20, SIZES)):
        tasks.append(media.save(image, f"shapes-{index}.jpg", quality=90))
        shapes.append(drawn_shapes)
    return tasks, shapes


def test_the_bundled_model_finds_the_drawn_shapes(model, parsed, media, drawn):
    tasks, shapes = drawn
    model.setup(parsed, media)

    predictions = model.predict(tasks)

    assert len(predictions) == len(tasks)
    hits = total = 0
    for prediction, task, task_shapes in zip(predictions, tasks, shapes):
        assert isinstance(prediction, Prediction)
        assert prediction.model_version == "yolo-shapes"
        assert validate_results(prediction.result, parsed) == []
        scores = [item["score"] for item in prediction.result]
        assert prediction.score == pytest.approx(float(np.mean(scores)))
        image = Image.open(media.folder / task["data"]["image"].rsplit("/", 1)[1])
        for item in prediction.result:
            assert (item["original_width"], item["original_height"]) == image.size
            assert item["from_name"] == "label" and item["to_name"] == "image" and item["image_rotation"] == 0
            assert 0 <= item["value"]["x"] and item["value"]["x"] + item["value"]["width"] <= 100 + 1e-6
        total += len(task_shapes)
        hits += sum(found(shape, prediction.result, shape.label.capitalize()) for shape in task_shapes)
    assert total >= 40
    assert hits / total >= 0.8, f"{hits} of {total} shapes found"


@pytest.mark.skipif(not ultralytics_available(), reason=".pt weights need ultralytics (labelcore-ml-yolo[train])")
def test_pytorch_weights_predict_through_ultralytics_with_the_same_results(parsed, media, drawn):
    tasks, shapes = drawn
    model = YoloModel(YoloSettings(model_path=BUNDLED_MODEL.with_suffix(".pt"), imgsz=256))
    model.setup(parsed, media)

    predictions = model.predict(tasks)

    assert model.health()["runtime"] == "ultralytics"
    hits = total = 0
    for prediction, task_shapes in zip(predictions, shapes):
        assert validate_results(prediction.result, parsed) == []
        total += len(task_shapes)
        hits += sum(found(shape, prediction.result, shape.label.capitalize()) for shape in task_shapes)
    assert hits / total >= 0.8, f"{hits} of {total} shapes found"


def test_region_ids_are_unique(model, parsed, media, drawn):
    model.setup(parsed, media)

    ids = [item["id"] for prediction in model.predict(drawn[0]) for item in prediction.result]

    assert len(ids) == len(set(ids)) > 20


def test_label_map_renames_classes_and_unmapped_classes_are_dropped(checker, media, drawn):
    tasks, shapes = drawn
    tasks = [{"id": task["id"], "data": {"img": task["data"]["image"]}} for task in tasks]
    config = checker.parse(OTHER_NAMES)
    model = YoloModel(YoloSettings(label_map={"circle": "Ball", "square": "Box"}))
    model.setup(config, media)

    predictions = model.predict(tasks)

    labels = {item["value"]["rectanglelabels"][0] for p in predictions for item in p.result}
    assert labels == {"Ball", "Box"}
    for prediction in predictions:
        assert validate_results(prediction.result, config) == []
        assert {(item["from_name"], item["to_name"]) for item in prediction.result} <= {("shape", "photo")}
    circles = [(shape, p.result) for p, task_shapes in zip(predictions, shapes) for shape in task_shapes
               if shape.label == "circle"]
    assert sum(found(shape, result, "Ball") for shape, result in circles) / len(circles) >= 0.8


def test_an_image_without_shapes_gets_an_empty_prediction_scored_zero(model, parsed, media):
    task = media.save(Image.new("RGB", (400, 300), (90, 90, 90)), "blank.png")
    model.setup(parsed, media)

    [prediction] = model.predict([task])

    assert prediction.result == [] and prediction.score == 0.0 and prediction.model_version == "yolo-shapes"


def two_shapes(mode: str, size=(480, 360)) -> tuple[Image.Image, dict[str, list[int]]]:
    """A dark image with a bright circle and square, in ``mode``."""
    image = Image.new("RGB", size, (30, 40, 50))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 60, 179, 199), fill=(230, 200, 60))
    draw.rectangle((260, 120, 379, 239), fill=(240, 240, 240))
    return image.convert(mode), {"Circle": [40, 60, 180, 200], "Square": [260, 120, 380, 240]}


def boxes_by_label(result: list[dict]) -> dict[str, list[float]]:
    return {item["value"]["rectanglelabels"][0]: pixel_box(item) for item in result}


def assert_matches(result: list[dict], expected: dict[str, list[int]]) -> None:
    got = boxes_by_label(result)
    assert set(got) == set(expected), result
    for label, box in expected.items():
        assert iou_matrix(np.array([box], np.float32), np.array([got[label]], np.float32))[0, 0] >= 0.7


@pytest.mark.parametrize("mode", ["L", "RGBA", "LA", "P"])
def test_grayscale_transparent_and_palette_images(model, parsed, media, mode):
    image, expected = two_shapes(mode)
    task = media.save(image, f"two-{mode}.png")
    model.setup(parsed, media)

    [prediction] = model.predict([task])

    assert_matches(prediction.result, expected)
    assert {(item["original_width"], item["original_height"]) for item in prediction.result} == {(480, 360)}


def test_an_exif_rotated_photo_is_read_as_the_browser_shows_it(model, parsed, media):
    upright, expected = two_shapes("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # the camera's pixels, lying on their side
    exif = stored.getexif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    task = media.save(stored, "rotated.jpg", exif=exif.tobytes(), quality=95)
    model.setup(parsed, media)

    [prediction] = model.predict([task])

    assert {(item["original_width"], item["original_height"]) for item in prediction.result} == {(480, 360)}
    assert_matches(prediction.result, expected)


def test_predictions_come_back_one_per_task_in_order_across_batches(parsed, media):
    images = {}
    for index, label in enumerate(["Circle", "Square"] * 5):
        image, expected = two_shapes("RGB")
        keep = {label: expected[label]}
        other = "Square" if label == "Circle" else "Circle"
        ImageDraw.Draw(image).rectangle(expected[other], fill=(30, 40, 50))
        images[index] = (media.save(image, f"one-{index}.png"), keep)
    model = YoloModel(YoloSettings(batch_size=3))
    model.setup(parsed, media)

    predictions = model.predict([task for task, _ in images.values()])

    assert len(predictions) == 10
    for prediction, (_, expected) in zip(predictions, images.values()):
        assert_matches(prediction.result, expected)


def test_an_unreadable_image_names_the_task_and_url(model, parsed, media):
    good = media.save(two_shapes("RGB")[0], "good.png")
    (media.folder / "notes.txt").write_text("not an image")
    model.setup(parsed, media)

    with pytest.raises(LabelcoreError) as missing:
        model.predict([good, {"id": 41, "data": {"image": "/data/upload/1/gone.jpg"}}])
    with pytest.raises(LabelcoreError) as broken:
        model.predict([{"id": 42, "data": {"image": "/data/upload/1/notes.txt"}}])
    with pytest.raises(LabelcoreError) as no_url:
        model.predict([{"id": 43, "data": {"text": "hello"}}])

    assert missing.value.message == "task 41: cannot read image /data/upload/1/gone.jpg: no such file: " \
                                    "/data/upload/1/gone.jpg"
    assert broken.value.message.startswith("task 42: cannot read image /data/upload/1/notes.txt: ")
    assert "cannot identify image file" in broken.value.message
    assert no_url.value.message == "task 43: no image URL in data['image']"


def test_predict_before_setup_is_a_clear_error():
    with pytest.raises(LabelcoreError, match="has not been set up"):
        YoloModel(YoloSettings()).predict([{"id": 1, "data": {"image": "/data/upload/1/a.jpg"}}])
