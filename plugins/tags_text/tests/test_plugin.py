"""The distribution: how it is found, listed, and which tags it provides."""

from __future__ import annotations

import importlib.metadata

from labelcore.config.catalogue import KNOWN_PROVIDERS
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry

TAGS = ["HyperText", "HyperTextLabels", "Labels", "ParagraphLabels", "Paragraphs", "Table", "Text"]


def test_the_plugin_is_found_by_its_entry_point_and_listed_by_distribution_name():
    pm = create_plugin_manager(only=["tags_text"], strict=True)

    listed = {info.name: info for info in list_plugins(pm)}

    info = listed["tags_text"]
    assert info.dist == "labelcore-tags-text"
    assert info.version == importlib.metadata.version("labelcore-tags-text")
    assert info.hooks == ("register_config_templates", "register_tags")
    assert not info.builtin


def test_it_provides_the_text_tags(checker):
    assert sorted(checker.registry.provided_by("labelcore_tags_text")["tags"]) == TAGS


def test_the_catalogue_names_this_distribution_for_every_tag_it_provides():
    # the "pip install labelcore-tags-text" hint for an unknown <Text> must stay true
    assert {tag: KNOWN_PROVIDERS[tag.lower()] for tag in TAGS} == dict.fromkeys(TAGS, "labelcore-tags-text")


def test_the_registry_attributes_the_tags_to_the_distribution():
    registry = build_registry(create_plugin_manager(only=["tags_text"], strict=True))

    assert registry.provider("tags", "paragraphlabels").dist == "labelcore-tags-text"
