"""The demo project offered on an empty projects page: made locally, nothing is downloaded.

With an image plugin installed it is an object detection project over generated pictures of
coloured shapes (PNG files written with zlib and struct into the upload folder), each task with a
prediction that boxes every shape, so the labeling page opens with pre-annotations to correct.
Without one, it is a text classification project over a few sample reviews.
"""

from __future__ import annotations

import io
import math
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import orjson
import pluggy
from sqlalchemy import Engine

from labelcore.db import write_session
from labelcore.errors import LabelcoreError
from labelcore.registry import Registry
from labelcore.services import importing, project_admin

IMAGE_COUNT = 12
WIDTH, HEIGHT = 480, 320
SHAPES = ("Circle", "Square", "Triangle")

DETECTION_CONFIG = """<View>
  <Header value="Draw a box around every shape"/>
  <Image name="image" value="$image" zoom="true"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Circle" background="#e8590c"/>
    <Label value="Square" background="#1c7ed6"/>
    <Label value="Triangle" background="#2f9e44"/>
  </RectangleLabels>
</View>"""

REVIEW_CONFIG = """<View>
  <Header value="Is this review positive, negative or neutral?"/>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>"""

REVIEWS = (
    "The grinder is quiet, fast and the coffee tastes better than ever.",
    "Stopped working after two weeks. Support never answered my emails.",
    "It does what it says. Nothing more, nothing less.",
    "Beautiful design, but the lid is hard to close with one hand.",
    "Best purchase this year: my whole family uses it every morning.",
    "Arrived with a cracked handle and a missing manual.",
    "Decent value for the price; I would buy it again on sale.",
    "The app keeps logging me out, which makes the device useless.",
)

_PALETTE = ((230, 89, 12), (28, 126, 214), (47, 158, 68), (174, 62, 201), (240, 140, 0), (12, 166, 120))


# --------------------------------------------------------------------------- PNG drawing


def png_bytes(width: int, height: int, rgb: bytes | bytearray) -> bytes:
    """An 8-bit RGB PNG of ``rgb`` (rows of ``width * 3`` bytes, top to bottom)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    stride = width * 3
    raw = b"".join(b"\x00" + bytes(rgb[row * stride:(row + 1) * stride]) for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


class Canvas:
    """An RGB pixel buffer that fills horizontal spans: enough for boxes, discs and triangles."""

    def __init__(self, width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]):
        self.width, self.height = width, height
        self.pixels = bytearray()
        for y in range(height):
            t = y / max(height - 1, 1)
            colour = bytes(round(a + (b - a) * t) for a, b in zip(top, bottom))
            self.pixels += colour * width

    def span(self, y: int, x0: float, x1: float, colour: tuple[int, int, int]) -> None:
        if not 0 <= y < self.height:
            return
        start, end = max(0, math.ceil(x0)), min(self.width, math.floor(x1) + 1)
        if end > start:
            offset = (y * self.width + start) * 3
            self.pixels[offset:offset + (end - start) * 3] = bytes(colour) * (end - start)

    def box(self, x: int, y: int, w: int, h: int, colour: tuple[int, int, int]) -> None:
        for row in range(y, y + h):
            self.span(row, x, x + w - 1, colour)

    def disc(self, cx: float, cy: float, r: float, colour: tuple[int, int, int]) -> None:
        for row in range(math.floor(cy - r), math.ceil(cy + r) + 1):
            dy = row + 0.5 - cy
            if abs(dy) <= r:
                half = math.sqrt(r * r - dy * dy)
                self.span(row, cx - half, cx + half, colour)

    def triangle(self, x: int, y: int, w: int, h: int, colour: tuple[int, int, int]) -> None:
        """An isosceles triangle pointing up inside the box (x, y, w, h)."""
        for row in range(y, y + h):
            half = (row - y + 0.5) / h * w / 2
            self.span(row, x + w / 2 - half, x + w / 2 + half, colour)

    def png(self) -> bytes:
        return png_bytes(self.width, self.height, self.pixels)


@dataclass
class Shape:
    label: str
    x: int
    y: int
    w: int
    h: int


def _overlaps(a: Shape, b: Shape, margin: int = 8) -> bool:
    return not (a.x + a.w + margin <= b.x or b.x + b.w + margin <= a.x or
                a.y + a.h + margin <= b.y or b.y + b.h + margin <= a.y)


def draw_scene(seed: int, width: int = WIDTH, height: int = HEIGHT) -> tuple[bytes, list[Shape]]:
    """A PNG of 2-4 non-overlapping coloured shapes on a soft gradient, and where each one is."""
    rng = random.Random(seed)
    light = rng.choice(((244, 246, 251), (246, 244, 238), (238, 246, 242)))
    canvas = Canvas(width, height, light, tuple(max(0, c - 26) for c in light))
    shapes: list[Shape] = []
    wanted = rng.randint(2, 4)
    for _ in range(60):
        if len(shapes) >= wanted:
            break
        size = rng.randint(54, 110)
        label = rng.choice(SHAPES)
        w, h = (size, size) if label != "Triangle" else (size, round(size * 0.87))
        shape = Shape(label, rng.randint(12, width - w - 12), rng.randint(12, height - h - 12), w, h)
        if any(_overlaps(shape, other) for other in shapes):
            continue
        colour = rng.choice(_PALETTE)
        if label == "Circle":
            canvas.disc(shape.x + w / 2, shape.y + h / 2, w / 2, colour)
        elif label == "Square":
            canvas.box(shape.x, shape.y, w, h, colour)
        else:
            canvas.triangle(shape.x, shape.y, w, h, colour)
        shapes.append(shape)
    return canvas.png(), shapes


def sample_png() -> bytes:
    """The picture the config editor's preview shows for an image data key."""
    return draw_scene(7)[0]


# --------------------------------------------------------------------------- the demo project


def _detection_tasks(folder: Path, project_id: int) -> list[dict]:
    tasks = []
    for number in range(1, IMAGE_COUNT + 1):
        png, shapes = draw_scene(number)
        name = f"demo-shapes-{number:02d}.png"
        (folder / name).write_bytes(png)
        result = [{
            "id": f"demo{number}-{index}",
            "from_name": "label", "to_name": "image", "type": "rectanglelabels",
            "original_width": WIDTH, "original_height": HEIGHT, "image_rotation": 0,
            "value": {"x": round(s.x / WIDTH * 100, 3), "y": round(s.y / HEIGHT * 100, 3),
                      "width": round(s.w / WIDTH * 100, 3), "height": round(s.h / HEIGHT * 100, 3),
                      "rotation": 0, "rectanglelabels": [s.label]},
        } for index, s in enumerate(shapes)]
        tasks.append({"data": {"image": f"/data/upload/{project_id}/{name}"},
                      "predictions": [{"model_version": "shape-generator", "score": 0.9, "result": result}]})
    return tasks


def create_demo_project(engine: Engine, uploads_dir: Path, user_id: int, registry: Registry,
                        pm: pluggy.PluginManager | None = None) -> int:
    """Create the demo project with its tasks (and images); returns its id.

    :raises LabelcoreError: neither an image nor a text plugin is installed.
    """
    tags = {name.lower() for name in registry.tags}
    if {"image", "rectanglelabels"} <= tags:
        values = {"title": "Demo: shapes detection", "label_config": DETECTION_CONFIG,
                  "description": "Generated pictures of circles, squares and triangles, with predicted boxes to check.",
                  "expert_instruction": "Draw a box around every shape and pick its label. "
                                        "The predicted boxes are a starting point: fix the ones that are off."}
    elif {"text", "choices"} <= tags:
        values = {"title": "Demo: review sentiment", "label_config": REVIEW_CONFIG,
                  "description": "Short product reviews to classify by sentiment.",
                  "expert_instruction": "Pick the sentiment the review expresses."}
    else:
        raise LabelcoreError("the demo needs the image or the text tags: install labelcore-tags-image "
                             "or labelcore-tags-text")
    with write_session(engine) as session:
        project = project_admin.create_project(session, user_id, values, registry, pm)
        project_id = project.id
    if values["label_config"] is DETECTION_CONFIG:
        folder = Path(uploads_dir) / str(project_id)
        folder.mkdir(parents=True, exist_ok=True)
        tasks = _detection_tasks(folder, project_id)
    else:
        tasks = [{"data": {"text": text}} for text in REVIEWS]
    source = importing.ImportSource(stream=io.BytesIO(orjson.dumps(tasks)), importer=registry.importers["JSON"])
    importing.import_tasks(engine, project_id, [source], user_id=user_id, registry=registry, pm=pm)
    return project_id
