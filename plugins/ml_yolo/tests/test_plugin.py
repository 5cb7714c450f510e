"""The distribution: found by its entry point, listed by name, registering the yolo backend."""

from __future__ import annotations

import importlib.metadata
import inspect

import labelcore_ml_yolo
from labelcore import MLModel
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry
from labelcore_ml_yolo.settings import YoloSettings


def test_the_plugin_is_found_by_its_entry_point_and_listed_by_distribution_name():
    pm = create_plugin_manager(only=["ml_yolo"], strict=True)

    info = {info.name: info for info in list_plugins(pm)}["ml_yolo"]

    assert info.dist == "labelcore-ml-yolo"
    assert info.version == importlib.metadata.version("labelcore-ml-yolo")
    assert info.hooks == ("register_ml_backends",)
    assert not info.builtin


def test_the_package_module_defines_only_hookimpls():
    defined = {name for name, obj in vars(labelcore_ml_yolo).items()
               if inspect.isfunction(obj) and obj.__module__ == labelcore_ml_yolo.__name__}

    assert defined == {"register_ml_backends"}


def test_the_yolo_backend_is_registered_through_the_hook():
    registry = build_registry(create_plugin_manager(only=["ml_yolo"], strict=True))

    spec = registry.ml_backends["yolo"]

    assert registry.provider("ml_backends", "yolo").dist == "labelcore-ml-yolo"
    assert (spec.title, spec.can_train, spec.interactive) == ("YOLO object detection (ONNX)", True, False)
    assert spec.settings_model is YoloSettings
    model = spec.factory(spec.settings_model())
    assert isinstance(model, MLModel)
    assert model.model_version == "yolo-shapes"
