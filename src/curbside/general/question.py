"""Understand a general question: its question sentences, type(s) and focus.

A consumer message may wrap its question in greetings and a story ("My uncle died yesterday
... Please let me know where I can get literature on cardiac amyloidosis."): the sentences that
ask (a question mark, an interrogative or a request opening) are read first, the rest only when
they name no focus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from curbside.general.focus import FocusMatch, FocusVocabulary
from curbside.general.vocabulary import INFORMATION, Vocabulary, normalize

# Types asked of a medicine: a drug named is their focus before a disease named beside it.
DRUG_TYPES = {"side effects", "dosage", "interaction", "contraindication", "usage"}
DRUG_TYPES |= {"storage and disposal"}
DRUG_FIRST = ["drug", "disorder", "page", "topic"]
DISORDER_FIRST = ["disorder", "page", "drug", "topic"]
_SENTENCE = re.compile(r"[^.?!\n]+(?:[.?!]+|\n|$)")
_ASKING = re.compile(
    r"^\s*(?:(?:so|and|but|also|now|then|ok|okay|well)[,\s]+)*"
    r"(?:what|how|why|is|are|can|could|does|do|did|should|will|would|where|which|who|when|any|"
    r"please|pls|i (?:want|would like|need|am looking|'m looking|wonder)|looking for|need|tell me|"
    r"help|explain|send me)\b",
    re.IGNORECASE,
)
# A request inside a sentence: "so please is there treatment for ...", "I'd like to know ...".
_REQUEST = re.compile(
    r"\b(?:is there|are there|can you|could you|would like to know|want to know|"
    r"wondering|let me know|looking for)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class GeneralQuestion:
    """What a general question asks about, and what it asks."""

    text: str
    sentences: list[str]  # the question sentences read first
    types: list[str]  # question types, main one first ("information" when no cue matched)
    foci: list[FocusMatch]  # foci named, main one first
    populations: set[str] = field(default_factory=set)  # special populations named

    @property
    def qtype(self) -> str:
        return self.types[0]

    @property
    def focus(self) -> FocusMatch | None:
        return self.foci[0] if self.foci else None


def question_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that ask something (all of it when none seems to)."""
    pieces = [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).strip()]
    asking = [p for p in pieces if p.endswith("?") or _ASKING.match(p) or _REQUEST.search(p)]
    return asking or pieces or [text]


def understand_general(text: str, foci: FocusVocabulary, vocab: Vocabulary) -> GeneralQuestion:
    """The question sentences, types and foci of ``text``."""
    sentences = question_sentences(unescape(text))  # "&quot;hypothyroidism&quot;"
    asked = " ".join(sentences)
    types = vocab.classify(asked) or vocab.classify(text) or [INFORMATION]
    if INFORMATION not in types:
        types.append(INFORMATION)

    # A special population ("during pregnancy") narrows the question; it is not its focus.
    # Nor are the words that ask ("side effects" names an NCI page, but asks here).
    def kept(found: list[FocusMatch]) -> list[FocusMatch]:
        return [
            f for f in found if not vocab.populations_in(f.text) and not vocab.only_asks(f.text)
        ]

    # Foci of the asking sentences first; one named elsewhere (a subject line, the story)
    # comes after them, unless it is of a kind the type asks about before theirs ("Acoustic
    # neuroma" in the subject line before "tumor" in "any information on said tumor?").
    in_asked = _rank(kept(foci.find(asked)), asked, types[0], vocab)
    named = {f.text for f in in_asked}
    elsewhere = [
        f for f in _rank(kept(foci.find(text)), text, types[0], vocab) if f.text not in named
    ]
    order = DRUG_FIRST if types[0] in DRUG_TYPES else DISORDER_FIRST
    ranked = sorted(
        [(f, 0, n) for n, f in enumerate(in_asked)] + [(f, 1, n) for n, f in enumerate(elsewhere)],
        key=lambda item: (_kind_rank(item[0], order), item[1], item[2]),
    )
    return GeneralQuestion(
        text=text,
        sentences=sentences,
        types=types,
        foci=[f for f, _, _ in ranked],
        populations=vocab.populations_in(text),
    )


def _kind_rank(match: FocusMatch, order: list[str]) -> int:
    return min((order.index(k) for k in match.kinds if k in order), default=len(order))


def _rank(found: list[FocusMatch], text: str, qtype: str, vocab: Vocabulary) -> list[FocusMatch]:
    """Foci of the kind the type asks about first (a disorder; a drug for its side effects),
    then those nearest the words that ask the question type, longer names first."""
    words = normalize(text).split()
    cue_at = _cue_position(words, qtype, vocab)

    order = DRUG_FIRST if qtype in DRUG_TYPES else DISORDER_FIRST

    def key(match: FocusMatch) -> tuple[int, float, int]:
        if cue_at is None:
            distance = float(match.start)
        elif match.start >= cue_at:
            distance = float(match.start - cue_at)
        else:
            distance = 1.5 * (cue_at - match.end)
        return _kind_rank(match, order), distance - 2.0 * (match.end - match.start), match.start

    return sorted(found, key=key)


def _cue_position(words: list[str], qtype: str, vocab: Vocabulary) -> int | None:
    """The word offset where a cue of ``qtype`` matches, if any."""
    cues = dict(vocab.types).get(qtype, [])
    joined = " ".join(words).lower()
    for cue in cues:
        match = cue.search(joined)
        if match:
            return joined[: match.start()].count(" ")
    return None
