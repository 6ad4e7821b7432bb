"""Question entailment: the held answer whose question the new question asks again.

Ben Abacha & Demner-Fushman (BMC Bioinformatics 2019): a question entails a held one when it
asks about the same focus and a compatible question type; among those, the held question and
its answer most like the new question win. Here: candidates share a focus group (by name,
synonym or UMLS CUI) with the question's main focus (the next focus when none fits) and answer
its type; they are ranked by how much of the question's weighted words the held question and
the answer contain; the reader's audience breaks ties (patient pages for patients, PDQ
health-professional summaries for clinicians).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from curbside.general.candidates import Candidate
from curbside.general.focus import FocusMatch
from curbside.general.question import GeneralQuestion
from curbside.general.vocabulary import INFORMATION, Vocabulary, normalize
from curbside.retrieve.terms import content_terms, stem

QUESTION_SHARE = 0.5  # of the similarity: the held question (the rest: its answer)
AUDIENCE_BONUS = 0.2  # the reader's version of a page (patient, professional) when close
NAME_BONUS = 0.1  # the held focus is the very name the question used
MIN_SUPPORT = 0.4  # share of the question's weighted words the held question + answer hold
NARROWER = 0.25  # of the question similarity: the held question's words the question holds
POPULATION_PENALTY = 0.3  # the held answer is for a special population the question is not
DEPTH_PENALTY = 0.05  # per level below a page's sections
NARROWER_OPENING = 0.3  # an answer that opens on a narrower question than it was filed under
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")

# candidate indices -> their answers' text
AnswerTexts = Callable[[Sequence[Candidate]], Mapping[int, str]]
Weights = Callable[[str], Mapping[str, float]]  # question -> word -> inverse document frequency


@dataclass(frozen=True)
class Match:
    """A held answer that the question entails, with how well it fits."""

    candidate: Candidate
    score: float
    question_similarity: float
    answer_similarity: float
    focus: FocusMatch


_SUFFIXES = ("ments", "ment", "ings", "ing", "ations", "ation", "ed", "es", "s")
_SENTENCE = re.compile(r"[^.!?]+[.!?]")


def term(word: str) -> str:
    """A word's stem for comparing questions: "treated", "treatment", "treats" -> "treat"."""
    lower = word.lower()
    for suffix in _SUFFIXES:
        if lower.endswith(suffix) and len(lower) - len(suffix) >= 4:
            return stem(lower[: -len(suffix)])
    return stem(lower)


def terms_of(text: str) -> set[str]:
    return {term(w) for w in _WORD.findall(text) if stem(w) in content_terms(w)}


def weighted_terms(text: str, weights: Mapping[str, float]) -> dict[str, float]:
    """Stems of the content words of ``text`` with the largest weight of their words."""
    out: dict[str, float] = {}
    for word in _WORD.findall(text):
        if stem(word) in content_terms(word):
            key = term(word)
            out[key] = max(out.get(key, 0.0), weights.get(word.lower(), 1.0))
    return out


def coverage(terms: Mapping[str, float], text: str) -> float:
    """The share of the terms' weight that ``text`` contains (0 when there are no terms)."""
    total = sum(terms.values())
    if not total:
        return 0.0
    held = terms_of(text)
    return sum(w for t, w in terms.items() if t in held) / total


_YES_NO = re.compile(r"^\s*(?:yes|no)\b", re.IGNORECASE)


def narrower_opening(answer: str) -> bool:
    """Whether an answer opens on a narrower question than its stored one: with "Yes." or
    "No." (it answered "Are there other medicines?"), or with a run-in heading that its first
    sentence repeats ("Deep Brain Stimulation Deep brain stimulation, or DBS, is ...")."""
    if _YES_NO.match(answer):
        return True
    words = re.findall(r"[a-z0-9]+", answer.lower())[:12]
    return any(words[:n] == words[n : 2 * n] for n in range(1, 6))


def prose_share(text: str) -> float:
    """The share of ``text`` in full sentences (eight words or more, not a run of list items):
    an answer that is a list of links to other pages answers less than one that explains."""
    if not text:
        return 0.0
    prose = sum(len(s) for s in _SENTENCE.findall(text) if len(s.split()) >= 8 and " - " not in s)
    return min(1.0, prose / len(text))


class EntailmentIndex:
    """Candidates grouped by focus, ranked for a question."""

    def __init__(self, candidates: Sequence[Candidate], vocab: Vocabulary) -> None:
        self.candidates = list(candidates)
        self.vocab = vocab
        self.by_group: dict[str, list[int]] = {}
        for n, candidate in enumerate(self.candidates):
            self.by_group.setdefault(candidate.group, []).append(n)

    def __len__(self) -> int:
        return len(self.candidates)

    def eligible(self, question: GeneralQuestion) -> tuple[list[int], FocusMatch | None]:
        """Candidates about the first focus (in the question's order) that has any answering
        the question's type (its first type with a cue, or "what is" when none)."""
        types = [t for t in question.types if t != INFORMATION] or [INFORMATION]
        for focus in question.foci:
            pool = [n for group in sorted(focus.groups) for n in self.by_group.get(group, [])]
            for qtype in types:
                fits = [n for n in pool if self.vocab.answers(qtype, self.candidates[n].qtype)]
                fits = [n for n in fits if self._population_fits(question, self.candidates[n])]
                if fits:
                    return fits, focus
        return [], None

    def _population_fits(self, question: GeneralQuestion, candidate: Candidate) -> bool:
        """A question about a special population is answered only by a held answer whose own
        question or focus is about that population."""
        if not question.populations:
            return True
        held = self.vocab.populations_in(f"{candidate.question} {candidate.focus}")
        return question.populations <= held

    def rank(
        self,
        question: GeneralQuestion,
        answers: AnswerTexts,
        weights: Mapping[str, float],
        audience: str = "patient",
        k: int = 10,
    ) -> list[Match]:
        """The held answers the question entails, best first (empty when none does)."""
        chosen, focus = self.eligible(question)
        if focus is None:
            return []
        asked = " ".join(question.sentences)
        terms = weighted_terms(asked, weights)
        # What must be covered: the words that say what is asked, not "please let me know".
        kept = {term(w) for w in _WORD.findall(asked) if not self.vocab.asks_nothing(w)}
        asked_terms = {t: w for t, w in terms.items() if t in kept}
        texts = answers([self.candidates[n] for n in chosen])
        wanted = "patient" if audience == "patient" else "professional"
        matches = []
        for position, n in enumerate(chosen):
            candidate = self.candidates[n]
            # A held answer without its question text is asked as its focus and type are.
            held_question = candidate.question or f"{candidate.qtype} {candidate.focus}"
            if candidate.section is not None:  # a page's heading is asked of the page's focus
                held_question = f"{candidate.focus} {held_question}"
            # Mostly: how much of the question the held one asks; a little: how much more it
            # asks ("early favorable classic" Hodgkin lymphoma is narrower than asked).
            held_terms = weighted_terms(held_question, weights)
            q_sim = (1 - NARROWER) * coverage(terms, held_question)
            q_sim += NARROWER * coverage(held_terms, asked)
            answer = texts.get(position, "")
            if coverage(asked_terms, f"{held_question} {answer}") < MIN_SUPPORT:
                continue  # the question asks much that this answer does not speak of
            a_sim = coverage(terms, answer) * (0.5 + 0.5 * prose_share(answer))
            if narrower_opening(answer):
                a_sim -= NARROWER_OPENING
            score = QUESTION_SHARE * q_sim + (1 - QUESTION_SHARE) * a_sim
            if self.vocab.populations_in(held_question) - question.populations:
                score -= POPULATION_PENALTY  # "Kidney Stones in Children" for kidney stones
            if candidate.section is not None:  # a subsection answers a narrower question
                score -= DEPTH_PENALTY * max(0, candidate.section.count(" > ") - 1)
            if candidate.audience == wanted:
                score += AUDIENCE_BONUS
            if focus.text == normalize(candidate.focus):
                score += NAME_BONUS
            matches.append(Match(candidate, score, q_sim, a_sim, focus))
        matches.sort(key=lambda m: -m.score)
        return matches[:k]
