"""Quoted evidence: sentences taken word for word from ingested passages.

Two uses: the label fallback (what an ingested label says about neutropenia, for a drug with no
curated entry) and the evidence digest (the most relevant sentences for a question no curated
statement answers). Curbside writes nothing here itself: every bullet is an exact quotation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from curbside.ingest.chunking import split_sentences
from curbside.models import Reference
from curbside.retrieve import Hit
from curbside.retrieve.store import StoredPassage
from curbside.retrieve.terms import content_terms, stem

# Words of label text that speak of neutropenia (for finding the labels that do).
NEUTROPENIA_WORDS = ("neutropeni", "agranulocyt", "myelosuppress", "neutrophil count")
NEUTROPENIA_TERMS = re.compile(
    r"neutropeni|neutrophil|agranulocytosis|myelosuppress|bone marrow suppress|\bANC\b|"
    r"white blood cell|leukopeni|granulocytopeni|febrile",
    re.IGNORECASE,
)
# Unreviewed text is never quoted with a dose in it: out of its context a dose misleads.
DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|ug|g|mL|units?|IU|mmol)(?:/(?:kg|m2|m²|day|d))?\b",
    re.IGNORECASE,
)
# Label sections in the order a prescriber reads them; the highlights repeat the full sections
# in clipped form, so they come last.
_LABEL_SECTION_ORDER = ("boxed", "warning", "adverse", "dosage")
# Flattened list items: "... (5.1)] * Measure the ANC ..." holds two sentences.
_INLINE_BULLET = re.compile(r"\s[*•·]\s+")
# Words of a question that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS = {
    stem(w)
    for w in """
        best first line first-line treatment treat treated management manage managed option
        options therapy therapies approach recommended recommendation guideline guidance
        patient patients people person should whether know tell explain ok okay safe good
        cause causes caused causing associated related link linked present presents presented
        presenting done
        """.split()  # noqa: SIM905
}
MIN_WORDS = 6
MAX_QUOTE_CHARS = 600


@dataclass(frozen=True)
class Quote:
    """One sentence quoted exactly from a passage."""

    text: str
    passage: StoredPassage


def sentences(passage: StoredPassage) -> list[str]:
    """The passage's sentences, exactly as written in it."""
    out = []
    for start, end in split_sentences(passage.text):
        for piece in _INLINE_BULLET.split(f" {passage.text[start:end].strip()}"):
            sentence = piece.strip().lstrip("*•· ").strip()
            letters = [c for c in sentence if c.isalpha()]
            heading = bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)
            if heading or len(sentence.split()) < MIN_WORDS or len(sentence) > MAX_QUOTE_CHARS:
                continue
            out.append(sentence)
    return out


def label_quotes(passages: list[StoredPassage], limit: int = 6) -> list[Quote]:
    """What a drug's ingested label says about neutropenia, most prominent sections first."""

    def section_rank(p: StoredPassage) -> int:
        if "highlight" in p.section.lower():
            return len(_LABEL_SECTION_ORDER)
        where = f"{p.title} {p.section}".lower()
        return next((n for n, key in enumerate(_LABEL_SECTION_ORDER) if key in where), 99)

    quotes: list[Quote] = []
    seen: set[str] = set()
    for passage in sorted(passages, key=section_rank):
        for sentence in sentences(passage):
            relevant = NEUTROPENIA_TERMS.search(sentence) and not DOSE.search(sentence)
            if relevant and sentence.lower() not in seen:
                seen.add(sentence.lower())
                quotes.append(Quote(sentence, passage))
            if len(quotes) >= limit:
                return quotes
    return quotes


def focus_terms(question: str) -> set[str]:
    """The stems that say what a question is about (not 'best', 'treatment', 'patient')."""
    return content_terms(question) - _QUESTION_WORDS


def digest_quotes(
    question: str,
    hits: list[Hit],
    drugs: Sequence[str] = (),
    weights: Mapping[str, float] | None = None,
    documents: int = 4,
    per_document: int = 3,
) -> list[Quote]:
    """Sentences from the best passages that speak to most of what the question is about.

    A sentence qualifies when it names every drug the question names (a passage of that drug's
    own label counts, since labels use the brand name) and holds at least two thirds of the
    weight of the question's focus terms, each weighted by its rarity in the passages held
    (`weights`: word -> inverse document frequency; 1 each when not given). So "Acanthamoeba
    keratitis" needs Acanthamoeba, not just keratitis. A question whose focus is met nowhere gets
    no quotes.
    """
    focus = _weighted_focus(question, weights or {})
    total = sum(focus.values())
    if not total:
        return []
    drug_stems = {stem(d): d.lower() for d in drugs}
    by_document: dict[str, list[Quote]] = {}
    seen: set[str] = set()
    for hit in hits:
        key = hit.passage.document_key
        if key not in by_document and len(by_document) >= documents:
            continue
        chosen = by_document.setdefault(key, [])
        for sentence in sentences(hit.passage):
            if len(chosen) >= per_document:
                break
            held = content_terms(sentence) | {
                s for s, drug in drug_stems.items() if drug in hit.passage.drugs
            }
            if not drug_stems.keys() <= held or DOSE.search(sentence):
                continue
            share = sum(w for term, w in focus.items() if term in held) / total
            if share >= FOCUS_SHARE and sentence.lower() not in seen:
                seen.add(sentence.lower())
                chosen.append(Quote(sentence, hit.passage))
        if not chosen:
            del by_document[key]
    return [q for quotes in by_document.values() for q in quotes]


FOCUS_SHARE = 2 / 3


def _weighted_focus(question: str, weights: Mapping[str, float]) -> dict[str, float]:
    """Focus stems of the question with the largest weight of the words that share the stem
    (every stem weighs 1 when no weights are given)."""
    missing = 0.0 if weights else 1.0
    out = dict.fromkeys(focus_terms(question), 0.0)
    for word in re.findall(r"[A-Za-z][A-Za-z0-9-]*", question):
        term = stem(word)
        if term in out:
            out[term] = max(out[term], weights.get(word.lower(), missing))
    return {term: weight or missing for term, weight in out.items()}


_PUBLISHERS = {
    "cancer.gov": "National Cancer Institute",
    "cdc.gov": "Centers for Disease Control and Prevention",
    "nhlbi.nih.gov": "National Heart, Lung, and Blood Institute",
    "dailymed.nlm.nih.gov": "US National Library of Medicine, DailyMed",
    "pubmed.ncbi.nlm.nih.gov": "PubMed",
    "fda.gov": "US Food and Drug Administration",
}
_KIND_PUBLISHERS = {
    "drug-label": "US Food and Drug Administration (label text)",
    "grading-criteria": "National Cancer Institute",
    "abstract": "PubMed abstract",
}


def passage_reference(n: int, passage: StoredPassage) -> Reference:
    """The reference entry for a quotation from an ingested document."""
    publisher = _KIND_PUBLISHERS.get(passage.kind, "Ingested source")
    if passage.url:
        host = urlparse(passage.url).netloc.lower().removeprefix("www.")
        publisher = next(
            (name for domain, name in _PUBLISHERS.items() if host.endswith(domain)), publisher
        )
    pmid = passage.document_key.removeprefix("pmid:") if passage.kind == "abstract" else None
    return Reference(
        n=n,
        source_id=passage.document_key,
        title=passage.title,
        publisher=publisher,
        locator=passage.section or "whole document",
        kind=passage.kind,
        url=passage.url,
        pmid=pmid,
        path=passage.path,
    )
