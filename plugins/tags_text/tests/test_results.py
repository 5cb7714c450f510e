"""Annotation results of the text tags, as Label Studio writes them, checked against the config
and (when known) the task data by ``labelcore.results.validate_results``."""

from __future__ import annotations

import base64

import pytest

import labelcore_tags_text
from labelcore import TagSpec, hookimpl
from labelcore.results import utf16_len, validate_results
from labelcore.tag_models import ObjectAttributes
from labelcore.testing import ConfigChecker, plugin_manager

CONFIG = """<View>
  <Relations><Relation value="works_for"/></Relations>
  <Labels name="ner" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC" alias="L"/>
  </Labels>
  <Text name="text" value="$text"/>
  <HyperTextLabels name="html_ner" toName="page"><Label value="Title"/><Label value="Body"/></HyperTextLabels>
  <HyperText name="page" value="$html"/>
  <ParagraphLabels name="turns" toName="dialogue"><Label value="Question"/><Label value="Answer"/></ParagraphLabels>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
  <Table name="facts" value="$facts"/>
  <Choices name="verdict" toName="facts"><Choice value="Correct"/><Choice value="Wrong"/></Choices>
</View>"""

DATA = {
    "text": "Ada Lovelace worked with Charles Babbage in London.",
    "html": "<h1>Notes</h1><p>On the <b>Analytical</b> Engine</p>",
    "dialogue": [{"author": "Ann", "text": "Where is the engine?"}, {"author": "Bob", "text": "In the shed."}],
    "facts": {"year": 1843, "pages": 65},
}


@pytest.fixture(scope="module")
def config(checker):
    return checker.parse(CONFIG)


def problems(results, config, data=DATA):
    return [str(issue) for issue in validate_results(results, config, data)]


def span(start, end, labels=("PER",), region_id="s1", **extra):
    return {"id": region_id, "from_name": "ner", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, **extra, "labels": list(labels)}}


def html_span(region_id="h1", **value):
    fields = {"start": "/h1[1]/text()[1]", "startOffset": 0, "end": "/h1[1]/text()[1]", "endOffset": 5,
              "globalOffsets": {"start": 0, "end": 5}, "text": "Notes", "hypertextlabels": ["Title"]}
    fields.update(value)
    return {"id": region_id, "from_name": "html_ner", "to_name": "page", "type": "hypertextlabels",
            "value": {key: item for key, item in fields.items() if item is not None}}


def turn(start="0", end="0", start_offset=0, end_offset=5, labels=("Question",), region_id="p1", **extra):
    return {"id": region_id, "from_name": "turns", "to_name": "dialogue", "type": "paragraphlabels",
            "value": {"start": start, "end": end, "startOffset": start_offset, "endOffset": end_offset, **extra,
                      "paragraphlabels": list(labels)}}


# --------------------------------------------------------------------------- valid results


def test_a_valid_result_of_every_type_has_no_problems(config):
    results = [
        span(0, 12, text="Ada Lovelace"),
        span(25, 40, labels=["PER"], region_id="s2", text="Charles Babbage"),
        span(44, 50, labels=["L"], region_id="s3"),  # an alias is written instead of the value
        html_span(),
        turn("0", "1", 0, 3, text="Where is the engine?\nIn"),
        {"id": "c1", "from_name": "verdict", "to_name": "facts", "type": "choices",
         "value": {"choices": ["Correct"]}},
    ]

    assert problems(results, config) == []


def test_a_relation_between_two_spans(config):
    results = [span(0, 12), span(25, 40, region_id="s2"),
               {"from_id": "s1", "to_id": "s2", "type": "relation", "direction": "right", "labels": ["works_for"]}]

    assert problems(results, config) == []


def test_a_relation_to_a_missing_span(config):
    results = [span(0, 12), {"from_id": "s1", "to_id": "s9", "type": "relation", "direction": "right"}]

    assert problems(results, config) == ["result[1]: to_id 's9' refers to no region in the same result"]


# --------------------------------------------------------------------------- Labels on <Text>


def test_a_span_past_the_end_of_the_text(config):
    assert problems([span(44, 52)], config) == [
        "result[0] id=s1 from_name=ner: span end 52 is past the end of the text (51 UTF-16 code units, "
        "51 code points)"]


def test_a_span_ending_before_it_starts(config):
    assert problems([span(12, 4)], config) == ["result[0] id=s1 from_name=ner: span start 12 is after its end 4"]


@pytest.mark.parametrize("start,message", [
    (-1, "value.start: Input should be greater than or equal to 0"),
    ("4", "value.start: Input should be a valid integer"),
    (4.0, "value.start: Input should be a valid integer"),
    (None, "value.start: Input should be a valid integer"),
])
def test_span_offsets_are_non_negative_integers(config, start, message):
    assert problems([span(start, 12)], config) == [f"result[0] id=s1 from_name=ner: {message}"]


def test_a_text_span_needs_offsets(config):
    item = span(0, 12)
    del item["value"]["start"], item["value"]["end"]

    assert problems([item], config) == ["result[0] id=s1 from_name=ner: value.start: Field required",
                                        "result[0] id=s1 from_name=ner: value.end: Field required"]


def test_an_unknown_label(config):
    assert problems([span(0, 3, labels=["MISC"])], config) == [
        "result[0] id=s1 from_name=ner: labels 'MISC' is not an option of <Labels name='ner'>"]


def test_the_wrong_type(config):
    item = span(0, 3)
    item["type"] = "hypertextlabels"

    assert problems([item], config) == [
        "result[0] id=s1 from_name=ner: type 'hypertextlabels' is not the type of <Labels>, which writes 'labels'"]


def test_a_span_needs_a_label_unless_the_control_allows_empty_ones(checker, config):
    allowing = checker.parse(CONFIG.replace('<Labels name="ner" toName="text">',
                                            '<Labels name="ner" toName="text" allowEmpty="true">'))

    assert problems([span(0, 3, labels=[])], config) == [
        "result[0] id=s1 from_name=ner: value.labels is empty; a region needs a label unless <Labels name='ner'> "
        "sets allowEmpty=\"true\""]
    assert problems([span(0, 3, labels=[])], allowing) == []


def test_the_saved_text_must_be_the_spanned_text(config):
    assert problems([span(4, 12, text="Ada")], config) == [
        "result[0] id=s1 from_name=ner: value.text 'Ada' is not the text at [4, 12): 'Lovelace'"]


def test_without_task_data_only_the_span_itself_is_checked(config):
    assert problems([span(44, 520, text="anything")], config, data=None) == []
    assert problems([span(9, 5)], config, data=None) == [
        "result[0] id=s1 from_name=ner: span start 9 is after its end 5"]


def test_dynamic_labels_are_checked_against_the_options_in_the_task_data(checker):
    dynamic = checker.parse('<View><Labels name="ner" toName="text" value="$types"/>'
                            '<Text name="text" value="$text"/></View>')
    data = {"text": "Ada", "types": [{"value": "Mathematician"}]}

    assert problems([span(0, 3, labels=["Mathematician"])], dynamic, data) == []
    assert problems([span(0, 3, labels=["Poet"])], dynamic, data) == [
        "result[0] id=s1 from_name=ner: labels 'Poet' is not an option of <Labels name='ner'>"]
    assert problems([span(0, 3, labels=["Poet"])], dynamic) == []  # options unknown without the task data


# --------------------------------------------------------------------------- offsets, emoji, whitespace

EMOJI = {"text": "I ❤️ 🐍 Python"}  # 🐍 is one code point but two UTF-16 code units


def test_emoji_offsets_counted_in_utf16_code_units_are_accepted(config):
    # JavaScript string indices, as Label Studio wrote them until late 2021
    assert problems([span(8, 14, text="Python")], config, EMOJI) == []


def test_emoji_offsets_counted_in_code_points_are_accepted(config):
    # what Label Studio writes since (its frontend converts the browser's offsets to code points)
    assert problems([span(7, 13, text="Python")], config, EMOJI) == []


def test_offsets_counted_in_utf8_bytes_are_rejected(config):
    # Python's len(text.encode()) is not Label Studio's unit: such spans run past the end...
    assert len("I ❤️ 🐍 ".encode()) == 14
    assert problems([span(14, 20, text="Python")], config, EMOJI) == [
        "result[0] id=s1 from_name=ner: span end 20 is past the end of the text (14 UTF-16 code units, "
        "13 code points)"]
    # ...or point at other text than the one saved with them
    assert len("naïve ".encode()) == 7
    assert problems([span(7, 12, text="café")], config, {"text": "naïve café culture"}) == [
        "result[0] id=s1 from_name=ner: value.text 'café' is not the text at [7, 12): 'afé c'"]


def test_task_text_holding_half_an_emoji_is_checked_not_crashed_on(config):
    # json.loads('"\\ud83d rest"') gives a lone surrogate; JavaScript counts it as one code unit
    assert problems([span(0, 6, text="\ud83d rest")], config, {"text": "\ud83d rest"}) == []
    assert problems([span(0, 7)], config, {"text": "\ud83d rest"}) == [
        "result[0] id=s1 from_name=ner: span end 7 is past the end of the text (6 UTF-16 code units, 6 code points)"]


def test_core_utf16_len_counts_a_lone_surrogate():
    assert utf16_len("\ud83d") == 1


def test_the_saved_text_may_collapse_whitespace_as_the_browser_selection_does(config):
    # Label Studio saves the selection's text: "Berlin,  Germany" comes back as "Berlin, Germany"
    assert problems([span(6, 22, labels=["LOC"], text="Berlin, Germany")], config,
                    {"text": "Text: Berlin,  Germany."}) == []


def test_the_saved_text_writes_line_breaks_as_backslash_n(config):
    assert problems([span(0, 9, text="Ada\\nLove")], config, {"text": "Ada\r\nLove"}) == []


def test_literal_text_values_are_the_text(checker):
    literal = checker.parse('<View><Labels name="ner" toName="text"><Label value="PER"/></Labels>'
                            '<Text name="text" value="Ada Lovelace"/></View>')

    assert problems([span(0, 3, text="Ada")], literal, {}) == []
    assert problems([span(0, 30)], literal, {}) == [
        "result[0] id=s1 from_name=ner: span end 30 is past the end of the text (12 UTF-16 code units, 12 code points)"]


def test_text_inside_nested_or_templated_values_is_not_known_here(checker):
    nested = checker.parse('<View><Labels name="ner" toName="text"><Label value="PER"/></Labels>'
                           '<Text name="text" value="$doc.body"/></View>')

    assert problems([span(0, 30)], nested, {"doc": {"body": "Ada"}}) == []


def test_text_loaded_from_a_url_is_not_known_here(checker):
    by_url = checker.parse('<View><Labels name="ner" toName="text"><Label value="PER"/></Labels>'
                           '<Text name="text" value="$url" valueType="url"/></View>')

    assert problems([span(0, 300)], by_url, {"url": "https://example.com/a.txt"}) == []


@pytest.mark.parametrize("encoding,encoded", [
    ("base64unicode", base64.b64encode("Zoë Smith".encode()).decode()),
    ("base64", base64.b64encode("Zoë Smith".encode("latin-1")).decode()),
])
def test_encoded_text_is_decoded_as_the_browser_does(checker, encoding, encoded):
    config = checker.parse(f'<View><Labels name="ner" toName="text"><Label value="PER"/></Labels>'
                           f'<Text name="text" value="$text" encoding="{encoding}"/></View>')

    assert problems([span(0, 3, text="Zoë")], config, {"text": encoded}) == []
    assert problems([span(0, 10)], config, {"text": encoded}) == [
        "result[0] id=s1 from_name=ner: span end 10 is past the end of the text (9 UTF-16 code units, 9 code points)"]


# --------------------------------------------------------------------------- HyperTextLabels


def test_hypertext_labels_older_label_studio_wrote_under_htmllabels(config):
    assert problems([html_span(hypertextlabels=None, htmllabels=["Body"])], config) == []
    assert problems([html_span(hypertextlabels=None, htmllabels=["Footer"])], config) == [
        "result[0] id=h1 from_name=html_ner: htmllabels 'Footer' is not an option of <HyperTextLabels name='html_ner'>"]


def test_hypertext_labels_need_a_labels_list(config):
    assert problems([html_span(hypertextlabels=None)], config) == [
        "result[0] id=h1 from_name=html_ner: value: Value error, hypertextlabels (or htmllabels, as older Label "
        "Studio versions wrote) is required"]


def test_hypertext_spans_are_xpaths_and_offsets(config):
    assert problems([html_span(start=0, endOffset=-2)], config) == [
        "result[0] id=h1 from_name=html_ner: value.start: Input should be a valid string",
        "result[0] id=h1 from_name=html_ner: value.endOffset: Input should be greater than or equal to 0"]


def test_hypertext_spans_go_forwards(config):
    assert problems([html_span(startOffset=4, endOffset=1, globalOffsets={"start": 4, "end": 1})], config) == [
        "result[0] id=h1 from_name=html_ner: span startOffset 4 is after its endOffset 1 in the same node "
        "'/h1[1]/text()[1]'",
        "result[0] id=h1 from_name=html_ner: globalOffsets start 4 is after its end 1"]


def test_a_span_across_nodes_may_end_at_a_smaller_offset(config):
    # offsets are within each node: from "Notes"[2] to "On the "[1]
    assert problems([html_span(startOffset=2, end="/p[1]/text()[1]", endOffset=1, globalOffsets=None, text=None)],
                    config) == []


def test_labels_on_a_hypertext_write_xpath_spans_too(checker):
    labels_on_html = checker.parse('<View><Labels name="ner" toName="page"><Label value="Title"/></Labels>'
                                   '<HyperText name="page" value="$html"/></View>')
    item = html_span(hypertextlabels=None, labels=["Title"])
    item.update(from_name="ner", type="labels")

    assert problems([item], labels_on_html) == []
    item["value"]["start"] = 0
    assert problems([item], labels_on_html) == ["result[0] id=h1 from_name=ner: value.start: Input should be a valid "
                                                "string"]


# --------------------------------------------------------------------------- ParagraphLabels


def test_paragraph_indexes_may_be_strings_as_label_studio_writes_them_or_integers(config):
    assert problems([turn("1", "1", 0, 2, text="In")], config) == []
    assert problems([turn(1, 1, 0, 2, text="In")], config) == []


def test_a_paragraph_index_out_of_range(config):
    assert problems([turn("1", "2", 0, 3)], config) == [
        "result[0] id=p1 from_name=turns: end paragraph 2 is out of range: the task has 2 paragraphs (0-1)"]


def test_a_paragraph_span_ending_before_it_starts(config):
    assert problems([turn("1", "0")], config) == [
        "result[0] id=p1 from_name=turns: span starts in paragraph 1 but ends in earlier paragraph 0"]
    assert problems([turn("0", "0", 5, 2)], config) == [
        "result[0] id=p1 from_name=turns: span startOffset 5 is after its endOffset 2 in paragraph 0"]


def test_a_paragraph_offset_past_the_end_of_its_paragraph(config):
    assert problems([turn("0", "1", 3, 13)], config) == [
        "result[0] id=p1 from_name=turns: endOffset 13 is past the end of paragraph 1 (12 UTF-16 code units)"]


@pytest.mark.parametrize("index", ["first", -1, True, 1.5])
def test_a_paragraph_index_is_a_number(config, index):
    assert problems([turn(index, "1")], config) == [
        f"result[0] id=p1 from_name=turns: value.start: Value error, {index!r} is not a paragraph index "
        "(0 or more, as an integer or a string of digits)"]


def test_the_saved_text_of_a_paragraph_span(config):
    assert problems([turn("0", "0", 0, 5, text="Where")], config) == []
    assert problems([turn("0", "0", 0, 5, text="Here")], config) == [
        "result[0] id=p1 from_name=turns: value.text 'Here' is not the text at [0, 5): 'Where'"]


def test_paragraphs_read_their_text_under_text_key(checker):
    renamed = checker.parse('<View><ParagraphLabels name="turns" toName="chat"><Label value="Question"/>'
                            '</ParagraphLabels><Paragraphs name="chat" value="$chat" textKey="line" nameKey="who"/>'
                            '</View>')
    item = turn("0", "0", 0, 9)
    item["to_name"] = "chat"

    assert problems([item], renamed, {"chat": [{"who": "Ann", "line": "Hello"}]}) == [
        "result[0] id=p1 from_name=turns: endOffset 9 is past the end of paragraph 0 (5 UTF-16 code units)"]


def test_with_context_scroll_only_the_paragraph_count_is_checked(checker):
    # Label Studio then sorts the paragraphs by start time, so indexes do not follow the data's order
    scrolled = checker.parse('<View><ParagraphLabels name="turns" toName="dialogue"><Label value="Question"/>'
                             '</ParagraphLabels><Paragraphs name="dialogue" value="$dialogue" contextScroll="true"/>'
                             '</View>')

    assert problems([turn("0", "0", 0, 15, text="anything")], scrolled) == []
    assert problems([turn("0", "5", 0, 1)], scrolled) == [
        "result[0] id=p1 from_name=turns: end paragraph 5 is out of range: the task has 2 paragraphs (0-1)"]


def test_label_studios_own_paragraph_result(checker):
    # the shape Label Studio's frontend tests load: string indexes, text saved
    parsed = checker.parse("""<View>
  <ParagraphLabels name="label" toName="text">
    <Label value="General: Negative"/>
  </ParagraphLabels>
  <Paragraphs name="text" value="$text" layout="dialogue"/>
</View>""")
    result = {"value": {"start": "0", "end": "0", "startOffset": 0, "endOffset": 4, "text": "Dont",
                        "paragraphlabels": ["General: Negative"]},
              "id": "RcHv5CdYBt", "from_name": "label", "to_name": "text", "type": "paragraphlabels",
              "origin": "manual"}

    assert problems([result], parsed, {"text": [{"author": "Mia Wallace", "text": "Dont you hate that?"}]}) == []


# --------------------------------------------------------------------------- Labels on other objects


class StandInImage:
    """An object tag spelled like tags_image's <Image>, so this suite needs no other plugin."""

    @staticmethod
    @hookimpl
    def register_tags():
        return [TagSpec(name="Image", kind="object", attributes=ObjectAttributes, data_type="image")]


@pytest.fixture(scope="module")
def ocr():
    # the shape of the gallery's optical-character-recognition template: <Labels> on an image
    checker = ConfigChecker(plugin_manager(labelcore_tags_text, StandInImage))
    return checker.parse("""<View>
  <Image name="image" value="$ocr"/>
  <Labels name="label" toName="image"><Label value="Text"/><Label value="Handwriting"/></Labels>
</View>""")


def test_labels_on_another_object_carry_that_objects_geometry(ocr):
    region = {"id": "r1", "from_name": "label", "to_name": "image", "type": "labels",
              "original_width": 800, "original_height": 600, "image_rotation": 0,
              "value": {"x": 12.5, "y": 40, "width": 30, "height": 6, "rotation": 0, "labels": ["Handwriting"]}}

    assert problems([region], ocr, {"ocr": "https://example.com/receipt.png"}) == []


def test_labels_on_another_object_still_need_known_labels(ocr):
    region = {"id": "r1", "from_name": "label", "to_name": "image", "type": "labels",
              "value": {"x": 12.5, "y": 40, "width": 30, "height": 6, "labels": ["Logo"]}}
    unlabeled = {"id": "r2", "from_name": "label", "to_name": "image", "type": "labels", "value": {"x": 1, "y": 1}}

    assert problems([region, unlabeled], ocr) == [
        "result[0] id=r1 from_name=label: labels 'Logo' is not an option of <Labels name='label'>",
        "result[1] id=r2 from_name=label: value.labels: Field required"]
