"""A request that fails inside a plugin is a 500 whose log line names the plugin and the code."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi.testclient import TestClient

from labelcore.app import create_app
from labelcore.settings import Settings
from labelcore.testing import plugin_from_file


def load(name: str):
    return plugin_from_file(Path(__file__).parent / "plugins" / f"{name}.py")


def test_an_unhandled_error_in_a_plugin_is_a_500_naming_the_plugin(pm, tmp_path, caplog):
    pm.register(load("broken_route"), name="broken_route")

    with caplog.at_level(logging.ERROR, logger="labelcore.app"):
        with TestClient(create_app(Settings(data_dir=tmp_path), pm), raise_server_exceptions=False) as client:
            response = client.get("/plugins/broken-route/ratio")

    assert (response.status_code, response.json()) == (500, {"status_code": 500, "detail": "Internal server error"})
    assert ("unhandled error on GET /plugins/broken-route/ratio, raised in plugin 'broken_route' (broken_route) at "
            "labelcore_test_plugins_broken_route.ratio_of") in caplog.text
    assert "ZeroDivisionError" in caplog.text
