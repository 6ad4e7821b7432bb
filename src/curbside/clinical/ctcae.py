"""CTCAE v5.0 grade of 'Neutrophil count decreased' (MedDRA 10029366).

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (27 Nov 2017):
grade 1 <LLN-1500/mm³, grade 2 <1500-1000/mm³, grade 3 <1000-500/mm³, grade 4 <500/mm³, no grade 5.
Each range includes its lower bound: 1000/mm³ is grade 2 and 500/mm³ is grade 3.
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["mild", "moderate", "severe"]

# (grade, lowest ANC of that grade) below 1500/µL, highest first.
GRADE_FLOORS: tuple[tuple[int, float], ...] = ((2, 1000.0), (3, 500.0))


def neutrophil_grade(anc_per_ul: float, lln_per_ul: float | None = None) -> int | None:
    """CTCAE v5.0 grade (0-4) of an ANC in cells/µL.

    At or above 1500/µL the grade depends on the laboratory's lower limit of normal: 1 below it,
    0 at or above it, and None when no LLN is given.
    """
    if anc_per_ul < 0:
        raise ValueError("an ANC cannot be negative")
    if anc_per_ul >= 1500.0:
        if lln_per_ul is None:
            return None
        return 1 if anc_per_ul < lln_per_ul else 0
    for grade, floor in GRADE_FLOORS:
        if anc_per_ul >= floor:
            return grade
    return 4


def severity(anc_per_ul: float) -> Severity | None:
    """Conventional severity class: mild 1000-<1500, moderate 500-<1000, severe <500 cells/µL."""
    if anc_per_ul >= 1500:
        return None
    if anc_per_ul >= 1000:
        return "mild"
    if anc_per_ul >= 500:
        return "moderate"
    return "severe"
