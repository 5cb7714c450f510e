"""The engine around the tags: draft autosave and restore, updating an existing annotation,
skipping, preview mode, the keyboard, and the real labeling page mounting it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.labeling_support import Api, drag, image_point, open_labeling, results, upload_png

SENTIMENT = """<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" showInline="true">
    <Choice value="Positive"/><Choice value="Negative"/>
  </Choices>
</View>"""


@pytest.fixture
def api(web_server):
    return Api(web_server)


def test_work_in_progress_is_saved_as_a_draft_and_restored(signed_in, api):
    project, [task] = api.project(SENTIMENT, [{"text": "Lovely day."}])
    page = open_labeling(signed_in, api, project, task)
    with page.expect_response(lambda response: response.url.endswith(f"/api/tasks/{task['id']}/drafts")
                              and response.request.method == "POST") as created:
        page.get_by_label("Positive").check()
    assert created.value.status == 201
    with page.expect_response(lambda response: "/api/drafts/" in response.url
                              and response.request.method == "PATCH") as updated:
        page.get_by_label("Negative").check()
    assert updated.value.ok
    expect(page.locator(".lc-status")).to_have_text("Draft saved")
    [draft] = api.get(f"/api/tasks/{task['id']}/drafts")
    assert draft["result"][0]["value"] == {"choices": ["Negative"]}
    assert draft["lead_time"] > 0

    page = open_labeling(signed_in, api, project, task, draft=draft)
    expect(page.get_by_label("Negative")).to_be_checked()
    expect(page.locator(".lc-status")).to_have_text("Restored your draft")
    page.locator('[data-action="submit"]').click()
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    assert annotation["result"][0]["value"] == {"choices": ["Negative"]}
    assert annotation["lead_time"] >= draft["lead_time"]
    assert api.get(f"/api/tasks/{task['id']}/drafts") == []  # the submit carried draft_id
    assert page.js_errors == []


def test_an_existing_annotation_is_updated_in_place(signed_in, api):
    project, [task] = api.project(SENTIMENT, [{"text": "Meh."}])
    existing = api.post(f"/api/tasks/{task['id']}/annotations", {"lead_time": 2.5, "result": [
        {"id": "keep-me", "from_name": "sentiment", "to_name": "text", "type": "choices",
         "value": {"choices": ["Positive"]}, "origin": "manual"}]})
    page = open_labeling(signed_in, api, project, task, annotation=existing)
    expect(page.locator('[data-action="submit"]')).to_have_text("Update")
    expect(page.locator('[data-action="skip"]')).to_be_hidden()
    expect(page.get_by_label("Positive")).to_be_checked()
    page.get_by_label("Negative").check()
    page.locator('[data-action="submit"]').click()
    expect(page.locator(".lc-toast")).to_have_text("Annotation updated")
    expect(page.locator("#mount")).to_have_attribute("data-state", "ready")  # an update stays on the task

    [annotation] = api.annotations(task["id"])
    assert annotation["id"] == existing["id"]
    assert annotation["result"] == [{"id": "keep-me", "from_name": "sentiment", "to_name": "text",
                                     "type": "choices", "value": {"choices": ["Negative"]}, "origin": "manual"}]
    assert annotation["lead_time"] > 2.5
    assert page.js_errors == []


def test_skip_saves_a_cancelled_annotation_and_moves_on(signed_in, api):
    project, tasks = api.project(SENTIMENT, [{"text": "One."}, {"text": "Two."}])
    page = open_labeling(signed_in, api, project, tasks[0])
    page.get_by_label("Positive").check()
    page.keyboard.press("Control+Space")
    page.wait_for_function("() => window.submitted.length === 1")
    detail = page.evaluate("() => window.submitted[0]")
    assert detail["cancelled"] is True
    assert detail["annotation"]["was_cancelled"] is True and detail["annotation"]["result"] == []
    # the default after a skip: the next task of the stream, mounted in place
    expect(page.locator(".lc-task-id")).to_have_text(re.compile(r"^Task #\d+$"))
    expect(page.locator(".lc-text")).to_have_text("Two.")
    expect(page.get_by_label("Positive")).not_to_be_checked()
    assert page.js_errors == []


def test_preview_mode_labels_but_saves_nothing(signed_in, api):
    project, [task] = api.project(SENTIMENT, [{"text": "Preview me."}])
    page = open_labeling(signed_in, api, project, task, mode="preview", task={"id": None, "data": task["data"]})
    expect(page.locator('[data-action="submit"]')).to_have_count(0)
    expect(page.locator(".lc-task-id")).to_have_text("Preview")
    page.get_by_label("Positive").check()
    page.keyboard.press("Control+Enter")
    assert results(page)[0]["value"] == {"choices": ["Positive"]}
    page.wait_for_timeout(1800)  # longer than the draft delay
    assert api.get(f"/api/tasks/{task['id']}/drafts") == []
    assert api.annotations(task["id"]) == []
    assert page.js_errors == []


def test_the_keyboard_help_lists_the_hotkeys(signed_in, api, web_server):
    image = upload_png(web_server, "keys.png", 320, 240)
    xml = """<View>
      <Image name="image" value="$image"/>
      <RectangleLabels name="box" toName="image"><Label value="Cat" hotkey="c"/><Label value="Dog"/></RectangleLabels>
    </View>"""
    project, [task] = api.project(xml, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)
    page.get_by_role("button", name="Keyboard shortcuts").click()
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_contain_text("box: Cat")
    expect(dialog).to_contain_text("Submit")
    expect(dialog).to_contain_text("Undo")
    page.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    page.keyboard.press("c")
    drag(page, image_point(page, 10, 10), image_point(page, 30, 30))
    page.keyboard.press("1")  # Dog: the first free digit
    drag(page, image_point(page, 50, 50), image_point(page, 70, 80))
    assert [item["value"]["rectanglelabels"] for item in results(page)] == [["Cat"], ["Dog"]]
    page.locator(".lc-region").first.click()
    page.keyboard.press("Alt+h")
    expect(page.locator(".lc-region.lc-is-hidden")).to_have_count(1)
    expect(page.locator(".lc-overlay .lc-region-shape")).to_have_count(1)
    page.keyboard.press("Alt+l")
    page.keyboard.press("Delete")  # locked: stays
    expect(page.locator(".lc-region")).to_have_count(2)
    page.keyboard.press("Escape")
    expect(page.locator(".lc-region.lc-selected")).to_have_count(0)
    assert page.js_errors == []


def test_the_labeling_page_mounts_the_engine_and_submits(signed_in, api, web_server):
    image = upload_png(web_server, "page.png", 400, 300)
    xml = """<View>
      <Image name="image" value="$image"/>
      <RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels>
    </View>"""
    project, tasks = api.project(xml, [{"image": image}, {"image": image}])
    page = signed_in
    page.goto(f"/projects/{project['id']}/label")
    mount = page.locator("#labeling-mount")
    expect(mount).to_have_attribute("data-state", "ready")
    page.keyboard.press("1")
    drag(page, image_point(page, 20, 20), image_point(page, 60, 60))
    expect(page.locator(".lc-region")).to_have_count(1)
    shot(page, "labeling-page")
    title = page.locator("#task-title").text_content()
    page.locator('[data-action="submit"]').click()
    expect(page.locator("#task-title")).not_to_have_text(title)  # the page moved on to the next task
    expect(page.locator("#labeling-mount")).to_have_attribute("data-state", "ready")
    expect(page.locator(".lc-region")).to_have_count(0)
    saved = [annotation for task in tasks for annotation in api.annotations(task["id"])]
    assert len(saved) == 1
    [box] = saved[0]["result"]
    assert box["value"]["rectanglelabels"] == ["Car"]
    assert abs(box["value"]["x"] - 20) <= 0.5 and abs(box["value"]["width"] - 40) <= 0.5
    assert page.js_errors == []


def test_instructions_are_shown_sanitized(signed_in, api):
    project, [task] = api.project(SENTIMENT, [{"text": "Read the rules first."}],
                                  expert_instruction='<h3>Rules</h3><p>Pick <b>one</b> sentiment.</p>'
                                                     '<script>window.pwned = true</script>'
                                                     '<img src="/x.png" onerror="window.pwned = true">',
                                  show_instruction=True)
    page = open_labeling(signed_in, api, project, task)
    instructions = page.locator(".lc-instructions")
    expect(instructions).to_have_attribute("open", "")
    expect(instructions).to_contain_text("Pick one sentiment.")
    assert instructions.locator("script").count() == 0
    assert instructions.locator("img").get_attribute("onerror") is None
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.pwned") is None
    shot(page, "labeling-instructions")
    assert page.js_errors == []


def test_the_labeling_page_runs_nothing_from_hostile_task_html(signed_in, api):
    xml = """<View>
      <HyperTextLabels name="tags" toName="page"><Label value="Quote"/></HyperTextLabels>
      <HyperText name="page" value="$html"/>
      <Text name="plain" value="$html"/>
    </View>"""
    hostile = ('</script><script>window.pwned = 1</script><img src="/nope.png" onerror="window.pwned = 2">'
               '<p>Quoted <i>text</i></p>')
    project, [task] = api.project(xml, [{"html": hostile}])
    page = signed_in
    page.goto(f"/projects/{project['id']}/label?task={task['id']}")
    expect(page.locator("#labeling-mount")).to_have_attribute("data-state", "ready")
    expect(page.locator(".lc-hypertext")).to_contain_text("Quoted text")
    expect(page.locator(".lc-text")).to_contain_text("<script>window.pwned = 1</script>")  # shown as text
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.pwned") is None
    assert page.js_errors == []
