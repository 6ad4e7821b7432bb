"""General questions (outside the reviewed domain) answered from trusted sources held.

``General`` is built from the evidence store once: the answered questions held (MedQuAD pairs,
NCI page sections) and the focus vocabulary they bring. It understands a general question
(focus, type) and finds the held answer the question entails (``entail.py``); the composer
quotes that answer (``compose/sourced.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from curbside.general.candidates import Candidate, build
from curbside.general.entail import EntailmentIndex, Match
from curbside.general.focus import FocusVocabulary
from curbside.general.question import GeneralQuestion, understand_general
from curbside.general.vocabulary import INFORMATION, Vocabulary, normalize, vocabulary
from curbside.ingest.chunking import split_sentences
from curbside.retrieve.store import EvidenceStore, StoredPassage

# "Pembrolizumab is a type of immunotherapy drug called an immune checkpoint inhibitor."
_IS_A = re.compile(r"\b(?:is|are) (?:a|an|one) (?:type|kind|class|form|group)s? of\b", re.I)
OPENING_PASSAGES = 2  # where a page says what its subject is


@dataclass(frozen=True)
class Broader:
    """A source's sentence saying that the question's focus is one of a broader kind."""

    sentence: str
    passage: StoredPassage
    candidate: Candidate


__all__ = ["Candidate", "General", "GeneralQuestion", "Match"]


def section_passages(
    candidate: Candidate, passages: Iterable[StoredPassage]
) -> list[StoredPassage]:
    """The passages of a document that answer the candidate (its section, or all of it)."""
    if candidate.section is None:
        return list(passages)
    section = candidate.section
    if candidate.exact:
        return [p for p in passages if p.section == section]
    return [p for p in passages if p.section == section or p.section.startswith(section + " > ")]


def _swap(sentence: str, name: str, other: str) -> str:
    """The sentence asked of ``other`` instead of ``name`` (words compared as normalized)."""
    words = sentence.split()
    size = len(name.split())
    for at in range(len(words) - size + 1):
        if normalize(" ".join(words[at : at + size])) == name:
            return " ".join([*words[:at], other, *words[at + size :]])
    return f"{sentence} {other}"


class General:
    """The answered questions held, their foci, and entailment over them."""

    def __init__(self, store: EvidenceStore, drug_names: Iterable[str] = ()) -> None:
        self.store = store
        self.vocab: Vocabulary = vocabulary()
        self.foci = FocusVocabulary()
        candidates = build(store.documents_with_meta(), self.vocab, self.foci)
        for name in drug_names:
            self.foci.add(f"drug:{normalize(name)}", [name], kind="drug")
        self.index = EntailmentIndex(candidates, self.vocab)

    def understand(self, text: str) -> GeneralQuestion:
        return understand_general(text, self.foci, self.vocab)

    def passages(self, candidate: Candidate) -> list[StoredPassage]:
        return section_passages(candidate, self.store.passages_of([candidate.document_key]))

    def _answers(self, candidates: Sequence[Candidate]) -> dict[int, str]:
        held = self.store.passages_of(sorted({c.document_key for c in candidates}))
        by_key: dict[str, list[StoredPassage]] = {}
        for passage in held:
            by_key.setdefault(passage.document_key, []).append(passage)
        return {
            n: " ".join(p.text for p in section_passages(c, by_key.get(c.document_key, [])))
            for n, c in enumerate(candidates)
        }

    def entail(
        self, question: GeneralQuestion, audience: str, weights: Mapping[str, float]
    ) -> list[Match]:
        """Held answers the question entails, best first, each with some text to quote."""
        return self.index.rank(question, self._answers, weights, audience)

    def broader(self, question: GeneralQuestion) -> tuple[GeneralQuestion, Broader] | None:
        """The question asked of the broader kind its focus belongs to, as a held page says
        in its opening ("X is a type of ... called Y"), when a held answer about that kind fits."""
        for focus in question.foci:
            pages = [
                self.index.candidates[n]
                for group in sorted(focus.groups)
                for n in self.index.by_group.get(group, [])
                if self.index.candidates[n].qtype == INFORMATION
            ]
            for candidate in pages[:3]:
                for passage in self.passages(candidate)[:OPENING_PASSAGES]:
                    for start, end in split_sentences(passage.text):
                        sentence = passage.text[start:end].strip()
                        said = _IS_A.search(sentence)
                        if said is None:
                            continue
                        kinds = [  # a drug, a disorder or a page: not a loose topic
                            f
                            for f in self.foci.find(sentence[said.end() :])
                            if not f.groups & focus.groups and f.kinds - {"topic"}
                        ]
                        if not kinds:
                            continue
                        for kind in reversed(kinds):  # the most specific kind comes last
                            asked = replace(
                                question,
                                foci=[kind],
                                sentences=[
                                    _swap(s, focus.text, kind.text) for s in question.sentences
                                ],
                            )
                            if self.index.eligible(asked)[1] is not None:
                                return asked, Broader(sentence, passage, candidate)
        return None

    def names_of(self, groups: Iterable[str]) -> set[str]:
        """Every name (normalized) of these focus groups."""
        wanted = set(groups)
        return {name for name, held in self.foci.names.items() if held & wanted}
