"""The distribution: how it is found and listed, the format it registers, which configs it serves."""

from __future__ import annotations

import importlib.metadata
import inspect

import pytest

import labelcore_export_conll
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.registry import build_registry
from labelcore.testing import plugin_manager
from labelcore_export_conll.exporter import EXPORTERS

NEEDS = "CONLL 2003 exports labelled text spans: the config needs a <Text> and a <Labels> on it."


def test_the_plugin_is_found_by_its_entry_point_and_listed_by_distribution_name():
    pm = create_plugin_manager(only=["export_conll"], strict=True)

    info = {info.name: info for info in list_plugins(pm)}["export_conll"]

    assert info.dist == "labelcore-export-conll"
    assert info.version == importlib.metadata.version("labelcore-export-conll")
    assert info.hooks == ("register_exporters",)
    assert not info.builtin


def test_the_package_module_defines_only_hookimpls():
    defined = {name for name, obj in vars(labelcore_export_conll).items()
               if inspect.isfunction(obj) and obj.__module__ == labelcore_export_conll.__name__}

    assert defined == {"register_exporters"}


def test_it_registers_conll2003_as_a_text_file():
    registry = build_registry(plugin_manager(labelcore_export_conll))

    [spec] = EXPORTERS
    assert (spec.id, spec.title, spec.media_type, spec.extension) == ("CONLL2003", "CONLL2003", "text/plain", "conll")
    assert registry.provider("exporters", "CONLL2003").plugin == "labelcore_export_conll"


def test_a_text_with_labels_is_supported(conll):
    [spec] = EXPORTERS

    assert spec.supports(conll.parse(conll.NER)) is None


@pytest.mark.parametrize("view, reason", [
    ('<Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices>', NEEDS),
    ('<HyperText name="html" value="$html"/><HyperTextLabels name="l" toName="html"><Label value="A"/>'
     '</HyperTextLabels>', NEEDS),
    ('<Text name="text" value="$url" valueType="url"/><Labels name="l" toName="text"><Label value="A"/></Labels>',
     'The <Text name="text"> loads its text from a URL (valueType="url"); CONLL 2003 needs the text in the task.'),
])
def test_other_configs_get_the_reason(conll, view, reason):
    [spec] = EXPORTERS

    assert spec.supports(conll.parse(f"<View>{view}</View>")) == reason


def test_without_a_config_the_reason_says_so():
    [spec] = EXPORTERS

    assert spec.supports(None) == "The project has no labeling config."
