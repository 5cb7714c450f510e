"""Models in the loop, end to end in Chromium: attach the bundled YOLO backend to a detection
project from the settings page, get pre-labels on import, correct them on the labeling page,
let uncertainty sampling pick the next task; retrieve and accept predictions from the data
manager; and see why a Label Studio ML server that cannot be reached was refused."""

from __future__ import annotations

import io
import random
import re

import httpx
import pytest
from playwright.sync_api import expect

from labelcore.testing import free_port
from tests.browser.conftest import shot as full_shot

DETECTION = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Circle" background="#e5484d"/>
    <Label value="Square" background="#3e63dd"/>
    <Label value="Triangle" background="#30a46c"/>
  </RectangleLabels>
</View>"""

# generous: the first prediction loads the ONNX model, on a machine other tests share
PREDICTION_TIMEOUT_MS = 90_000


def shot(page, name: str) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    full_shot(page, name)


@pytest.fixture
def api(web_server):
    with httpx.Client(base_url=web_server.url, headers=web_server.headers, timeout=120) as client:
        yield client


def new_project(api, title: str, **settings) -> dict:
    response = api.post("/api/projects", json={"title": title, "label_config": DETECTION, **settings})
    assert response.status_code == 201, response.text
    return response.json()


def shape_images(count: int, min_shapes: int = 2) -> list[dict]:
    """PNG files (Playwright's file payloads) from the YOLO plugin's synthetic generator, each with
    at least ``min_shapes`` shapes, so a correction leaves some predicted boxes behind."""
    from labelcore_ml_yolo.synthetic import draw_image

    files, seed = [], 0
    while len(files) < count:
        seed += 1
        image, shapes = draw_image(random.Random(seed), 320, 240)
        if len(shapes) < min_shapes:
            continue
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        files.append({"name": f"shapes-{seed}.png", "mimeType": "image/png", "buffer": buffer.getvalue()})
    return files


def tasks_of(api, project_id: int) -> list[dict]:
    response = api.get("/api/tasks", params={"project": project_id, "page_size": 100, "fields": "all"})
    assert response.status_code == 200, response.text
    return sorted(response.json()["tasks"], key=lambda task: task["id"])


def rows(page):
    return page.locator("#tasks-table tbody tr[data-task-id]")


def prediction_cells(page):
    """The Predictions column of the task table, as numbers."""
    header = page.locator("#tasks-table thead th").filter(has=page.get_by_role("button", name="Sort by Predictions"))
    index = header.evaluate("th => [...th.parentElement.children].indexOf(th)")
    return rows(page).evaluate_all(f"rows => rows.map(row => Number(row.children[{index}].textContent))")


def attach_yolo_from_the_settings(page, project_id: int) -> None:
    page.goto(f"/projects/{project_id}/settings")
    model = page.locator("#model")
    expect(model).to_have_attribute("data-ready", "true")
    expect(model.locator(".ml-empty")).to_contain_text("No model is connected")
    model.get_by_role("button", name="Add model").click()
    dialog = page.get_by_role("dialog", name="Add model")
    dialog.get_by_label("Kind").select_option(value="yolo")
    expect(dialog.locator("#ml-remote-fields")).to_be_hidden()
    expect(dialog.locator("#ml-settings-fields")).to_be_visible()  # the plugin's settings, defaults filled
    dialog.get_by_label("Title").fill("Shapes YOLO")
    dialog.get_by_role("button", name="Connect").click()
    expect(dialog).to_be_hidden()
    item = model.locator(".ml-item")
    expect(item).to_have_count(1)
    expect(item.locator(".ml-title")).to_have_text("Shapes YOLO")
    expect(item.locator("[data-ml-state]")).to_have_text("Connected")


def test_yolo_prelabels_imported_images_a_correction_is_saved_and_uncertainty_picks_the_next_task(
        signed_in, api, web_server):
    project = new_project(api, "Shapes in the loop")
    page = signed_in

    # attach the bundled model and turn on automatic predictions, all from the settings page
    attach_yolo_from_the_settings(page, project["id"])
    model = page.locator("#model")
    [backend] = api.get("/api/ml", params={"project": project["id"]}).json()
    assert (backend["backend"], backend["title"], backend["state"]) == ("yolo", "Shapes YOLO", "CO")
    version = backend["model_version"]
    expect(model.locator(".ml-version")).to_have_text(f"Model version: {version}")
    model.get_by_label("Retrieve predictions automatically (on import and when a task is opened)").check()
    model.get_by_label("Show predictions of model version").select_option(version)
    model.get_by_label("Train after every N annotations").fill("0")
    model.get_by_role("button", name="Save prediction settings").click()
    expect(page.locator("#ml-options-status")).to_have_text("Saved")
    saved = api.get(f"/api/projects/{project['id']}").json()
    assert (saved["evaluate_predictions_automatically"], saved["model_version"]) == (True, version)
    shot(page, "ml-settings-model-connected")

    # import four synthetic shape images through the import dialog: pre-labels arrive by themselves
    page.goto(f"/projects/{project['id']}")
    page.get_by_role("button", name="Import").click()
    dialog = page.get_by_role("dialog", name="Import tasks")
    dialog.locator("#import-files").set_input_files(shape_images(4))
    dialog.get_by_role("button", name="Import", exact=True).click()
    expect(dialog.locator("#import-result")).to_contain_text("Imported 4 tasks")
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(rows(page)).to_have_count(4)
    # the table refreshes itself while the model works in the background
    expect(page.locator("#totals")).to_contain_text("4 predictions", timeout=PREDICTION_TIMEOUT_MS)
    expect(page.locator("#prelabel-status")).to_be_hidden()
    assert prediction_cells(page) == [1, 1, 1, 1]
    shot(page, "ml-data-manager-prelabeled")

    tasks = tasks_of(api, project["id"])
    scores = {task["id"]: task["predictions"][0]["score"] for task in tasks}
    assert {task["predictions"][0]["model_version"] for task in tasks} == {version}
    assert all(len(task["predictions"][0]["result"]) >= 1 for task in tasks)

    # open the task with the most boxes; the boxes are editable regions from the prediction
    target = max(tasks, key=lambda task: (len(task["predictions"][0]["result"]), -task["id"]))
    predicted = target["predictions"][0]["result"]
    page.locator(f'#tasks-table tr[data-task-id="{target["id"]}"] td.id-col').click()
    expect(page).to_have_url(re.compile(rf"/projects/{project['id']}/label\?task={target['id']}$"))
    expect(page.locator("#labeling-mount")).to_have_attribute("data-state", "ready")
    expect(page.locator(".lc-region-list .lc-origin-prediction")).to_have_count(len(predicted))
    expect(page.locator(".lc-status")).to_contain_text(version)
    page.wait_for_function("() => [...document.querySelectorAll('.lc-stage img')].every(img => img.complete)")
    shot(page, "ml-label-prelabels")

    # correct it: delete one box, relabel another, then submit
    removed, relabelled = predicted[0], predicted[1]
    new_label = next(label for label in ("Circle", "Square", "Triangle")
                     if label not in relabelled["value"]["rectanglelabels"])
    page.locator(f'.lc-region[data-region-id="{removed["id"]}"]').click()
    page.keyboard.press("Backspace")
    expect(page.locator(".lc-region-list .lc-region")).to_have_count(len(predicted) - 1)
    page.locator(f'.lc-region[data-region-id="{relabelled["id"]}"]').click()
    page.locator(f'.lc-tag-rectanglelabels .lc-label[data-value="{new_label}"]').click()
    expect(page.locator(".lc-origin-prediction-changed")).to_have_count(1)
    shot(page, "ml-label-corrected")
    page.locator('[data-action="submit"]').click()
    expect(page.locator("#labeling-root")).to_have_attribute("data-state", "done")

    [annotation] = api.get(f"/api/tasks/{target['id']}/annotations").json()
    saved = {item["id"]: item for item in annotation["result"]}
    assert removed["id"] not in saved
    assert saved[relabelled["id"]]["value"]["rectanglelabels"] == [new_label]
    assert saved[relabelled["id"]]["origin"] == "prediction-changed"
    untouched = [item["id"] for item in predicted[2:]]
    assert all(saved[item]["origin"] == "prediction" for item in untouched)
    assert len(saved) == len(predicted) - 1
    assert annotation["parent_prediction"] == target["predictions"][0]["id"]

    # uncertainty sampling: "Label all tasks" opens the open task the model is least sure of
    page.goto(f"/projects/{project['id']}/settings")
    page.get_by_label("Task order").select_option(value="Uncertainty sampling")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#settings-status")).to_have_text("Saved")
    assert api.get(f"/api/projects/{project['id']}").json()["sampling"] == "Uncertainty sampling"
    page.get_by_role("link", name="Label all tasks").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project['id']}/label$"))
    expect(page.locator("#labeling-mount")).to_have_attribute("data-state", "ready")
    open_scores = {task_id: score for task_id, score in scores.items() if task_id != target["id"]}
    least_sure = min(open_scores, key=lambda task_id: (open_scores[task_id], task_id))
    expect(page.locator(".lc-task-id")).to_have_text(f"Task #{least_sure}")
    assert page.js_errors == []


def test_retrieve_predictions_then_accept_them_as_annotations_from_the_data_manager(signed_in, api, web_server):
    project = new_project(api, "Retrieve and accept")
    created = api.post("/api/ml/", json={"project": project["id"], "backend": "yolo", "title": "YOLO"})
    assert created.status_code == 201, created.text
    files = [("file", (item["name"], item["buffer"], "image/png")) for item in shape_images(3, min_shapes=1)]
    imported = api.post(f"/api/projects/{project['id']}/import", files=files)
    assert imported.status_code == 201, imported.text
    page = signed_in
    page.goto(f"/projects/{project['id']}")
    expect(rows(page)).to_have_count(3)
    assert prediction_cells(page) == [0, 0, 0]

    # two of the three tasks: predictions for those only, with the job's progress shown
    first, second, third = (int(value) for value in rows(page).evaluate_all("rows => rows.map(row => row.dataset.taskId)"))
    page.get_by_role("checkbox", name=f"Select task {first}").check()
    page.get_by_role("checkbox", name=f"Select task {second}").check()
    page.get_by_role("button", name="Actions").click()
    expect(page.get_by_role("menu", name="Actions")).to_contain_text("On 2 selected tasks")
    page.get_by_role("menuitem", name="Retrieve predictions").click()
    dialog = page.get_by_role("dialog", name="Retrieve predictions")
    expect(dialog.locator("#action-progress")).to_be_visible()
    expect(dialog).to_be_hidden(timeout=PREDICTION_TIMEOUT_MS)
    expect(page.locator("#toasts")).to_contain_text("Retrieve predictions")
    expect(page.locator("#totals")).to_contain_text("2 predictions")
    assert prediction_cells(page) == [1, 1, 0]
    shot(page, "ml-dm-retrieved")

    # accept them: each selected task gets an annotation equal to its prediction
    page.get_by_role("button", name="Actions").click()
    page.get_by_role("menuitem", name="Accept predictions as annotations").click()
    dialog = page.get_by_role("dialog", name="Accept predictions as annotations")
    expect(dialog.locator("#action-text")).to_contain_text("each of 2 tasks")
    dialog.get_by_role("button", name="Accept predictions as annotations").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#totals")).to_contain_text("2 annotations")
    tasks = {task["id"]: task for task in tasks_of(api, project["id"])}
    for task_id in (first, second):
        [annotation] = tasks[task_id]["annotations"]
        [prediction] = tasks[task_id]["predictions"]
        assert [item["value"] for item in annotation["result"]] == [item["value"] for item in prediction["result"]]
    assert tasks[third]["annotations"] == [] and tasks[third]["predictions"] == []

    # then delete those predictions again, for every task (nothing selected)
    page.get_by_role("checkbox", name=f"Select task {first}").uncheck()
    page.get_by_role("checkbox", name=f"Select task {second}").uncheck()
    page.get_by_role("button", name="Actions").click()
    expect(page.get_by_role("menu", name="Actions")).to_contain_text("On all 3 tasks")
    page.get_by_role("menuitem", name="Delete predictions").click()
    page.get_by_role("dialog", name="Delete predictions").get_by_role("button", name="Delete predictions").click()
    expect(page.locator("#totals")).to_contain_text("0 predictions")
    assert prediction_cells(page) == [0, 0, 0]
    assert page.js_errors == []


def test_an_ml_server_that_cannot_be_reached_is_refused_with_its_reason_shown(signed_in, api):
    project = new_project(api, "Unreachable model")
    page = signed_in
    page.goto(f"/projects/{project['id']}/settings")
    expect(page.locator("#model")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Add model").click()
    dialog = page.get_by_role("dialog", name="Add model")
    dialog.get_by_label("Kind").select_option(label="Label Studio ML backend (URL)")
    # the URL and basic auth fields are the form's own; the server's other settings come from its schema
    expect(dialog.locator('[data-setting="url"]')).to_have_count(0)
    expect(dialog.locator('[data-setting="batch_size"]')).to_have_value("100")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    dialog.get_by_role("textbox", name="URL").fill(url)
    dialog.get_by_role("button", name="Connect").click()

    error = dialog.locator("#ml-form-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(url)
    expect(dialog).to_be_visible()  # the form stays open with what was typed
    expect(dialog.get_by_role("textbox", name="URL")).to_have_value(url)
    shot(page, "ml-settings-unreachable")
    assert api.get("/api/ml", params={"project": project["id"]}).json() == []
    assert page.js_errors == []


def test_test_edit_and_remove_a_model_from_the_settings(signed_in, api):
    project = new_project(api, "Manage a model")
    files = [("file", (item["name"], item["buffer"], "image/png")) for item in shape_images(1)]
    assert api.post(f"/api/projects/{project['id']}/import", files=files).status_code == 201
    created = api.post("/api/ml", json={"project": project["id"], "backend": "yolo", "title": "YOLO"})
    assert created.status_code == 201, created.text
    page = signed_in
    page.goto(f"/projects/{project['id']}/settings")
    item = page.locator(".ml-item")
    expect(item.locator("[data-ml-state]")).to_have_text("Connected")

    # Test: one prediction of the first task, shown, not stored
    item.get_by_role("button", name="Test").click()
    expect(item.locator(".ml-test-result")).to_contain_text(re.compile(r"The model answered on the first task: [1-9]\d* regions?"))
    assert api.get("/api/predictions", params={"project": project["id"]}).json() == []

    # Edit: the plugin's form shows its settings; only what changed is sent
    item.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog", name="Edit “YOLO”")
    expect(dialog.get_by_label("Kind")).to_be_disabled()
    threshold = dialog.get_by_role("spinbutton", name="Score Threshold")
    expect(threshold).to_have_value("0.25")
    threshold.fill("0.6")
    dialog.get_by_role("textbox", name="Label Map").fill('{"circle": "Circle"}')
    shot(page, "ml-settings-edit")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    [backend] = api.get("/api/ml", params={"project": project["id"]}).json()
    assert backend["settings"] == {"score_threshold": 0.6, "label_map": {"circle": "Circle"}}

    # a value the settings refuse is shown in the form
    item.get_by_role("button", name="Edit").click()
    dialog.get_by_role("spinbutton", name="Score Threshold").fill("7")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#ml-form-error")).to_contain_text("score_threshold")
    dialog.get_by_role("button", name="Cancel").click()

    # Delete, after a confirmation
    item.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Remove model").get_by_role("button", name="Remove").click()
    expect(page.locator(".ml-empty")).to_be_visible()
    assert api.get("/api/ml", params={"project": project["id"]}).json() == []
    assert page.js_errors == []
