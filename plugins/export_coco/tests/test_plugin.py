"""The distribution: found by its entry point, listed by its name, the formats it registers and
which configs they serve."""

from __future__ import annotations

import importlib.metadata
import inspect

import labelcore_export_coco
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry
from labelcore_export_coco.coco import supports


def test_the_plugin_is_found_by_its_entry_point_and_listed_by_distribution_name():
    pm = create_plugin_manager(only=["export_coco"], strict=True)

    info = {info.name: info for info in list_plugins(pm)}["export_coco"]

    assert info.dist == "labelcore-export-coco"
    assert info.version == importlib.metadata.version("labelcore-export-coco")
    assert info.hooks == ("register_exporters",)
    assert not info.builtin


def test_the_package_module_defines_only_hookimpls():
    defined = {name for name, obj in vars(labelcore_export_coco).items()
               if inspect.isfunction(obj) and obj.__module__ == labelcore_export_coco.__name__}

    assert defined == {"register_exporters"}


def test_the_registry_holds_both_formats():
    registry = build_registry(create_plugin_manager(only=["export_coco", "tags_image"], strict=True))

    coco, with_images = registry.exporters["COCO"], registry.exporters["COCO_WITH_IMAGES"]
    assert (coco.media_type, coco.extension) == ("application/zip", "zip")  # result.json in a zip, as LS
    assert (with_images.media_type, with_images.extension) == ("application/zip", "zip")
    assert registry.provider("exporters", "COCO").dist == "labelcore-export-coco"


def test_image_region_configs_are_supported(parse):
    for control in ("RectangleLabels", "PolygonLabels", "EllipseLabels", "KeyPointLabels", "BrushLabels"):
        config = (f'<View><Image name="i" value="$i"/><{control} name="c" toName="i"><Label value="a"/>'
                  f'</{control}></View>')
        assert supports(parse(config)) is None, control

    for shape in ("Rectangle", "Polygon", "Ellipse", "KeyPoint", "Brush"):
        config = (f'<View><Image name="i" value="$i"/><Labels name="l" toName="i"><Label value="a"/></Labels>'
                  f'<{shape} name="s" toName="i"/></View>')
        assert supports(parse(config)) is None, shape


def test_a_config_without_an_image_says_so(parse):
    reason = supports(parse('<View><Text name="t" value="$t"/><Labels name="l" toName="t"><Label value="a"/>'
                            "</Labels></View>"))

    assert reason == "the labeling config has no <Image> object tag"


def test_a_config_without_region_labels_names_what_to_add(parse):
    reason = supports(parse('<View><Image name="i" value="$i"/><Rectangle name="r" toName="i"/>'
                            '<Choices name="c" toName="i"><Choice value="x"/></Choices></View>'))

    assert reason.startswith("no control labels regions of an <Image>")
    assert "RectangleLabels" in reason and "KeyPointLabels" in reason and "<Labels> with" in reason
