"""Deterministic synthetic detection data: coloured circles, squares and triangles on noisy backgrounds.

The bundled model is trained on images from this generator (scripts/train.py) and the tests
check it on images drawn with another seed, so both sides agree on what a box means: the tight
pixel box ``(x0, y0, x1, y1)`` of the drawn shape, right/bottom edges exclusive.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

CLASSES = ("circle", "square", "triangle")


@dataclass(frozen=True)
class Shape:
    """One drawn object: its class name and tight pixel box."""

    label: str
    x0: float
    y0: float
    x1: float
    y1: float


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection area over the smaller box's area (so a box inside another counts as 1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller


def _background(rng: random.Random, width: int, height: int) -> Image.Image:
    base = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
    gradient = np.linspace(-rng.uniform(0, 40), rng.uniform(0, 40), width, dtype=np.float32)[None, :, None]
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(5, 25), (height, width, 3))
    pixels = np.clip(base + gradient + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def _colour_apart(rng: random.Random, image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int, int]:
    """A fill colour that stands out from the background under the box."""
    under = np.asarray(image.crop(box), dtype=np.float32).reshape(-1, 3).mean(axis=0)
    while True:
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if np.abs(np.array(colour) - under).sum() > 160:
            return colour


def draw_image(rng: random.Random, width: int, height: int) -> tuple[Image.Image, list[Shape]]:
    """One RGB image of ``width`` x ``height`` with 1-4 shapes that overlap a little at most."""
    image = _background(rng, width, height)
    draw = ImageDraw.Draw(image)
    shapes: list[Shape] = []
    short = min(width, height)
    for _ in range(rng.randint(1, 4)):
        for _attempt in range(30):
            size = int(short * rng.uniform(0.1, 0.4))
            x0 = rng.randint(0, width - size)
            y0 = rng.randint(0, height - size)
            box = (x0, y0, x0 + size, y0 + size)
            if all(_overlap(box, (s.x0, s.y0, s.x1, s.y1)) < 0.15 for s in shapes):
                break
        else:
            continue
        label = rng.choice(CLASSES)
        colour = _colour_apart(rng, image, box)
        x1, y1 = x0 + size - 1, y0 + size - 1
        if label == "circle":
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif label == "square":
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.polygon([(x0 + size / 2, y0), (x1, y1), (x0, y1)], fill=colour)
        shapes.append(Shape(label, x0, y0, x0 + size, y0 + size))
    return image, shapes


def generate(seed: int, count: int, sizes: list[tuple[int, int]] | None = None) -> Iterator[tuple[Image.Image, list[Shape]]]:
    """``count`` images from ``seed``; each size is drawn from ``sizes`` or at random (160-720 px a side)."""
    rng = random.Random(seed)
    for _ in range(count):
        if sizes:
            width, height = rng.choice(sizes)
        else:
            width, height = rng.randint(160, 720), rng.randint(160, 720)
        yield draw_image(rng, width, height)
