"""Fixtures for the text tags: a config checker holding only core and this plugin."""

from __future__ import annotations

import pytest

import labelcore_tags_text
from labelcore.errors import ConfigError
from labelcore.testing import ConfigChecker, plugin_manager


@pytest.fixture(scope="session")
def checker() -> ConfigChecker:
    return ConfigChecker(plugin_manager(labelcore_tags_text))


@pytest.fixture(scope="session")
def config_errors(checker):
    """The errors a config is rejected with, each as ``line N: <Tag> message``."""

    def errors(xml: str) -> list[str]:
        with pytest.raises(ConfigError) as caught:
            checker.parse(xml)
        return [str(issue) for issue in caught.value.issues]

    return errors
