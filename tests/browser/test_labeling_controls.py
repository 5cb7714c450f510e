"""The classification controls in a real browser: Choices (hotkeys, aliases, required), a
conditional View, Rating, Number, DateTime, Taxonomy, TextArea with a Shortcut, Pairwise, Ranker
and per-region Choices, saved in Label Studio's format."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.labeling_support import Api, by_type, drag, image_point, open_labeling, results, upload_png

SURVEY = """<View>
  <Text name="review" value="$review"/>
  <Header value="Sentiment" size="5"/>
  <Choices name="sentiment" toName="review" choice="single-radio" required="true" showInline="true"
           requiredMessage="Pick a sentiment">
    <Choice value="Positive" hotkey="q"/><Choice value="Negative" hotkey="w"/><Choice value="Neutral" alias="meh"/>
  </Choices>
  <View visibleWhen="choice-selected" whenTagName="sentiment" whenChoiceValue="Negative">
    <Header value="What went wrong?" size="5"/>
    <Choices name="problems" toName="review" choice="multiple" showInline="true">
      <Choice value="Price"/><Choice value="Service"/><Choice value="Quality"/>
    </Choices>
  </View>
  <Header value="Details" size="5"/>
  <Rating name="stars" toName="review" maxRating="5"/>
  <Number name="visits" toName="review" min="0" max="100"/>
  <DateTime name="visited" toName="review" only="date"/>
  <Taxonomy name="topic" toName="review">
    <Choice value="Food"><Choice value="Pizza"/><Choice value="Pasta"/></Choice>
    <Choice value="Drinks"/>
  </Taxonomy>
  <TextArea name="answer" toName="review" rows="2" placeholder="Anything else?">
    <Shortcut value="N/A" alias="Not applicable" hotkey="ctrl+1"/>
  </TextArea>
</View>"""


@pytest.fixture
def api(web_server):
    return Api(web_server)


def test_every_classification_control_saves_label_studio_results(signed_in, api):
    project, [task] = api.project(SURVEY, [{"review": "The pizza was cold and the waiter forgot our drinks."}])
    page = open_labeling(signed_in, api, project, task)
    problems = page.locator('.lc-tag[data-name="problems"]')
    expect(problems).to_be_hidden()

    page.locator('[data-action="submit"]').click()
    expect(page.locator(".lc-toast-error")).to_contain_text("Pick a sentiment")
    assert api.annotations(task["id"]) == []

    page.keyboard.press("w")  # Negative
    expect(page.get_by_label("Negative")).to_be_checked()
    expect(problems).to_be_visible()
    page.get_by_label("Price").check()
    page.get_by_label("Quality").check()
    page.locator('.lc-rating [data-rating="4"]').click()
    page.get_by_label("visits").fill("3")
    page.get_by_label("visits").press("Tab")
    page.get_by_label("visited date").fill("2024-05-01")
    page.locator('.lc-taxonomy li[data-path="Food"] > .lc-tree-toggle').click()
    page.locator('.lc-taxonomy li[data-path="Food / Pizza"] input').check()
    page.get_by_role("button", name="Not applicable").click()
    page.get_by_placeholder("Anything else?").press("Enter")
    expect(page.locator(".lc-textarea-items li")).to_have_count(1)
    shot(page, "labeling-controls")

    page.locator('.lc-task-id').click()  # leave the text box: ctrl+z is the page's again
    page.keyboard.press("Control+z")
    expect(page.locator(".lc-textarea-items li")).to_have_count(0)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator(".lc-textarea-items li")).to_have_count(1)

    page.keyboard.press("Control+Enter")
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    values = {item["from_name"]: (item["type"], item["value"]) for item in annotation["result"]}
    assert values == {
        "sentiment": ("choices", {"choices": ["Negative"]}),
        "problems": ("choices", {"choices": ["Price", "Quality"]}),
        "stars": ("rating", {"rating": 4}),
        "visits": ("number", {"number": 3}),
        "visited": ("datetime", {"datetime": "2024-05-01"}),
        "topic": ("taxonomy", {"taxonomy": [["Food", "Pizza"]]}),
        "answer": ("textarea", {"text": ["N/A"]}),
    }
    assert all(item["to_name"] == "review" and item["origin"] == "manual" for item in annotation["result"])
    assert page.js_errors == []


def test_a_choice_alias_is_saved_and_hidden_views_do_not_block(signed_in, api):
    project, [task] = api.project(SURVEY, [{"review": "Fine."}])
    page = open_labeling(signed_in, api, project, task)
    page.get_by_label("Neutral").check()
    [item] = results(page)
    assert item["value"] == {"choices": ["meh"]}
    page.keyboard.press("q")
    [item] = results(page)
    assert item["value"] == {"choices": ["Positive"]}
    page.keyboard.press("Control+Enter")
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    assert page.js_errors == []


COMPARE = """<View>
  <Pairwise name="better" toName="left,right"/>
  <View style="display: flex; gap: 16px">
    <View style="flex: 1"><Text name="left" value="$left"/></View>
    <View style="flex: 1"><Text name="right" value="$right"/></View>
  </View>
  <List name="hits" value="$hits" title="Search results"/>
  <Ranker name="rank" toName="hits">
    <Bucket name="relevant" title="Relevant"/><Bucket name="junk" title="Not relevant"/>
  </Ranker>
</View>"""


def test_pairwise_and_ranker(signed_in, api):
    hits = [{"id": "a", "title": "Apple pie", "body": "A classic recipe."},
            {"id": "b", "title": "Apple Inc.", "body": "The company."},
            {"id": "c", "title": "Apple orchard", "body": "Growing apples."}]
    project, [task] = api.project(COMPARE, [{"left": "Answer one", "right": "Answer two", "hits": hits}])
    page = open_labeling(signed_in, api, project, task)
    page.locator('.lc-pairwise [data-side="right"]').click()
    ranker = page.locator(".lc-ranker")
    ranker.locator('.lc-rank-item[data-id="a"]').drag_to(ranker.locator('.lc-bucket[data-bucket="relevant"]'))
    ranker.locator('.lc-rank-item[data-id="b"]').drag_to(ranker.locator('.lc-bucket[data-bucket="junk"]'))
    ranker.locator('.lc-rank-item[data-id="c"] [aria-label="Move up"]').click()  # already first: stays
    expect(page.locator('.lc-bucket[data-bucket="relevant"] .lc-rank-item')).to_have_count(1)
    shot(page, "labeling-pairwise-ranker")

    page.locator('[data-action="submit"]').click()
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    values = {item["from_name"]: item for item in annotation["result"]}
    assert values["better"]["value"] == {"selected": "right"}
    assert values["better"]["to_name"] == "better"  # Pairwise names itself, as Label Studio writes it
    assert values["rank"]["value"] == {"ranker": {"_": ["c"], "relevant": ["a"], "junk": ["b"]}}
    assert values["rank"]["to_name"] == "hits"
    assert page.js_errors == []


PER_REGION = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Car" background="#e5484d"/></RectangleLabels>
  <Choices name="colour" toName="img" perRegion="true" showInline="true">
    <Choice value="Red"/><Choice value="Blue"/>
  </Choices>
  <TextArea name="plate" toName="img" perRegion="true" placeholder="Plate number"/>
</View>"""


def test_per_region_controls_write_items_on_the_selected_region(signed_in, api, web_server):
    image = upload_png(web_server, "cars.png", 400, 300)
    project, [task] = api.project(PER_REGION, [{"image": image}])
    page = open_labeling(signed_in, api, project, task)
    colour = page.locator('.lc-tag[data-name="colour"]')
    expect(colour).to_be_hidden()
    page.keyboard.press("1")
    drag(page, image_point(page, 10, 10), image_point(page, 40, 40))
    page.locator(".lc-region").click()
    expect(colour).to_be_visible()
    page.get_by_label("Blue").check()
    page.get_by_placeholder("Plate number").fill("B-123")
    page.get_by_placeholder("Plate number").press("Enter")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "labeling-per-region")
    page.locator('[data-action="submit"]').click()
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")

    [annotation] = api.annotations(task["id"])
    items = {item["type"]: item for item in annotation["result"]}
    assert set(items) == {"rectanglelabels", "choices", "textarea"}
    assert len({item["id"] for item in annotation["result"]}) == 1  # one region, three items
    geometry = {key: items["rectanglelabels"]["value"][key] for key in ("x", "y", "width", "height", "rotation")}
    assert items["choices"]["value"] == {**geometry, "choices": ["Blue"]}
    assert items["textarea"]["value"] == {**geometry, "text": ["B-123"]}
    assert items["choices"]["original_width"] == 400
    assert by_type(annotation["result"], "choices")[0]["to_name"] == "img"
    assert page.js_errors == []
