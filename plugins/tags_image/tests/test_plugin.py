"""The distribution: how it is found, listed, and which tags it provides."""

from __future__ import annotations

import importlib.metadata
import inspect

import labelcore_tags_image
from labelcore.config.catalogue import KNOWN_PROVIDERS
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry

TAGS = ["Brush", "BrushLabels", "Ellipse", "EllipseLabels", "Image", "KeyPoint", "KeyPointLabels", "MagicWand",
        "Polygon", "PolygonLabels", "Rectangle", "RectangleLabels"]


def test_the_plugin_is_found_by_its_entry_point_and_listed_by_distribution_name():
    pm = create_plugin_manager(only=["tags_image"], strict=True)

    listed = {info.name: info for info in list_plugins(pm)}

    info = listed["tags_image"]
    assert info.dist == "labelcore-tags-image"
    assert info.version == importlib.metadata.version("labelcore-tags-image")
    assert info.hooks == ("check_config", "register_config_templates", "register_tags")
    assert not info.builtin


def test_the_package_module_defines_only_hookimpls():
    # logic lives in the sibling modules (tags, values, rle, templates_gallery), where it can be imported and tested
    defined = {name for name, obj in vars(labelcore_tags_image).items()
               if inspect.isfunction(obj) and obj.__module__ == labelcore_tags_image.__name__}

    assert defined == {"register_tags", "check_config", "register_config_templates"}


def test_it_provides_the_image_tags(checker):
    assert sorted(checker.registry.provided_by("labelcore_tags_image")["tags"]) == TAGS


def test_the_catalogue_names_this_distribution_for_every_tag_it_provides():
    # the "pip install labelcore-tags-image" hint for an unknown <Image> must stay true
    assert {tag: KNOWN_PROVIDERS[tag.lower()] for tag in TAGS} == dict.fromkeys(TAGS, "labelcore-tags-image")


def test_the_registry_attributes_the_tags_to_the_distribution():
    registry = build_registry(create_plugin_manager(only=["tags_image"], strict=True))

    assert registry.provider("tags", "polygonlabels").dist == "labelcore-tags-image"


def test_every_control_targets_only_image_and_writes_a_label_studio_result_type(checker):
    controls = {name: spec for name, spec in checker.registry.tags.items()
                if name in TAGS and spec.kind == "control"}

    assert {name: (spec.targets, spec.result_type) for name, spec in controls.items()} == {
        "RectangleLabels": (("Image",), "rectanglelabels"), "Rectangle": (("Image",), "rectangle"),
        "PolygonLabels": (("Image",), "polygonlabels"), "Polygon": (("Image",), "polygon"),
        "EllipseLabels": (("Image",), "ellipselabels"), "Ellipse": (("Image",), "ellipse"),
        "KeyPointLabels": (("Image",), "keypointlabels"), "KeyPoint": (("Image",), "keypoint"),
        "BrushLabels": (("Image",), "brushlabels"), "Brush": (("Image",), "brush"),
        "MagicWand": (("Image",), "magicwand"),
    }
    labeled = {name for name, spec in controls.items() if spec.requires_children}
    assert labeled == {name for name in controls if name.endswith("Labels")}
    assert all(spec.labels_key == spec.result_type for name, spec in controls.items() if name in labeled)
    assert all(spec.children == () and spec.labels_key is None for name, spec in controls.items()
               if name not in labeled)
