"""Statements anchored to the exact words of their sources: is each statement in its quote, and
is each quote in the document it cites?

- statement <-> quote: every number of the statement (allowing 500/µL = 0.5 × 10^9/L and °C/°F,
  as for passages), every direction (above/below, start/stop) and every negation must be in the
  quote, and at least QUOTE_TERMS of its key terms (a screen for the wrong sentence).
- quote <-> document: when the cited document is ingested, the quote is found in its text once
  whitespace, case and punctuation are normalised; where it is found (document and section) is
  reported, and whether the citation's locator names that section.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from curbside.knowledge.schema import Statement
from curbside.retrieve.store import StoredPassage
from curbside.retrieve.terms import content_terms, number_equivalents, numbers

# The share of a statement's key terms its quotes must hold: a screen for a quote from the wrong
# part of the source (a statement often adds context, drug names and wording of its own).
QUOTE_TERMS = 0.3

# Words that set a direction or a negation; a statement that uses one needs one of the same kind
# in its quote.
CUES: dict[str, tuple[str, ...]] = {
    "above": ("above", "greater", "more than", "over", "exceed", "higher", "at least", "≥", ">"),
    "below": ("below", "less than", "under", "lower", "fewer", "<", "≤", "falls", "drops"),
    "start": ("start", "initiat", "begin", "resum", "restart", "commenc"),
    "stop": ("stop", "discontinu", "withh", "interrupt", "hold", "suspend", "cease"),
    "negation": ("not", "no", "never", "n't", "without", "avoid", "contraindicat"),
}


def _cue_pattern(word: str) -> str:
    word = word.strip()
    start = r"\b" if word[0].isalnum() else ""
    end = r"\b" if word in ("not", "no") else ""
    return start + re.escape(word) + end


_CUES = {kind: re.compile("|".join(map(_cue_pattern, words))) for kind, words in CUES.items()}
# Powers of ten and names with numbers in them are not values: 1.5 × 10⁹/L is 1.5 (per litre,
# as 1,500/µL), and COVID-19 holds no threshold.
_NOT_VALUES = re.compile(
    r"(?:[x×]\s*)?10\s*(?:\^|e)?\s*[9⁹]\s*(?=/\s*l\b)|\bcovid-19\b", re.IGNORECASE
)


def cues(text: str) -> set[str]:
    lowered = text.lower()
    return {kind for kind, pattern in _CUES.items() if pattern.search(lowered)}


def values(text: str) -> list[float]:
    """The numbers of `text` that are values (not powers of ten or parts of names)."""
    return numbers(_NOT_VALUES.sub(" ", text))


@dataclass(frozen=True)
class QuoteCheck:
    """A statement held against the quotes of its citations."""

    statement_id: str
    statement_text: str
    quotes: tuple[str, ...]
    missing_numbers: tuple[float, ...] = ()
    missing_cues: tuple[str, ...] = ()
    coverage: float = 0.0  # share of the statement's key terms found in the quotes

    @property
    def anchored(self) -> bool:
        return bool(self.quotes)

    @property
    def supported(self) -> bool:
        meaning = self.coverage >= QUOTE_TERMS
        return self.anchored and meaning and not self.missing_numbers and not self.missing_cues


def check_quotes(statement: Statement) -> QuoteCheck:
    """Hold the clinician text of `statement` against all its quotes read together."""
    quotes = tuple(c.quote for c in statement.cite if c.quote)
    text = statement.text.clinician
    if not quotes:
        return QuoteCheck(statement.id, text, ())
    joined = " ".join(quotes)
    held = set(values(joined))
    missing = tuple(n for n in values(text) if not number_equivalents(n) & held)
    lacking = tuple(sorted(cues(text) - cues(joined)))
    terms = content_terms(text)
    coverage = len(terms & content_terms(joined)) / len(terms) if terms else 1.0
    return QuoteCheck(statement.id, text, quotes, missing, lacking, coverage)


_PUNCT = re.compile(r"[^\w%µ°]+")


def normalise(text: str) -> str:
    """Lower case, compatibility forms, punctuation to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower().replace("×", " x ")
    return " ".join(_PUNCT.sub(" ", text).split())


@dataclass(frozen=True)
class QuoteFound:
    """One quote held against the ingested documents of its cited source."""

    statement_id: str
    source_id: str
    locator: str
    quote: str
    documents: tuple[str, ...]  # ingested documents of the source; empty: not ingested
    found_in: str | None = None  # document key
    section: str | None = None
    locator_matches: bool | None = None

    @property
    def checkable(self) -> bool:
        return bool(self.documents)

    @property
    def found(self) -> bool:
        return self.found_in is not None


@dataclass
class _Text:
    """A document's passages joined in order, normalised, with where each section starts."""

    key: str
    text: str = ""
    starts: list[tuple[int, str]] = field(default_factory=list)

    def section_at(self, offset: int) -> str:
        section = ""
        for start, name in self.starts:
            if start > offset:
                break
            section = name
        return section


def document_texts(passages: list[StoredPassage]) -> list[_Text]:
    texts: dict[str, _Text] = {}
    for p in passages:
        doc = texts.setdefault(p.document_key, _Text(p.document_key))
        doc.starts.append((len(doc.text), p.section))
        doc.text += normalise(p.text) + " "
    return list(texts.values())


def find_quote(quote: str, texts: list[_Text]) -> tuple[str, str] | None:
    """The document key and section where `quote` is found, if it is."""
    wanted = normalise(quote)
    for doc in texts:
        at = doc.text.find(wanted)
        if at >= 0:
            return doc.key, doc.section_at(at)
    return None


_SECTION_NUMBER = re.compile(r"\b\d+(?:\.\d+)*\b")


def locator_matches(locator: str, section: str) -> bool:
    """Does the locator (or one of its ';'-separated parts) name the section: the same section
    number, or a shared title word?"""
    return any(_part_matches(part, section) for part in locator.split(";") if part.strip())


def _part_matches(locator: str, section: str) -> bool:
    wanted = set(_SECTION_NUMBER.findall(locator))
    if wanted:
        return bool(wanted & set(_SECTION_NUMBER.findall(section)))
    words = {w for w in normalise(locator).split() if len(w) > 3}
    return bool(words & set(normalise(section).split()))
