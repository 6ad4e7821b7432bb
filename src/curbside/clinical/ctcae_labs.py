"""CTCAE v5.0 grade of a laboratory value, for the terms with numeric criteria.

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (27 Nov 2017). The criteria of
each supported term are data (ctcae_labs.yaml), copied word for word from the NCI table with the
numbers they contain; the tests check every row against the table.

Worked examples (CTCAE v5.0): haemoglobin 7.5 g/dL is Anemia grade 3 (<8.0 g/dL); 80 g/L is
grade 2 (<100 - 80 g/L, lower bound included); platelets 60 x 10^9/L are Platelet count
decreased grade 2 (<75,000 - 50,000/mm3); ALT 4 x ULN with a normal baseline is grade 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from curbside.clinical.units import UnitError, count_to_per_ul

MAX_PLATELETS_PER_UL = 5_000_000.0


class LabTerm(BaseModel):
    """One CTCAE term whose grades a number decides."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    term: str
    meddra: str
    soc: str
    analyte: str
    direction: Literal["decreased", "increased"]
    unit: Literal["g/dL", "/mm3", "x ULN"]
    lln: bool = False
    uln: bool = False
    bounds: list[float] = Field(min_length=2)
    numeric_max_grade: int = Field(ge=1, le=4)
    criteria: dict[int, str]


@dataclass(frozen=True)
class LabGrade:
    """A value's grade: None when it depends on a limit of normal that was not given."""

    term: LabTerm
    value: float  # in the term's unit
    grade: int | None
    criterion: str  # the CTCAE text of that grade (the number part), or why it is undecided

    @property
    def locator(self) -> str:
        return f"{self.term.soc}: {self.term.term} (MedDRA {self.term.meddra})"


@cache
def lab_terms() -> dict[str, LabTerm]:
    """The supported terms by id, and by analyte."""
    import yaml  # only when a laboratory grade is first needed

    text = resources.files("curbside.clinical").joinpath("ctcae_labs.yaml").read_text("utf-8")
    terms = [LabTerm.model_validate(t) for t in yaml.safe_load(text)["terms"]]
    out = {t.id: t for t in terms}
    out.update({t.analyte: t for t in terms})
    return out


def haemoglobin_to_g_dl(value: float, unit: str) -> float:
    """Haemoglobin in g/dL from g/dL or g/L; an impossible value is refused."""
    key = unit.strip().lower().replace(" ", "")
    if key in {"g/dl", "gm/dl", "g%"}:
        g_dl = value
    elif key == "g/l":
        g_dl = value / 10.0
    else:
        raise UnitError(f"unknown haemoglobin unit '{unit}': use g/dL or g/L")
    if not 0.0 < g_dl <= 30.0:
        raise UnitError(f"a haemoglobin of {value:g} {unit} is not possible")
    return g_dl


def platelets_to_per_ul(value: float, unit: str) -> float:
    """A platelet count in /µL (= /mm³) from /µL, /mm³, 10^9/L or 10^3/µL."""
    return count_to_per_ul(value, unit, maximum=MAX_PLATELETS_PER_UL)


def _segment(term: LabTerm, grade: int) -> str:
    """The part of a grade's criterion in the term's unit."""
    text = term.criteria[grade]
    want = {"g/dL": "g/dL", "/mm3": "/mm3", "x ULN": "ULN"}[term.unit]
    return next((p.strip() for p in text.split(";") if want in p), text)


def grade_lab(term_id: str, value: float, lln: float | None = None) -> LabGrade:
    """CTCAE v5.0 grade of `value` (in the term's unit) for a 'decreased' term.

    Above the grade-1 bound the grade depends on the laboratory's lower limit of normal: 1 below
    it, 0 at or above it, None when no LLN is given. A grade above `numeric_max_grade` is never
    returned: it needs clinical criteria.
    """
    term = lab_terms()[term_id]
    if term.direction != "decreased":
        raise ValueError(f"{term.term} is graded by grade_ratio_to_uln")
    if value < 0:
        raise ValueError("a laboratory value cannot be negative")
    if value >= term.bounds[0]:
        if lln is None:
            return LabGrade(term, value, None, "grade 1 if below the lower limit of normal")
        if value < lln:
            return LabGrade(term, value, 1, _segment(term, 1))
        return LabGrade(term, value, 0, "not below the lower limit of normal")
    grade = len(term.bounds) + 1
    for n, floor in enumerate(term.bounds[1:], start=2):
        if value >= floor:
            grade = n
            break
    grade = min(grade, term.numeric_max_grade)
    return LabGrade(term, value, grade, _segment(term, grade))


def grade_ratio_to_uln(term_id: str, value: float, uln: float) -> LabGrade:
    """CTCAE v5.0 grade of an 'increased' term from the value and the upper limit of normal,
    for a patient whose baseline was normal (the baseline criteria are not encoded)."""
    term = lab_terms()[term_id]
    if term.direction != "increased":
        raise ValueError(f"{term.term} is graded by grade_lab")
    if value < 0 or uln <= 0:
        raise ValueError("a laboratory value cannot be negative, nor a ULN zero")
    ratio = value / uln
    if ratio <= term.bounds[0]:
        return LabGrade(term, ratio, 0, "not above the upper limit of normal")
    grade = len(term.bounds)
    for n, ceiling in enumerate(term.bounds[1:], start=1):
        if ratio <= ceiling:
            grade = n
            break
    return LabGrade(term, ratio, grade, _segment(term, grade))
