"""Foci: what a general question is about, recognised with a vocabulary built from the sources.

Every name comes from ingested data: MedQuAD foci and their synonyms (grouped by UMLS CUI),
NCI page titles (without "Treatment", "(PDQ®)" and the like), and drug names. A focus group is
one source's focus; groups that share a CUI or a name are the same focus for retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from curbside.general.vocabulary import normalize
from curbside.retrieve.terms import STOPWORDS

MAX_WORDS = 8  # the longest name looked for
MAX_ABBREVIATION = 4  # one-word synonyms this short are not looked for
_AND = re.compile(r"\s+(?:and|or)\s+|,\s*")
# Words that name no focus on their own, however a source titles a page.
_GENERIC = STOPWORDS | {
    "about",
    "cancer",
    "disease",
    "diseases",
    "disorder",
    "syndrome",
    "health",
    "treatment",
    "symptoms",
    "information",
    "causes",
    "people",
    "drugs",
    "medicines",
    "test",
    "tests",
    "help",
    "care",
    "support",
    "body",
    "other",
    "what",
    "tell",
    "know",
    "patients",
    "doctor",
    "type",
    "types",
    "new",
    "tumor",
    "tumors",
    "tumour",
    "tumours",
    "neoplasm",
    "neoplasms",
    "malignancy",
    "growth",
    "lesion",
    "lesions",
    "infection",
    "infections",
    "inflammation",
}


# What a focus group is: a disorder annotated with a UMLS concept (MedQuAD), a drug (a drug
# name, an NCI drug page), another NCI page, or a topic without a concept (MedlinePlus
# "Surgery", "Medicines": what a question mentions more often than it asks about).
FocusKind = Literal["disorder", "drug", "page", "topic"]
_ALSO_KNOWN = re.compile(r"\((?:also )?(?:known as|called)\s+([^()]*)\)", re.IGNORECASE)
_BRACKETS = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class FocusMatch:
    """A span of the question that names a focus."""

    text: str  # the normalized words matched
    start: int  # word offsets in the normalized question
    end: int
    groups: frozenset[str]  # focus groups named (with those sharing a CUI)
    kinds: frozenset[str] = frozenset()  # what those groups are (FocusKind)


def name_forms(name: str) -> list[str]:
    """The ways a source's focus name may be asked: "Parasites - Trichuriasis (also known as
    Whipworm Infection)" -> itself, "Trichuriasis", "Whipworm Infection"; "Chronic Fatigue
    Syndrome (CFS)" -> itself, "Chronic Fatigue Syndrome", "CFS"."""
    forms = [name]
    inner = [m.group(1) for m in _ALSO_KNOWN.finditer(name)]
    inner += [m.group(1) for m in _BRACKETS.finditer(_ALSO_KNOWN.sub("", name))]
    bare = " ".join(_BRACKETS.sub(" ", name).split())
    forms += [bare, *inner]
    parts = [p.strip() for p in bare.split(" - ")]
    if len(parts) > 1:
        forms += parts
    return [f for f in dict.fromkeys(forms) if f.strip()]


@dataclass
class FocusVocabulary:
    """Names -> focus groups, and CUIs linking groups."""

    names: dict[str, set[str]] = field(default_factory=dict)
    cuis: dict[str, set[str]] = field(default_factory=dict)  # cui -> groups
    group_cuis: dict[str, set[str]] = field(default_factory=dict)  # group -> cuis
    labels: dict[str, str] = field(default_factory=dict)  # group -> its name as written
    kinds: dict[str, FocusKind] = field(default_factory=dict)  # group -> what it is
    _added: set[tuple[str, ...]] = field(default_factory=set)

    def add(
        self, group: str, names: Iterable[str], cuis: Iterable[str] = (), kind: FocusKind = "topic"
    ) -> None:
        """Register a focus group under its names, the focus first (and, for "A and B", under
        A and B too); a short one-word synonym (an abbreviation) is left out."""
        given = list(names)
        if (group, *given) in self._added:  # every pair of a MedQuAD file repeats its focus
            return
        self._added.add((group, *given))
        self.kinds.setdefault(group, kind)
        expanded = [f for n in given for f in name_forms(n)]
        for name in expanded:
            if not name.strip():
                continue
            if name != given[0] and len(name.strip()) <= MAX_ABBREVIATION and " " not in name:
                continue  # "DAT" (for Alzheimer disease) is too often another word
            self.labels.setdefault(group, name.strip())
            forms = {normalize(name)}
            if name.endswith("s") and not name.endswith("ss") and len(name) > 5:
                forms.add(normalize(name[:-1]))  # "inhibitors" is also asked as "inhibitor"
            parts = [normalize(p) for p in _AND.split(name)]
            if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
                forms.update(parts)
            for form in forms:
                words = form.split()
                if not words or len(words) > MAX_WORDS or len(form) < 3:
                    continue
                if all(w in _GENERIC or w.isdigit() for w in words):
                    continue
                self.names.setdefault(form, set()).add(group)
        # Groups are linked by their main concept only (a source's first CUI): a page that also
        # lists a broad concept ("Pain" for loin pain hematuria syndrome) is not about it.
        for cui in list(cuis)[:1]:
            self.cuis.setdefault(cui, set()).add(group)
            self.group_cuis.setdefault(group, set()).add(cui)

    def expand(self, groups: Iterable[str]) -> frozenset[str]:
        """The groups and every group sharing a CUI with one of them."""
        out = set(groups)
        for group in list(out):
            for cui in self.group_cuis.get(group, ()):
                out |= self.cuis.get(cui, set())
        return frozenset(out)

    def _lookup(self, phrase: str) -> set[str] | None:
        found = self.names.get(phrase)
        if found is None and phrase.endswith("s") and len(phrase) > 4:
            found = self.names.get(phrase[:-1])
        if found is None and phrase.endswith("es") and len(phrase) > 5:
            found = self.names.get(phrase[:-2])
        return found

    def find(self, text: str) -> list[FocusMatch]:
        """Non-overlapping names in ``text``, longest first at each place, in text order."""
        words = normalize(text).split()
        spans: list[FocusMatch] = []
        for i in range(len(words)):
            for length in range(min(MAX_WORDS, len(words) - i), 0, -1):
                phrase = " ".join(words[i : i + length])
                groups = self._lookup(phrase)
                if groups:
                    expanded = self.expand(groups)
                    kinds = frozenset(self.kinds.get(g, "topic") for g in expanded)
                    spans.append(FocusMatch(phrase, i, i + length, expanded, kinds))
                    break
        chosen: list[FocusMatch] = []
        for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
            if all(span.end <= c.start or span.start >= c.end for c in chosen):
                chosen.append(span)
        return sorted(chosen, key=lambda s: s.start)
