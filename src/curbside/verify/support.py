"""Does the source a statement cites actually say it? Judge each curated statement against the
best passage of each cited source that has been ingested.

A statement is *supported* by a passage when every number in it (thresholds, doses, times)
appears in the passage, allowing for unit changes (500/µL = 0.5 × 10^9/L, 38.3 °C = 101 °F), and
its meaning matches: half its key terms appear there, or, with the dense model, the two are close
in meaning (cosine >= 0.6), or both signals agree at a lower level (a third of the key terms and
cosine >= 0.5). It is *unsupported* when every source it cites is ingested and none supports it,
and *not-ingested* otherwise (the best passage held is still reported: "partly checked").

Bag-of-words and embedding similarity do not see negation: "do not give G-CSF" matches a passage
that says "give G-CSF". Numbers are the strong check; meaning is a screen for the wrong passage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Literal

from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Statement
from curbside.retrieve.embedding import Embedder
from curbside.retrieve.store import EvidenceStore, StoredPassage
from curbside.retrieve.terms import content_terms, number_equivalents, numbers

# 'unanchored' is set by the anchoring check: no quote, and no ingested text to check against.
Judgement = Literal["supported", "unsupported", "not-ingested", "unanchored"]
# The share of a statement's key terms that must appear in the passage when no dense model is
# there, and the cosine similarity that counts as the same meaning when it is.
TERM_COVERAGE = 0.5
SIMILARITY = 0.6
BOTH = (0.35, 0.5)  # key-term share and similarity that together count as a match


@dataclass(frozen=True)
class PassageCheck:
    """A statement held against one passage (or two neighbouring passages read together)."""

    passage_ids: tuple[int, ...]
    text: str
    document_key: str
    section: str
    missing_numbers: tuple[float, ...]
    coverage: float  # share of the statement's key terms found
    similarity: float | None  # cosine similarity, when the dense model ran

    @property
    def supports(self) -> bool:
        similarity = self.similarity if self.similarity is not None else -1.0
        meaning = (
            self.coverage >= TERM_COVERAGE
            or similarity >= SIMILARITY
            or (self.coverage >= BOTH[0] and similarity >= BOTH[1])
        )
        return meaning and not self.missing_numbers

    @property
    def rank(self) -> float:
        numbers_ok = 1.0 if not self.missing_numbers else 0.0
        return numbers_ok + self.coverage + (self.similarity or 0.0)


@dataclass(frozen=True)
class Verdict:
    """The judgement on one statement, with the passage it was held against."""

    statement_id: str
    statement_text: str
    support: Judgement
    source_id: str | None = None  # the cited source of the best passage
    best: PassageCheck | None = None
    not_ingested: tuple[str, ...] = field(default=())  # cited sources with no ingested text

    @property
    def statement_sha(self) -> str:
        return statement_sha(self.statement_text)


def statement_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Verifier:
    """Links statements to passages of the sources they cite."""

    def __init__(
        self, kb: KnowledgeBase, store: EvidenceStore, embedder: Embedder | None = None
    ) -> None:
        self.kb = kb
        self.store = store
        self.embedder = embedder
        self._passages: dict[str, list[StoredPassage]] = {}

    @cached_property
    def _held(self) -> set[str]:
        """Keys of every ingested document, read once per verification run."""
        return self.store.document_keys()

    def documents_for(self, source_id: str) -> list[str]:
        """Ingested document keys holding the text of a curated source."""
        source = self.kb.sources[source_id]
        keys = {key for key in source.evidence if key in self._held}
        keys |= self.store.documents_matching(source.url, source.set_id)
        return sorted(keys)

    def _source_passages(self, source_id: str) -> list[StoredPassage]:
        if source_id not in self._passages:
            self._passages[source_id] = self.store.passages_of(self.documents_for(source_id))
        return self._passages[source_id]

    def verify(self, statement: Statement) -> Verdict:
        text = statement.text.clinician
        best: tuple[PassageCheck, str] | None = None
        missing: list[str] = []
        for source_id in dict.fromkeys(c.source for c in statement.cite):
            passages = self._source_passages(source_id)
            if not passages:
                missing.append(source_id)
                continue
            check = self.best_passage(text, passages)
            if best is None or (check.supports, check.rank) > (best[0].supports, best[0].rank):
                best = (check, source_id)
        if best is None:
            return Verdict(statement.id, text, "not-ingested", not_ingested=tuple(missing))
        check, source_id = best
        support: Judgement = "supported"
        if not check.supports:
            support = "not-ingested" if missing else "unsupported"
        return Verdict(statement.id, text, support, source_id, check, tuple(missing))

    def verify_all(self) -> list[Verdict]:
        return [self.verify(s) for s in self.kb.statements]

    def best_passage(self, claim: str, passages: list[StoredPassage]) -> PassageCheck:
        """The passage, or pair of neighbouring passages, that best supports `claim`."""
        windows: list[tuple[StoredPassage, ...]] = [(p,) for p in passages]
        windows += [
            (a, b)
            for a, b in pairwise(passages)
            if a.document_key == b.document_key and a.section == b.section
        ]
        terms = content_terms(claim)
        wanted = numbers(claim)
        checks = [self._check(window, terms, wanted) for window in windows]
        top = sorted(checks, key=lambda c: c.rank, reverse=True)[:8]
        if self.embedder is not None:
            vectors = self.embedder.embed([claim, *(c.text for c in top)])
            top = [
                PassageCheck(
                    c.passage_ids,
                    c.text,
                    c.document_key,
                    c.section,
                    c.missing_numbers,
                    c.coverage,
                    float(vectors[0] @ vectors[n]),
                )
                for n, c in enumerate(top, start=1)
            ]
        return max(top, key=lambda c: (c.supports, c.rank))

    def _check(
        self, window: tuple[StoredPassage, ...], terms: set[str], wanted: list[float]
    ) -> PassageCheck:
        text = " ".join(p.text for p in window)
        found_terms = content_terms(text)
        held = set(numbers(text))
        missing = tuple(n for n in wanted if not number_equivalents(n) & held)
        coverage = len(terms & found_terms) / len(terms) if terms else 1.0
        first = window[0]
        return PassageCheck(
            tuple(p.id for p in window),
            text,
            first.document_key,
            first.section,
            missing,
            coverage,
            None,
        )


def save_verdicts(store: EvidenceStore, verdicts: list[Verdict]) -> None:
    """Keep the verdicts so that answers can carry them (until a statement's text changes)."""
    store.save_verdicts(
        (v.statement_id, v.statement_sha, v.support, json.dumps(verdict_json(v))) for v in verdicts
    )


def verdict_json(v: Verdict) -> dict[str, object]:
    best = v.best
    return {
        "statement_id": v.statement_id,
        "statement": v.statement_text,
        "support": v.support,
        "source_id": v.source_id,
        "not_ingested": list(v.not_ingested),
        "passage": None
        if best is None
        else {
            "document": best.document_key,
            "section": best.section,
            "passage_ids": list(best.passage_ids),
            "text": best.text,
            "missing_numbers": list(best.missing_numbers),
            "term_coverage": round(best.coverage, 3),
            "similarity": None if best.similarity is None else round(best.similarity, 3),
        },
    }


def report(verdicts: list[Verdict]) -> str:
    """Counts, then every unsupported statement with the passage it was held against."""
    counts = {k: sum(v.support == k for v in verdicts) for k in ("supported", "unsupported")}
    absent = sum(v.support in ("not-ingested", "unanchored") for v in verdicts)
    partly = [
        v for v in verdicts if v.support in ("not-ingested", "unanchored") and v.best is not None
    ]
    lines = [
        f"{len(verdicts)} statements: {counts['supported']} supported, "
        f"{counts['unsupported']} unsupported, {absent} not checkable because a cited source is "
        f"not ingested ({len(partly)} of them held against the cited sources that are)"
    ]
    for v in verdicts:
        if v.support != "unsupported" or v.best is None:
            continue
        best = v.best
        why = []
        if best.missing_numbers:
            shown = ", ".join(f"{n:g}" for n in best.missing_numbers)
            why.append(f"numbers not in the passage: {shown}")
        why.append(f"key terms found {best.coverage:.0%}")
        if best.similarity is not None:
            why.append(f"similarity {best.similarity:.2f}")
        lines += [
            "",
            f"UNSUPPORTED {v.statement_id} (cites {v.source_id}; {'; '.join(why)})",
            f"  statement: {v.statement_text}",
            f"  passage [{best.document_key} > {best.section}]: {best.text[:600]}",
        ]
    return "\n".join(lines)
