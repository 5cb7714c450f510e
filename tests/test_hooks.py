"""Every hook of labelcore/hookspecs.py, shown working as docs/plugin_hooks.md describes it.

One ``test_hook_<name>`` per hook (tests/test_guards.py checks that). Each registers the
``everything`` test plugin (tests/plugins/everything.py) on a fresh manager and reaches the hook
the way the core does: ``register_*`` through ``build_registry``, ``check_config`` through
``parse_config``, ``on_event`` through ``services.events.emit``, and ``register_routes``,
``startup`` and ``handle_exception`` through the app that ``create_app(settings, pm)`` builds.
The ``extra_*`` page hooks are called with ``pm.hook.<name>(...)`` and a real request.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session, SQLModel, create_engine, select
from starlette.requests import Request

from labelcore import (
    EVENTS,
    ConfigError,
    ExportContext,
    ImportContext,
    LabelcoreError,
    MLModel,
    NotFoundError,
    Prediction,
    Storage,
)
from labelcore.app import create_app
from labelcore.config import parse_config
from labelcore.models import Project, Task
from labelcore.registry import static_url
from labelcore.results import validate_results
from labelcore.services.events import emit
from labelcore.testing import plugin_from_file
from labelcore.settings import Settings

PLUGINS_DIR = Path(__file__).parent / "plugins"


def load_test_plugin(name: str):
    """Import ``tests/plugins/<name>.py``; the test folders are not packages (importlib mode)."""
    return plugin_from_file(PLUGINS_DIR / f"{name}.py")


everything = load_test_plugin("everything")
error_pages = load_test_plugin("error_pages")
failing_listener = load_test_plugin("failing_listener")


@pytest.fixture
def pm(pm):
    """The conftest manager (core's builtins only) plus the ``everything`` plugin."""
    pm.register(everything, name="everything")
    pm.check_pending()
    return pm


@pytest.fixture
def parsed(registry, pm):
    return parse_config(everything.EXAMPLE_CONFIG, registry, pm)


@pytest.fixture
def app(pm, tmp_path):
    """The web app built around ``pm``, on a SQLite database in a temporary data folder."""
    return create_app(Settings(data_dir=tmp_path), pm)


def page_request(query: bytes = b"") -> Request:
    return Request({"type": "http", "method": "GET", "path": "/projects/1/label", "query_string": query,
                    "headers": []})


def shade_item(shade: object) -> dict:
    return {"id": "r1", "from_name": "shade", "to_name": "color", "type": "shade", "value": {"shade": shade}}


# --------------------------------------------------------------------------- register_*


def test_hook_register_tags(registry, pm):
    provided = registry.provider("tags", "Swatch")
    assert (provided.plugin, provided.dist) == ("everything", "everything")
    assert registry.provided_by("everything")["tags"] == ["Shade", "Swatch"]

    parsed = parse_config(everything.EXAMPLE_CONFIG, registry, pm)
    assert parsed.objects["color"].tag == "Swatch"
    assert parsed.controls["shade"].spec.result_type == "shade"
    assert parsed.data_keys == ["color"]

    # The control's value model and check_value judge results written against the config.
    assert validate_results([shade_item(7)], parsed) == []
    assert [issue.message for issue in validate_results([shade_item(11)], parsed)] == ["shade 11 is above max=10"]
    assert "value.shade" in validate_results([shade_item("dark")], parsed)[0].message

    # Attributes are typed by the tag's attribute model, with line numbers on errors.
    with pytest.raises(ConfigError) as caught:
        parse_config('<View>\n  <Swatch name="c" value="$c"/>\n  <Shade name="s" toName="c" max="0"/>\n</View>',
                     registry, pm)
    assert caught.value.issues[0].line == 3
    assert caught.value.issues[0].attribute == "max"


def test_hook_register_importers(registry):
    importer = registry.importers["COLORS"]
    assert registry.provider("importers", "COLORS").plugin == "everything"
    colors = b"".join(b"#%06x\n" % n for n in range(10_000))
    stream = io.BytesIO(colors)

    tasks = importer.parse(stream, ImportContext(file_name="palette.colors", data_keys=("color",)))

    # A generator: the first task is ready after reading the first line, not the whole file.
    assert next(tasks) == {"data": {"color": "#000000"}}
    assert stream.tell() < len(colors)
    assert sum(1 for _ in tasks) == 9_999

    bad = importer.parse(io.BytesIO(b"#ffffff\n\nnot-a-colour\n"), ImportContext(file_name="palette.colors"))
    with pytest.raises(LabelcoreError, match=r"palette.colors: line 3: 'not-a-colour'"):
        list(bad)


def test_hook_register_exporters(registry, pm, parsed):
    exporter = registry.exporters["SHADES_JSONL"]
    assert registry.provider("exporters", "SHADES_JSONL").plugin == "everything"
    assert exporter.supports(parsed) is None
    unrated = parse_config('<View><Swatch name="c" value="$c"/></View>', registry, pm)
    assert exporter.supports(unrated) == "needs a <Shade> control"

    log: list[str] = []

    def task_rows():
        for task_id in range(1, 4):
            log.append(f"read task {task_id}")
            yield {"id": task_id, "data": {"color": "#336699"},
                   "annotations": [{"result": [shade_item(task_id)]}]}

    class LoggedStream(io.BytesIO):
        def write(self, data):
            log.append("write")
            return super().write(data)

    stream = LoggedStream()
    exporter.export(task_rows(), stream, ExportContext(project_id=7, config=parsed))

    # Streaming: each task is written before the next one is read.
    assert log == ["read task 1", "write", "read task 2", "write", "read task 3", "write"]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0] == {"id": 1, "project": 7, "data": {"color": "#336699"}, "shades": [1]}
    assert [line["shades"] for line in lines] == [[1], [2], [3]]


def test_hook_register_storages(registry):
    spec = registry.storages["memory"]
    assert registry.provider("storages", "memory").plugin == "everything"
    with pytest.raises(ValidationError):
        spec.settings_model()  # the bucket is required

    storage = spec.factory(spec.settings_model(bucket="exports"))
    assert isinstance(storage, Storage)
    storage.write("2024/project-1.json", io.BytesIO(b"[]"))
    storage.write("2024/project-2.json", io.BytesIO(b"[{}]"))

    assert list(storage.list_keys("2024/")) == ["2024/project-1.json", "2024/project-2.json"]
    assert storage.open("2024/project-2.json").read() == b"[{}]"
    assert storage.resolve_url("2024/project-1.json") == "data:application/octet-stream;base64,W10="
    assert storage.resolve_url("missing.json") is None
    with pytest.raises(NotFoundError):
        storage.open("missing.json")


def io_unused(url):
    raise AssertionError(f"constant_shade reads no media, yet asked for {url}")


def test_hook_register_ml_backends(registry, parsed):
    spec = registry.ml_backends["constant_shade"]
    assert registry.provider("ml_backends", "constant_shade").plugin == "everything"

    model = spec.factory(spec.settings_model(shade=3))
    assert isinstance(model, MLModel)
    model.setup(parsed, media=io_unused)
    predictions = model.predict([{"id": 1, "data": {"color": "#000000"}}, {"id": 2, "data": {"color": "#ffffff"}}])

    assert len(predictions) == 2
    assert all(isinstance(prediction, Prediction) for prediction in predictions)
    assert predictions[0].model_version == "constant-1"
    # The predicted result fits the config it was set up with.
    assert validate_results(predictions[0].result, parsed) == []
    assert model.health() == {"status": "UP", "model_class": "ConstantShadeModel"}


def test_hook_register_config_templates(registry, pm):
    template = registry.config_templates["swatch-shades"]
    assert registry.provider("config_templates", "swatch-shades").plugin == "everything"
    assert (template.title, template.group) == ("Rate colour shades", "Colour")

    # A template's config parses with the tags installed, and its sample data feeds every field.
    parsed = parse_config(template.config, registry, pm)
    assert parsed.missing_data_keys(template.sample_data) == []


def test_hook_register_samplers(registry):
    sampler = registry.samplers["Balanced sampling"]
    assert registry.provider("samplers", "Balanced sampling").plugin == "everything"
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        project = Project(id=1, sampling="Balanced sampling")
        session.add(project)
        for inner_id, total_annotations in enumerate([2, 0, 1, 0], start=1):
            session.add(Task(id=inner_id, project_id=1, inner_id=inner_id, data={"color": "#000000"},
                             total_annotations=total_annotations))
        session.commit()

        # order_by returns ORDER BY clauses over Task: /next stays one indexed query.
        query = select(Task.id).where(Task.project_id == project.id).order_by(*sampler.order_by(project))
        assert session.exec(query).all() == [2, 4, 3, 1]


def test_hook_register_routes(app):
    with TestClient(app) as client:
        response = client.get("/plugins/everything/swatches/336699")

    assert response.status_code == 200
    assert response.json() == {"color": "#336699", "tags": ["Swatch", "Shade"]}


# --------------------------------------------------------------------------- extra_* (per page)


def test_hook_extra_js_urls(pm):
    # Not firstresult: one list per plugin that answered; plugins returning None are left out.
    assert pm.hook.extra_js_urls(template="labeling.html", request=page_request()) == [
        ["/plugins/everything/static/swatch.js"]
    ]
    assert pm.hook.extra_js_urls(template="projects.html", request=page_request()) == []
    assert static_url("everything", "swatch.js") == "/plugins/everything/static/swatch.js"


def test_hook_extra_css_urls(pm):
    assert pm.hook.extra_css_urls(template="labeling.html", request=page_request()) == [
        ["/plugins/everything/static/swatch.css"]
    ]
    assert pm.hook.extra_css_urls(template="projects.html", request=page_request()) == []


def test_hook_extra_template_vars(pm):
    assert pm.hook.extra_template_vars(template="labeling.html", request=page_request(b"theme=dark")) == [
        {"swatch_theme": "dark"}
    ]
    assert pm.hook.extra_template_vars(template="projects.html", request=page_request()) == [
        {"swatch_theme": "light"}
    ]


# --------------------------------------------------------------------------- lifecycle


def test_hook_startup(app):
    assert not hasattr(app.state, "swatch_module")

    with TestClient(app):  # the app starts: its lifespan calls startup(app=app)
        assert app.state.swatch_module == "/plugins/everything/static/swatch.js"


def test_hook_check_config(registry, pm):
    twice = """<View>
  <Swatch name="color" value="$color"/>
  <Shade name="light" toName="color"/>
  <Shade name="dark" toName="color"/>
</View>"""
    with pytest.raises(ConfigError) as caught:
        parse_config(twice, registry, pm)
    [issue] = caught.value.issues
    assert (issue.line, issue.tag, issue.severity) == (4, "Shade", "error")
    assert issue.message == "<Swatch name='color'> is already rated by 'light'"

    unrated = parse_config('<View>\n  <Swatch name="color" value="$color"/>\n</View>', registry, pm)
    assert [(w.line, w.message) for w in unrated.warnings] == [(2, "no <Shade> rates <Swatch name='color'>")]

    # Without a plugin manager, parse_config runs only the per-tag checks.
    assert parse_config(twice, registry).controls.keys() == {"light", "dark"}


def test_hook_on_event(pm, caplog):
    everything.RECEIVED_EVENTS.clear()
    pm.register(failing_listener.FailingListener())
    payload = {"action": "ANNOTATION_CREATED", "project": {"id": 1}, "task": {"id": 2},
               "annotation": {"id": 3, "result": [shade_item(4)]}}

    with caplog.at_level(logging.ERROR):
        emit(pm, "ANNOTATION_CREATED", payload)

    assert everything.RECEIVED_EVENTS == [("ANNOTATION_CREATED", payload)]
    # A failing listener is logged by name and does not stop the others.
    assert "plugin 'failing_listener' failed in on_event(ANNOTATION_CREATED)" in caplog.text
    assert "ANNOTATION_CREATED" in EVENTS
    json.dumps(payload)  # payloads are JSON-serialisable, so webhooks forward them as they are
    with pytest.raises(ValueError, match="unknown event"):
        emit(pm, "ANNOTATION_MADE", payload)


def test_hook_handle_exception(pm, tmp_path):
    catch_all = error_pages.CatchAll()
    for plugin in (catch_all, error_pages.Silent(), error_pages.Crashing()):
        pm.register(plugin)

    def get(path: str):
        with TestClient(create_app(Settings(data_dir=tmp_path), pm), raise_server_exceptions=False) as client:
            return client.get(path)

    # firstresult: the first non-None answer wins and later implementations are not called.
    response = get("/plugins/everything/swatches/teal")
    assert response.status_code == 422
    assert response.json() == {"detail": "'#teal' is not a #rrggbb colour", "path": "/plugins/everything/swatches/teal"}
    assert catch_all.seen == []

    # Every other plugin returns None for a ZeroDivisionError: the trylast fallback answers.
    response = get("/plugins/crashing/ratio")
    assert (response.status_code, response.json()) == (500, {"detail": "Something went wrong (ZeroDivisionError)"})
    assert [type(exc) for exc in catch_all.seen] == [ZeroDivisionError]

    # When no plugin answers, labelcore sends its own 500.
    pm.unregister(catch_all)
    response = get("/plugins/crashing/ratio")
    assert (response.status_code, response.json()) == (500, {"status_code": 500, "detail": "Internal server error"})
