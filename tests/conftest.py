from __future__ import annotations

import pytest

from labelcore.db import make_engine, migrate
from labelcore.plugins import create_plugin_manager
from labelcore.registry import build_registry
from labelcore.settings import Settings
from labelcore.testing import ConfigChecker


@pytest.fixture
def pm():
    """A fresh manager with only core's builtins: tests register what they need."""
    return create_plugin_manager(load_entrypoints=False, strict=True)


@pytest.fixture(scope="session")
def installed():
    """Core plus every installed plugin (the workspace's tags_image and tags_text)."""
    pm = create_plugin_manager(strict=True)
    return ConfigChecker(pm)


@pytest.fixture
def registry(pm):
    return build_registry(pm)


@pytest.fixture
def engine(tmp_path):
    """A migrated SQLite database in the test's temporary folder."""
    engine = make_engine(Settings(data_dir=tmp_path))
    migrate(engine)
    yield engine
    engine.dispose()
