"""Cut a section's text into passages of about 120 words, keeping exact character offsets.

Every span here is a ``[start, end)`` range of the text handed in, trimmed of surrounding
whitespace, so ``text[start:end]`` is always the span a passage came from. Paragraphs of one
section are grouped until a passage reaches ``TARGET_WORDS``; a passage never exceeds
``MAX_WORDS`` (an over-long paragraph is cut at sentence boundaries, an over-long sentence at
word boundaries) and never crosses a section boundary.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby

from curbside.ingest.document import Passage

TARGET_WORDS = 120
MAX_WORDS = 180

Span = tuple[int, int]
Cleaner = Callable[[str], str]

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
# A sentence may end after . ! or ? (and closing quotes or brackets) when whitespace and an
# upper-case letter, digit or opening quote/bracket follow.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
# A line that starts a bulleted or numbered list item also starts a sentence.
_LIST_ITEM = re.compile(r"\n(?=[ \t]*(?:[*•\-–+]|\d{1,3}[.)])[ \t])")
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "al", "dr", "drs", "vs", "mr", "mrs", "ms", "prof", "fig", "figs", "no"}
    | {"approx", "ref", "refs", "vol", "eq", "st", "jr", "sr", "u.s", "cf", "incl", "resp"}
)


def collapse(text: str) -> str:
    """Collapse runs of whitespace to single spaces and strip (a byte-order mark counts)."""
    return _SPACE.sub(" ", text.replace("\ufeff", " ")).strip()


def trim(text: str, start: int, end: int) -> Span | None:
    """Narrow ``[start, end)`` to its non-whitespace part; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Spans of the blank-line separated paragraphs of ``text[start:end]``."""
    stop = len(text) if end is None else end
    spans: list[Span] = []
    for match in [*_BLANK_LINE.finditer(text, start, stop), None]:
        cut = stop if match is None else match.start()
        span = trim(text, start, cut)
        if span:
            spans.append(span)
        if match is not None:
            start = match.end()
    return spans


def _protected(text: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` ends an abbreviation, an initial or a list number."""
    begin = dot
    while begin > 0 and not text[begin - 1].isspace() and text[begin - 1] not in "([\"'“‘":
        begin -= 1
    word = text[begin:dot]
    if word.lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word):
        return True
    if word.isdigit() and len(word) <= 3:  # "1. Martin L, ..." numbers a list item
        line_start = text.rfind("\n", 0, dot) + 1
        return not text[line_start : dot - len(word)].strip()
    return False


def _inside(spans: list[Span], position: int) -> bool:
    """Whether ``position`` falls strictly inside one of the sorted, disjoint ``spans``."""
    index = bisect_left(spans, (position, position)) - 1
    return index >= 0 and spans[index][0] < position < spans[index][1]


def split_sentences(text: str, keep: re.Pattern[str] | None = None) -> list[Span]:
    """Spans of the sentences of ``text``; abbreviations, decimals and numbers do not end one.

    Nothing matched by ``keep`` (markup such as a Markdown link) is cut.
    """
    cuts = {m.end() for m in _SENTENCE_END.finditer(text) if not _protected(text, m.start())}
    cuts |= {m.start() for m in _LIST_ITEM.finditer(text)}
    kept = [m.span() for m in keep.finditer(text)] if keep else []
    spans: list[Span] = []
    start = 0
    for cut in [*sorted(c for c in cuts if not _inside(kept, c)), len(text)]:
        span = trim(text, start, cut)
        if span:
            spans.append(span)
        start = cut
    return spans


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    text: str
    words: int


@dataclass(frozen=True)
class _Cutter:
    """How to cut: the cleaner, the markup never cut, and the word counts aimed at."""

    clean: Cleaner
    keep: re.Pattern[str] | None
    target: int
    limit: int

    def unit(self, text: str, span: Span) -> _Unit | None:
        cleaned = self.clean(text[span[0] : span[1]])
        words = len(cleaned.split())
        return _Unit(span[0], span[1], cleaned, words) if words else None

    def word_windows(self, text: str, start: int, end: int) -> list[Span]:
        """Cut ``text[start:end]`` between words into pieces of at most ``target`` words."""
        kept = [m.span() for m in self.keep.finditer(text, start, end)] if self.keep else []
        tokens: list[Span] = []
        for match in _WORD.finditer(text, start, end):
            if tokens and _inside(kept, match.start()):
                tokens[-1] = (tokens[-1][0], match.end())
            else:
                tokens.append(match.span())
        step = math.ceil(len(tokens) / math.ceil(len(tokens) / self.target))
        return [
            (tokens[i][0], tokens[min(i + step, len(tokens)) - 1][1])
            for i in range(0, len(tokens), step)
        ]

    def units(self, text: str, span: Span) -> list[_Unit]:
        """Pieces of a paragraph no longer than ``limit`` words: itself, its sentences or words."""
        whole = self.unit(text, span)
        if whole is None or whole.words <= self.limit:
            return [whole] if whole else []
        start, end = span
        sentences = split_sentences(text[start:end], self.keep)
        if len(sentences) > 1:
            return [u for a, b in sentences for u in self.units(text, (a + start, b + start))]
        windows = [self.unit(text, w) for w in self.word_windows(text, start, end)]
        return [u for u in windows if u]


def chunk(
    text: str,
    paragraphs: Iterable[Span],
    section: str,
    *,
    clean: Cleaner = collapse,
    keep: re.Pattern[str] | None = None,
    target: int = TARGET_WORDS,
    limit: int = MAX_WORDS,
) -> list[Passage]:
    """Group consecutive paragraphs of one section into passages of about ``target`` words.

    ``paragraphs`` are ``[start, end)`` spans of ``text`` in reading order; ``clean`` turns the
    text of a span into passage text (markup removed, whitespace collapsed); nothing matched by
    ``keep`` is cut in two. Pieces whose clean text is empty are dropped.
    """
    cutter = _Cutter(clean, keep, target, limit)
    units = [u for p in paragraphs for u in cutter.units(text, p)]
    passages: list[Passage] = []
    group: list[_Unit] = []
    for unit in [*units, None]:
        count = sum(u.words for u in group)
        if group and (unit is None or count >= target or count + unit.words > limit):
            joined = " ".join(u.text for u in group)
            passages.append(Passage(joined, section, group[0].start, group[-1].end))
            group = []
        if unit is not None:
            group.append(unit)
    return passages


def chunk_blocks(
    text: str,
    blocks: Iterable[tuple[str, int, int]],
    clean: Cleaner = collapse,
    keep: re.Pattern[str] | None = None,
) -> list[Passage]:
    """Chunk ``(section, start, end)`` paragraph blocks, one run of equal sections at a time."""
    passages: list[Passage] = []
    for section, run in groupby(blocks, key=lambda block: block[0]):
        spans = [(start, end) for _, start, end in run]
        passages += chunk(text, spans, section, clean=clean, keep=keep)
    return passages
