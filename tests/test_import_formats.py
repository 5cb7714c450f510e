"""The builtin task file formats (JSON, JSONL, CSV, TSV, TXT): what each file turns into, and how
a broken file is reported. No server: each importer's ``parse`` reads bytes and yields tasks."""

from __future__ import annotations

import io

import pytest

from labelcore.builtin import import_formats
from labelcore.errors import LabelcoreError
from labelcore.registry import build_registry
from labelcore.services.importing import importer_for
from labelcore.specs import ImportContext
from labelcore.testing import plugin_manager

TEXT_PROJECT = ImportContext(file_name="tasks", data_keys=("text",))


def parse(importer, content: str | bytes, context: ImportContext = TEXT_PROJECT) -> list[dict]:
    raw = content.encode() if isinstance(content, str) else content
    return list(importer.parse(io.BytesIO(raw), context))


# --------------------------------------------------------------------------- JSON


def test_a_json_list_holds_tasks_or_bare_data_objects():
    tasks = parse(import_formats.JSON, """[
        {"text": "bare data"},
        {"data": {"text": "wrapped"}, "meta": {"source": "mail"}, "annotations": []}
    ]""")

    assert tasks == [
        {"data": {"text": "bare data"}},
        {"data": {"text": "wrapped"}, "meta": {"source": "mail"}, "annotations": []},
    ]


def test_a_json_file_may_hold_one_task_object():
    assert parse(import_formats.JSON, '{"data": {"text": "only one"}}') == [{"data": {"text": "only one"}}]


def test_an_empty_data_field_means_the_object_is_the_data_as_in_label_studio():
    assert parse(import_formats.JSON, '[{"data": {}, "text": "x"}]') == [{"data": {"data": {}, "text": "x"}}]


def test_invalid_json_names_the_line_and_column():
    with pytest.raises(LabelcoreError, match=r"line 3 column \d+: invalid JSON"):
        parse(import_formats.JSON, '[\n {"text": "a"},\n {"text": }\n]')


def test_a_json_number_is_not_a_task_file():
    with pytest.raises(LabelcoreError, match="a list of tasks or one task object"):
        parse(import_formats.JSON, "42")


# --------------------------------------------------------------------------- JSONL


def test_json_lines_hold_one_task_per_line_and_skip_blank_lines():
    tasks = parse(import_formats.JSONL, '{"text": "one"}\n\n{"data": {"text": "two"}}\n')

    assert tasks == [{"data": {"text": "one"}}, {"data": {"text": "two"}}]


def test_a_broken_json_line_is_named_by_its_number():
    with pytest.raises(LabelcoreError, match=r"line 3 column \d+: invalid JSON"):
        parse(import_formats.JSONL, '{"text": "one"}\n{"text": "two"}\n{"text": "three"\n')


@pytest.mark.parametrize("importer", [import_formats.JSON, import_formats.JSONL])
def test_json_files_may_start_with_a_byte_order_mark(importer):
    assert parse(importer, '\ufeff{"text": "hi"}') == [{"data": {"text": "hi"}}]


# --------------------------------------------------------------------------- CSV, TSV


def test_csv_headers_are_data_keys_and_cells_stay_strings():
    tasks = parse(import_formats.CSV, "text,score,zip\nhello,4,007\nworld,,02134\n")

    assert tasks == [
        {"data": {"text": "hello", "score": "4", "zip": "007"}},
        {"data": {"text": "world", "score": "", "zip": "02134"}},
    ]


def test_csv_quoted_cells_may_hold_commas_quotes_and_newlines():
    tasks = parse(import_formats.CSV, 'text,label\n"a, b","say ""hi"""\n"two\nlines",x\n')

    assert [task["data"] for task in tasks] == [{"text": "a, b", "label": 'say "hi"'},
                                                {"text": "two\nlines", "label": "x"}]


def test_csv_with_more_semicolons_than_commas_in_its_header_is_semicolon_separated():
    tasks = parse(import_formats.CSV, "text;label\nhello, world;greeting\n")

    assert tasks == [{"data": {"text": "hello, world", "label": "greeting"}}]


def test_csv_from_a_spreadsheet_with_a_byte_order_mark_and_crlf_lines():
    tasks = parse(import_formats.CSV, "\ufefftext,label\r\nhello,a\r\n".encode())

    assert tasks == [{"data": {"text": "hello", "label": "a"}}]


def test_csv_blank_lines_are_skipped_and_short_rows_are_padded():
    tasks = parse(import_formats.CSV, "text,label\n\nhello\n")

    assert tasks == [{"data": {"text": "hello", "label": ""}}]


def test_csv_names_unnamed_and_repeated_columns_as_pandas_does():
    tasks = parse(import_formats.CSV, "text,,text\na,b,c\n")

    assert tasks == [{"data": {"text": "a", "Unnamed: 1": "b", "text.1": "c"}}]


def test_a_csv_row_with_more_cells_than_the_header_is_named_by_its_line():
    with pytest.raises(LabelcoreError, match="line 3: 3 cells, but the header row names 2 columns"):
        parse(import_formats.CSV, "text,label\nok,1\nnot,ok,here\n")


def test_a_csv_file_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(LabelcoreError, match="line 2: the file is not UTF-8"):
        parse(import_formats.CSV, b"text\ncaf\xe9\n")


def test_tsv_is_split_on_tabs_only():
    tasks = parse(import_formats.TSV, "text\tlabel\nhello, world\tgreeting\n")

    assert tasks == [{"data": {"text": "hello, world", "label": "greeting"}}]


def test_a_csv_with_only_a_header_has_no_tasks():
    assert parse(import_formats.CSV, "text,label\n") == []


# --------------------------------------------------------------------------- TXT


def test_each_text_line_is_a_task_in_the_configs_first_data_key():
    tasks = parse(import_formats.TXT, "first line\r\nsecond, with a comma\n\nlast without newline",
                  ImportContext(data_keys=("review", "title")))

    # Label Studio keeps empty lines as (empty) tasks too
    assert tasks == [{"data": {"review": "first line"}}, {"data": {"review": "second, with a comma"}},
                     {"data": {"review": ""}}, {"data": {"review": "last without newline"}}]


def test_text_lines_need_a_config_that_reads_a_data_key():
    with pytest.raises(LabelcoreError, match="reads a data key"):
        parse(import_formats.TXT, "a line\n", ImportContext(data_keys=()))


# --------------------------------------------------------------------------- the stream and the registry


def test_parsing_leaves_the_callers_stream_open():
    stream = io.BytesIO(b"text\nhello\n")

    list(import_formats.CSV.parse(stream, TEXT_PROJECT))

    assert not stream.closed


def test_a_large_csv_streams_one_row_at_a_time():
    rows = "".join(f"task {i},{i}\n" for i in range(50_000))
    tasks = import_formats.CSV.parse(io.BytesIO(("text,n\n" + rows).encode()), TEXT_PROJECT)

    assert next(tasks) == {"data": {"text": "task 0", "n": "0"}}
    assert sum(1 for _ in tasks) == 49_999


def test_the_builtin_formats_are_found_by_file_extension():
    registry = build_registry(plugin_manager())

    assert {name: importer_for(registry, name).id for name in
            ("a.json", "b.JSONL", "c.ndjson", "d.csv", "e.tsv", "f.txt")} == {
        "a.json": "JSON", "b.JSONL": "JSONL", "c.ndjson": "JSONL", "d.csv": "CSV", "e.tsv": "TSV", "f.txt": "TXT"}
    with pytest.raises(LabelcoreError, match=r"\.xlsx extension is not supported"):
        importer_for(registry, "sheet.xlsx")
