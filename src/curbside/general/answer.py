"""The engine's door to the `sourced` tier: a question in, a sourced article or None out.

Also keeps the digest on topic for a general question: a quotation must name the question's
focus (any of its names) and, unless the question only asks what something is, speak to its
type (the quoted passage's section or the sentence itself carries a cue of that type).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Protocol

from curbside.compose.quotes import Quote
from curbside.compose.sourced import compose_sourced
from curbside.general import General
from curbside.general.entail import Match
from curbside.general.structure import blocks
from curbside.general.vocabulary import INFORMATION, normalize
from curbside.models import Article, Query
from curbside.retrieve.lexical import TantivyIndex
from curbside.retrieve.store import EvidenceStore

DENSE_SHARE = 0.5  # weight of the best cosine of an answer's passages, when vectors exist


class DenseSearch(Protocol):
    """What the sourced tier needs of a dense index (``retrieve.dense.DenseIndex``)."""

    def size(self) -> int: ...

    def search(
        self, text: str, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]: ...


class GeneralAnswers:
    """Sourced answers and on-topic digests for general questions."""

    def __init__(
        self,
        store: EvidenceStore,
        lexical: TantivyIndex,
        drugs: Iterable[str],
        dense: DenseSearch | None = None,
    ) -> None:
        self.general = General(store, drugs)
        self.lexical = lexical
        self.dense = dense

    def with_dense(self, asked: str, matches: list[Match]) -> list[Match]:
        """The matches re-ranked with the dense similarity of the question to each answer (its
        best passage), when the passages have vectors; as they are otherwise."""
        if self.dense is None or not matches or self.dense.size() == 0:
            return matches
        passages = {m.candidate: self.general.passages(m.candidate) for m in matches}
        allowed = {p.id for held in passages.values() for p in held}
        cosine = dict(self.dense.search(asked, len(allowed), allowed)) if allowed else {}
        if not cosine:
            return matches
        scored = [
            replace(
                m,
                score=m.score
                + DENSE_SHARE
                * max((cosine.get(p.id, 0.0) for p in passages[m.candidate]), default=0.0),
            )
            for m in matches
        ]
        return sorted(scored, key=lambda m: -m.score)

    def asked(self, text: str) -> str:
        """What ``text`` asks: its question sentences, with its focus when they do not name it
        ("My father has gout. How can he lower it?" is searched as "How can he lower it? gout")."""
        question = self.general.understand(text)
        asked = " ".join(question.sentences)
        focus = question.focus
        if focus is not None and focus.text not in normalize(asked):
            asked = f"{asked} {focus.text}"
        return asked

    def answer(self, query: Query, today: date) -> Article | None:
        """The sourced article for ``query``, or None when no held answer is entailed."""
        question = self.general.understand(query.text)
        if question.focus is None:
            return None
        asked = " ".join(question.sentences)
        weights = self.lexical.term_weights(asked)
        link = None
        matches = self.general.entail(question, query.audience, weights)
        if not matches:  # asked of a drug whose page does not say: try the kind of drug it is
            broader = self.general.broader(question)
            if broader is not None:
                question, link = broader
                matches = self.general.entail(question, query.audience, weights)
        matches = self.with_dense(" ".join(question.sentences), matches)
        for match in matches[:3]:
            found = blocks(self.general.passages(match.candidate))
            if any(b.kind != "heading" for b in found):
                return compose_sourced(query, match.candidate, found, today, link)
        return None

    def on_topic(self, text: str, quotes: list[Quote]) -> list[Quote]:
        """The quotations that name the question's focus (any of its names) and speak to its
        type; none when the question names no focus the sources hold."""
        question = self.general.understand(text)
        focus = question.focus
        if focus is None:
            return []  # no focus the sources name: nothing can be shown to be on topic
        asked = normalize(" ".join(question.sentences))
        if focus.kinds <= {"topic"} and focus.text not in asked:
            return []  # a loose topic ("pain") mentioned in the story is no focus to quote on
        names = self.general.names_of(set().union(*(f.groups for f in question.foci)))
        names |= {f.text for f in question.foci}
        qtype = question.qtype
        vocab = self.general.vocab
        kept = []
        for quote in quotes:
            said = f" {normalize(quote.text)} "
            if names and not any(f" {name} " in said for name in names):
                continue
            drugs = {normalize(d) for d in quote.passage.drugs}
            if quote.passage.kind == "drug-label" and names and not drugs & names:
                continue  # another drug's label
            where = f"{quote.passage.section} {quote.text}"
            if qtype != INFORMATION and qtype not in vocab.classify(where):
                continue
            kept.append(quote)
        return kept
