"""Plugins are distributions: installing one adds its tags, uninstalling removes them.

Builds real wheels of core and tags_image into a fresh virtual environment with uv.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image"><Label value="Car"/></RectangleLabels>
</View>
"""


def uv(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "uv", *args], cwd=cwd, capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def core_only_env(tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("core-only") / "venv"
    uv("venv", "--quiet", "--python", sys.executable, str(env))
    uv("pip", "install", "--quiet", "--python", str(env / "bin/python"), str(ROOT))
    return env


def validate(env: Path, config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(env / "bin/labelcore"), "validate", str(config)], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LABELCORE_STRICT_PLUGINS": "1"})


def test_installing_and_uninstalling_the_image_plugin(core_only_env, tmp_path):
    config = tmp_path / "detection.xml"
    config.write_text(CONFIG)
    python = str(core_only_env / "bin/python")

    without = validate(core_only_env, config)
    assert without.returncode == 1
    assert f"{config}:2: error: <Image> unknown tag <Image>: it is provided by the labelcore-tags-image " \
           "distribution, which is not installed (pip install labelcore-tags-image)" in without.stderr

    uv("pip", "install", "--quiet", "--python", python, str(ROOT / "plugins/tags_image"))
    with_plugin = validate(core_only_env, config)
    assert with_plugin.returncode == 0, with_plugin.stderr
    assert "control label <RectangleLabels> -> image (rectanglelabels): Car" in with_plugin.stdout

    uv("pip", "uninstall", "--quiet", "--python", python, "labelcore-tags-image")
    again = validate(core_only_env, config)
    assert again.returncode == 1
    assert "labelcore-tags-image distribution, which is not installed" in again.stderr
