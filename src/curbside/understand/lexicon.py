"""Find the drugs and drug classes a question names: generic, brand, misspelt or by class."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from curbside.knowledge.base import KnowledgeBase
from curbside.understand.drug_names import is_drug_name

_WORD = re.compile(r"[a-z][a-z0-9]*(?:[-/][a-z0-9]+)*")

# Words that name no medicine: never taken for an unknown drug after "on", "taking", ...
_NOT_DRUGS = frozenset(
    """
    a an the my his her their our your this that these those it its them him me us treatment
    therapy medication medicine medicines drug drugs tablet tablets pills chemotherapy chemo
    immunotherapy radiotherapy radiation dialysis steroids antibiotics day days week weeks
    month months year years cycle cycles dose doses day1 daily admission arrival
    presentation examination exam discharge treatment the-drug neutropenia agranulocytosis
    fever infection sepsis pneumonia cancer arthritis patient patients woman man women men
    child children mother father wife husband maintenance hold holding top average call
    monday tuesday wednesday thursday friday saturday sunday aspirin
    """.split()  # noqa: SIM905
)
_UNKNOWN_TRIGGER = re.compile(
    r"\b(?:caused by|induced by|due to|secondary to|related to|associated with|from|"
    r"on|taking|takes|took|receiving|started|starting|prescribed|given|using|after)\s+"
    r"(?:the\s+|a\s+|her\s+|his\s+|their\s+|high-dose\s+|low-dose\s+)?"
    r"(?P<word>[a-z][a-z0-9-]{4,})"
)


# Drug ids of the form "label:<generic>" name drugs known only from an ingested label.
LABEL_PREFIX = "label:"


@dataclass(frozen=True)
class DrugMatch:
    """One drug found in the question."""

    drug_id: str
    words: str
    fuzzy: bool


class Lexicon:
    """Every name of every drug and class in the knowledge base, ready for matching."""

    def __init__(self, kb: KnowledgeBase, label_names: dict[str, str] | None = None) -> None:
        # Curated names win over names read from ingested labels.
        self.terms: dict[str, str] = {
            name.lower(): LABEL_PREFIX + generic for name, generic in (label_names or {}).items()
        }
        for drug in kb.drugs.values():
            for name in (drug.id, drug.name, *drug.brands, *drug.misspellings):
                self.terms[name.lower()] = drug.id
        self.longest = max((len(t.split()) for t in self.terms), default=1)
        # One-word names of five letters or more, by first letter (a misspelling keeps it).
        self.single_words: dict[str, list[str]] = {}
        for term in self.terms:
            if " " not in term and len(term) >= 5:
                self.single_words.setdefault(term[0], []).append(term)
        patterns: list[tuple[re.Pattern[str], str]] = []
        for drug_class in kb.classes.values():
            for name in (drug_class.name, *drug_class.synonyms):
                words = [re.escape(w) for w in name.lower().split()]
                body = r"[\s-]*".join(words)
                patterns.append((re.compile(rf"\b{body}(?:s|es)?\b"), drug_class.id))
        self.class_patterns = patterns
        self.known_words = {w for t in self.terms for w in t.split()}

    def drugs(self, text: str) -> list[DrugMatch]:
        """Drugs named in normalised text, in order of appearance, without repeats."""
        words = _WORD.findall(text)
        found: list[DrugMatch] = []
        seen: set[str] = set()
        i = 0
        while i < len(words):
            match = self._exact(words, i)
            if match is None:
                match = self._fuzzy(words[i])
                step = 1
            else:
                step = len(match.words.split())
            if match is not None and match.drug_id not in seen:
                seen.add(match.drug_id)
                found.append(match)
            i += step
        return found

    def _exact(self, words: list[str], i: int) -> DrugMatch | None:
        for n in range(min(self.longest, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            if phrase in self.terms:
                return DrugMatch(self.terms[phrase], phrase, fuzzy=False)
        return None

    def _fuzzy(self, word: str) -> DrugMatch | None:
        if len(word) < 6 or word in _NOT_DRUGS:
            return None
        allowed = 1 if len(word) < 9 else 2
        best: tuple[int, str] | None = None
        for term in self.single_words.get(word[0], ()):
            if abs(len(term) - len(word)) > allowed:
                continue
            distance = DamerauLevenshtein.distance(word, term, score_cutoff=allowed)
            if distance <= allowed and (best is None or distance < best[0]):
                best = (distance, term)
        if best is None:
            return None
        return DrugMatch(self.terms[best[1]], word, fuzzy=True)

    def class_spans(self, text: str) -> list[tuple[int, int]]:
        """Where class names stand in normalised text."""
        return [m.span() for pattern, _ in self.class_patterns for m in pattern.finditer(text)]

    def classes(self, text: str) -> list[str]:
        """Drug class ids named in normalised text, in order, without repeats."""
        hits = sorted(
            (m.start(), class_id)
            for pattern, class_id in self.class_patterns
            for m in pattern.finditer(text)
        )
        out: list[str] = []
        for _, class_id in hits:
            if class_id not in out:
                out.append(class_id)
        return out

    def unknown_drugs(self, text: str, matched_words: set[str]) -> list[str]:
        """Medicine names (from the installed drug-name list) that the question is about, after
        'on', 'taking', 'caused by' and the like, but that Curbside holds nothing on."""
        out: list[str] = []
        class_words = {w for m in self.class_spans(text) for w in text[m[0] : m[1]].split()}
        for match in _UNKNOWN_TRIGGER.finditer(text):
            word = match.group("word")
            if word in class_words:
                continue
            if (
                word in _NOT_DRUGS
                or word in self.known_words
                or word in matched_words
                or self._fuzzy(word) is not None
                or not is_drug_name(word)
            ):
                continue
            strong = match.group(0).startswith(
                ("caused by", "induced by", "due to", "secondary to")
            )
            if (strong or len(word) >= 6) and word not in out:
                out.append(word)
        return out
