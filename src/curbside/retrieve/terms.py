"""Words and numbers of clinical text, for matching a claim against a passage."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just may me might more most must my no nor not now of off on once only or other our
    out over own per same she should so some such than that the their them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with within would you your yours
    """.split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-zà-ÿµ][a-zà-ÿµ0-9\-]*", re.IGNORECASE)
# 1,500 / 0.5 / 38.3 / 10^9; a version such as "v5.0" or "version 5" is not a clinical number.
_NUMBER = re.compile(r"(?<![\w.])(?:v|version\s)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?", re.IGNORECASE)
STEM = 6  # words are compared by their first six letters: neutropenia ~ neutropenic


def stem(word: str) -> str:
    return word.lower()[:STEM]


def content_terms(text: str) -> set[str]:
    """Stems of the words that carry meaning (no stop words, no one-letter words)."""
    out: set[str] = set()
    for match in _WORD.finditer(text):
        for part in match.group(0).lower().split("-"):
            if len(part) > 1 and part not in STOPWORDS:
                out.add(stem(part))
    return out


def numbers(text: str) -> list[float]:
    """The numbers written in `text`, thousands separators removed, versions left out."""
    out: list[float] = []
    for match in _NUMBER.finditer(text):
        if match.group(0)[0].lower() == "v":
            continue
        out.append(float(match.group(1).replace(",", "") + (match.group(2) or "")))
    return out


def number_equivalents(value: float) -> set[float]:
    """`value` as it may be written in another unit: cells/µL ↔ ×10^9/L, °C ↔ °F (rounded)."""
    forms = {value, round(value / 1000, 3), round(value * 1000, 3)}
    if 35 <= value <= 43:  # a body temperature in °C
        forms |= {round(value * 9 / 5 + 32), round(value * 9 / 5 + 32, 1)}
    if 95 <= value <= 110:  # a body temperature in °F
        forms |= {round((value - 32) * 5 / 9, 1)}
    return forms
