"""Labeling text in a real browser: overlapping named-entity spans (offsets in code points, as
Label Studio writes them), a relation between them, word granularity, HTML that must not run
anything, and dialogue paragraphs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.labeling_support import Api, by_type, open_labeling, results, select_text

NER = """<View>
  <Labels name="ner" toName="text">
    <Label value="Person" background="#3e63dd"/><Label value="Place" background="#30a46c"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Relations><Relation value="lives in"/><Relation value="visited"/></Relations>
  <TextArea name="summary" toName="text" placeholder="One-line summary" maxSubmissions="2"/>
</View>"""

# the rocket is two UTF-16 code units but one code point: saved offsets count it once
TEXT = "🚀 Ada Lovelace lived in London near Marylebone."


@pytest.fixture
def api(web_server):
    return Api(web_server)


def units(text: str, code_points: int) -> int:
    """A code point offset as a UTF-16 (DOM) offset."""
    return len(text[:code_points].encode("utf-16-le")) // 2


def test_overlapping_spans_a_relation_and_a_transcription(signed_in, api):
    project, [task] = api.project(NER, [{"text": TEXT}])
    page = open_labeling(signed_in, api, project, task)
    text = ".lc-text"

    person = (TEXT.index("Ada"), TEXT.index("Lovelace") + len("Lovelace"))
    place = (TEXT.index("Lovelace"), TEXT.index(" near"))   # "Lovelace lived in London": overlaps the person
    page.keyboard.press("1")
    select_text(page, text, units(TEXT, person[0]), units(TEXT, person[1]))
    expect(page.locator(".lc-region")).to_have_count(1)
    page.locator('.lc-label[data-value="Place"]').click()
    select_text(page, text, units(TEXT, place[0]), units(TEXT, place[1]))
    expect(page.locator(".lc-region")).to_have_count(2)
    expect(page.locator(".lc-seg.lc-hl")).to_have_count(3)  # "Ada ", "Lovelace" (both), " lived in London"

    first, second = page.locator(".lc-region").all()
    first.click()
    page.keyboard.press("Alt+r")
    expect(page.locator(".lc-banner")).to_be_visible()
    second.click()
    expect(page.locator(".lc-relation")).to_have_count(1)
    page.locator(".lc-relation .lc-chip", has_text="lives in").click()
    page.locator('[data-action="relation-direction"]').click()  # right -> left
    page.locator('[data-action="relation-direction"]').click()  # left -> bi
    page.locator('[data-action="relation-direction"]').click()  # bi -> right

    page.get_by_placeholder("One-line summary").fill("Ada lived in London")
    page.keyboard.press("Enter")
    page.get_by_placeholder("One-line summary").fill("typed but not added")  # added on submit
    shot(page, "labeling-text")

    page.locator('[data-action="submit"]').click()
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    result = annotation["result"]
    spans = {tuple(item["value"]["labels"]): item for item in by_type(result, "labels")}
    ada, london = spans[("Person",)], spans[("Place",)]
    assert ada["value"] == {"start": person[0], "end": person[1], "text": "Ada Lovelace", "labels": ["Person"]}
    assert london["value"] == {"start": place[0], "end": place[1], "text": "Lovelace lived in London",
                               "labels": ["Place"]}
    assert (ada["from_name"], ada["to_name"], ada["origin"]) == ("ner", "text", "manual")
    assert ada["value"]["start"] == 2  # after "🚀 ": two code points, three UTF-16 units
    [relation] = by_type(result, "relation")
    assert relation == {"from_id": ada["id"], "to_id": london["id"], "type": "relation", "direction": "right",
                        "labels": ["lives in"]}
    [summary] = by_type(result, "textarea")
    assert summary["value"] == {"text": ["Ada lived in London", "typed but not added"]}
    assert (summary["from_name"], summary["to_name"]) == ("summary", "text")
    assert page.js_errors == []


def test_word_granularity_widens_a_selection_to_whole_words(signed_in, api):
    xml = """<View>
      <Labels name="ner" toName="text" granularity="word"><Label value="Thing" granularity="word"/></Labels>
      <Text name="text" value="$text" granularity="word"/>
    </View>"""
    sentence = "The quick brown fox jumps."
    project, [task] = api.project(xml, [{"text": sentence}])
    page = open_labeling(signed_in, api, project, task)
    page.keyboard.press("1")
    select_text(page, ".lc-text", sentence.index("ick"), sentence.index("own") + 2)  # "ick bro"
    [span] = results(page)
    assert span["value"] == {"start": 4, "end": 15, "text": "quick brown", "labels": ["Thing"]}

    page.keyboard.press("Control+z")
    assert results(page) == []
    page.keyboard.press("Control+Shift+z")
    assert len(results(page)) == 1
    assert page.js_errors == []


HTML = """<View>
  <HyperTextLabels name="tags" toName="page"><Label value="Greeting" background="#f76b15"/></HyperTextLabels>
  <HyperText name="page" value="$html" inline="true"/>
</View>"""

HOSTILE = (
    '<script>window.pwned = "script"</script>'
    '<img src="/nowhere.png" onerror="window.pwned = \'onerror\'">'
    '<p id="greeting" onclick="window.pwned = \'onclick\'">Hello <b>brave</b> new world</p>'
    '<a href="javascript:window.pwned = \'link\'">a link</a>'
    '<iframe srcdoc="<script>parent.pwned = \'iframe\'</script>"></iframe>'
    '<object data="/evil.swf"></object><svg onload="window.pwned = \'svg\'"></svg>'
    '<style>body { display: none }</style><form action="/x"><button>Go</button></form>'
    '<div style="background: url(javascript:alert(1))">styled</div></script><p>after</p>'
)


def test_hypertext_runs_nothing_from_the_task_and_labels_spans_by_xpath(signed_in, api):
    project, [task] = api.project(HTML, [{"html": HOSTILE}])
    page = open_labeling(signed_in, api, project, task)
    root = page.locator(".lc-hypertext")
    expect(root).to_contain_text("Hello brave new world")
    page.locator(".lc-hypertext a").click()
    page.locator(".lc-hypertext p").first.click()
    page.wait_for_timeout(300)  # give an onerror / load handler every chance to run
    assert page.evaluate("() => window.pwned") is None
    assert root.locator("script, iframe, object, svg, style, form, button").count() == 0
    assert page.evaluate("""() => [...document.querySelectorAll('.lc-hypertext *')].flatMap(
        (el) => [...el.attributes].map((a) => a.name)).filter((name) => name.startsWith('on') || name === 'id')""") == []
    assert root.locator("a").get_attribute("href") is None
    assert page.evaluate("() => getComputedStyle(document.body).display") != "none"

    page.keyboard.press("1")
    paragraph = ".lc-hypertext p"
    # "brave new": starts inside <b>, ends in the text node after it
    select_text(page, paragraph, len("Hello "), len("Hello brave new"))
    [span] = results(page)
    value = span["value"]
    assert value["hypertextlabels"] == ["Greeting"]
    assert (value["start"], value["startOffset"]) == ("/p[1]/b[1]/text()[1]", 0)
    assert (value["end"], value["endOffset"]) == ("/p[1]/text()[2]", 4)
    assert value["text"] == "brave new"
    assert value["globalOffsets"]["end"] - value["globalOffsets"]["start"] == len("brave new")
    shot(page, "labeling-hypertext")

    page.keyboard.press("Control+Enter")
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    assert annotation["result"][0]["value"] == value
    assert page.evaluate("() => window.pwned") is None
    assert page.js_errors == []


DIALOGUE = """<View>
  <ParagraphLabels name="intent" toName="chat">
    <Label value="Question" background="#8e4ec6"/><Label value="Answer" background="#0797b9"/>
  </ParagraphLabels>
  <Paragraphs name="chat" value="$dialogue" layout="dialogue"/>
  <Table name="meta" value="$meta"/>
</View>"""


def test_dialogue_paragraph_spans_are_saved_with_paragraph_indexes(signed_in, api):
    dialogue = [{"author": "Ann", "text": "Where is the station?"},
                {"author": "Bob", "text": "Two blocks north, past the bakery."},
                {"author": "Ann", "text": "Thanks a lot!"}]
    meta = {"channel": "chat", "agent": "Bob <b>not bold</b>"}
    project, [task] = api.project(DIALOGUE, [{"dialogue": dialogue, "meta": meta}])
    page = open_labeling(signed_in, api, project, task)
    expect(page.locator(".lc-table tr")).to_have_count(2)
    expect(page.locator(".lc-table")).to_contain_text("Bob <b>not bold</b>")  # data is text, never HTML
    page.keyboard.press("1")
    select_text(page, '.lc-phrase-text[data-index="0"]', 0, len("Where is the station?"))
    page.keyboard.press("2")
    select_text(page, '.lc-phrase-text[data-index="1"]', 0, len("Two blocks north"))
    expect(page.locator(".lc-region")).to_have_count(2)
    shot(page, "labeling-paragraphs")

    page.locator('[data-action="submit"]').click()
    expect(page.locator("#mount")).to_have_attribute("data-state", "done")
    [annotation] = api.annotations(task["id"])
    values = sorted((item["value"] for item in annotation["result"]), key=lambda value: value["start"])
    assert values == [
        {"start": "0", "end": "0", "startOffset": 0, "endOffset": 21, "text": "Where is the station?",
         "paragraphlabels": ["Question"]},
        {"start": "1", "end": "1", "startOffset": 0, "endOffset": 16, "text": "Two blocks north",
         "paragraphlabels": ["Answer"]},
    ]
    assert page.js_errors == []
