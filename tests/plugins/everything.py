"""A one-file plugin that implements every labelcore hook with a small but real spec.

Its domain is colour swatches: ``<Swatch name="color" value="$color"/>`` shows a colour taken from
task data and ``<Shade name="shade" toName="color" max="10"/>`` rates how dark it is, writing
``{"type": "shade", "value": {"shade": 7}}``. Around those two tags it imports colour lists,
exports JSON lines, stores files in memory, predicts a constant shade, offers a config template,
hands out the least annotated tasks first, adds a page API, checks configs across tags, records
events and turns its own error into a response.

Registered without a distribution, so its plugin name (``everything``) is also its ``dist`` in
the registry and in ``static_url``.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from labelcore import (
    ConfigIssue,
    ConfigTemplateSpec,
    ExportContext,
    ExporterSpec,
    ImportContext,
    ImporterSpec,
    LabelcoreError,
    MLBackendSpec,
    NotFoundError,
    Prediction,
    SamplerSpec,
    StorageSpec,
    TagSpec,
    hookimpl,
    static_url,
)
from labelcore.models import Task
from labelcore.tag_models import ControlAttributes, ObjectAttributes

PLUGIN = "everything"

EXAMPLE_CONFIG = """<View>
  <Swatch name="color" value="$color"/>
  <Shade name="shade" toName="color" max="10"/>
</View>"""

#: Every ``(event, payload)`` the ``on_event`` hook received, oldest first.
RECEIVED_EVENTS: list[tuple[str, dict[str, Any]]] = []


# --------------------------------------------------------------------------- tags


class SwatchAttributes(ObjectAttributes):
    showHex: bool = False


class ShadeAttributes(ControlAttributes):
    max: int = Field(default=10, ge=1)


class ShadeValue(BaseModel):
    shade: int = Field(ge=0)


def check_shade(value: dict[str, Any], context: Any) -> list[str]:
    """A shade may not exceed the ``max`` of the <Shade> control that wrote it."""
    highest = context.control.values.max
    return [f"shade {value['shade']} is above max={highest}"] if value["shade"] > highest else []


TAGS = [
    TagSpec(name="Swatch", kind="object", attributes=SwatchAttributes, data_type="text", module="swatch.js",
            description="Shows a colour (value=$color, a #rrggbb string)."),
    TagSpec(name="Shade", kind="control", attributes=ShadeAttributes, targets=("Swatch",), result_type="shade",
            value_model=ShadeValue, check_value=check_shade, module="shade.js",
            description="Rates how dark a <Swatch> is, from 0 to max."),
]


# --------------------------------------------------------------------------- import / export

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def parse_colors(stream: IO[bytes], context: ImportContext) -> Iterator[dict[str, Any]]:
    """One task per non-blank line (``#rrggbb``), read lazily line by line."""
    key = context.data_keys[0] if context.data_keys else "color"
    for line_number, raw in enumerate(stream, start=1):
        line = raw.decode("utf-8").strip()
        if not line:
            continue
        if not _HEX_COLOR.match(line):
            where = f"{context.file_name or 'colors'}: line {line_number}"
            raise LabelcoreError(f"{where}: {line!r} is not a #rrggbb colour")
        yield {"data": {key: line}}


def supports_shades(config: Any) -> str | None:
    if any(node.tag == "Shade" for node in config.controls.values()):
        return None
    return "needs a <Shade> control"


def export_jsonl(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    """One JSON line per task, written as soon as the task is read."""
    for task in tasks:
        shades = [item["value"]["shade"] for annotation in task.get("annotations", [])
                  for item in annotation.get("result", []) if item.get("type") == "shade"]
        line = {"id": task.get("id"), "project": context.project_id, "data": task["data"], "shades": shades}
        stream.write(json.dumps(line).encode("utf-8") + b"\n")


# --------------------------------------------------------------------------- storage


class MemorySettings(BaseModel):
    bucket: str = Field(min_length=1)
    prefix: str = ""


class MemoryStorage:
    """A bucket held in a dict: what a real storage does, without a disk or a network."""

    def __init__(self, settings: MemorySettings):
        self.settings = settings
        self.files: dict[str, bytes] = {}

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        wanted = self.settings.prefix + prefix
        return iter(sorted(key for key in self.files if key.startswith(wanted)))

    def open(self, key: str) -> IO[bytes]:
        if key not in self.files:
            raise NotFoundError(f"{self.settings.bucket}: no file {key!r}")
        return io.BytesIO(self.files[key])

    def resolve_url(self, key: str) -> str | None:
        if key not in self.files:
            return None
        return "data:application/octet-stream;base64," + base64.b64encode(self.files[key]).decode("ascii")

    def write(self, key: str, stream: IO[bytes]) -> None:
        self.files[key] = stream.read()


# --------------------------------------------------------------------------- ML backend


class ConstantSettings(BaseModel):
    shade: int = Field(default=5, ge=0)


class ConstantShadeModel:
    """Predicts the same shade for every task: the smallest model that speaks the protocol."""

    model_version = "constant-1"

    def __init__(self, settings: ConstantSettings):
        self.settings = settings
        self.control: tuple[str, str] | None = None

    def setup(self, config: Any, media: Any) -> None:
        for name, node in config.controls.items():
            if node.tag == "Shade":
                self.control = (name, node.to_names[0])
                return
        raise LabelcoreError("the constant_shade backend needs a <Shade> control in the labeling config")

    def predict(self, tasks: list[dict[str, Any]], context: dict[str, Any] | None = None) -> list[Prediction]:
        if self.control is None:
            raise LabelcoreError("setup() was not called")
        from_name, to_name = self.control
        item = {"from_name": from_name, "to_name": to_name, "type": "shade", "value": {"shade": self.settings.shade}}
        return [Prediction(result=[item], score=1.0, model_version=self.model_version) for _ in tasks]

    def health(self) -> dict[str, Any]:
        return {"status": "UP", "model_class": type(self).__name__}


# --------------------------------------------------------------------------- task order


def least_annotated_first(project: Any) -> list[Any]:
    return [Task.total_annotations, Task.id]


# --------------------------------------------------------------------------- web


class SwatchError(Exception):
    """An error of this plugin that it renders itself (``handle_exception``)."""


router = APIRouter(prefix=f"/plugins/{PLUGIN}", tags=[PLUGIN])


@router.get("/swatches/{hex_digits}")
def swatch(hex_digits: str) -> dict[str, Any]:
    color = f"#{hex_digits}"
    if not _HEX_COLOR.match(color):
        raise SwatchError(f"{color!r} is not a #rrggbb colour")
    return {"color": color.lower(), "tags": [spec.name for spec in TAGS]}


# --------------------------------------------------------------------------- hooks


@hookimpl
def register_tags() -> list[TagSpec]:
    return TAGS


@hookimpl
def register_importers() -> list[ImporterSpec]:
    return [ImporterSpec(id="COLORS", title="Colour list (one #rrggbb per line)", extensions=(".colors",),
                         media_types=("text/plain",), parse=parse_colors)]


@hookimpl
def register_exporters() -> list[ExporterSpec]:
    return [ExporterSpec(id="SHADES_JSONL", title="Shades as JSON lines", media_type="application/x-ndjson",
                         extension="jsonl", supports=supports_shades, export=export_jsonl)]


@hookimpl
def register_storages() -> list[StorageSpec]:
    return [StorageSpec(type="memory", title="In-memory bucket", settings_model=MemorySettings,
                        factory=MemoryStorage)]


@hookimpl
def register_ml_backends() -> list[MLBackendSpec]:
    return [MLBackendSpec(id="constant_shade", title="Constant shade", settings_model=ConstantSettings,
                          factory=ConstantShadeModel)]


@hookimpl
def register_config_templates() -> list[ConfigTemplateSpec]:
    return [ConfigTemplateSpec(id="swatch-shades", title="Rate colour shades", group="Colour",
                               config=EXAMPLE_CONFIG, sample_data={"color": "#336699"})]


@hookimpl
def register_samplers() -> list[SamplerSpec]:
    return [SamplerSpec(id="Balanced sampling", title="Least annotated tasks first", order_by=least_annotated_first)]


@hookimpl
def register_routes() -> list[APIRouter]:
    return [router]


@hookimpl
def extra_js_urls(template: str, request: Any) -> list[str] | None:
    return [static_url(PLUGIN, "swatch.js")] if template == "labeling.html" else None


@hookimpl
def extra_css_urls(template: str, request: Any) -> list[str] | None:
    return [static_url(PLUGIN, "swatch.css")] if template == "labeling.html" else None


@hookimpl
def extra_template_vars(template: str, request: Any) -> dict[str, Any] | None:
    return {"swatch_theme": request.query_params.get("theme", "light")}


@hookimpl
def startup(app: Any) -> None:
    app.state.swatch_module = app.state.registry.module_url("Swatch")


@hookimpl
def check_config(config: Any) -> list[ConfigIssue]:
    """Cross-tag rules: one <Shade> per <Swatch> (error); a <Swatch> nobody rates (warning)."""
    issues = []
    rated_by: dict[str, str] = {}
    for name, control in config.controls.items():
        if control.tag != "Shade":
            continue
        for target in control.to_names:
            if target in rated_by:
                issues.append(ConfigIssue(message=f"<Swatch name={target!r}> is already rated by {rated_by[target]!r}",
                                          line=control.line, tag="Shade", attribute="toName"))
            rated_by.setdefault(target, name)
    for name, node in config.objects.items():
        if node.tag == "Swatch" and name not in rated_by:
            issues.append(ConfigIssue(message=f"no <Shade> rates <Swatch name={name!r}>", line=node.line,
                                      tag="Swatch", severity="warning"))
    return issues


@hookimpl
def on_event(event: str, payload: dict[str, Any]) -> None:
    RECEIVED_EVENTS.append((event, payload))


@hookimpl
def handle_exception(request: Any, exc: Exception) -> JSONResponse | None:
    if not isinstance(exc, SwatchError):
        return None
    return JSONResponse({"detail": str(exc), "path": request.url.path}, status_code=422)
