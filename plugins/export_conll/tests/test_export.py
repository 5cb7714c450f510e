"""The CONLL2003 file: its header, one document per annotation, BIO tags on Treebank tokens."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from labelcore import ExportContext, LabelcoreError
from labelcore_export_conll.exporter import export_conll

TEXT = "EU rejects German call to boycott British lamb."


def test_a_document_is_a_token_per_line_with_its_bio_tag_then_a_blank_line(conll):
    config = conll.parse(conll.NER)
    task = conll.task(1, TEXT, conll.entity(TEXT, "EU", "ORG"), conll.entity(TEXT, "German", "MISC"),
                      conll.entity(TEXT, "British lamb", "MISC"))

    assert conll.export(config, [task]) == (
        "-DOCSTART- -X- O\n"
        "EU -X- _ B-ORG\n"
        "rejects -X- _ O\n"
        "German -X- _ B-MISC\n"
        "call -X- _ O\n"
        "to -X- _ O\n"
        "boycott -X- _ O\n"
        "British -X- _ B-MISC\n"
        "lamb -X- _ I-MISC\n"
        ". -X- _ O\n"
        "\n")


def test_an_empty_export_is_the_header_alone(conll):
    assert conll.export(conll.parse(conll.NER), []) == "-DOCSTART- -X- O\n"


def test_each_annotation_is_a_document_newest_first_cancelled_ones_left_out(conll):
    config = conll.parse(conll.NER)
    text = "Alice met Bob"
    task = {"id": 1, "data": {"text": text}, "annotations": [
        {"id": 1, "created_at": "2024-01-01T00:00:00Z", "result": [conll.entity(text, "Alice", "PER")]},
        {"id": 2, "created_at": "2024-02-01T00:00:00Z", "result": [conll.entity(text, "Bob", "PER")]},
        {"id": 3, "created_at": "2024-03-01T00:00:00Z", "was_cancelled": True,
         "result": [conll.entity(text, "met", "MISC")]},
    ]}

    assert conll.export(config, [task]).split("\n\n") == [
        "-DOCSTART- -X- O\nAlice -X- _ O\nmet -X- _ O\nBob -X- _ B-PER",
        "Alice -X- _ B-PER\nmet -X- _ O\nBob -X- _ O",
        "",
    ]


def test_a_task_without_annotations_is_all_o_and_one_with_only_cancelled_ones_is_left_out(conll):
    config = conll.parse(conll.NER)
    tasks = [{"id": 1, "data": {"text": "Nothing here"}, "annotations": []},
             conll.task(2, "Skipped text", was_cancelled=True),
             conll.task(3, "")]

    assert conll.export(config, tasks) == "-DOCSTART- -X- O\nNothing -X- _ O\nhere -X- _ O\n\n\n"


def test_only_the_first_labels_control_on_a_text_is_exported(conll):
    config = conll.parse("""<View><Text name="text" value="$text"/>
      <Labels name="ner" toName="text"><Label value="PER"/></Labels>
      <Labels name="pos" toName="text"><Label value="NOUN"/></Labels></View>""")
    text = "Alice sleeps"
    ner = dict(conll.entity(text, "Alice", "PER"), from_name="ner")
    pos = dict(conll.entity(text, "sleeps", "NOUN"), from_name="pos")

    assert conll.export(config, [conll.task(1, text, pos, ner)]) == (
        "-DOCSTART- -X- O\nAlice -X- _ B-PER\nsleeps -X- _ O\n\n")


def test_the_whitespace_tokenizer_keeps_punctuation_on_its_word(conll):
    config = conll.parse(conll.NER)
    task = conll.task(1, TEXT, conll.entity(TEXT, "British lamb", "MISC"))

    exported = conll.export(config, [task], tokenizer="whitespace")

    assert exported.splitlines()[-3:] == ["British -X- _ B-MISC", "lamb. -X- _ I-MISC", ""]


def test_an_unknown_tokenizer_is_an_error(conll):
    with pytest.raises(LabelcoreError, match="Unknown tokenizer 'spacy'"):
        conll.export(conll.parse(conll.NER), [], tokenizer="spacy")


def test_a_config_that_cannot_be_exported_is_an_error_naming_the_reason(conll):
    config = conll.parse('<View><Text name="text" value="$text"/>'
                         '<Choices name="c" toName="text"><Choice value="A"/></Choices></View>')

    with pytest.raises(LabelcoreError, match="needs a <Text> and a <Labels>"):
        conll.export(config, [])


def test_text_that_is_missing_or_not_a_string_does_not_stop_the_export(conll):
    config = conll.parse(conll.NER)
    tasks = [{"id": 1, "data": {}, "annotations": []}, {"id": 2, "data": {"text": 42}, "annotations": []}]

    assert conll.export(config, tasks) == "-DOCSTART- -X- O\n\n42 -X- _ O\n\n"


def generated_tasks(count: int):
    for task_id in range(count):
        text = f"Report {task_id}: Angela Merkel visited Paris and Berlin with Siemens engineers."
        yield {"id": task_id, "data": {"text": text}, "annotations": [{
            "id": task_id, "created_at": "2024-05-01T10:00:00Z",
            "result": [{"from_name": "label", "to_name": "text", "type": "labels",
                        "value": {"start": text.index(words), "end": text.index(words) + len(words),
                                  "labels": [label]}}
                       for words, label in (("Angela Merkel", "PER"), ("Paris", "LOC"), ("Siemens", "ORG"))]}]}


class Sink(io.RawIOBase):
    def __init__(self):
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        return len(data)


def test_twenty_thousand_generated_tasks_stream_through_in_constant_memory(conll):
    config = conll.parse(conll.NER)
    sink = Sink()

    tracemalloc.start()
    try:
        export_conll(generated_tasks(20_000), sink, ExportContext(project_id=1, config=config))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert sink.size > 20_000 * 150
    assert peak < 1_000_000  # nothing per task is kept
