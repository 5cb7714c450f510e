"""Settings and config checks: what the backend refuses, and the message it gives."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from labelcore import LabelcoreError
from labelcore_ml_yolo.model import YoloModel, map_classes
from labelcore_ml_yolo.settings import BUNDLED_MODEL, YoloSettings
from labelcore_ml_yolo.training import ultralytics_available

NAMES = ["circle", "square", "triangle"]


def test_the_bundled_model_is_a_few_megabytes_with_its_checkpoint():
    total = BUNDLED_MODEL.stat().st_size + BUNDLED_MODEL.with_suffix(".pt").stat().st_size

    assert 200_000 < total < 8_000_000


def test_health_reports_the_model(model):
    assert model.health() == {"status": "UP", "model_class": "YoloModel", "model_version": "yolo-shapes",
                              "classes": NAMES, "runtime": "onnx"}


@pytest.mark.parametrize("config", [
    '<View><Image name="image" value="$image"/>'
    '<Choices name="c" toName="image"><Choice value="a"/></Choices></View>',
    '<View><Image name="image" value="$image"/>'
    '<PolygonLabels name="p" toName="image"><Label value="Circle"/></PolygonLabels></View>',
])
def test_a_config_without_rectangle_labels_on_an_image_is_refused(model, checker, media, config):
    with pytest.raises(LabelcoreError) as caught:
        model.setup(checker.parse(config), media)

    assert caught.value.message == ('the yolo backend needs a <RectangleLabels> control on an '
                                    '<Image value="$field"> in the labeling config')


def test_a_config_with_no_matching_label_asks_for_a_label_map(model, checker, media):
    config = checker.parse('<View><Image name="i" value="$image"/>'
                           '<RectangleLabels name="r" toName="i"><Label value="Car"/></RectangleLabels></View>')

    with pytest.raises(LabelcoreError) as caught:
        model.setup(config, media)

    assert caught.value.message == ("none of the model's classes (circle, square, triangle) matches a label of "
                                    "the config (Car): set label_map")


def test_classes_map_by_name_case_insensitively_or_through_label_map():
    assert map_classes(NAMES, ["Triangle", "CIRCLE"], {}) == {0: "CIRCLE", 2: "Triangle"}
    assert map_classes(NAMES, ["Ball", "Square"], {"circle": "Ball"}) == {0: "Ball", 1: "Square"}
    assert map_classes(NAMES, ["Square", "Box"], {"square": "Box"}) == {1: "Box"}


def test_a_label_map_naming_unknown_classes_or_labels_is_refused():
    with pytest.raises(LabelcoreError, match=r"^label_map names classes the model does not have: car "):
        map_classes(NAMES, ["Circle"], {"car": "Circle"})
    with pytest.raises(LabelcoreError, match=r"^label_map maps to labels the config does not have: Ball "):
        map_classes(NAMES, ["Circle"], {"circle": "Ball"})


def test_a_missing_model_file_is_refused_when_the_backend_is_built(tmp_path):
    missing = tmp_path / "nowhere" / "model.onnx"

    with pytest.raises(LabelcoreError) as caught:
        YoloModel(YoloSettings(model_path=missing))

    assert caught.value.message == f"model_path {missing} does not exist"


def test_a_model_path_that_is_no_model_is_refused(tmp_path):
    text = tmp_path / "weights.txt"
    text.write_text("hello")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not an onnx graph")

    with pytest.raises(LabelcoreError, match=r"^model_path must be an \.onnx or \.pt file, not .*weights\.txt$"):
        YoloModel(YoloSettings(model_path=text))
    with pytest.raises(LabelcoreError, match=r"^cannot load the ONNX model .*broken\.onnx: "):
        YoloModel(YoloSettings(model_path=broken))


def test_class_names_can_be_overridden(checker, media):
    model = YoloModel(YoloSettings(class_names=["Square", "Circle", "Triangle"]))

    assert model.health()["classes"] == ["Square", "Circle", "Triangle"]


def test_the_models_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LABELCORE_ML_MODELS_DIR", str(tmp_path / "models"))
    assert YoloSettings().resolved_work_dir() == tmp_path / "models" / "ml_yolo"
    assert YoloSettings(work_dir="runs").resolved_work_dir() == tmp_path / "models" / "runs"
    assert YoloSettings(model_path="mine.onnx").model_path == tmp_path / "models" / "mine.onnx"
    monkeypatch.delenv("LABELCORE_ML_MODELS_DIR")
    monkeypatch.setenv("LABELCORE_DATA_DIR", str(tmp_path / "data"))
    assert YoloSettings().resolved_work_dir() == tmp_path / "data" / "models" / "ml_yolo"
    monkeypatch.delenv("LABELCORE_DATA_DIR")
    assert YoloSettings().resolved_work_dir().parent.name == "labelcore-models"


@pytest.mark.parametrize("field, value", [
    ("model_path", "/etc/passwd.pt"),
    ("model_path", "../data/upload/1/evil.pt"),
    ("model_path", "{data}/upload/1/evil.pt"),
    ("work_dir", "/tmp"),
    ("work_dir", "../elsewhere"),
])
def test_model_files_outside_the_models_folder_are_refused(monkeypatch, tmp_path, field, value):
    """A .pt file is a pickle: a user who could name an uploaded file would run code on the server."""
    models = tmp_path / "models"
    monkeypatch.setenv("LABELCORE_ML_MODELS_DIR", str(models))
    with pytest.raises(ValidationError, match=f"{field} .* is outside .*put the file in the models folder"):
        YoloSettings(**{field: value.format(data=tmp_path / "data")})


@pytest.mark.skipif(ultralytics_available(), reason="ultralytics is installed: .pt weights load")
def test_pytorch_weights_without_ultralytics_are_refused():
    with pytest.raises(LabelcoreError) as caught:
        YoloModel(YoloSettings(model_path=BUNDLED_MODEL.with_suffix(".pt")))

    assert caught.value.message == ("yolo-shapes.pt is a PyTorch checkpoint, which needs ultralytics: "
                                    "install labelcore-ml-yolo[train], or use an ONNX export")
