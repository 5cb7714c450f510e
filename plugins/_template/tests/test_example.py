"""Tests of the plugin, runnable with only labelcore and this plugin installed.

They are plain functions without fixtures: labelcore's own guard test calls them directly to
keep the template working.
"""

from importlib.metadata import PackageNotFoundError, distribution

import pytest

import labelcore_example
from labelcore import ConfigError
from labelcore.plugins import create_plugin_manager, list_plugins
from labelcore.results import validate_results
from labelcore.testing import ConfigChecker, plugin_manager

CONFIG = """<View>
  <Example name="item" value="$text" fontSize="16"/>
  <Choices name="verdict" toName="item">
    <Choice value="Good"/>
    <Choice value="Bad"/>
  </Choices>
</View>"""


def checker() -> ConfigChecker:
    return ConfigChecker(plugin_manager(labelcore_example))


def test_the_plugin_provides_its_tags():
    registry = checker().registry

    assert registry.provided_by("labelcore_example") == {"tags": ["Example"]}


def test_a_config_using_the_tag_validates():
    parsed = checker().parse(CONFIG)

    assert parsed.objects["item"].tag == "Example"
    assert parsed.objects["item"].values.fontSize == 16
    assert parsed.data_keys == ["text"]
    result = [{"from_name": "verdict", "to_name": "item", "type": "choices", "value": {"choices": ["Good"]}}]
    assert validate_results(result, parsed) == []


def test_a_bad_attribute_is_an_error_on_its_line():
    with pytest.raises(ConfigError) as caught:
        checker().parse('<View>\n  <Example name="item" value="$text" fontSize="2"/>\n</View>')

    [issue] = caught.value.issues
    assert (issue.line, issue.tag, issue.attribute) == (2, "Example", "fontSize")


def test_the_installed_plugin_is_listed_by_its_distribution_name():
    try:
        distribution("labelcore-example")
    except PackageNotFoundError:
        pytest.skip("labelcore-example is not installed (uv sync installs workspace plugins)")

    pm = create_plugin_manager(only=["example"], strict=True)

    assert [(info.name, info.dist) for info in list_plugins(pm) if not info.builtin] == [
        ("example", "labelcore-example")]
