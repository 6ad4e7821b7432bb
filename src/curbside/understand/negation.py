"""Negation with a scope, in the manner of ConText (Harkema et al., J Biomed Inform 2009;42:839).

A pre-negation trigger ("no", "without", "denies") negates the findings that follow it, and a
post-negation trigger ("absent", "ruled out") those before it, up to a terminator that ends the
clause ("and", "but", a comma): "no hypotension and COPD" negates hypotension and affirms COPD;
"no COPD or dehydration" negates both. Triggers and terminators come from the vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from curbside.vocabulary import Compiled


@dataclass(frozen=True)
class Scopes:
    """The spans of a text that negation triggers cover."""

    text: str
    negated: tuple[tuple[int, int], ...]

    def is_negated(self, start: int) -> bool:
        return any(a <= start < b for a, b in self.negated)


class Negator:
    """Finds negated spans with the vocabulary's triggers and terminators."""

    def __init__(self, vocabulary: Compiled) -> None:
        self.words = vocabulary.data.negation

    @cached_property
    def _pre(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.words.pre))

    @cached_property
    def _post(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.words.post))

    @cached_property
    def _terminator(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.words.terminators))

    def scopes(self, text: str) -> Scopes:
        ends = sorted({m.start() for m in self._terminator.finditer(text)} | {len(text)})
        starts = sorted({0} | {m.end() for m in self._terminator.finditer(text)})
        negated: list[tuple[int, int]] = []
        for match in self._pre.finditer(text):
            end = next(e for e in ends if e >= match.end())
            negated.append((match.end(), end))
        for match in self._post.finditer(text):
            start = max(s for s in starts if s <= match.start())
            negated.append((start, match.start()))
        return Scopes(text, tuple(negated))

    def finding(self, pattern: str | re.Pattern[str], text: str) -> bool | None:
        """True when the finding is written and affirmed anywhere, False when every mention is
        negated, None when it is not mentioned."""
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        mentions = [m.start() for m in compiled.finditer(text)]
        if not mentions:
            return None
        scopes = self.scopes(text)
        return any(not scopes.is_negated(start) for start in mentions)
