"""BIO tags for tokens from labelled character spans, exactly as Label Studio's CoNLL export tags them.

Label Studio's ``create_tokens_and_tags`` is the reference. Spans are character offsets into the
text, end exclusive (code points: Python's own string indexes, which Label Studio writes since late
2021). Spans are taken in order of their start; a token touched by the current span gets ``B-``
(the span's first token) or ``I-`` and the span's first label, other tokens ``O``. Overlapping
spans: while a span lasts it keeps its tokens, and the next one starts with ``B-`` at the first
token after it ends; a span that ends before the current token is skipped. A span without labels
tags its tokens ``O``. Two departures, both for data Label Studio would mishandle:

- a span without numeric ``start``/``end`` is ignored (Label Studio then tags the whole text ``O``);
- whitespace inside a label becomes ``_``, since the columns are whitespace-separated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class EntitySpan:
    start: int
    end: int
    label: str | None


def entity_spans(values: Iterable[Any]) -> list[EntitySpan]:
    """Valid spans from result values ``{start, end, labels}``, sorted by start (stable)."""
    spans = []
    for value in values:
        if not isinstance(value, dict):
            continue
        start, end = value.get("start"), value.get("end")
        if not all(isinstance(offset, int) and not isinstance(offset, bool) for offset in (start, end)):
            continue
        labels = value.get("labels")
        label = labels[0] if isinstance(labels, list) and labels and isinstance(labels[0], str) else None
        spans.append(EntitySpan(start, end, _WHITESPACE.sub("_", label) if label else None))
    return sorted(spans, key=lambda span: span.start)


def bio_tags(tokens: Sequence[tuple[int, int]], spans: Sequence[EntitySpan]) -> list[str]:
    """One tag per token (start, end exclusive), from spans sorted by start."""
    if not spans:
        return ["O"] * len(tokens)
    pending = iter(spans)
    span = next(pending)
    prefix = "B-"
    tags = []
    for token_start, token_end in tokens:
        last = token_end - 1
        if token_start > span.end - 1:
            # move on to the first later span that still reaches this token
            for span in pending:  # noqa: B007 (the loop variable is the state)
                prefix = "B-"
                if token_start <= span.end - 1:
                    break
        if span.label and span.start <= last and span.end - 1 >= token_start:
            tags.append(prefix + span.label)
            prefix = "I-"
        else:
            tags.append("O")
    return tags
