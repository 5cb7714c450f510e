"""Guards that keep the plugin contract honest as the code grows.

- every hook is documented in docs/plugin_hooks.md with its exact signature, and its examples run;
- every hook has a ``test_hook_<name>`` in tests/test_hooks.py;
- the hookspecs stay few and fully documented;
- every workspace plugin loads strictly (check_pending included) and follows the naming rule;
- builtins are ordinary plugins: public hooks only, no asset folders;
- the plugin template in plugins/_template still works.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from labelcore import hookspecs
from labelcore.plugins import DEFAULT_PLUGINS, create_plugin_manager, list_plugins
from labelcore.registry import build_registry
from labelcore.testing import ConfigChecker, plugin_manager

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugin_hooks.md"
TEMPLATE = ROOT / "plugins" / "_template"
MAX_HOOKS = 15


def hookspec_functions() -> list:
    """The hookspecs, in the order of hookspecs.py."""
    specs = [value for value in vars(hookspecs).values()
             if inspect.isfunction(value) and hasattr(value, f"{hookspecs.PROJECT_NAME}_spec")]
    return sorted(specs, key=lambda function: function.__code__.co_firstlineno)


HOOKS = [function.__name__ for function in hookspec_functions()]


def signature_line(function) -> str:
    """``def name(args) -> return``, as written in hookspecs.py."""
    [node] = ast.parse(inspect.getsource(function)).body
    return f"def {node.name}({ast.unparse(node.args)}) -> {ast.unparse(node.returns)}"


def doc_sections() -> dict[str, str]:
    """``## <hook>`` sections of docs/plugin_hooks.md, in document order."""
    parts = re.split(r"^## ([a-z_]+)\n", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def is_firstresult(function) -> bool:
    return getattr(function, f"{hookspecs.PROJECT_NAME}_spec")["firstresult"]


# --------------------------------------------------------------------------- the hookspecs


def test_there_are_few_hooks():
    assert 0 < len(HOOKS) <= MAX_HOOKS, f"{len(HOOKS)} hooks; keep the contract under about {MAX_HOOKS}"


@pytest.mark.parametrize("function", hookspec_functions(), ids=HOOKS)
def test_every_hookspec_is_documented(function):
    doc = inspect.getdoc(function) or ""

    assert ".. versionadded::" in doc
    assert re.search(r"^:return:", doc, flags=re.MULTILINE)
    for argument in inspect.signature(function).parameters:
        assert f":param {argument}:" in doc, f"{function.__name__}: no :param {argument}:"
    if is_firstresult(function):
        assert "First non-None wins" in doc


# --------------------------------------------------------------------------- docs/plugin_hooks.md


def test_every_hook_has_a_docs_section_in_hookspec_order():
    assert list(doc_sections()) == HOOKS


@pytest.mark.parametrize("function", hookspec_functions(), ids=HOOKS)
def test_every_hook_is_documented_with_its_exact_signature(function):
    section = doc_sections().get(function.__name__)
    assert section is not None, f"docs/plugin_hooks.md has no '## {function.__name__}' section"

    signature = signature_line(function)
    assert python_blocks(section)[0].strip() == signature, f"the first code block must be `{signature}`"
    assert ("first non-none wins" in section.lower()) == is_firstresult(function)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_docs_example_runs(hook, monkeypatch, tmp_path):
    """Each example is a plugin: it imports, registers strictly and implements its hook."""
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    examples = [block for block in python_blocks(doc_sections()[hook])[1:] if "@hookimpl" in block]
    assert examples, f"'## {hook}' has no example plugin"
    for index, source in enumerate(examples):
        module = ModuleType(f"plugin_hooks_example_{hook}_{index}")
        monkeypatch.setitem(sys.modules, module.__name__, module)
        exec(compile(source, f"docs/plugin_hooks.md ({hook} example)", "exec"), module.__dict__)

        pm = plugin_manager(module)

        assert [impl.plugin for impl in getattr(pm.hook, hook).get_hookimpls()
                if impl.plugin_name == module.__name__] == [module]
        build_registry(pm)  # register_* examples return valid, non-clashing specs


# --------------------------------------------------------------------------- tests/test_hooks.py


def test_every_hook_has_a_test_hook_and_no_test_hook_is_stale():
    source = (ROOT / "tests" / "test_hooks.py").read_text(encoding="utf-8")
    tests = {node.name for node in ast.parse(source).body
             if isinstance(node, ast.FunctionDef) and node.name.startswith("test_hook_")}

    assert tests == {f"test_hook_{hook}" for hook in HOOKS}


# --------------------------------------------------------------------------- installed plugins


def test_all_workspace_plugins_load_strictly(monkeypatch):
    monkeypatch.delenv("LABELCORE_LOAD_PLUGINS", raising=False)

    pm = create_plugin_manager(strict=True)

    pm.check_pending()
    assert pm.failures == []
    dists = {info.dist for info in list_plugins(pm)}
    assert {"labelcore-tags-image", "labelcore-tags-text"} <= dists
    build_registry(pm)  # and together they register no clashing names


def workspace_plugin_dirs() -> list[Path]:
    return sorted(path.parent for path in (ROOT / "plugins").glob("*/pyproject.toml"))


@pytest.mark.parametrize("folder", workspace_plugin_dirs(), ids=lambda path: path.name)
def test_plugins_follow_the_naming_rule(folder):
    """Folder tags_image -> distribution labelcore-tags-image -> package labelcore_tags_image
    -> entry point tags_image."""
    project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    name = "example" if folder == TEMPLATE else folder.name

    assert project["name"] == "labelcore-" + name.replace("_", "-")
    assert project["entry-points"]["labelcore"] == {name: f"labelcore_{name}"}
    assert (folder / f"labelcore_{name}" / "__init__.py").is_file()
    assert any(dependency.startswith("labelcore>=") for dependency in project["dependencies"])


def test_every_workspace_plugin_is_installed_for_development():
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dists = {"labelcore-" + folder.name.replace("_", "-") for folder in workspace_plugin_dirs() if folder != TEMPLATE}

    assert dists <= set(root["tool"]["uv"]["sources"])
    assert dists <= set(root["dependency-groups"]["dev"])


# --------------------------------------------------------------------------- builtins


def test_builtins_ship_no_asset_dirs():
    builtins = [info for info in list_plugins(create_plugin_manager(load_entrypoints=False)) if info.builtin]

    assert sorted(info.name for info in builtins) == sorted(DEFAULT_PLUGINS)
    assert all(info.static_dir is None and info.templates_dir is None for info in builtins)
    builtin_dir = ROOT / "labelcore" / "builtin"
    assert not (builtin_dir / "static").exists() and not (builtin_dir / "templates").exists()


@pytest.mark.parametrize("module_name", DEFAULT_PLUGINS)
def test_builtins_only_implement_public_hooks(module_name):
    module = importlib.import_module(module_name)
    impls = [name for name, value in vars(module).items() if hasattr(value, f"{hookspecs.PROJECT_NAME}_impl")]

    assert impls, f"{module_name} implements no hook"
    assert set(impls) <= set(HOOKS)


# --------------------------------------------------------------------------- plugins/_template


@pytest.fixture
def template_package(monkeypatch):
    """``labelcore_example`` imported from plugins/_template (which is not installed)."""
    monkeypatch.syspath_prepend(str(TEMPLATE))
    yield importlib.import_module("labelcore_example")
    for name in [name for name in sys.modules if name.split(".")[0] in ("labelcore_example", "template_test_example")]:
        del sys.modules[name]


def test_the_plugin_template_validates_a_config(template_package):
    checker = ConfigChecker(plugin_manager(template_package))

    parsed = checker.parse('<View><Example name="item" value="$text"/></View>')

    assert parsed.objects["item"].tag == "Example"
    assert checker.registry.provider("tags", "Example").plugin == "labelcore_example"


def test_the_plugin_template_tests_pass(template_package):
    spec = importlib.util.spec_from_file_location("template_test_example", TEMPLATE / "tests" / "test_example.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    tests = [value for name, value in vars(module).items() if name.startswith("test_") and callable(value)]

    assert len(tests) >= 3
    for test in tests:
        try:
            test()
        except pytest.skip.Exception:
            pass  # e.g. the entry-point check, when the template is not installed
