"""Fixtures: a config checker with core + tags_image, and a media opener over a tmp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

import labelcore_tags_image
from labelcore import LabelcoreError
from labelcore.testing import ConfigChecker, plugin_manager
from labelcore_ml_yolo.model import YoloModel
from labelcore_ml_yolo.settings import YoloSettings

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Circle"/><Label value="Square"/><Label value="Triangle"/>
  </RectangleLabels>
</View>"""

UPLOAD = "/data/upload/1/"


@pytest.fixture(autouse=True)
def models_folder(monkeypatch, tmp_path) -> Path:
    """Each test's tmp folder is the models folder, the only place model files may be named from."""
    monkeypatch.setenv("LABELCORE_ML_MODELS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def checker() -> ConfigChecker:
    return ConfigChecker(plugin_manager(labelcore_tags_image))


@pytest.fixture(scope="session")
def parsed(checker):
    return checker.parse(CONFIG)


class FolderMedia:
    """``media(url)`` for URLs ``/data/upload/1/<name>``: opens ``<folder>/<name>``, as the host would."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.opened: list[str] = []

    def __call__(self, url: str):
        if not url.startswith(UPLOAD):
            raise LabelcoreError(f"not an upload URL: {url}")
        path = self.folder / url[len(UPLOAD):]
        if not path.is_file():
            raise LabelcoreError(f"no such file: {url}")
        self.opened.append(url)
        return path.open("rb")

    def save(self, image, name: str, **options) -> dict:
        """Save ``image`` as ``name`` and return a task pointing at it."""
        image.save(self.folder / name, **options)
        return {"id": len(list(self.folder.iterdir())), "data": {"image": UPLOAD + name}}


@pytest.fixture
def media(tmp_path) -> FolderMedia:
    return FolderMedia(tmp_path)


@pytest.fixture(scope="session")
def model() -> YoloModel:
    """The bundled model (loading it once keeps the suite quick); tests that change it build their own."""
    return YoloModel(YoloSettings())
