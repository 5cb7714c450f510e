"""Span bounds, checked on generated texts full of emoji, accents and line breaks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelcore.results import validate_results
from labelcore_tags_text.values import js_length, js_substring

CONFIG = """<View>
  <Labels name="ner" toName="text"><Label value="PER"/></Labels>
  <Text name="text" value="$text"/>
  <ParagraphLabels name="turns" toName="dialogue"><Label value="Question"/></ParagraphLabels>
  <Paragraphs name="dialogue" value="$dialogue"/>
</View>"""

# any character a JSON document can hold (no lone surrogates), with the tricky ones made common
characters = st.one_of(st.characters(codec="utf-8"), st.sampled_from(["🐍", "❤", "\ufe0f", "é", "\n", " ", "\\"]))
texts = st.text(characters, max_size=30)


@pytest.fixture(scope="module")
def config(checker):
    return checker.parse(CONFIG)


def span(start, end, **extra):
    return [{"id": "s", "from_name": "ner", "to_name": "text", "type": "labels",
             "value": {"start": start, "end": end, **extra, "labels": ["PER"]}}]


def turn(start, end, start_offset=0, end_offset=0):
    return [{"id": "p", "from_name": "turns", "to_name": "dialogue", "type": "paragraphlabels",
             "value": {"start": str(start), "end": str(end), "startOffset": start_offset, "endOffset": end_offset,
                       "paragraphlabels": ["Question"]}}]


@given(text=texts, data=st.data())
def test_a_span_of_the_text_is_valid_in_either_unit_label_studio_used(config, text, data):
    end = data.draw(st.integers(0, len(text)), label="end")
    start = data.draw(st.integers(0, end), label="start")
    spanned = text[start:end]
    start16, end16 = js_length(text[:start]), js_length(text[:end])

    assert validate_results(span(start, end, text=spanned), config, {"text": text}) == []
    assert validate_results(span(start16, end16, text=spanned), config, {"text": text}) == []


@given(text=texts, data=st.data())
def test_offsets_are_valid_exactly_when_they_fit_the_text(config, text, data):
    length = js_length(text)
    start = data.draw(st.integers(0, length + 3), label="start")
    end = data.draw(st.integers(0, length + 3), label="end")

    issues = validate_results(span(start, end), config, {"text": text})

    assert (issues == []) == (start <= end <= length)


@given(text=texts, data=st.data())
def test_utf16_slices_are_javascript_substrings(text, data):
    length = js_length(text)
    end = data.draw(st.integers(0, length), label="end")
    start = data.draw(st.integers(0, end), label="start")

    assert js_length(js_substring(text, start, end)) == end - start
    assert js_substring(text, 0, start) + js_substring(text, start, length) == text or _splits_a_pair(text, start)


def _splits_a_pair(text: str, offset: int) -> bool:
    # an offset between the two halves of a surrogate pair leaves each half on its own side
    return 0 < offset < js_length(text) and 0xDC00 <= ord(js_substring(text, offset, offset + 1)) <= 0xDFFF


@given(paragraphs=st.lists(texts, min_size=1, max_size=5), data=st.data())
def test_paragraph_indexes_are_valid_exactly_when_the_dialogue_has_them(config, paragraphs, data):
    count = len(paragraphs)
    end = data.draw(st.integers(0, count + 2), label="end")
    start = data.draw(st.integers(0, end), label="start")
    dialogue = [{"author": "A", "text": text} for text in paragraphs]

    issues = validate_results(turn(start, end), config, {"dialogue": dialogue})

    assert (issues == []) == (end < count)
