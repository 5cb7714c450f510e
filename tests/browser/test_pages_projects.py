"""The projects page, the create dialog's template gallery, the config editor's live validation and
preview, the settings form and the demo project, in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from labelcore.testing import LiveServer
from tests.browser.conftest import shot as full_shot


def shot(page, name: str) -> None:
    """A full-page screenshot taken from the top (a sticky header otherwise lands mid-page)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    full_shot(page, name)


ENGINE = Path(__file__).resolve().parents[2] / "labelcore" / "web" / "static" / "editor" / "engine.js"


def _renders(tag: str) -> bool:
    """Whether the installed plugins ship a browser module for ``tag``."""
    from labelcore.plugins import create_plugin_manager
    from labelcore.registry import build_registry

    provided = build_registry(create_plugin_manager()).provider("tags", tag)
    return provided is not None and provided.spec.module is not None


needs_engine = pytest.mark.xfail(not (ENGINE.exists() and _renders("Text") and _renders("Choices")), strict=False,
                                 reason="the preview's content needs the labeling engine (/static/editor/engine.js, "
                                        "mountLabeling) and the Text and Choices renderers, built in parallel")

BAD_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Rectangles name="box" toName="image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car"/>
  </RectangleLabels>
</View>"""

GOOD_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
  </Choices>
</View>"""


def api_project(web_server, title: str, config: str = GOOD_CONFIG) -> dict:
    with httpx.Client(base_url=web_server.url, headers=web_server.headers) as client:
        response = client.post("/api/projects", json={"title": title, "label_config": config})
    assert response.status_code == 201, response.text
    return response.json()


def project_config(web_server, project_id: int) -> str:
    with httpx.Client(base_url=web_server.url, headers=web_server.headers) as client:
        return client.get(f"/api/projects/{project_id}").json()["label_config"]


def create_from_gallery(page, title: str, group: str, template: str) -> int:
    page.goto("/projects")
    page.get_by_role("button", name="Create project").first.click()
    dialog = page.get_by_role("dialog", name="Create project")
    dialog.get_by_label("Project name").fill(title)
    dialog.get_by_label("Description").fill(f"{template}, made in the browser test")
    dialog.get_by_role("button", name="Next").click()
    dialog.get_by_role("tab", name=re.compile(f"^{group}")).click()
    dialog.get_by_role("button", name=re.compile(f"^{template}")).click()
    shot(page, f"create-gallery-{group.lower().replace(' ', '-')}")
    dialog.get_by_role("button", name="Next").click()
    expect(dialog.get_by_text("✓ The config is valid")).to_be_visible()
    expect(dialog.locator("#config-preview")).to_have_attribute("data-state", re.compile("^(rendered|engine-missing|error)$"))
    shot(page, f"create-config-{group.lower().replace(' ', '-')}")
    dialog.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    return int(page.url.rsplit("/", 1)[1])


def test_create_an_object_detection_project_from_the_gallery(signed_in, web_server):
    project_id = create_from_gallery(signed_in, "Street objects", "Computer Vision",
                                     "Object detection with bounding boxes")

    config = project_config(web_server, project_id)
    assert "<RectangleLabels" in config and '<Image name="image" value="$image"' in config
    expect(signed_in.get_by_text("No tasks yet.")).to_be_visible()
    shot(signed_in, "data-manager-empty")
    assert signed_in.js_errors == []


def test_create_a_named_entity_project_from_the_gallery(signed_in, web_server):
    project_id = create_from_gallery(signed_in, "News entities", "Natural Language Processing",
                                     "Named entity recognition")

    assert '<Labels name="label" toName="text">' in project_config(web_server, project_id)
    signed_in.goto("/projects")
    card = signed_in.locator(f"[data-project-id='{project_id}']")
    expect(card).to_contain_text("News entities")
    expect(card).to_contain_text("Tasks")
    shot(signed_in, "projects")
    assert signed_in.js_errors == []


def test_a_project_needs_a_name_and_a_custom_config_is_checked_before_creation(signed_in):
    page = signed_in
    page.goto("/projects")
    page.get_by_role("button", name="Create project").first.click()
    dialog = page.get_by_role("dialog", name="Create project")
    dialog.get_by_role("button", name="Next").click()
    expect(dialog.get_by_role("alert")).to_have_text("Give the project a name.")

    dialog.get_by_label("Project name").fill("Hand-written config")
    dialog.get_by_role("button", name="Next").click()
    dialog.get_by_role("tab", name=re.compile("^Custom")).click()
    dialog.get_by_role("button", name=re.compile("^Custom config")).click()
    dialog.get_by_role("button", name="Next").click()
    editor = dialog.locator("textarea.config-xml")
    editor.fill("<View>\n  <Text name='text' value='$text'/>\n  <Choices name='c' toName='nowhere'>\n"
                "    <Choice value='A'/>\n  </Choices>\n</View>")

    expect(dialog.locator("[data-testid=config-errors]")).to_contain_text("Line 3")
    expect(dialog.get_by_role("button", name="Create project")).to_be_disabled()
    editor.fill(GOOD_CONFIG)
    expect(dialog.get_by_text("✓ The config is valid")).to_be_visible()
    dialog.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))


def test_the_config_editor_shows_a_bad_configs_line_and_accepts_a_good_one(signed_in, web_server):
    project = api_project(web_server, "Config editor")
    page = signed_in
    page.goto(f"/projects/{project['id']}/settings")
    editor = page.locator("textarea.config-xml")
    expect(page.get_by_text("✓ The config is valid")).to_be_visible()

    editor.fill(BAD_CONFIG)

    errors = page.locator("[data-testid=config-errors]")
    expect(errors).to_contain_text("Line 3")
    expect(errors).to_contain_text("Rectangles")
    expect(page.locator(".code-gutter [data-line='3']")).to_have_class("error")
    expect(page.locator(".code-gutter .error")).to_have_count(1)
    expect(page.get_by_role("button", name="Save config")).to_be_disabled()
    shot(page, "settings-config-error")

    errors.get_by_role("button", name="Line 3").click()
    assert page.evaluate("() => { const t = document.querySelector('textarea.config-xml');"
                         " return t.value.slice(t.selectionStart, t.selectionEnd) }").strip() \
        == '<Rectangles name="box" toName="image"/>'

    editor.fill(GOOD_CONFIG.replace("Negative", "Mixed"))
    expect(page.get_by_text("✓ The config is valid")).to_be_visible()
    expect(page.locator(".code-gutter .error")).to_have_count(0)
    preview = page.locator("#config-preview")
    expect(preview).to_have_attribute("data-state", re.compile("^(rendered|engine-missing)$"))
    page.get_by_role("button", name="Save config").click()
    expect(page.locator("#config-status")).to_have_text("Saved")
    assert "Mixed" in project_config(web_server, project["id"])
    shot(page, "settings")
    assert page.js_errors == []


@needs_engine
def test_the_preview_renders_the_config_on_a_sample_task(signed_in, web_server):
    project = api_project(web_server, "Preview")
    signed_in.goto(f"/projects/{project['id']}/settings")

    preview = signed_in.locator("#config-preview")
    expect(preview).to_have_attribute("data-state", "rendered")
    expect(preview).to_contain_text("Positive")
    expect(preview).to_contain_text("Labelcore ships as a small core")  # the sample task's text


def test_the_settings_form_saves_what_annotators_see(signed_in, web_server):
    project = api_project(web_server, "Settings form")
    page = signed_in
    page.goto(f"/projects/{project['id']}/settings")

    page.get_by_label("Project name").fill("Settings saved")
    page.get_by_label("Instructions for annotators").fill("Read the whole text first.")
    page.get_by_label("Annotations per task (overlap)").fill("3")
    page.get_by_label("Task order").select_option(label="Uniform random")
    page.get_by_label("Annotators may skip tasks").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator("#settings-status")).to_have_text("Saved")
    with httpx.Client(base_url=web_server.url, headers=web_server.headers) as client:
        saved = client.get(f"/api/projects/{project['id']}").json()
    assert (saved["title"], saved["expert_instruction"], saved["maximum_annotations"], saved["sampling"],
            saved["show_skip_button"]) == ("Settings saved", "Read the whole text first.", 3, "Uniform sampling", False)

    page.get_by_label("Annotations per task (overlap)").fill("0")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#settings-error")).to_contain_text("at least 1")
    assert page.js_errors == []


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    """A server with no project yet (the shared one fills up with the other tests' projects)."""
    with LiveServer(tmp_path_factory.mktemp("empty")) as server:
        yield server


def test_the_empty_projects_page_offers_a_demo_project_that_opens(browser, empty_server):
    context = browser.new_context(base_url=empty_server.url, viewport={"width": 1360, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        assert page.request.post("/api/auth/login", data={"email": empty_server.email,
                                                          "password": empty_server.password}).ok
        page.goto("/projects")
        expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()
        shot(page, "projects-empty")

        page.get_by_role("button", name="Create a demo project").click()

        expect(page).to_have_url(re.compile(r"/projects/\d+$"))
        expect(page.get_by_role("heading", name="Demo: shapes detection")).to_be_visible()
        rows = page.locator("#tasks-table tbody tr")
        expect(rows).to_have_count(12)
        thumbnail = rows.first.locator("img.thumb")
        expect(thumbnail).to_be_visible()
        page.wait_for_function("() => [...document.querySelectorAll('img.thumb')].every(img => img.complete)")
        assert thumbnail.evaluate("img => img.naturalWidth") == 480
        expect(page.locator("#totals")).to_contain_text("12 tasks")
        expect(page.locator("#totals")).to_contain_text("12 predictions")
        shot(page, "demo-data-manager")

        page.get_by_role("link", name="Label all tasks").click()
        expect(page).to_have_url(re.compile(r"/projects/\d+/label$"))
        expect(page.locator("#task-title")).to_have_text(re.compile(r"^Task #\d+$"))
        expect(page.locator("#labeling-root")).to_have_attribute("data-state", re.compile("^(labeling|engine-missing)$"))
        if ENGINE.exists():
            expect(page.locator("#labeling-mount")).to_have_attribute("data-state", "ready")
        shot(page, "demo-label")

        page.goto("/projects")
        expect(page.locator("[data-project-id]")).to_have_count(1)
        expect(page.locator("[data-project-id]")).to_contain_text("12")
        assert errors == []
    finally:
        context.close()
