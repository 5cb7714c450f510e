"""Tokens as Label Studio's CoNLL export splits text, and the BIO tags spans give them."""

from __future__ import annotations

import pytest

from labelcore_export_conll.tagging import EntitySpan, bio_tags, entity_spans
from labelcore_export_conll.tokenize import treebank_spans, treebank_tokens, whitespace_spans


def tokens(text):
    return [text[start:end] for start, end in treebank_spans(text)]


@pytest.mark.parametrize("text, expected", [
    # NLTK's own examples (TreebankWordTokenizer docstrings)
    ("Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\nThanks.",
     ["Good", "muffins", "cost", "$", "3.88", "in", "New", "York.", "Please", "buy", "me", "two", "of", "them.",
      "Thanks", "."]),
    ("They'll save and invest more.", ["They", "'ll", "save", "and", "invest", "more", "."]),
    ("hi, my name can't hello,", ["hi", ",", "my", "name", "ca", "n't", "hello", ","]),
    # Label Studio's punctuation rules also split off "/"
    ("5/6 of the EU/UN budget", ["5", "/", "6", "of", "the", "EU", "/", "UN", "budget"]),
    ("Wait... what?! (Really) -- yes; 3,000 at 10:30 for 50%",
     ["Wait", "...", "what", "?", "!", "(", "Really", ")", "--", "yes", ";", "3,000", "at", "10:30", "for", "50",
      "%"]),
    ("I cannot gonna wanna go", ["I", "can", "not", "gon", "na", "wan", "na", "go"]),
])
def test_treebank_tokens(text, expected):
    assert treebank_tokens(text) == expected
    assert tokens(text) == expected


def test_token_spans_point_into_the_original_text():
    text = "Good muffins cost $3.88\nin New (York).  Please (buy) me\ntwo of them.\n(Thanks)."

    # NLTK's span_tokenize docstring
    assert list(treebank_spans(text)) == [
        (0, 4), (5, 12), (13, 17), (18, 19), (19, 23), (24, 26), (27, 30), (31, 32), (32, 36), (36, 37), (37, 38),
        (40, 46), (47, 48), (48, 51), (51, 52), (53, 55), (56, 59), (60, 62), (63, 68), (69, 70), (70, 76),
        (76, 77), (77, 78)]


def test_quotes_are_found_back_where_they_were():
    text = 'He said "hi" and \'\'left\'\'.'

    assert tokens(text) == ["He", "said", '"', "hi", '"', "and", "''", "left", "''", "."]


def test_whitespace_spans_are_runs_of_non_space():
    text = "  EU  rejects\tGerman\ncall. "

    assert [text[start:end] for start, end in whitespace_spans(text)] == ["EU", "rejects", "German", "call."]


def spans(*triples):
    return [EntitySpan(start, end, label) for start, end, label in triples]


TEXT = "Angela Merkel visited New York City today"
WORDS = list(whitespace_spans(TEXT))  # Angela Merkel visited New York City today


def test_the_first_token_of_a_span_is_b_and_the_rest_i():
    assert bio_tags(WORDS, spans((0, 13, "PER"), (22, 35, "LOC"))) == [
        "B-PER", "I-PER", "O", "B-LOC", "I-LOC", "I-LOC", "O"]


def test_a_token_touched_by_a_span_is_tagged():
    # "gela Merk" touches Angela and Merkel
    assert bio_tags(WORDS, spans((2, 11, "PER"))) == ["B-PER", "I-PER", "O", "O", "O", "O", "O"]


def test_adjacent_spans_with_the_same_label_each_begin_with_b():
    assert bio_tags(WORDS, spans((22, 25, "LOC"), (26, 35, "LOC"))) == ["O", "O", "O", "B-LOC", "B-LOC", "I-LOC", "O"]


def test_overlapping_spans_the_earlier_keeps_its_tokens_and_the_later_starts_after_it():
    # PER over "Angela Merkel visited", LOC over "visited New York": LOC begins at New
    assert bio_tags(WORDS, spans((0, 21, "PER"), (14, 30, "LOC"))) == [
        "B-PER", "I-PER", "I-PER", "B-LOC", "I-LOC", "O", "O"]


def test_a_span_inside_another_is_lost():
    assert bio_tags(WORDS, spans((0, 35, "MISC"), (22, 30, "LOC"))) == [
        "B-MISC", "I-MISC", "I-MISC", "I-MISC", "I-MISC", "I-MISC", "O"]


def test_a_span_without_labels_tags_o():
    assert bio_tags(WORDS, spans((0, 13, None), (22, 35, "LOC"))) == ["O", "O", "O", "B-LOC", "I-LOC", "I-LOC", "O"]


def test_spans_come_from_result_values_sorted_by_start_first_label_whitespace_made_safe():
    values = [
        {"start": 22, "end": 35, "labels": ["Place name", "LOC"]},
        {"start": 0, "end": 13, "labels": ["PER"]},
        {"start": None, "end": 5, "labels": ["BAD"]},  # no offsets: ignored
        {"start": "3", "end": 5, "labels": ["BAD"]},
        {"end": 5, "labels": ["BAD"]},
        {"start": 40, "end": 41, "labels": []},
        "not a value",
    ]

    assert entity_spans(values) == spans((0, 13, "PER"), (22, 35, "Place_name"), (40, 41, None))


def test_offsets_are_code_points():
    text = "😀 visit Paris"  # the emoji is one code point (two UTF-16 units)
    start = text.index("Paris")

    assert start == 8
    assert bio_tags(list(treebank_spans(text)), spans((start, start + 5, "LOC"))) == ["O", "O", "B-LOC"]
