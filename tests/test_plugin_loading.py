"""Loading plugins from entry points, as ``pip install labelcore-<name>`` would install them.

Each test installs fake distributions into a temporary folder: ``<package>-1.0.dist-info/`` with
``METADATA`` and an ``entry_points.txt`` declaring a ``[labelcore]`` entry point, beside the plugin
module itself. With the folder on ``sys.path``, importlib.metadata finds them exactly like real
installed distributions, so the real loading code runs, pluggy included.

The workspace plugins (tags_image, tags_text) are installed too and load beside the fakes.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from labelcore.cli import main
from labelcore.errors import PluginLoadError
from labelcore.plugins import DEFAULT_PLUGINS, create_plugin_manager, list_plugins
from labelcore.registry import build_registry

GOOD = """
    from labelcore import TagSpec, hookimpl

    @hookimpl
    def register_tags():
        return [TagSpec(name="Stamp", kind="object", description="Shows a rubber stamp image.")]
"""

RAISES_ON_IMPORT = """
    import labelcore_missing_dependency  # declared nowhere, installed nowhere

    from labelcore import hookimpl
"""

MISSPELT_HOOK = """
    from labelcore import TagSpec, hookimpl

    @hookimpl
    def regster_tags():  # a typo: without check_pending() this would silently never run
        return [TagSpec(name="Misspelt", kind="object")]
"""

EXTRA_ARGUMENT = """
    from labelcore import hookimpl

    @hookimpl
    def check_config(config):  # valid; must not stay registered when its sibling fails
        return []

    @hookimpl
    def register_tags(project):  # register_tags has no `project` argument
        return []
"""


class FakeSite:
    """A folder of fake installed distributions named by the plugin naming rule."""

    def __init__(self, path: Path):
        self.path = path
        self.modules: list[str] = []

    def install(self, entry_point: str, source: str, version: str = "1.0") -> str:
        """Install plugin ``entry_point`` as distribution ``labelcore-<entry-point>``; return the dist name."""
        dist = "labelcore-" + entry_point.replace("_", "-")
        package = "labelcore_" + entry_point
        info = self.path / f"{package}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[labelcore]\n{entry_point} = {package}\n")
        (self.path / f"{package}.py").write_text(textwrap.dedent(source))
        self.modules.append(package)
        importlib.invalidate_caches()
        return dist


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.delenv("LABELCORE_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("LABELCORE_STRICT_PLUGINS", raising=False)  # conftest.py turns it on for the suite
    monkeypatch.syspath_prepend(str(tmp_path))
    fake_site = FakeSite(tmp_path)
    yield fake_site
    for module in fake_site.modules:
        sys.modules.pop(module, None)
    importlib.invalidate_caches()


def plugin_names(pm) -> list[str]:
    """Entry-point plugins the manager holds (builtins left out)."""
    return [info.name for info in list_plugins(pm) if not info.builtin]


BROKEN = [
    pytest.param("fake_import", RAISES_ON_IMPORT,
                 "ModuleNotFoundError: No module named 'labelcore_missing_dependency'", id="raises-on-import"),
    pytest.param("fake_misspelt", MISSPELT_HOOK, "unknown hook 'regster_tags'", id="misspelt-hookimpl"),
    pytest.param("fake_extra_arg", EXTRA_ARGUMENT, "Argument(s) {'project'} are declared in the hookimpl",
                 id="argument-the-spec-lacks"),
]


def test_a_good_plugin_is_loaded_and_listed_with_its_distribution(site):
    site.install("fake_good", GOOD)

    pm = create_plugin_manager(strict=True)

    [info] = [info for info in list_plugins(pm) if info.name == "fake_good"]
    assert (info.dist, info.version, info.builtin) == ("labelcore-fake-good", "1.0", False)
    assert info.hooks == ("register_tags",)
    assert info.static_dir is None  # a single-module plugin has no asset folders
    assert build_registry(pm).provider("tags", "Stamp").dist == "labelcore-fake-good"
    assert {"fake_good", "tags_image", "tags_text"} <= set(plugin_names(pm))
    assert pm.failures == []


@pytest.mark.parametrize(("name", "source", "error"), BROKEN)
def test_a_broken_plugin_is_reported_and_skipped(site, caplog, name, source, error):
    site.install("fake_good", GOOD)
    dist = site.install(name, source)

    with caplog.at_level(logging.ERROR, logger="labelcore.plugins"):
        pm = create_plugin_manager(strict=False)

    [failure] = pm.failures
    assert (failure.name, failure.dist, failure.version) == (name, dist, "1.0")
    assert error in failure.error
    assert "Traceback" in failure.traceback
    assert f"plugin {name!r} ({dist}) failed to load and was skipped" in caplog.text
    # Nothing of the broken plugin stays registered; everything else loaded.
    assert pm.get_plugin(name) is None
    assert all(impl.plugin_name != name for caller in pm.hook.__dict__.values() for impl in caller.get_hookimpls())
    assert {"fake_good", "tags_image", "tags_text"} <= set(plugin_names(pm))
    assert build_registry(pm).tag("Stamp") is not None


@pytest.mark.parametrize(("name", "source", "error"), BROKEN)
def test_strict_loading_raises_naming_the_plugin(site, name, source, error):
    site.install("fake_good", GOOD)
    dist = site.install(name, source)

    with pytest.raises(PluginLoadError) as caught:
        create_plugin_manager(strict=True)

    assert str(caught.value).startswith(f"plugin {name!r} ({dist}) failed to load: ")
    assert error in str(caught.value)


def test_labelcore_strict_plugins_env_makes_a_failure_fatal(site, monkeypatch):
    site.install("fake_import", RAISES_ON_IMPORT)

    monkeypatch.setenv("LABELCORE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="'fake_import'"):
        create_plugin_manager()
    # An explicit argument wins over the environment.
    assert [failure.name for failure in create_plugin_manager(strict=False).failures] == ["fake_import"]


def test_labelcore_load_plugins_is_an_allowlist(site, monkeypatch):
    site.install("fake_good", GOOD)
    site.install("fake_import", RAISES_ON_IMPORT)

    monkeypatch.setenv("LABELCORE_LOAD_PLUGINS", "fake_good, tags_text")
    pm = create_plugin_manager(strict=True)  # the broken plugin is never imported

    assert plugin_names(pm) == ["fake_good", "tags_text"]
    assert pm.failures == []


def test_an_empty_allowlist_loads_no_entry_points_but_keeps_the_builtins(site, monkeypatch):
    site.install("fake_good", GOOD)

    monkeypatch.setenv("LABELCORE_LOAD_PLUGINS", "")
    pm = create_plugin_manager(strict=True)

    assert plugin_names(pm) == []
    assert [info.name for info in list_plugins(pm) if info.builtin] == sorted(DEFAULT_PLUGINS)
    assert build_registry(pm).tag("View") is not None


def test_only_overrides_the_allowlist(site, monkeypatch):
    site.install("fake_good", GOOD)
    site.install("fake_import", RAISES_ON_IMPORT)
    monkeypatch.setenv("LABELCORE_LOAD_PLUGINS", "")

    assert plugin_names(create_plugin_manager(only=["fake_good"], strict=True)) == ["fake_good"]
    assert plugin_names(create_plugin_manager(only=[], strict=True)) == []
    assert plugin_names(create_plugin_manager(load_entrypoints=False, only=["fake_good"])) == []


# --------------------------------------------------------------------------- labelcore plugins


def test_cli_lists_what_each_plugin_provides_and_the_failed_plugin(site):
    site.install("fake_good", GOOD)
    site.install("fake_import", RAISES_ON_IMPORT)

    result = CliRunner().invoke(main, ["plugins"])

    assert result.exit_code == 0, result.output
    assert "fake_good  labelcore-fake-good 1.0\n    tags: Stamp\n" in result.stdout
    assert "tags_image  labelcore-tags-image" in result.stdout
    assert ("FAILED fake_import  labelcore-fake-import 1.0: "
            "ModuleNotFoundError: No module named 'labelcore_missing_dependency'") in result.stdout
    assert "warning: plugin fake_import (labelcore-fake-import 1.0) failed to load" in result.stderr
    assert "labelcore.builtin" not in result.stdout  # builtins only with --all
    assert "labelcore.builtin.layout_tags  labelcore" in CliRunner().invoke(main, ["plugins", "--all"]).stdout


def test_cli_json_lists_plugins_and_failures(site):
    site.install("fake_good", GOOD)
    site.install("fake_misspelt", MISSPELT_HOOK)

    result = CliRunner().invoke(main, ["plugins", "--json"])

    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    plugins = {row["name"]: row for row in listing["plugins"]}
    assert plugins["fake_good"] == {"name": "fake_good", "dist": "labelcore-fake-good", "version": "1.0",
                                    "builtin": False, "hooks": ["register_tags"], "provides": {"tags": ["Stamp"]}}
    assert "RectangleLabels" in plugins["tags_image"]["provides"]["tags"]
    [failed] = listing["failed"]
    assert {key: failed[key] for key in ("name", "dist", "version")} == {
        "name": "fake_misspelt", "dist": "labelcore-fake-misspelt", "version": "1.0"}
    assert "unknown hook 'regster_tags'" in failed["error"]


def test_cli_in_strict_mode_fails_with_one_line_naming_the_plugin(site, monkeypatch):
    site.install("fake_import", RAISES_ON_IMPORT)
    monkeypatch.setenv("LABELCORE_STRICT_PLUGINS", "1")

    result = CliRunner().invoke(main, ["plugins"])

    assert result.exit_code == 1
    assert result.stderr == ("Error: plugin 'fake_import' (labelcore-fake-import) failed to load: "
                             "ModuleNotFoundError: No module named 'labelcore_missing_dependency'\n")

    # The allowlist keeps the CLI usable while a plugin is broken.
    monkeypatch.setenv("LABELCORE_LOAD_PLUGINS", "tags_image")
    assert CliRunner().invoke(main, ["plugins"]).exit_code == 0


def test_cli_reports_a_pluggy_validation_error_on_one_line(site, monkeypatch):
    site.install("fake_extra_arg", EXTRA_ARGUMENT)
    monkeypatch.setenv("LABELCORE_STRICT_PLUGINS", "1")

    result = CliRunner().invoke(main, ["plugins"])

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: plugin 'fake_extra_arg' (labelcore-fake-extra-arg) failed to load: ")


EXITS_ON_IMPORT = """
    import sys

    sys.exit("this plugin refuses to run here")
"""


def test_a_plugin_calling_sys_exit_on_import_is_reported_not_fatal(site):
    site.install("fake_good", GOOD)
    site.install("fake_exit", EXITS_ON_IMPORT)

    pm = create_plugin_manager(strict=False)

    [failure] = pm.failures
    assert failure.name == "fake_exit"
    assert failure.error == "SystemExit: this plugin refuses to run here"
    assert "fake_good" in plugin_names(pm)


def test_two_distributions_claiming_one_entry_point_name_are_reported(site):
    site.install("fake_good", GOOD)
    info = site.path / "labelcore_impostor-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: labelcore-impostor\nVersion: 2.0\n")
    (info / "entry_points.txt").write_text("[labelcore]\nfake_good = labelcore_fake_good\n")
    importlib.invalidate_caches()

    pm = create_plugin_manager(strict=False)

    clash = [failure for failure in pm.failures if failure.name == "fake_good"]
    assert len(clash) == 1
    assert clash[0].error.startswith("entry point name 'fake_good' is already used by ")
    assert pm.get_plugin("fake_good") is not None  # the first one still loads
