"""Export formats: which installed exporters can serve a project's config (Label Studio's formats
list), the exporter for a requested ``exportType``, and the name of an export file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labelcore.errors import LabelcoreError
from labelcore.specs import ExporterSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectConfig:
    """A project's parsed config, or why it could not be parsed (exports still run without it)."""

    parsed: Any
    error: str | None = None


def project_config(project: Any, registry: Any, pm: Any = None) -> ProjectConfig:
    from labelcore.services.projects import parsed_config

    try:
        return ProjectConfig(parsed_config(project.label_config, registry, pm))
    except LabelcoreError as exc:
        return ProjectConfig(None, exc.message)


def refusal(exporter: ExporterSpec, config: ProjectConfig) -> str | None:
    """Why ``exporter`` cannot serve this project's config, or None."""
    if exporter.supports is None:
        return None
    if config.parsed is None:
        return f"the project's labeling config cannot be parsed: {config.error}"
    try:
        return exporter.supports(config.parsed)
    except Exception as exc:  # a plugin bug must not break the formats list
        log.exception("exporter %s: supports() raised", exporter.id)
        return f"the exporter could not check the config ({type(exc).__name__}: {exc})"


# Label Studio's order of its formats; plugins' formats follow, by id
_LS_ORDER = ("JSON", "JSON_MIN", "CSV", "TSV", "CONLL2003", "COCO", "COCO_WITH_IMAGES", "VOC", "YOLO",
             "YOLO_WITH_IMAGES", "YOLO_OBB", "YOLO_OBB_WITH_IMAGES", "BRUSH_TO_NUMPY", "BRUSH_TO_PNG", "ASR_MANIFEST",
             "BRUSH_TO_COCO", "DOCLANG")


def export_formats(registry: Any, config: ProjectConfig) -> list[dict[str, Any]]:
    """Every installed format in Label Studio's shape, usable ones first; a disabled one says why."""
    formats = []
    for exporter in registry.exporters.values():
        reason = refusal(exporter, config)
        formats.append({
            "name": exporter.id,
            "title": exporter.title,
            "description": exporter.description,
            "link": getattr(exporter, "link", None) or "",
            "tags": list(getattr(exporter, "tags", None) or ()),
            "disabled": reason is not None,
            "disabled_reason": reason,
            "media_type": exporter.media_type,
            "extension": exporter.extension,
        })
    rank = {name: index for index, name in enumerate(_LS_ORDER)}
    return sorted(formats, key=lambda f: (f["disabled"], rank.get(f["name"], len(rank)), f["name"]))


def resolve_exporter(registry: Any, export_type: str, config: ProjectConfig) -> ExporterSpec:
    """The exporter for ``exportType``; a 400 naming the installed formats, or the refusal reason."""
    exporters = registry.exporters
    exporter = exporters.get(export_type) or exporters.get(export_type.upper())
    if exporter is None:
        installed = ", ".join(sorted(exporters)) or "none"
        raise LabelcoreError(f"unknown export format {export_type!r}; installed formats: {installed}")
    reason = refusal(exporter, config)
    if reason is not None:
        raise LabelcoreError(f"export format {exporter.id} is not available for this project: {reason}")
    return exporter


def export_filename(project_id: int, exporter: ExporterSpec, seed: str, when: datetime | None = None) -> str:
    """Label Studio's file name: ``project-{id}-at-{YYYY-MM-DD-HH-MM}-{hash8}.{ext}``."""
    when = when or datetime.now()
    digest = hashlib.md5(f"{project_id}:{when.isoformat()}:{seed}".encode(), usedforsecurity=False).hexdigest()
    return f"project-{project_id}-at-{when.strftime('%Y-%m-%d-%H-%M')}-{digest[:8]}.{exporter.extension}"
