"""The patient's situation as the question writes it: age and population (child, pregnancy,
breastfeeding, benign ethnic neutropenia), care setting, phase of treatment, how long a fever
has lasted, signs of instability, and an ask outside the reviewed knowledge.

Every phrase comes from the vocabulary; a negated mention ("not pregnant", "no chemotherapy")
does not count. Each item found is marked as read from the question.
"""

from __future__ import annotations

import re

from curbside.models import Phase, Setting, Situation
from curbside.understand.negation import Negator
from curbside.vocabulary import Compiled

_AGE = re.compile(
    r"\b(?P<n>\d{1,3}(?:\.\d+)?)[\s-]*(?P<unit>years?|yrs?|y|months?|mos?|weeks?|wks?|days?)"
    r"[\s-]*(?:old|of age)\b"
    r"|\baged?\s+(?P<a>\d{1,3})\b"
    r"|\b(?P<m>\d{1,3})[\s-]*(?:years?|yrs?|yo|y/o)\b(?=\s*(?:man|woman|male|female|patient|boy|girl)\b)"
)
_PER_YEAR = {"y": 1.0, "m": 12.0, "w": 52.18, "d": 365.25}
# A systolic pressure written on its own or as "BP 95/60": MASCC scores hypotension at 90 or less.
_BP = re.compile(
    r"\b(?:bp|blood pressure|sbp|systolic(?: blood pressure| bp)?)\s*(?:of|is|was|=|:|at)?\s*"
    r"(?P<sbp>\d{2,3})(?:\s*/\s*\d{2,3})?\b"
)
_SBP_BELOW = re.compile(r"\b(?:sbp|systolic(?: blood pressure| bp)?) (?:below|under|<) ?90\b")
HYPOTENSION_SBP = 90  # MASCC: "no hypotension" is a systolic pressure above 90 mmHg
FIRST_TRIMESTER_WEEKS = 14  # weeks 0-13 are the first trimester, 14-27 the second
THIRD_TRIMESTER_WEEKS = 28
_CLAUSE_END = re.compile(r"[.;?!]\s|$")
_CLAUSE_START = re.compile(r"[.;?!]\s")


def age_in_years(text: str) -> float | None:
    """The patient's age written in the question, in years (months, weeks and days converted)."""
    match = _AGE.search(text)
    if match is None:
        return None
    if match.group("n"):
        unit = match.group("unit")[0]
        years = float(match.group("n")) / _PER_YEAR[unit]
    else:
        years = float(match.group("a") or match.group("m"))
    return years if 0 <= years <= 120 else None


def _trimester(weeks: float) -> int:
    if weeks < FIRST_TRIMESTER_WEEKS:
        return 1
    return 2 if weeks < THIRD_TRIMESTER_WEEKS else 3


class SituationReader:
    """Reads a Situation from normalised question text with the vocabulary."""

    def __init__(self, vocabulary: Compiled) -> None:
        self.vocabulary = vocabulary
        self.negator = Negator(vocabulary)

    def _found(self, pattern: re.Pattern[str], text: str) -> bool:
        return self.negator.finding(pattern, text) is True

    def read(self, text: str, fever_at: int | None, drugs_named: bool) -> Situation:
        """The situation of normalised `text`; `fever_at` is where the temperature or fever is
        written (for its duration), `drugs_named` whether the question names a medicine."""
        v = self.vocabulary
        origin: dict[str, str] = {}
        populations = [p for p, pattern in v.populations if self._found(pattern, text)]
        age = age_in_years(text)
        if age is not None:
            origin["age_years"] = "question"
            for band in v.data.age_bands:
                if age < band.below_years and band.population not in populations:
                    populations.append(band.population)
        populations = v.with_implied(populations)
        if populations:
            origin["populations"] = "question"
        weeks = self._pregnancy_weeks(text) if "pregnancy" in populations else None
        trimester = _trimester(weeks) if weeks is not None else None
        if trimester is None and "pregnancy" in populations:
            trimester = next(
                (t.trimester for t in v.data.trimesters if re.search(t.trigger, text)), None
            )
        setting = self._setting(text)
        phase = self._phase(text, drugs_named)
        hours, single = self._fever_duration(text, fever_at)
        unstable = [i for i, pattern in v.instability if self._found(pattern, text)]
        if self._hypotensive(text) and "hypotension" not in unstable:
            unstable.append("hypotension")
        uncovered = next((a for a, pattern in v.uncovered if pattern.search(text)), None)
        for name, value in (
            ("pregnancy_weeks", weeks),
            ("setting", setting),
            ("phase", phase),
            ("fever_hours", hours),
            ("unstable", unstable or None),
        ):
            if value is not None:
                origin[name] = "question"
        return Situation(
            age_years=age,
            populations=populations,
            special=[p for p in populations if p in v.special_populations],
            pregnancy_weeks=weeks,
            trimester=trimester,
            setting=setting,
            phase=phase,
            fever_hours=hours,
            fever_single_reading=single,
            unstable=unstable,
            uncovered_ask=uncovered,
            origin=origin,
        )

    def _pregnancy_weeks(self, text: str) -> float | None:
        for pattern in self.vocabulary.pregnancy_weeks:
            match = pattern.search(text)
            if match and 0 < float(match.group("n")) <= 44:
                return float(match.group("n"))
        return None

    def _setting(self, text: str) -> Setting | None:
        found = [s for s, pattern in self.vocabulary.settings if self._found(pattern, text)]
        if "non-chemotherapy" in found:
            return "non-chemotherapy"
        return "chemotherapy" if "chemotherapy" in found else None

    def _phase(self, text: str, drugs_named: bool) -> Phase | None:
        found = [p for p, pattern in self.vocabulary.phases if pattern.search(text)]
        if "before-start" in found:
            return "before-start"
        if "after-episode" in found:
            return "after-episode"
        return "on-treatment" if drugs_named else None

    def _fever_duration(self, text: str, fever_at: int | None) -> tuple[float | None, bool]:
        """Hours of fever written in the clause of the temperature (or of the word fever), and
        whether the temperature is said to be a single reading."""
        if fever_at is None:
            return None, False
        end = _CLAUSE_END.search(text, fever_at)
        clause = text[fever_at : end.start() if end else len(text)]
        starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, fever_at)]
        sentence = text[starts[-1] if starts else 0 : end.start() if end else len(text)]
        single = bool(self.vocabulary.single_reading.search(sentence))
        for duration in self.vocabulary.data.fever.durations:
            match = re.search(duration.trigger, clause)
            if match is None:
                continue
            if duration.unit is None:
                return duration.hours, single
            n = float(match.group("n"))
            return n / 60 if duration.unit == "minutes" else n * (
                24 if duration.unit == "days" else 1
            ), single
        return None, single

    def _hypotensive(self, text: str) -> bool:
        if _SBP_BELOW.search(text):
            return True
        sbp = systolic(text)
        return sbp is not None and sbp <= HYPOTENSION_SBP


def systolic(text: str) -> int | None:
    """The systolic pressure written in the question ('BP 95/60', 'SBP 85'), if any."""
    match = _BP.search(text)
    return int(match.group("sbp")) if match else None
