"""What the labeling-engine browser tests share: projects and tasks made through the API, a
generated PNG in the server's upload folder, and a test page that mounts the engine.

The test page is served by Playwright at ``<server>/__labeling__`` (same origin as the server, so
the engine's cookie-authenticated API calls and the /static imports are real). It computes the
config tree the way the labeling page does (``ParsedConfig.to_json(registry)``) and embeds the
options as JSON, as the page shell does.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from labelcore.config import parse_config
from labelcore.plugins import create_plugin_manager
from labelcore.registry import build_registry

HARNESS_PATH = "/__labeling__"

_REGISTRY: dict[str, Any] = {}


def registry():
    if "registry" not in _REGISTRY:
        pm = create_plugin_manager(strict=True)
        _REGISTRY["pm"], _REGISTRY["registry"] = pm, build_registry(pm)
    return _REGISTRY["registry"], _REGISTRY["pm"]


def config_tree(xml: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    reg, pm = registry()
    return parse_config(xml, reg, pm, data=data).to_json(reg)


# --------------------------------------------------------------------------- images


def png_bytes(width: int, height: int) -> bytes:
    """An RGB PNG: a soft gradient with a darker block, so a screenshot shows where the image is."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            inside = width // 3 <= x < width // 2 and height // 3 <= y < height * 2 // 3
            r = 60 if inside else 120 + x * 100 // width
            g = 90 if inside else 150 + y * 80 // height
            b = 140 if inside else 200
            row += bytes((r, g, b))
        rows.append(bytes(row))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def upload_png(web_server, name: str, width: int = 400, height: int = 300) -> str:
    """Write a PNG into the server's upload folder and return the URL tasks use for it."""
    folder = Path(web_server.data_dir) / "upload" / "1"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(png_bytes(width, height))
    return f"/data/upload/1/{name}"


# --------------------------------------------------------------------------- projects through the API


class Api:
    """The admin's token-authenticated API client."""

    def __init__(self, web_server):
        self.client = httpx.Client(base_url=web_server.url, headers=web_server.headers, timeout=30)

    def post(self, url: str, body: Any) -> Any:
        response = self.client.post(url, json=body)
        assert response.is_success, f"{url}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        assert response.is_success, f"{url}: {response.status_code} {response.text}"
        return response.json()

    def project(self, xml: str, tasks: list[dict[str, Any]], **settings: Any) -> tuple[dict, list[dict]]:
        """A project with these tasks (each ``{"data": ..., "predictions": [...]}``); returns it and its tasks."""
        project = self.post("/api/projects", {"title": "Labeling test", "label_config": xml, **settings})
        self.post(f"/api/projects/{project['id']}/import", tasks)
        listed = self.get(f"/api/projects/{project['id']}/tasks?page_size=100")
        rows = listed if isinstance(listed, list) else listed.get("tasks", listed.get("results", []))
        return project, sorted(rows, key=lambda task: task["id"])

    def annotations(self, task_id: int) -> list[dict]:
        return self.get(f"/api/tasks/{task_id}/annotations")


# --------------------------------------------------------------------------- the engine test page


def _page_html(options: dict[str, Any]) -> str:
    # "</" inside the JSON (task HTML holding </script>) must not close the script element
    payload = json.dumps(options).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>labeling engine</title>
<style>html, body {{ margin: 0; min-height: 100%; background: #f6f6f8; }}</style></head>
<body><div id="mount"></div>
<script type="application/json" id="options">{payload}</script>
<script type="module">
import {{ mountLabeling }} from "/static/editor/engine.js";
const options = JSON.parse(document.getElementById("options").textContent);
const mount = document.getElementById("mount");
window.submitted = [];
mount.addEventListener("labelcore:submitted", (event) => window.submitted.push(event.detail));
window.labeling = mountLabeling(mount, options);
</script></body></html>"""


def open_labeling(page: Page, api: Api, project: dict, row: dict, /, **overrides: Any) -> Page:
    """Mount the engine on the task ``row`` of ``project`` (with its predictions) and wait until it is ready;
    ``overrides`` replace mountLabeling options (annotation, draft, mode, task...)."""
    full = api.get(f"/api/tasks/{row['id']}")
    options = {
        "config": config_tree(project["label_config"], full["data"]),
        "task": full,
        "annotation": None,
        "predictions": full.get("predictions", []),
        "draft": None,
        "user": {"id": 1},
        "project": {key: project.get(key) for key in ("id", "show_skip_button", "expert_instruction",
                                                       "show_instruction", "model_version")},
        "mode": "label",
    }
    options.update(overrides)
    html = _page_html(options)
    page.route(f"**{HARNESS_PATH}", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(HARNESS_PATH)
    expect(page.locator("#mount")).to_have_attribute("data-state", "ready")
    return page


def results(page: Page) -> list[dict]:
    return page.evaluate("() => window.labeling.results()")


def image_point(page: Page, x_percent: float, y_percent: float, name: str | None = None) -> tuple[float, float]:
    """Screen coordinates of a point given in percent of the (first, or named) image."""
    selector = f'.lc-tag[data-name="{name}"] .lc-stage-content' if name else ".lc-stage-content"
    box = page.locator(selector).first.bounding_box()
    assert box is not None
    return box["x"] + box["width"] * x_percent / 100, box["y"] + box["height"] * y_percent / 100


def drag(page: Page, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=steps)
    page.mouse.up()


def text_point(page: Page, root_selector: str, offset: int, edge: str) -> tuple[float, float]:
    """Screen point at the left (edge="start") or right (edge="end") of the character at the
    UTF-16 ``offset`` of the text shown in ``root_selector`` (segments of <Text>/<Paragraphs>, or
    any element's text nodes)."""
    return tuple(page.evaluate("""([selector, offset, edge]) => {
        const root = document.querySelector(selector);
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {acceptNode: (node) =>
            node.parentElement.closest('.lc-badge') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
        let seen = 0;
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (offset < seen + node.data.length) {
                const range = document.createRange();
                const at = offset - seen;
                const width = node.data.codePointAt(at) > 0xffff ? 2 : 1;
                range.setStart(node, at);
                range.setEnd(node, at + width);
                const rect = range.getClientRects()[0];
                const y = rect.top + rect.height / 2;
                return edge === 'start' ? [rect.left + 1, y] : [rect.right - 1, y];
            }
            seen += node.data.length;
        }
        throw new Error('offset past the text');
    }""", [root_selector, offset, edge]))


def select_text(page: Page, root_selector: str, start: int, end: int) -> None:
    """Drag-select the UTF-16 range [start, end) of the text in ``root_selector`` with the mouse."""
    drag(page, text_point(page, root_selector, start, "start"), text_point(page, root_selector, end - 1, "end"))


def by_type(items: list[dict], kind: str) -> list[dict]:
    return [item for item in items if item.get("type") == kind]
