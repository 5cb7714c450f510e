"""Reading a task's image through the host's media opener, as a browser would show it."""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageOps

from labelcore import LabelcoreError, MediaOpener


def as_shown(image: Image.Image) -> Image.Image:
    """RGB pixels as a browser shows them: EXIF orientation applied, transparency over white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def task_image(task: dict[str, Any], data_key: str, media: MediaOpener) -> Image.Image:
    """The task's ``data[data_key]`` image; a LabelcoreError naming the task and URL if unreadable."""
    task_id = task.get("id")
    data = task.get("data")
    url = data.get(data_key) if isinstance(data, dict) else None
    if not isinstance(url, str) or not url:
        raise LabelcoreError(f"task {task_id}: no image URL in data[{data_key!r}]")
    try:
        with media(url) as stream:
            image = Image.open(stream)
            image.load()
    except LabelcoreError as exc:
        raise LabelcoreError(f"task {task_id}: cannot read image {url}: {exc.message}") from exc
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise LabelcoreError(f"task {task_id}: cannot read image {url}: {exc}") from exc
    return as_shown(image)
