"""Fixtures: a config parser holding core, the image and text tags and this plugin; Label Studio
result items; running an export; Label Studio's own converter as the reference."""

from __future__ import annotations

import io
import zipfile
import itertools
import json
import struct
import zlib
from types import SimpleNamespace

import pytest

import labelcore_export_coco
import labelcore_tags_image
import labelcore_tags_text
from labelcore import ExportContext
from labelcore.testing import ConfigChecker, plugin_manager

DETECTION = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img">
    <Label value="Car"/><Label value="Bike"/><Label value="Airplane"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Road"/></PolygonLabels>
  <EllipseLabels name="ellipse" toName="img"><Label value="Wheel"/></EllipseLabels>
  <BrushLabels name="brush" toName="img"><Label value="Sky"/></BrushLabels>
</View>"""


@pytest.fixture(scope="session")
def checker() -> ConfigChecker:
    return ConfigChecker(plugin_manager(labelcore_tags_image, labelcore_tags_text, labelcore_export_coco))


@pytest.fixture(scope="session")
def parse(checker):
    return checker.parse


_IDS = itertools.count(1)


def item(kind: str, value: dict, width: int = 640, height: int = 480, *, label: str | None = "Car",
         from_name: str | None = None, id: str | None = None, to_name: str = "img", **extra) -> dict:
    """One Label Studio result item: ``kind`` is the result type (``rectanglelabels``...)."""
    value = dict(value)
    if label is not None and kind.endswith("labels"):
        value[kind] = [label]
    names = {"rectanglelabels": "box", "polygonlabels": "poly", "ellipselabels": "ellipse",
             "brushlabels": "brush", "keypointlabels": "kp"}
    return {"id": id or f"r{next(_IDS)}",
            "from_name": from_name or names.get(kind, kind), "to_name": to_name, "type": kind,
            "original_width": width, "original_height": height, "image_rotation": 0, "value": value, **extra}


def rect(x, y, w, h, rotation=0.0, label="Car", width=640, height=480, **extra) -> dict:
    return item("rectanglelabels", {"x": x, "y": y, "width": w, "height": h, "rotation": rotation}, width, height,
                label=label, **extra)


def polygon(points, label="Road", width=640, height=480, **extra) -> dict:
    return item("polygonlabels", {"points": [list(p) for p in points], "closed": True}, width, height,
                label=label, **extra)


def ellipse(x, y, rx, ry, rotation=0.0, label="Wheel", width=640, height=480, **extra) -> dict:
    return item("ellipselabels", {"x": x, "y": y, "radiusX": rx, "radiusY": ry, "rotation": rotation},
                width, height, label=label, **extra)


def keypoint(x, y, label, width=640, height=480, **extra) -> dict:
    return item("keypointlabels", {"x": x, "y": y, "width": 0.5}, width, height, label=label, **extra)


def brush(mask_rows: list[list[int]], label="Sky", **extra) -> dict:
    """A brush item from a 0/1 mask given as rows, encoded as Label Studio's browser does (RGBA)."""
    from labelcore_tags_image import rle

    height, width = len(mask_rows), len(mask_rows[0])
    rgba = bytearray()
    for row in mask_rows:
        for pixel in row:
            rgba += b"\xff\xff\xff\xff" if pixel else b"\0\0\0\0"
    return item("brushlabels", {"format": "rle", "rle": rle.encode(rgba)}, width, height, label=label, **extra)


def task(result, id=1, image="s3://bucket/photos/0001.jpg", **annotation) -> dict:
    annotation = {"id": id * 10, "result": result, "was_cancelled": False, "ground_truth": False,
                  "created_at": "2024-01-01T00:00:00.000000Z", "completed_by": 1, **annotation}
    return {"id": id, "data": {"image": image}, "annotations": [annotation], "predictions": []}


def png(width: int, height: int, color_type: int = 2) -> bytes:
    """A valid PNG of the given size (all black)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    raw = b"".join(b"\0" + b"\0" * (width * channels) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class WriteOnly(io.RawIOBase):
    """A sink like an HTTP response body: write only, no seek, no tell."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, chunk):
        self.data += chunk
        return len(chunk)


@pytest.fixture(scope="session")
def ls():
    """Builders of Label Studio JSON."""
    return SimpleNamespace(item=item, rect=rect, polygon=polygon, ellipse=ellipse, keypoint=keypoint, brush=brush,
                           task=task, png=png, WriteOnly=WriteOnly, DETECTION=DETECTION)


@pytest.fixture(scope="session")
def export(parse):
    """export(spec_id, tasks, config_xml=DETECTION, open_media=None, stream=None, **options) -> the
    bytes written (``stream``: a write-only sink with a ``data`` buffer instead of a BytesIO)."""
    from labelcore_export_coco.coco import EXPORTERS

    specs = {spec.id: spec for spec in EXPORTERS}

    def run(spec_id, tasks, config=DETECTION, open_media=None, stream=None, **options) -> bytes:
        out = io.BytesIO() if stream is None else stream
        context = ExportContext(project_id=1, project_title="Streets", config=parse(config), open_media=open_media,
                                options=options)
        specs[spec_id].export(iter(tasks), out, context)
        data = out.getvalue() if stream is None else bytes(stream.data)
        if spec_id == "COCO":  # a zip like Label Studio's: hand tests the result.json inside
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                assert sorted(archive.namelist()) == ["images/", "result.json"]
                return archive.read("result.json")
        return data

    return run


@pytest.fixture
def load_coco(tmp_path):
    """Write COCO JSON bytes to a file and load it with pycocotools (which reads only files)."""
    from pycocotools.coco import COCO

    def load(data: bytes) -> COCO:
        path = tmp_path / "coco.json"
        path.write_bytes(data)
        return COCO(str(path))

    return load


@pytest.fixture
def label_studio(tmp_path, monkeypatch):
    """Label Studio's converter on the same tasks: label_studio("coco"|"voc", config, tasks) ->
    the COCO dict, or {xml file name: XML text}. It cannot download the images (no host), so it
    takes sizes from the results as it does on a server without media access."""
    from label_studio_sdk.converter import Converter

    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # it creates its data folder there
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_HOST", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    def convert(fmt: str, config: str, tasks: list[dict]):
        source = tmp_path / "tasks.json"
        source.write_text(json.dumps(tasks))
        out = tmp_path / f"ls-{fmt}"
        converter = Converter(config=config, project_dir=None, download_resources=False)
        if fmt == "coco":
            converter.convert_to_coco(str(source), str(out), is_dir=False)
            return json.loads((out / "result.json").read_text())
        converter.convert_to_voc(str(source), str(out), is_dir=False)
        return {path.name: path.read_text() for path in sorted((out / "Annotations").glob("*.xml"))}

    return convert
