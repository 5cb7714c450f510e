"""Result values of the text tags, and the checks that need the config or the task data.

Offsets, and the unit they are counted in, by what Label Studio's frontend writes:

- ``<Text>`` spans (``labels``): ``start``/``end`` are global character offsets. Label Studio
  counted them in UTF-16 code units (JavaScript string indices) until late 2021; since then its
  frontend converts them to Unicode code points (``charsToCodePoints`` in ``selection-tools``), so
  both units exist in real exports. A span is accepted when it fits the text in either unit.
- ``<HyperText>`` spans (``labels``, ``hypertextlabels``): XPaths of the start and end text nodes
  plus ``startOffset``/``endOffset`` inside them, and optionally ``globalOffsets`` into the
  rendered text (not the HTML source), so they are checked for shape and order only.
- ``<Paragraphs>`` spans (``paragraphlabels``): paragraph indexes (written as strings, ``"0"``)
  plus ``startOffset``/``endOffset`` inside those paragraphs' text, in UTF-16 code units.

The optional ``text`` of a span is compared with the spanned text ignoring whitespace: Label
Studio saves the browser selection's text, which collapses runs of whitespace and writes a line
break as the two characters ``\\n``. Any other difference means the offsets point elsewhere
(typically UTF-8 byte offsets, or offsets into a different version of the text), so it is an error.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from labelcore.config.tree import DATA_REF
from labelcore.results import ResultContext

# --------------------------------------------------------------------------- JavaScript strings


def js_length(text: str) -> int:
    """JavaScript's ``text.length``: UTF-16 code units.

    Unlike ``labelcore.results.utf16_len`` it accepts lone surrogates, which JSON task data and
    saved span texts can hold (``"\\ud83d"``; older Label Studio split emoji in halves).
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def js_substring(text: str, start: int, end: int) -> str:
    """JavaScript's ``text.substring(start, end)``: offsets in UTF-16 code units."""
    units = text.encode("utf-16-le", "surrogatepass")
    return units[2 * start:2 * end].decode("utf-16-le", "surrogatepass")


# --------------------------------------------------------------------------- values


#: A character offset as Label Studio writes it: a JSON integer, never a float or a string.
Offset = Annotated[StrictInt, Field(ge=0)]


def _paragraph_index(value: object) -> int:
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError(f"{value!r} is not a paragraph index (0 or more, as an integer or a string of digits)")


#: Label Studio writes paragraph indexes as strings (``"3"``); its docs and SDK show integers.
ParagraphIndex = Annotated[int, PlainValidator(_paragraph_index)]


class _Value(BaseModel):
    # A region's value may also carry what other controls of the same region wrote.
    model_config = ConfigDict(extra="allow")


class LabelsValue(_Value):
    """``labels``: the labels of a region; its geometry depends on the object it is drawn on."""

    labels: list[str]


class TextSpan(_Value):
    """A span of a ``<Text>``: global character offsets, end exclusive."""

    start: Offset
    end: Offset
    text: str | None = None


class GlobalOffsets(BaseModel):
    start: Offset
    end: Offset


class HyperTextSpan(_Value):
    """A span of a ``<HyperText>``: XPaths of the text nodes it starts and ends in."""

    start: StrictStr
    end: StrictStr
    startOffset: Offset
    endOffset: Offset
    globalOffsets: GlobalOffsets | None = None
    text: str | None = None


class HyperTextLabelsValue(HyperTextSpan):
    """``hypertextlabels``; Label Studio's older frontend wrote the list under ``htmllabels``."""

    hypertextlabels: list[str] | None = None
    htmllabels: list[str] | None = None

    @model_validator(mode="after")
    def _has_labels(self) -> HyperTextLabelsValue:
        if self.hypertextlabels is None and self.htmllabels is None:
            raise ValueError("hypertextlabels (or htmllabels, as older Label Studio versions wrote) is required")
        return self


class ParagraphLabelsValue(_Value):
    """``paragraphlabels``: a span from one paragraph (and offset in it) to another."""

    start: ParagraphIndex
    end: ParagraphIndex
    startOffset: Offset
    endOffset: Offset
    text: str | None = None
    paragraphlabels: list[str]


# --------------------------------------------------------------------------- checks


def check_labels(value: dict[str, Any], context: ResultContext) -> list[str]:
    """``<Labels>``: spans on ``<Text>`` and ``<HyperText>``; on any other object only the labels."""
    problems = _labels_present(value, "labels", context)
    target = context.object.tag if context.object is not None else None
    if target == "Text":
        problems += _text_span_problems(value, context)
    elif target == "HyperText":
        problems += _hypertext_span_problems(value)
    return problems


def check_hypertext_labels(value: dict[str, Any], context: ResultContext) -> list[str]:
    problems = []
    for key in ("hypertextlabels", "htmllabels"):
        if key in value:
            problems += _labels_present(value, key, context)
    problems += _unknown_labels(value.get("htmllabels"), "htmllabels", context)
    return problems + _hypertext_span_problems(value)


def check_paragraph_labels(value: dict[str, Any], context: ResultContext) -> list[str]:
    problems = _labels_present(value, "paragraphlabels", context)
    span = ParagraphLabelsValue.model_validate(value)
    if span.start > span.end:
        return problems + [f"span starts in paragraph {span.start} but ends in earlier paragraph {span.end}"]
    if span.start == span.end and span.startOffset > span.endOffset:
        return problems + [f"span startOffset {span.startOffset} is after its endOffset {span.endOffset} "
                           f"in paragraph {span.start}"]
    paragraphs = _shown_paragraphs(context)
    if paragraphs is None:
        return problems
    count = len(paragraphs)
    for key, index in (("start", span.start), ("end", span.end)):
        if index >= count:
            problems.append(f"{key} paragraph {index} is out of range: the task has {count} paragraphs (0-{count - 1})")
    if problems or context.object.values.contextScroll:
        # with contextScroll Label Studio sorts the paragraphs by start time before indexing them
        return problems
    text_key = context.object.values.textKey
    start_text = _paragraph_text(paragraphs[span.start], text_key)
    end_text = _paragraph_text(paragraphs[span.end], text_key)
    for key, offset, text, index in (("startOffset", span.startOffset, start_text, span.start),
                                     ("endOffset", span.endOffset, end_text, span.end)):
        if text is not None and offset > js_length(text):
            problems.append(f"{key} {offset} is past the end of paragraph {index} "
                            f"({js_length(text)} UTF-16 code units)")
    if not problems and span.start == span.end and span.text is not None and start_text is not None:
        problems += _text_mismatch(span.text, start_text, span.startOffset, span.endOffset)
    return problems


# --------------------------------------------------------------------------- helpers


def _labels_present(value: dict[str, Any], key: str, context: ResultContext) -> list[str]:
    """An empty labels list is only valid when the control sets ``allowEmpty``."""
    chosen = value.get(key)
    if isinstance(chosen, list) and not chosen and not context.control.values.allowEmpty:
        return [f"value.{key} is empty; a region needs a label unless <{context.control.tag} "
                f"name={context.control.name!r}> sets allowEmpty=\"true\""]
    return []


def _unknown_labels(chosen: Any, key: str, context: ResultContext) -> list[str]:
    """The option check core runs on ``labels_key``, for a second key naming the same list."""
    name = context.control.name or ""
    if not isinstance(chosen, list) or context.config.is_dynamic(name):
        return []
    allowed = set(context.config.labels(name))
    return [f"{key} {label!r} is not an option of <{context.control.tag} name={name!r}>"
            for label in chosen if label not in allowed]


def _shape_problems(model: type[BaseModel], value: dict[str, Any]) -> list[str]:
    try:
        model.model_validate(value)
    except ValidationError as exc:
        return [f"value.{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()]
    return []


def _text_span_problems(value: dict[str, Any], context: ResultContext) -> list[str]:
    problems = _shape_problems(TextSpan, value)
    if problems:
        return problems
    span = TextSpan.model_validate(value)
    if span.start > span.end:
        return [f"span start {span.start} is after its end {span.end}"]
    text = _shown_text(context)
    if text is None:
        return []
    length = js_length(text)
    if span.end > length:
        return [f"span end {span.end} is past the end of the text ({length} UTF-16 code units, "
                f"{len(text)} code points)"]
    if span.text is not None:
        return _text_mismatch(span.text, text, span.start, span.end)
    return []


def _hypertext_span_problems(value: dict[str, Any]) -> list[str]:
    problems = _shape_problems(HyperTextSpan, value)
    if problems:
        return problems
    span = HyperTextSpan.model_validate(value)
    if span.start == span.end and span.startOffset > span.endOffset:
        problems.append(f"span startOffset {span.startOffset} is after its endOffset {span.endOffset} "
                        f"in the same node {span.start!r}")
    offsets = span.globalOffsets
    if offsets is not None and offsets.start > offsets.end:
        problems.append(f"globalOffsets start {offsets.start} is after its end {offsets.end}")
    return problems


def _shown_text(context: ResultContext) -> str | None:
    """The text a ``<Text>`` shows for this task, or None when it cannot be known here."""
    obj = context.object
    if obj is None or obj.values.valueType == "url":
        return None  # fetched by the browser at labeling time
    shown = _object_data(context)
    if not isinstance(shown, str):
        return None
    return _decode(shown, obj.values.encoding)


def _object_data(context: ResultContext) -> Any:
    """What the targeted object shows, when its value is one data field (or literal text)."""
    raw = (context.object.attr("value") or "").strip()
    if DATA_REF.search(raw) and not DATA_REF.fullmatch(raw):
        return None  # "$item.text" or "Title: $title": not one plain data field
    return context.object_data()


def _decode(text: str, encoding: str) -> str | None:
    if encoding == "none":
        return text
    try:
        raw = base64.b64decode(text, validate=True)
        # "base64" is the browser's atob(): one character per byte; "base64unicode" decodes UTF-8
        return raw.decode("latin-1") if encoding == "base64" else raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _shown_paragraphs(context: ResultContext) -> list[Any] | None:
    obj = context.object
    if obj is None or obj.tag != "Paragraphs" or obj.values.valueType == "url":
        return None
    shown = _object_data(context)
    return shown if isinstance(shown, list) else None


def _paragraph_text(paragraph: Any, text_key: str) -> str | None:
    text = paragraph.get(text_key) if isinstance(paragraph, dict) else None
    return text if isinstance(text, str) else None


def _normalized(text: str) -> str:
    return " ".join(text.replace("\\n", "\n").split())


def _text_mismatch(given: str, text: str, start: int, end: int) -> list[str]:
    """Compare ``given`` with the span read in code points (today's Label Studio) and in UTF-16
    code units (Label Studio before late 2021); either match is accepted."""
    by_code_points = text[start:end]
    wanted = _normalized(given)
    if wanted in (_normalized(by_code_points), _normalized(js_substring(text, start, end))):
        return []
    return [f"value.text {given!r} is not the text at [{start}, {end}): {by_code_points!r}"]
