"""The CONLL2003 export format: one token per line with its BIO tag, as Label Studio writes it.

Label Studio's ``Converter.convert_to_conll2003`` output, byte for byte::

    -DOCSTART- -X- O
    EU -X- _ B-ORG
    rejects -X- _ O
    ...
    <blank line after each document>

One document per annotation that was not cancelled, newest first (``created_at``), and one
all-``O`` document for a task without annotations; a task whose annotations were all cancelled is
left out. The spans come from the first ``<Labels>`` control (config order) that labels a
``<Text>``; Label Studio takes whichever labels control comes first in each annotation's result,
which is the same for the usual single-control config. Tokens and tags: see ``tokenize`` and
``tagging``. ``context.options["tokenizer"] = "whitespace"`` splits on whitespace only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from labelcore import ExportContext, ExporterSpec, LabelcoreError

from labelcore_export_conll.tagging import bio_tags, entity_spans
from labelcore_export_conll.tokenize import Span, treebank_spans, whitespace_spans

HEADER = "-DOCSTART- -X- O\n"
TOKENIZERS: dict[str, Callable[[str], Iterable[Span]]] = {"treebank": treebank_spans, "whitespace": whitespace_spans}


@dataclass(frozen=True)
class ConllSchema:
    control: str
    text_name: str
    data_key: str


def conll_schema(config: Any) -> ConllSchema | str:
    """The Labels control and Text field to export, or why the config cannot be exported."""
    if config is None or not hasattr(config, "controls"):
        return "The project has no labeling config."
    reason = "CONLL 2003 exports labelled text spans: the config needs a <Text> and a <Labels> on it."
    for name, control in config.controls.items():
        if control.tag != "Labels":
            continue
        for target in control.to_names:
            node = config.objects.get(target)
            if node is None or node.tag != "Text":
                continue
            if (node.attr("valueType") or "").lower() == "url":
                reason = (f'The <Text name="{target}"> loads its text from a URL (valueType="url"); CONLL 2003 '
                          "needs the text in the task.")
                continue
            keys = config.keys_of(target)
            if keys:
                return ConllSchema(control=name, text_name=target, data_key=keys[0])
    return reason


def _cancelled(annotation: dict[str, Any]) -> bool:
    return bool(annotation.get("was_cancelled") or annotation.get("skipped"))


def documents(task: dict[str, Any]) -> Iterator[dict[str, Any] | None]:
    """The annotations a task contributes a document each for (None: the unannotated task)."""
    annotations = [annotation for annotation in task.get("annotations") or [] if isinstance(annotation, dict)]
    if not annotations:
        yield None
        return
    kept = [annotation for annotation in annotations if not _cancelled(annotation)]
    yield from sorted(kept, key=lambda annotation: str(annotation.get("created_at") or ""), reverse=True)


def span_values(annotation: dict[str, Any] | None, schema: ConllSchema) -> Iterator[Any]:
    for item in (annotation or {}).get("result") or []:
        if (isinstance(item, dict) and item.get("from_name") == schema.control
                and item.get("to_name") in (None, schema.text_name)):
            yield item.get("value")


def document_lines(text: str, annotation: dict[str, Any] | None, schema: ConllSchema,
                   tokenizer: Callable[[str], Iterable[Span]]) -> str:
    tokens = list(tokenizer(text))
    tags = bio_tags(tokens, entity_spans(span_values(annotation, schema)))
    return "".join(f"{text[start:end]} -X- _ {tag}\n" for (start, end), tag in zip(tokens, tags, strict=True)) + "\n"


def export_conll(tasks: Iterable[dict[str, Any]], stream: IO[bytes], context: ExportContext) -> None:
    schema = conll_schema(context.config)
    if isinstance(schema, str):
        raise LabelcoreError(schema)
    name = context.options.get("tokenizer", "treebank")
    tokenizer = TOKENIZERS.get(name)
    if tokenizer is None:
        raise LabelcoreError(f"Unknown tokenizer {name!r} for CONLL2003; use one of: {', '.join(TOKENIZERS)}.")
    stream.write(HEADER.encode("utf-8"))
    for task in tasks:
        data = task.get("data")
        text = data.get(schema.data_key) if isinstance(data, dict) else None
        text = "" if text is None else text if isinstance(text, str) else str(text)
        for annotation in documents(task):
            stream.write(document_lines(text, annotation, schema, tokenizer).encode("utf-8"))


def supports(config: Any) -> str | None:
    schema = conll_schema(config)
    return schema if isinstance(schema, str) else None


EXPORTERS = [
    ExporterSpec(id="CONLL2003", title="CONLL2003", media_type="text/plain", extension="conll",
                 description="Named entities in CoNLL 2003 format: one token per line with its BIO tag "
                             "('token -X- _ B-PER'), a blank line after each annotated text. Tokens as Label "
                             "Studio splits them (Penn Treebank rules).",
                 supports=supports, export=export_conll),
]
