"""Labeling images in a real browser: draw rectangles, polygons, key points, ellipses and brush
masks, edit them, and read the saved annotation back through the API in Label Studio's format."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from labelcore_tags_image import rle
from tests.browser.conftest import shot
from tests.browser.labeling_support import (
    Api, by_type, config_tree, drag, image_point, open_labeling, results, upload_png,
)

WIDTH, HEIGHT = 400, 300

DETECTION = """<View>
  <Header value="Mark the objects"/>
  <Image name="image" value="$image" brightnessControl="true" contrastControl="true"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car" background="#e5484d"/><Label value="Person" background="#3e63dd"/>
  </RectangleLabels>
  <PolygonLabels name="area" toName="image"><Label value="Road" background="#30a46c"/></PolygonLabels>
  <KeyPointLabels name="point" toName="image"><Label value="Wheel" background="#f76b15"/></KeyPointLabels>
  <Choices name="weather" toName="image" choice="single" showInline="true">
    <Choice value="Sunny"/><Choice value="Rainy"/>
  </Choices>
</View>"""


@pytest.fixture
def api(web_server):
    return Api(web_server)


def near(actual: float, expected: float, tolerance: float = 0.5) -> bool:
    return abs(actual - expected) <= tolerance


def assert_near(value: dict, expected: dict, tolerance: float = 0.5) -> None:
    for key, wanted in expected.items():
        assert near(value[key], wanted, tolerance), f"{key}: {value[key]} is not within {tolerance} of {wanted}"


def test_draw_a_rectangle_a_polygon_and_a_keypoint_then_submit(signed_in, api, web_server):
    image = upload_png(web_server, "street.png", WIDTH, HEIGHT)
    project, [task] = api.project(DETECTION, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)

    page.locator('.lc-tag-rectanglelabels .lc-label[data-value="Car"]').click()
    expect(page.locator('.lc-image-toolbar [data-tool="box"]')).to_have_attribute("aria-pressed", "true")
    drag(page, image_point(page, 10, 20), image_point(page, 50, 60))
    expect(page.locator(".lc-region")).to_have_count(1)

    page.locator('.lc-tag-polygonlabels .lc-label[data-value="Road"]').click()
    for x, y in [(60, 60), (90, 60), (90, 95), (60, 95)]:
        page.mouse.click(*image_point(page, x, y))
    page.mouse.click(*image_point(page, 60, 60))  # back on the first point closes the polygon
    expect(page.locator(".lc-region")).to_have_count(2)

    page.keyboard.press("4")  # Wheel: labels without a hotkey get 1, 2, 3... in document order
    page.mouse.click(*image_point(page, 75, 25))
    expect(page.locator(".lc-region")).to_have_count(3)

    page.get_by_label("Sunny").check()
    expect(page.locator(".lc-region-list")).to_contain_text("Car")
    shot(page, "labeling-image")

    page.locator('[data-action="submit"]').click()
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")

    [annotation] = api.annotations(task["id"])
    result = annotation["result"]
    assert annotation["lead_time"] > 0
    assert len(result) == 4
    [box] = by_type(result, "rectanglelabels")
    assert {key: box[key] for key in ("from_name", "to_name", "origin", "original_width", "original_height",
                                      "image_rotation")} == {
        "from_name": "box", "to_name": "image", "origin": "manual", "original_width": WIDTH,
        "original_height": HEIGHT, "image_rotation": 0}
    assert set(box["value"]) == {"x", "y", "width", "height", "rotation", "rectanglelabels"}
    assert box["value"]["rectanglelabels"] == ["Car"] and box["value"]["rotation"] == 0
    assert_near(box["value"], {"x": 10, "y": 20, "width": 40, "height": 40})
    assert isinstance(box["id"], str) and len(box["id"]) >= 6

    [polygon] = by_type(result, "polygonlabels")
    assert polygon["from_name"] == "area" and polygon["value"]["polygonlabels"] == ["Road"]
    assert polygon["value"]["closed"] is True
    assert len(polygon["value"]["points"]) == 4
    for (x, y), (wx, wy) in zip(polygon["value"]["points"], [(60, 60), (90, 60), (90, 95), (60, 95)]):
        assert near(x, wx) and near(y, wy)

    [point] = by_type(result, "keypointlabels")
    assert point["value"]["keypointlabels"] == ["Wheel"]
    assert_near(point["value"], {"x": 75, "y": 25})
    assert point["value"]["width"] == pytest.approx(2 / WIDTH * 100)
    assert set(point) == {"id", "from_name", "to_name", "type", "value", "origin", "original_width",
                          "original_height", "image_rotation"}

    [weather] = by_type(result, "choices")
    assert {key: weather[key] for key in ("from_name", "to_name", "type", "value", "origin")} == {
        "from_name": "weather", "to_name": "image", "type": "choices", "value": {"choices": ["Sunny"]},
        "origin": "manual"}
    assert page.js_errors == []


def test_move_resize_rotate_and_undo_redo_a_rectangle(signed_in, api, web_server):
    image = upload_png(web_server, "edit.png", WIDTH, HEIGHT)
    project, [task] = api.project(DETECTION, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)

    page.keyboard.press("1")  # Car
    drag(page, image_point(page, 20, 20), image_point(page, 40, 50))
    expect(page.locator(".lc-region")).to_have_count(1)

    page.locator('[data-tool="select"]').click()
    drag(page, image_point(page, 30, 35), image_point(page, 40, 45))  # grab the middle: move by +10, +10
    [box] = results(page)
    assert_near(box["value"], {"x": 30, "y": 30, "width": 20, "height": 30})

    drag(page, image_point(page, 50, 60), image_point(page, 60, 70))  # bottom-right handle
    [box] = results(page)
    assert_near(box["value"], {"x": 30, "y": 30, "width": 30, "height": 40})

    page.keyboard.press("Control+z")
    [box] = results(page)
    assert_near(box["value"], {"x": 30, "y": 30, "width": 20, "height": 30})
    page.keyboard.press("Control+z")
    [box] = results(page)
    assert_near(box["value"], {"x": 20, "y": 20, "width": 20, "height": 30})
    page.keyboard.press("Control+Shift+z")
    page.keyboard.press("Control+Shift+z")
    [box] = results(page)
    assert_near(box["value"], {"x": 30, "y": 30, "width": 30, "height": 40})

    # the rotation handle sits above the top edge's middle; dragging it to the right of the
    # centre turns the box a quarter clockwise about its centre
    handle = page.locator(".lc-handle-rotate")
    expect(handle).to_have_count(1)
    handle_box = handle.bounding_box()
    centre = image_point(page, 45, 50)
    drag(page, (handle_box["x"] + handle_box["width"] / 2, handle_box["y"] + handle_box["height"] / 2),
         (centre[0] + 120, centre[1]))
    [box] = results(page)
    assert box["value"]["rotation"] == pytest.approx(90, abs=1)
    # a 120 x 120 px box about its centre (180, 150): its top-left corner is now at the top right
    assert_near(box["value"], {"width": 30, "height": 40})
    assert_near(box["value"], {"x": 240 / WIDTH * 100, "y": 90 / HEIGHT * 100}, 1)

    expect(page.locator(".lc-region.lc-selected")).to_have_count(1)
    page.keyboard.press("Backspace")
    expect(page.locator(".lc-region")).to_have_count(0)
    page.locator('[data-action="undo"]').click()
    expect(page.locator(".lc-region")).to_have_count(1)
    assert page.js_errors == []


def test_an_edited_prediction_is_saved_as_prediction_changed(signed_in, api, web_server):
    image = upload_png(web_server, "predicted.png", WIDTH, HEIGHT)
    predicted = [
        {"id": "pred-car", "from_name": "box", "to_name": "image", "type": "rectanglelabels", "score": 0.87,
         "original_width": WIDTH, "original_height": HEIGHT, "image_rotation": 0,
         "value": {"x": 10, "y": 10, "width": 20, "height": 20, "rotation": 0, "rectanglelabels": ["Car"]}},
        {"id": "pred-person", "from_name": "box", "to_name": "image", "type": "rectanglelabels", "score": 0.55,
         "original_width": WIDTH, "original_height": HEIGHT, "image_rotation": 0,
         "value": {"x": 60, "y": 60, "width": 20, "height": 30, "rotation": 0, "rectanglelabels": ["Person"]}},
    ]
    project, [task] = api.project(DETECTION, [{"data": {"image": image},
                                               "predictions": [{"model_version": "v1", "score": 0.7,
                                                                "result": predicted}]}])
    page = open_labeling(signed_in, api, project, task)
    expect(page.locator(".lc-origin-prediction")).to_have_count(2)
    expect(page.locator(".lc-status")).to_contain_text("v1")

    page.locator('[data-tool="select"]').click()
    drag(page, image_point(page, 20, 20), image_point(page, 25, 30))
    expect(page.locator(".lc-origin-prediction-changed")).to_have_count(1)
    page.locator('.lc-region[data-region-id="pred-person"]').click()
    page.locator('.lc-tag-rectanglelabels .lc-label[data-value="Car"]').click()  # relabel the selected one
    shot(page, "labeling-image-prediction")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")

    [annotation] = api.annotations(task["id"])
    saved = {item["id"]: item for item in annotation["result"]}
    assert saved["pred-car"]["origin"] == "prediction-changed"
    assert saved["pred-car"]["score"] == 0.87
    assert_near(saved["pred-car"]["value"], {"x": 15, "y": 20, "width": 20, "height": 20})
    assert saved["pred-person"]["origin"] == "prediction-changed"
    assert saved["pred-person"]["value"]["rectanglelabels"] == ["Car"]
    assert annotation["parent_prediction"] is not None
    assert page.js_errors == []


BRUSH = """<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="mask" toName="image"><Label value="Sky" background="#3e63dd"/></BrushLabels>
  <EllipseLabels name="blob" toName="image"><Label value="Ball" background="#d6409f"/></EllipseLabels>
</View>"""


def test_paint_a_brush_mask_and_draw_an_ellipse(signed_in, api, web_server):
    image = upload_png(web_server, "sky.png", 200, 100)
    project, [task] = api.project(BRUSH, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)

    page.locator('.lc-label[data-value="Sky"]').click()
    expect(page.locator('[data-tool="mask"]')).to_have_attribute("aria-pressed", "true")
    drag(page, image_point(page, 10, 50), image_point(page, 60, 50), steps=12)
    expect(page.locator(".lc-region")).to_have_count(1)

    page.locator('.lc-label[data-value="Ball"]').click()
    drag(page, image_point(page, 70, 20), image_point(page, 90, 80))
    expect(page.locator(".lc-region")).to_have_count(2)
    shot(page, "labeling-image-brush")

    page.locator('[data-action="submit"]').click()
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    [mask] = by_type(annotation["result"], "brushlabels")
    assert mask["value"]["format"] == "rle" and mask["value"]["brushlabels"] == ["Sky"]
    assert (mask["original_width"], mask["original_height"]) == (200, 100)
    values = rle.decode(mask["value"]["rle"])
    assert len(values) == 200 * 100 * 4

    def painted(x: int, y: int) -> bool:
        return values[(y * 200 + x) * 4 + 3] == 255

    assert painted(70, 50) and painted(30, 50)   # along the stroke
    assert not painted(150, 50) and not painted(70, 10)  # off it
    assert values[(50 * 200 + 70) * 4] == 255  # alpha copied into R, as Label Studio writes it

    [ellipse] = by_type(annotation["result"], "ellipselabels")
    assert_near(ellipse["value"], {"x": 80, "y": 50, "radiusX": 10, "radiusY": 30, "rotation": 0})
    assert page.js_errors == []


def test_a_list_of_images_pages_through_and_regions_keep_their_item_index(signed_in, api, web_server):
    first = upload_png(web_server, "page-1.png", WIDTH, HEIGHT)
    second = upload_png(web_server, "page-2.png", 300, 300)
    xml = """<View>
      <Image name="pages" valueList="$pages"/>
      <RectangleLabels name="box" toName="pages"><Label value="Stamp"/></RectangleLabels>
    </View>"""
    project, [task] = api.project(xml, [{"pages": [first, second]}])
    page = open_labeling(signed_in, api, project, task)
    page.keyboard.press("1")
    page.get_by_role("button", name="Next image").click()
    expect(page.locator(".lc-image-toolbar")).to_contain_text("2 / 2")
    page.wait_for_function("() => document.querySelector('.lc-image-img').naturalWidth === 300")
    drag(page, image_point(page, 10, 10), image_point(page, 30, 40))
    [box] = results(page)
    assert box["item_index"] == 1
    assert (box["original_width"], box["original_height"]) == (300, 300)
    assert_near(box["value"], {"x": 10, "y": 10, "width": 20, "height": 30})
    page.get_by_role("button", name="Previous image").click()
    expect(page.locator(".lc-overlay .lc-region-shape")).to_have_count(0)
    assert page.js_errors == []


def test_the_magic_wand_selects_the_area_of_one_colour(signed_in, api, web_server):
    image = upload_png(web_server, "wand.png", WIDTH, HEIGHT)  # a uniform block at x 133..199, y 100..199
    xml = """<View>
      <Image name="image" value="$image"/>
      <MagicWand name="wand" toName="image"/>
    </View>"""
    project, [task] = api.project(xml, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)
    page.locator('[data-tool="wand"]').click()
    page.mouse.click(*image_point(page, 40, 50))
    expect(page.locator(".lc-region")).to_have_count(1)
    [item] = results(page)
    assert item["type"] == "magicwand" and item["from_name"] == "wand"
    values = rle.decode(item["value"]["rle"])
    painted = [(index // 4) for index in range(3, len(values), 4) if values[index] == 255]
    assert len(painted) == (200 - 133) * (200 - 100)
    assert {pixel % WIDTH for pixel in painted} == set(range(133, 200))
    page.keyboard.press("Control+Enter")
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    assert len(api.annotations(task["id"])) == 1
    assert page.js_errors == []


def test_a_plain_rectangle_with_generic_labels_writes_two_items_for_one_region(signed_in, api, web_server):
    image = upload_png(web_server, "generic.png", WIDTH, HEIGHT)
    xml = """<View>
      <Image name="image" value="$image"/>
      <Rectangle name="bbox" toName="image"/>
      <Labels name="kind" toName="image"><Label value="Sign"/><Label value="Light"/></Labels>
    </View>"""
    project, [task] = api.project(xml, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)
    page.keyboard.press("2")  # Light: switches the image to the only drawing tool
    expect(page.locator('[data-tool="bbox"]')).to_have_attribute("aria-pressed", "true")
    drag(page, image_point(page, 50, 10), image_point(page, 70, 50))
    page.keyboard.press("Control+Enter")
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    items = {item["type"]: item for item in annotation["result"]}
    assert set(items) == {"rectangle", "labels"} and items["rectangle"]["id"] == items["labels"]["id"]
    assert items["labels"]["value"]["labels"] == ["Light"]
    assert {key: items["labels"]["value"][key] for key in ("x", "y", "width", "height")} == \
        {key: items["rectangle"]["value"][key] for key in ("x", "y", "width", "height")}
    assert_near(items["rectangle"]["value"], {"x": 50, "y": 10, "width": 20, "height": 40})
    assert page.js_errors == []


def test_a_repeater_shows_one_image_per_item_even_when_the_page_parsed_it_without_data(signed_in, api, web_server):
    first = upload_png(web_server, "repeat-1.png", 200, 150)
    second = upload_png(web_server, "repeat-2.png", 200, 150)
    xml = """<View>
      <Repeater on="$pages" indexFlag="{{idx}}">
        <Header value="Page {{idx}}"/>
        <Image name="page_{{idx}}" value="$pages[{{idx}}].url"/>
        <RectangleLabels name="box_{{idx}}" toName="page_{{idx}}"><Label value="Stamp"/></RectangleLabels>
      </Repeater>
    </View>"""
    project, [task] = api.project(xml, [{"pages": [{"url": first}, {"url": second}]}])
    page = open_labeling(signed_in, api, project, task, config=config_tree(xml))  # the tree without task data
    expect(page.locator(".lc-image")).to_have_count(2)
    page.locator('.lc-tag[data-name="box_1"] .lc-label').click()
    drag(page, image_point(page, 10, 10, name="page_1"), image_point(page, 50, 50, name="page_1"))
    [box] = results(page)
    assert (box["from_name"], box["to_name"]) == ("box_1", "page_1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    assert annotation["result"][0]["from_name"] == "box_1"
    assert page.js_errors == []


def test_zoomed_and_panned_drawing_still_lands_on_the_right_pixels(signed_in, api, web_server):
    image = upload_png(web_server, "zoom.png", WIDTH, HEIGHT)
    project, [task] = api.project(DETECTION, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)
    page.get_by_role("button", name="Zoom in (Ctrl+=)").click()
    page.get_by_role("button", name="Zoom in (Ctrl+=)").click()
    expect(page.locator(".lc-zoom-label")).to_have_text("156%")
    page.locator('[data-tool="pan"]').click()
    before = page.locator(".lc-stage-content").bounding_box()
    stage = page.locator(".lc-stage").bounding_box()
    drag(page, (stage["x"] + 300, stage["y"] + 300), (stage["x"] + 200, stage["y"] + 250))
    after = page.locator(".lc-stage-content").bounding_box()
    assert (round(after["x"] - before["x"]), round(after["y"] - before["y"])) == (-100, -50)
    page.keyboard.press("1")
    drag(page, image_point(page, 40, 40), image_point(page, 55, 50))
    [box] = results(page)
    assert_near(box["value"], {"x": 40, "y": 40, "width": 15, "height": 10}, 0.3)
    page.get_by_role("button", name="Fit to the frame").click()
    expect(page.locator(".lc-zoom-label")).to_have_text("100%")
    assert page.js_errors == []


def test_a_predicted_brush_mask_is_decoded_shown_and_selectable(signed_in, api, web_server):
    image = upload_png(web_server, "mask.png", 100, 80)
    mask = bytearray(100 * 80 * 4)
    for y in range(20, 40):
        for x in range(10, 50):
            mask[(y * 100 + x) * 4:(y * 100 + x) * 4 + 4] = b"\xff\xff\xff\xff"
    stream = rle.encode(mask)
    predicted = [{"id": "sky", "from_name": "mask", "to_name": "image", "type": "brushlabels",
                  "original_width": 100, "original_height": 80, "image_rotation": 0,
                  "value": {"format": "rle", "rle": stream, "brushlabels": ["Sky"]}}]
    project, [task] = api.project(BRUSH, [{"data": {"image": image}, "predictions": [{"result": predicted}]}])
    page = open_labeling(signed_in, api, project, task)
    page.locator('[data-tool="select"]').click()
    page.mouse.click(*image_point(page, 70, 90))  # off the mask
    expect(page.locator(".lc-region.lc-selected")).to_have_count(0)
    page.mouse.click(*image_point(page, 30, 37.5))  # on it
    expect(page.locator(".lc-region.lc-selected")).to_have_count(1)
    [item] = results(page)
    assert item["value"]["rle"] == stream and item["origin"] == "prediction"
    assert page.evaluate("""() => {
        const canvas = document.querySelector('.lc-raster canvas');
        const pixel = (x, y) => canvas.getContext('2d').getImageData(x, y, 1, 1).data[3];
        return [pixel(30, 30), pixel(60, 30), pixel(30, 50)];
    }""") == [255, 0, 0]
    assert page.js_errors == []


def test_with_a_drawing_tool_a_drag_inside_a_box_draws_and_a_click_selects(signed_in, api, web_server):
    image = upload_png(web_server, "nested.png", WIDTH, HEIGHT)
    project, [task] = api.project(DETECTION, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)
    page.keyboard.press("1")
    drag(page, image_point(page, 10, 10), image_point(page, 80, 80))
    page.keyboard.press("2")
    drag(page, image_point(page, 30, 30), image_point(page, 50, 50))  # starts inside the first box
    expect(page.locator(".lc-region")).to_have_count(2)
    assert [item["value"]["rectanglelabels"] for item in results(page)] == [["Car"], ["Person"]]
    page.mouse.click(*image_point(page, 40, 40))
    expect(page.locator(".lc-region.lc-selected")).to_contain_text("Person")
    page.mouse.click(*image_point(page, 70, 70))
    expect(page.locator(".lc-region.lc-selected")).to_contain_text("Car")
    assert page.js_errors == []


def test_the_browser_rle_codec_matches_the_python_one_byte_for_byte(signed_in, api, web_server):
    page = signed_in
    page.goto("/api/version")
    values = ([0] * 70_000 + [255] * 5 + list(range(256)) * 3 + [7, 7, 8, 9, 9, 9] + [255] * 70_001
              + [1, 2, 3] * 50)
    encoded = page.evaluate("""async (values) => {
        const { encode, decode } = await import('/plugins/labelcore-tags-image/static/rle.js');
        const bytes = encode(Uint8Array.from(values));
        return { bytes, roundTrip: Array.from(decode(bytes)).every((value, index) => value === values[index]) };
    }""", values)
    assert encoded["bytes"] == rle.encode(values)
    assert encoded["roundTrip"] is True
    assert list(rle.decode(encoded["bytes"])) == values
