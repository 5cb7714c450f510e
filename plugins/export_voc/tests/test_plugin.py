"""The distribution: found by its entry point, listed by its name, the formats it registers and
which configs they serve."""

from __future__ import annotations

import importlib.metadata
import inspect

import labelcore_export_voc
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry
from labelcore_export_voc.voc import supports


def test_the_plugin_is_found_by_its_entry_point_and_listed_by_distribution_name():
    pm = create_plugin_manager(only=["export_voc"], strict=True)

    info = {info.name: info for info in list_plugins(pm)}["export_voc"]

    assert info.dist == "labelcore-export-voc"
    assert info.version == importlib.metadata.version("labelcore-export-voc")
    assert info.hooks == ("register_exporters",)
    assert not info.builtin


def test_the_package_module_defines_only_hookimpls():
    defined = {name for name, obj in vars(labelcore_export_voc).items()
               if inspect.isfunction(obj) and obj.__module__ == labelcore_export_voc.__name__}

    assert defined == {"register_exporters"}


def test_the_registry_holds_both_formats():
    registry = build_registry(create_plugin_manager(only=["export_voc"], strict=True))

    assert {name: (spec.media_type, spec.extension) for name, spec in registry.exporters.items()
            if name.startswith("VOC")} == {"VOC": ("application/zip", "zip"),
                                           "VOC_WITH_IMAGES": ("application/zip", "zip")}
    assert registry.provider("exporters", "VOC").dist == "labelcore-export-voc"


def test_box_configs_are_supported(parse):
    for control in ("RectangleLabels", "PolygonLabels", "EllipseLabels", "BrushLabels"):
        config = (f'<View><Image name="i" value="$i"/><{control} name="c" toName="i"><Label value="a"/>'
                  f'</{control}></View>')
        assert supports(parse(config)) is None, control


def test_keypoints_alone_have_no_boxes(parse):
    reason = supports(parse('<View><Image name="i" value="$i"/><KeyPointLabels name="k" toName="i">'
                            '<Label value="a"/></KeyPointLabels></View>'))

    assert reason.startswith("no control labels regions of an <Image>")
    assert "KeyPointLabels" not in reason and reason.endswith("Pascal VOC holds bounding boxes")


def test_a_config_without_an_image_says_so(parse):
    assert supports(parse('<View><Text name="t" value="$t"/></View>')).startswith(
        "the labeling config has no <Image> object tag")
