"""Tokens with their character offsets, as Label Studio's CoNLL export splits text.

Label Studio's converter (``label_studio_sdk.converter.utils.create_tokens_and_tags``) uses NLTK's
``TreebankWordTokenizer().span_tokenize`` with its own punctuation rules, so ``"York."`` gives
``York`` and ``.``, ``"$3.88"`` gives ``$`` and ``3.88`` and ``"can't"`` gives ``ca`` and ``n't``
(Penn Treebank tokens, as in the CoNLL 2003 data itself). This module reproduces that tokenizer
without NLTK: the rules below are NLTK 3.x's ``TreebankWordTokenizer`` (Apache-2.0, the NLTK
Project), with ``PUNCTUATION`` replaced as Label Studio replaces it (it also splits off ``/``).
Should a token not be found back in the text (a quote NLTK rewrote), it is skipped rather than
failing the export as NLTK's ``align_tokens`` would.

``whitespace_spans`` is the plain alternative: maximal runs of non-space characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int]

_STARTING_QUOTES = [
    (re.compile(r"^\""), r"``"),
    (re.compile(r"(``)"), r" \1 "),
    (re.compile(r"([ \(\[{<])(\"|\'{2})"), r"\1 `` "),
]
# Label Studio's replacement of TreebankWordTokenizer.PUNCTUATION (label_studio_sdk.converter.utils)
_PUNCTUATION = [
    (re.compile(r"([:,])([^\d])"), r" \1 \2"),
    (re.compile(r"([:,])$"), r" \1 "),
    (re.compile(r"\.\.\."), r" ... "),
    (re.compile(r"[;@#$/%&]"), r" \g<0> "),
    (re.compile(r'([^\.])(\.)([\]\)}>"\']*)\s*$'), r"\1 \2\3 "),
    (re.compile(r"[?!]"), r" \g<0> "),
    (re.compile(r"([^'])' "), r"\1 ' "),
]
_PARENS_BRACKETS = (re.compile(r"[\]\[\(\)\{\}\<\>]"), r" \g<0> ")
_DOUBLE_DASHES = (re.compile(r"--"), r" -- ")
_ENDING_QUOTES = [
    (re.compile(r"''"), " '' "),
    (re.compile(r'"'), " '' "),
    (re.compile(r"([^' ])('[sS]|'[mM]|'[dD]|') "), r"\1 \2 "),
    (re.compile(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), r"\1 \2 "),
]
_CONTRACTIONS = [re.compile(pattern) for pattern in (
    r"(?i)\b(can)(?#X)(not)\b",
    r"(?i)\b(d)(?#X)('ye)\b",
    r"(?i)\b(gim)(?#X)(me)\b",
    r"(?i)\b(gon)(?#X)(na)\b",
    r"(?i)\b(got)(?#X)(ta)\b",
    r"(?i)\b(lem)(?#X)(me)\b",
    r"(?i)\b(more)(?#X)('n)\b",
    r"(?i)\b(wan)(?#X)(na)(?=\s)",
    r"(?i) ('t)(?#X)(is)\b",
    r"(?i) ('t)(?#X)(was)\b",
)]
_QUOTES = re.compile(r"``|'{2}|\"")


def treebank_tokens(text: str) -> list[str]:
    """``TreebankWordTokenizer().tokenize(text)`` with Label Studio's punctuation rules."""
    for pattern, replacement in _STARTING_QUOTES:
        text = pattern.sub(replacement, text)
    for pattern, replacement in _PUNCTUATION:
        text = pattern.sub(replacement, text)
    pattern, replacement = _PARENS_BRACKETS
    text = pattern.sub(replacement, text)
    pattern, replacement = _DOUBLE_DASHES
    text = pattern.sub(replacement, text)
    text = " " + text + " "
    for pattern, replacement in _ENDING_QUOTES:
        text = pattern.sub(replacement, text)
    for pattern in _CONTRACTIONS:
        text = pattern.sub(r" \1 \2 ", text)
    return text.split()


def treebank_spans(text: str) -> Iterator[Span]:
    """``TreebankWordTokenizer().span_tokenize(text)``: each token's (start, end) in ``text``."""
    tokens = treebank_tokens(text)
    if '"' in text or "''" in text:
        # the tokenizer turned quotes into `` and ''; put back the quote each one came from
        originals = iter(match.group() for match in _QUOTES.finditer(text))
        tokens = [next(originals, token) if token in ('"', "``", "''") else token for token in tokens]
    point = 0
    for token in tokens:
        start = text.find(token, point)
        if start < 0:
            continue
        point = start + len(token)
        yield start, point


def whitespace_spans(text: str) -> Iterator[Span]:
    for match in re.finditer(r"\S+", text):
        yield match.start(), match.end()
