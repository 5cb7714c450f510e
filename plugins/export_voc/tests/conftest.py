"""Fixtures: a config parser with core, the image and text tags; Label Studio result items; running
the VOC export and reading its zip; Label Studio's own converter as the reference."""

from __future__ import annotations

import io
import itertools
import json
import struct
import zipfile
import zlib
from types import SimpleNamespace

import pytest
from lxml import etree

import labelcore_export_voc
import labelcore_tags_image
import labelcore_tags_text
from labelcore import ExportContext
from labelcore.testing import ConfigChecker, plugin_manager

DETECTION = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car"/><Label value="Bike"/></RectangleLabels>
  <PolygonLabels name="poly" toName="img"><Label value="Road"/></PolygonLabels>
  <EllipseLabels name="ellipse" toName="img"><Label value="Wheel"/></EllipseLabels>
  <BrushLabels name="brush" toName="img"><Label value="Sky"/></BrushLabels>
  <KeyPointLabels name="kp" toName="img"><Label value="nose"/></KeyPointLabels>
</View>"""

_IDS = itertools.count(1)


def item(kind: str, value: dict, width: int = 640, height: int = 480, *, label: str | None = "Car",
         from_name: str | None = None, id: str | None = None, **extra) -> dict:
    value = dict(value)
    if label is not None:
        value[kind] = [label]
    names = {"rectanglelabels": "box", "polygonlabels": "poly", "ellipselabels": "ellipse", "brushlabels": "brush",
             "keypointlabels": "kp"}
    return {"id": id or f"r{next(_IDS)}", "from_name": from_name or names[kind], "to_name": "img", "type": kind,
            "original_width": width, "original_height": height, "image_rotation": 0, "value": value, **extra}


def rect(x, y, w, h, rotation=0.0, label="Car", width=640, height=480, **extra) -> dict:
    return item("rectanglelabels", {"x": x, "y": y, "width": w, "height": h, "rotation": rotation}, width, height,
                label=label, **extra)


def polygon(points, label="Road", width=640, height=480) -> dict:
    return item("polygonlabels", {"points": [list(p) for p in points]}, width, height, label=label)


def ellipse(x, y, rx, ry, rotation=0.0, label="Wheel", width=640, height=480) -> dict:
    return item("ellipselabels", {"x": x, "y": y, "radiusX": rx, "radiusY": ry, "rotation": rotation}, width, height,
                label=label)


def brush(rows, label="Sky") -> dict:
    from labelcore_tags_image import rle

    rgba = b"".join(b"\xff\xff\xff\xff" if pixel else b"\0\0\0\0" for row in rows for pixel in row)
    return item("brushlabels", {"format": "rle", "rle": rle.encode(rgba)}, len(rows[0]), len(rows), label=label)


def keypoint(x, y, label="nose", width=640, height=480) -> dict:
    return item("keypointlabels", {"x": x, "y": y, "width": 1}, width, height, label=label)


def png(width: int, height: int, color_type: int = 2) -> bytes:
    """A valid PNG of the given size (all black)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    raw = b"".join(b"\0" * (1 + width * channels) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def task(result, id=1, image="s3://bucket/photos/0001.jpg", **annotation) -> dict:
    annotation = {"id": id * 10, "result": result, "was_cancelled": False, "ground_truth": False,
                  "created_at": "2024-01-01T00:00:00Z", "completed_by": {"id": 1, "email": "ann@example.com"},
                  **annotation}
    return {"id": id, "data": {"image": image}, "annotations": [annotation]}


@pytest.fixture(scope="session")
def ls():
    return SimpleNamespace(item=item, rect=rect, polygon=polygon, ellipse=ellipse, brush=brush, keypoint=keypoint,
                           task=task, png=png, DETECTION=DETECTION)


@pytest.fixture(scope="session")
def parse():
    return ConfigChecker(plugin_manager(labelcore_tags_image, labelcore_tags_text, labelcore_export_voc)).parse


@pytest.fixture(scope="session")
def export(parse):
    """export(spec_id, tasks, config=DETECTION, open_media=None, **options) -> {zip entry name: bytes}."""
    from labelcore_export_voc.voc import EXPORTERS

    specs = {spec.id: spec for spec in EXPORTERS}

    def run(spec_id, tasks, config=DETECTION, open_media=None, **options) -> dict[str, bytes]:
        out = io.BytesIO()
        context = ExportContext(project_id=1, project_title="Streets", config=parse(config), open_media=open_media,
                                options=options)
        specs[spec_id].export(iter(tasks), out, context)
        with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
            assert archive.testzip() is None
            return {name: archive.read(name) for name in archive.namelist()}

    return run


@pytest.fixture(scope="session")
def objects():
    """The objects of a VOC XML document (parsed by lxml) as (name, xmin, ymin, xmax, ymax, truncated)."""

    def read(document: bytes) -> list[tuple]:
        root = etree.fromstring(document)
        return [(node.findtext("name"), *(int(node.findtext(f"bndbox/{edge}")) for edge in
                                         ("xmin", "ymin", "xmax", "ymax")), int(node.findtext("truncated")))
                for node in root.iter("object")]

    return read


@pytest.fixture
def label_studio(tmp_path, monkeypatch):
    """Label Studio's VOC converter on the same tasks: {xml file name: XML bytes}."""
    from label_studio_sdk.converter import Converter

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_HOST", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)

    def convert(config: str, tasks: list[dict]) -> dict[str, bytes]:
        source = tmp_path / "tasks.json"
        source.write_text(json.dumps(tasks))
        out = tmp_path / "ls-voc"
        Converter(config=config, project_dir=None, download_resources=False).convert_to_voc(
            str(source), str(out), is_dir=False)
        return {path.name: path.read_bytes() for path in sorted((out / "Annotations").glob("*.xml"))}

    return convert
