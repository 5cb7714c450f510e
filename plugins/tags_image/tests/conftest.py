"""Fixtures for the image tags: a config checker holding only core and this plugin."""

from __future__ import annotations

import pytest

import labelcore_tags_image
from labelcore.errors import ConfigError
from labelcore.results import validate_results
from labelcore.testing import ConfigChecker, plugin_manager


@pytest.fixture(scope="session")
def checker() -> ConfigChecker:
    return ConfigChecker(plugin_manager(labelcore_tags_image))


@pytest.fixture(scope="session")
def config_errors(checker):
    """The errors a config is rejected with, each as ``line N: <Tag> message``."""

    def errors(xml: str) -> list[str]:
        with pytest.raises(ConfigError) as caught:
            checker.parse(xml)
        return [str(issue) for issue in caught.value.issues]

    return errors


@pytest.fixture(scope="session")
def result_messages():
    """What validate_results says about a result list, each issue as one string."""

    def messages(results, config, data=None) -> list[str]:
        return [str(issue) for issue in validate_results(results, config, data)]

    return messages
