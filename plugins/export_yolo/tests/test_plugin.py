"""The distribution: how it is found and listed, the formats it registers, which configs they serve."""

from __future__ import annotations

import importlib.metadata
import inspect

import pytest

import labelcore_export_yolo
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry
from labelcore.testing import plugin_manager
from labelcore_export_yolo.exporters import EXPORTERS

IDS = ["YOLO", "YOLO_WITH_IMAGES", "YOLO_OBB", "YOLO_OBB_WITH_IMAGES"]


def test_the_plugin_is_found_by_its_entry_point_and_listed_by_distribution_name():
    pm = create_plugin_manager(only=["export_yolo"], strict=True)

    info = {info.name: info for info in list_plugins(pm)}["export_yolo"]

    assert info.dist == "labelcore-export-yolo"
    assert info.version == importlib.metadata.version("labelcore-export-yolo")
    assert info.hooks == ("register_exporters",)
    assert not info.builtin


def test_the_package_module_defines_only_hookimpls():
    defined = {name for name, obj in vars(labelcore_export_yolo).items()
               if inspect.isfunction(obj) and obj.__module__ == labelcore_export_yolo.__name__}

    assert defined == {"register_exporters"}


def test_it_registers_the_four_yolo_formats_as_zips():
    registry = build_registry(plugin_manager(labelcore_export_yolo))

    assert [spec.id for spec in EXPORTERS] == IDS
    assert all(registry.provider("exporters", format_id).plugin == "labelcore_export_yolo" for format_id in IDS)
    assert {(spec.media_type, spec.extension) for spec in EXPORTERS} == {("application/zip", "zip")}
    assert [spec.title for spec in EXPORTERS] == ["YOLO", "YOLO with Images", "YOLOv8 OBB", "YOLOv8 OBB with Images"]


def supported(config) -> dict[str, str | None]:
    return {spec.id: spec.supports(config) for spec in EXPORTERS}


@pytest.mark.parametrize("controls", [
    '<RectangleLabels name="label" toName="image"><Label value="Car"/></RectangleLabels>',
    '<Rectangle name="box" toName="image"/><Labels name="label" toName="image"><Label value="Car"/></Labels>',
])
def test_boxes_on_an_image_serve_every_format(yolo, controls):
    config = yolo.parse(f'<View><Image name="image" value="$image"/>{controls}</View>')

    assert supported(config) == dict.fromkeys(IDS)


def test_polygons_serve_yolo_but_not_obb(yolo):
    config = yolo.parse('<View><Image name="image" value="$image"/>'
                        '<PolygonLabels name="outline" toName="image"><Label value="Road"/></PolygonLabels></View>')

    reasons = supported(config)

    assert reasons["YOLO"] is None and reasons["YOLO_WITH_IMAGES"] is None
    assert reasons["YOLO_OBB"] == reasons["YOLO_OBB_WITH_IMAGES"] == (
        "YOLO OBB exports rotated boxes: the config needs an <Image> with <RectangleLabels> "
        "(or <Rectangle> and <Labels>).")


@pytest.mark.parametrize("view, reason", [
    ('<Image name="image" value="$image"/><Choices name="kind" toName="image"><Choice value="Cat"/></Choices>',
     "YOLO exports boxes and polygons: the config needs an <Image> with <RectangleLabels> or <PolygonLabels> "
     "(or <Rectangle>/<Polygon> and <Labels>)."),
    ('<Image name="image" value="$image"/><Labels name="label" toName="image"><Label value="Car"/></Labels>',
     "YOLO exports boxes and polygons: the config needs an <Image> with <RectangleLabels> or <PolygonLabels> "
     "(or <Rectangle>/<Polygon> and <Labels>)."),
    ('<Image name="image" value="$image"/><EllipseLabels name="e" toName="image"><Label value="Eye"/>'
     '</EllipseLabels>',
     "YOLO exports boxes and polygons: the config needs an <Image> with <RectangleLabels> or <PolygonLabels> "
     "(or <Rectangle>/<Polygon> and <Labels>)."),
    ('<Text name="text" value="$text"/><Labels name="label" toName="text"><Label value="PER"/></Labels>',
     "YOLO exports boxes and polygons: the config needs an <Image> with <RectangleLabels> or <PolygonLabels> "
     "(or <Rectangle>/<Polygon> and <Labels>)."),
    ('<Image name="left" value="$left"/><Image name="right" value="$right"/>'
     '<RectangleLabels name="a" toName="left"><Label value="Car"/></RectangleLabels>'
     '<RectangleLabels name="b" toName="right"><Label value="Car"/></RectangleLabels>',
     "YOLO writes one label file per task image, and this config labels 2 images (left, right)."),
    ('<Image name="pages" valueList="$pages"/>'
     '<RectangleLabels name="a" toName="pages"><Label value="Car"/></RectangleLabels>',
     "YOLO writes one label file per task image; this <Image> shows a list of images (valueList)."),
])
def test_other_configs_get_the_reason(yolo, view, reason):
    config = yolo.parse(f"<View>{view}</View>")

    assert supported(config)["YOLO"] == reason


def test_without_a_config_the_reason_says_so():
    assert supported(None)["YOLO"] == "The project has no labeling config."
