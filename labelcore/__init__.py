"""labelcore: a self-hosted, plugin-first data labeling platform.

This module is a plugin author's whole import surface: the ``hookimpl`` marker, the spec models
hooks return, the attribute/value helpers for tags, and the error classes.
"""

from importlib.metadata import PackageNotFoundError, version

from labelcore.errors import (
    ConfigError,
    LabelcoreError,
    NotFoundError,
    ResultValidationError,
    StartupError,
)
from labelcore.hookspecs import hookimpl
from labelcore.registry import static_url
from labelcore.specs import (
    EVENTS,
    ConfigIssue,
    ConfigTemplateSpec,
    ExportContext,
    ExporterSpec,
    ImportContext,
    ImporterSpec,
    MediaOpener,
    MLBackendSpec,
    MLModel,
    Prediction,
    ResultIssue,
    SamplerSpec,
    Storage,
    StorageSpec,
    TagAttributes,
    TagSpec,
)

try:
    __version__ = version("labelcore")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "EVENTS",
    "ConfigError",
    "ConfigIssue",
    "ConfigTemplateSpec",
    "ExportContext",
    "ExporterSpec",
    "ImportContext",
    "ImporterSpec",
    "LabelcoreError",
    "MediaOpener",
    "MLBackendSpec",
    "MLModel",
    "NotFoundError",
    "Prediction",
    "ResultIssue",
    "ResultValidationError",
    "SamplerSpec",
    "StartupError",
    "Storage",
    "StorageSpec",
    "TagAttributes",
    "TagSpec",
    "__version__",
    "hookimpl",
    "static_url",
]
