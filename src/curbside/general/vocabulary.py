"""The words of general questions: question types, special populations, page-title noise.

Read from ``questions.yaml`` beside this module (data, not code); no disease or drug is named
here: foci come from the ingested sources (see ``focus.py``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

VOCABULARY_FILE = Path(__file__).with_name("questions.yaml")
INFORMATION = "information"
_POSSESSIVE = re.compile(r"(?<=[a-z])['’`]s\b")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class QuestionVocabulary(BaseModel):
    """The contents of ``questions.yaml``."""

    version: int = Field(description="Format version (1).")
    types: dict[str, list[str]] = Field(
        description="Question type -> cue regular expressions, in priority order."
    )
    aliases: dict[str, str] = Field(
        default_factory=dict, description="Other annotation names of a type -> MedQuAD's name."
    )
    compatible: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Question type -> stored types whose answers also answer it.",
    )
    populations: dict[str, list[str]] = Field(
        default_factory=dict, description="Special population -> cue regular expressions."
    )
    title_types: dict[str, list[str]] = Field(
        default_factory=dict, description="Type -> words of a page title that say the type."
    )
    title_noise: list[str] = Field(
        default_factory=list, description="Patterns removed from page titles (PDQ, version)."
    )
    filler: list[str] = Field(
        default_factory=list, description="Words of a message that ask nothing ('please')."
    )
    salts: list[str] = Field(
        default_factory=list, description="Words naming a drug's salt ('citrate'), not the drug."
    )


def _any_of(cues: list[str]) -> re.Pattern[str]:
    """The cues as one pattern, matched on lower-cased text (IGNORECASE is slow in ``re``)."""
    return re.compile("|".join(f"(?:{cue.lower()})" for cue in cues))


def normalize(text: str) -> str:
    """Lower case, accents and possessives removed, words joined by single spaces:
    "Addison's Disease" -> "addison disease"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NOT_WORD.sub(" ", _POSSESSIVE.sub("", plain)).strip()


class Vocabulary:
    """Compiled question-type cues and the rest of ``questions.yaml``."""

    def __init__(self, data: QuestionVocabulary) -> None:
        self.data = data
        # One pattern per type (its cues as alternatives): classifying a page's headings at
        # load time then costs one search per type.
        self.types = [(name, [_any_of(cues)]) for name, cues in data.types.items()]
        self.populations = {name: [_any_of(cues)] for name, cues in data.populations.items()}
        self._noise = [re.compile(p, re.IGNORECASE) for p in data.title_noise]
        self._filler = frozenset(w.lower() for w in data.filler)
        self._title_types = [
            (
                name,
                re.compile(
                    rf"^(?:{'|'.join(words)})(?:\s+(?:of|for))?\s+|\s+(?:{'|'.join(words)})$"
                ),
            )
            for name, words in data.title_types.items()
        ]

    def classify(self, text: str) -> list[str]:
        """The question types ``text`` asks for, main one first (empty when no cue matches)."""
        return list(self._classify(text.lower()))

    @lru_cache(maxsize=65536)  # noqa: B019 - one vocabulary per process; headings repeat
    def _classify(self, text: str) -> tuple[str, ...]:
        return tuple(name for name, cues in self.types if any(c.search(text) for c in cues))

    def only_asks(self, text: str) -> bool:
        """Whether ``text`` is nothing but words that ask a type ("side effects", "treatment")."""
        rest = text.lower()
        for _, cues in self.types:
            for cue in cues:
                rest = cue.sub(" ", rest)
        return not rest.strip()

    def canonical(self, name: str) -> str:
        """A type name as MedQuAD writes it ("Cause" -> "causes")."""
        key = " ".join(name.lower().replace("_", " ").split())
        return self.data.aliases.get(key, key)

    def answers(self, asked: str, stored: str) -> bool:
        """Whether a stored answer of type ``stored`` answers a question of type ``asked``."""
        return stored == asked or stored in self.data.compatible.get(asked, [])

    def populations_in(self, text: str) -> set[str]:
        """The special populations that ``text`` names."""
        lower = text.lower()
        return {n for n, cues in self.populations.items() if any(c.search(lower) for c in cues)}

    def asks_nothing(self, word: str) -> bool:
        """Whether a word is filler or a word that only asks a type ("information", "treat")."""
        return word.lower() in self._filler or self.only_asks(word)

    def without_salt(self, name: str) -> str:
        """A drug's name without its salt: "Tamoxifen Citrate" -> "Tamoxifen"."""
        salts = set(self.data.salts)
        kept = [w for w in name.split() if w.lower() not in salts]
        return " ".join(kept) if kept else name

    def title_focus(self, title: str) -> tuple[str, str | None]:
        """A page title's subject and the type of page it names: "Adult Hodgkin Lymphoma
        Treatment (PDQ®)–Patient Version" -> ("Adult Hodgkin Lymphoma", "treatment")."""
        text = title
        for pattern in self._noise:
            text = pattern.sub(" ", text)
        text = " ".join(text.split()).strip(" -–—:")
        for name, pattern in self._title_types:
            stripped = pattern.sub("", text.lower())
            if stripped != text.lower() and stripped.strip():
                start = text.lower().find(stripped)
                return text[start : start + len(stripped)].strip(), name
        return text, None


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabulary of ``questions.yaml`` (read once)."""
    import yaml  # only when a general question is first understood

    raw = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))
    return Vocabulary(QuestionVocabulary.model_validate(raw))
