"""The same NER tasks through Label Studio's own converter and through this export: equal.

``label-studio-sdk`` is a test dependency (the ``test`` extra). The property tests compare the
tokenizer and the tagging with Label Studio's ``create_tokens_and_tags`` on random text and spans.
"""

from __future__ import annotations

import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from label_studio_sdk import converter
from label_studio_sdk.converter.utils import TreebankWordTokenizer, create_tokens_and_tags

from labelcore_export_conll.tagging import bio_tags, entity_spans
from labelcore_export_conll.tokenize import treebank_spans


def label_studio(tmp_path, config_xml, tasks) -> str:
    source = tmp_path / "tasks.json"
    source.write_text(json.dumps(tasks))
    converter.Converter(config_xml, project_dir=str(tmp_path)).convert_to_conll2003(
        str(source), str(tmp_path / "out"), is_dir=False)
    return (tmp_path / "out" / "result.conll").read_text(encoding="utf-8")


def test_sample_ner_tasks_match_label_studio(conll, tmp_path):
    config = conll.parse(conll.NER)
    one = "EU rejects German call to boycott British lamb."
    two = 'Peter Blackburn, of the "European Commission", said: it\'s 5/6 of $3.88bn -- isn\'t it?'
    three = "Göteborg 😀 meets São Paulo (Brazil) at 10:30; Merkel's visit..."
    four = "Nothing  to   see\there.\n\nReally!"
    tasks = [
        conll.task(1, one, conll.entity(one, "EU", "ORG"), conll.entity(one, "German", "MISC"),
                   conll.entity(one, "British", "MISC")),
        conll.task(2, two, conll.entity(two, "Peter Blackburn", "PER"),
                   conll.entity(two, "European Commission", "ORG", "MISC"),  # several labels: the first
                   conll.entity(two, "$3.88bn", "MISC")),
        conll.task(3, three, conll.entity(three, "Göteborg", "LOC"), conll.entity(three, "São Paulo", "LOC"),
                   conll.entity(three, "Brazil", "LOC"), conll.entity(three, "Merkel", "PER"),
                   conll.span(three, 0, 20, "MISC")),  # overlapping the first two
        {"id": 4, "data": {"text": four}, "annotations": []},
        {"id": 5, "data": {"text": one}, "annotations": [
            {"id": 51, "created_at": "2024-01-01T00:00:00Z", "result": [conll.entity(one, "EU", "ORG")]},
            {"id": 52, "created_at": "2024-02-01T00:00:00Z", "result": [conll.entity(one, "lamb", "MISC")]},
            {"id": 53, "was_cancelled": True, "result": []}]},
        conll.task(6, one, was_cancelled=True),
        conll.task(7, ""),
    ]

    ours = conll.export(config, tasks)

    assert ours == label_studio(tmp_path, conll.NER, tasks)
    assert "Peter -X- _ B-PER\nBlackburn -X- _ I-PER\n" in ours


def test_tokens_match_nltks_treebank_tokenizer_as_label_studio_patches_it():
    text = "Good muffins cost $3.88\nin New (York).  Please (buy) me\ntwo of them.\n(Thanks). 5/6 \"quoted\" ''x''"

    assert list(treebank_spans(text)) == list(TreebankWordTokenizer().span_tokenize(text))


texts = st.text(alphabet=st.sampled_from(list("abcXYZ019 .,;:!?'\"`()[]{}<>$%&/#@-\n\tçé😀")), max_size=60)


def label_studio_spans(text):
    try:
        return list(TreebankWordTokenizer().span_tokenize(text))
    except (ValueError, StopIteration, RuntimeError):
        return None  # Label Studio's export fails on this text


@settings(max_examples=500, deadline=None)
@given(texts)
def test_property_token_spans_equal_label_studios(text):
    expected = label_studio_spans(text)
    assume(expected is not None)

    assert list(treebank_spans(text)) == expected


@st.composite
def text_and_spans(draw):
    text = draw(texts)
    count = draw(st.integers(0, 5))
    values = []
    for _ in range(count):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        labels = draw(st.sampled_from([["PER"], ["LOC", "ORG"], []]))
        values.append({"start": start, "end": end, "labels": labels, "text": text[start:end]})
    return text, values


@settings(max_examples=500, deadline=None)
@given(text_and_spans())
def test_property_tags_equal_label_studios(case):
    text, values = case
    assume(label_studio_spans(text) is not None)
    their_tokens, their_tags = create_tokens_and_tags(text, [dict(value) for value in values])

    spans = list(treebank_spans(text))
    assert [text[start:end] for start, end in spans] == their_tokens
    assert bio_tags(spans, entity_spans(values)) == their_tags

