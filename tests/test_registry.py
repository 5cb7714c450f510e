"""build_registry: every spec attributed to its plugin; a bad plugin set fails at startup, by name.

The small plugins here are named classes (``__name__`` set, registered as instances), each doing
one thing wrong the way a real plugin might.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from labelcore import ExporterSpec, ImporterSpec, StartupError, TagSpec, hookimpl, static_url
from labelcore.plugins import create_plugin_manager
from labelcore.registry import build_registry
from labelcore.testing import plugin_from_file

PLUGINS_DIR = Path(__file__).parent / "plugins"


def load_test_plugin(name: str):
    """Import ``tests/plugins/<name>.py``; the test folders are not packages (importlib mode)."""
    return plugin_from_file(PLUGINS_DIR / f"{name}.py")


everything = load_test_plugin("everything")


def write_nothing(tasks, stream, context):
    stream.write(b"")


class StampTags:
    __name__ = "stamp_tags"

    @hookimpl
    def register_tags(self):
        return [TagSpec(name="Stamp", kind="object", module="stamp.js")]


class OtherStampTags:
    __name__ = "other_stamp_tags"

    @hookimpl
    def register_tags(self):
        return [TagSpec(name="STAMP", kind="object")]


class CsvExporter:
    __name__ = "csv_exporter"

    @hookimpl
    def register_exporters(self):
        return [ExporterSpec(id="CSV", title="CSV", export=write_nothing)]


class OtherCsvExporter:
    __name__ = "other_csv_exporter"

    @hookimpl
    def register_exporters(self):
        return [ExporterSpec(id="CSV", title="Another CSV", export=write_nothing)]


class ReturnsOneSpec:
    __name__ = "returns_one_spec"

    @hookimpl
    def register_tags(self):
        return TagSpec(name="Lonely", kind="object")  # not in a list


class ReturnsDicts:
    __name__ = "returns_dicts"

    @hookimpl
    def register_tags(self):
        return [{"name": "Sticker", "kind": "object"}]


class ReturnsWrongSpec:
    __name__ = "returns_wrong_spec"

    @hookimpl
    def register_exporters(self):
        return [TagSpec(name="Sticker", kind="object")]


class Raises:
    __name__ = "raises"

    @hookimpl
    def register_storages(self):
        raise KeyError("S3_BUCKET")


class ReturnsNone:
    __name__ = "returns_none"

    @hookimpl
    def register_tags(self):
        return None


def registry_with(pm, *plugins):
    for plugin in plugins:
        pm.register(plugin)
    return build_registry(pm)


def test_specs_are_attributed_to_the_plugin_that_registered_them(pm):
    registry = registry_with(pm, StampTags())

    provided = registry.provider("tags", "Stamp")
    assert (provided.plugin, provided.dist) == ("stamp_tags", "stamp_tags")
    assert provided.spec is registry.tag("Stamp")
    # Builtins are attributed to the labelcore distribution.
    assert registry.provider("tags", "View").dist == "labelcore"
    assert registry.provider("tags", "View").plugin == "labelcore.builtin.layout_tags"


def test_plugins_loaded_from_entry_points_are_attributed_to_their_distribution():
    registry = build_registry(create_plugin_manager(only=["tags_image"], strict=True))

    provided = registry.provider("tags", "RectangleLabels")
    assert (provided.plugin, provided.dist) == ("tags_image", "labelcore-tags-image")
    assert registry.tag("Text") is None  # tags_text was not in `only`


def test_provided_by_lists_what_one_plugin_provides_per_kind(pm):
    pm.register(everything, name="everything")
    registry = registry_with(pm, StampTags())

    assert registry.provided_by("stamp_tags") == {"tags": ["Stamp"]}
    assert registry.provided_by("everything") == {
        "tags": ["Shade", "Swatch"],
        "importers": ["COLORS"],
        "exporters": ["SHADES_JSONL"],
        "storages": ["memory"],
        "ml_backends": ["constant_shade"],
        "config_templates": ["swatch-shades"],
        "samplers": ["Balanced sampling"],
    }
    assert registry.provided_by("not_installed") == {}


def test_duplicate_tag_names_name_both_plugins(pm):
    with pytest.raises(StartupError) as caught:
        registry_with(pm, StampTags(), OtherStampTags())

    # "Stamp" and "STAMP" collide: tag names are case-insensitive, as in Label Studio.
    assert str(caught.value) == (
        "tag 'Stamp' is provided by both plugin 'other_stamp_tags' (other_stamp_tags) "
        "and plugin 'stamp_tags' (stamp_tags)"
    )


def test_a_plugin_cannot_shadow_a_builtin_tag(pm):
    class MyChoices:
        __name__ = "my_choices"

        @hookimpl
        def register_tags(self):
            return [TagSpec(name="choices", kind="control")]

    with pytest.raises(StartupError) as caught:
        registry_with(pm, MyChoices())

    assert "tag 'Choices' is provided by both" in str(caught.value)
    assert "plugin 'labelcore.builtin.control_tags' (labelcore)" in str(caught.value)
    assert "plugin 'my_choices' (my_choices)" in str(caught.value)


def test_duplicate_exporter_ids_name_both_plugins(pm):
    with pytest.raises(StartupError) as caught:
        registry_with(pm, CsvExporter(), OtherCsvExporter())

    # Both are named, in hook call order (pluggy calls the last registered plugin first).
    assert str(caught.value) == (
        "exporter 'CSV' is provided by both plugin 'other_csv_exporter' (other_csv_exporter) "
        "and plugin 'csv_exporter' (csv_exporter)"
    )


@pytest.mark.parametrize(
    ("plugin", "expected"),
    [
        (ReturnsOneSpec(), "plugin 'returns_one_spec': register_tags() must return a list, got TagSpec"),
        (ReturnsDicts(), "plugin 'returns_dicts': register_tags() returned dict, expected TagSpec"),
        (ReturnsWrongSpec(),
         "plugin 'returns_wrong_spec': register_exporters() returned TagSpec, expected ExporterSpec"),
        (Raises(), "plugin 'raises': register_storages() raised KeyError: 'S3_BUCKET'"),
    ],
    ids=["not-a-list", "dict-instead-of-spec", "wrong-spec-model", "raises"],
)
def test_a_bad_register_impl_is_a_startup_error_naming_plugin_and_hook(pm, plugin, expected):
    with pytest.raises(StartupError) as caught:
        registry_with(pm, plugin)

    assert str(caught.value) == expected


def test_a_register_impl_may_return_none(pm):
    registry = registry_with(pm, ReturnsNone())

    assert registry.provided_by("returns_none") == {}


def test_tag_lookup_is_case_insensitive(pm):
    registry = registry_with(pm, StampTags())

    assert registry.tag("stamp").name == registry.tag("STAMP").name == "Stamp"
    assert registry.provider("tags", "sTaMp").plugin == "stamp_tags"
    assert "Stamp" in registry.tags  # listed under the spelling the plugin registered
    assert registry.tag("Unknown") is None


def test_module_url_points_into_the_plugin_distribution_static_dir(pm):
    registry = registry_with(pm, StampTags())

    assert registry.module_url("stamp") == static_url("stamp_tags", "stamp.js") == "/plugins/stamp_tags/static/stamp.js"
    assert registry.module_url("View") == static_url("labelcore", registry.tag("View").module)  # core's /static/
    assert registry.module_url("Unknown") is None
    assert static_url("labelcore-tags-image", "/image.js") == "/plugins/labelcore-tags-image/static/image.js"
    assert static_url("labelcore", "labeling.js") == "/static/labeling.js"  # core's own assets


def test_the_registry_is_read_only(pm):
    registry = registry_with(pm, StampTags())

    with pytest.raises(TypeError):
        registry.entries["tags"]["sticker"] = registry.provider("tags", "Stamp")


def parse_nothing(stream, context):
    return iter(())


class XyzImporter:
    __name__ = "xyz_importer"

    @hookimpl
    def register_importers(self):
        return [ImporterSpec(id="XYZ", title="XYZ", extensions=(".xyz",), parse=parse_nothing)]


class OtherXyzImporter:
    __name__ = "other_xyz_importer"

    @hookimpl
    def register_importers(self):
        return [ImporterSpec(id="XYZ2", title="Also XYZ", extensions=(".XYZ",), parse=parse_nothing)]


def test_two_importers_cannot_claim_one_file_extension(pm):
    with pytest.raises(StartupError) as caught:
        registry_with(pm, XyzImporter(), OtherXyzImporter())

    assert "file extension" in str(caught.value)
    assert "plugin 'xyz_importer'" in str(caught.value) and "plugin 'other_xyz_importer'" in str(caught.value)
