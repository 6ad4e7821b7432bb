"""Risk scores for febrile neutropenia: the MASCC risk index and CISNE.

MASCC. Klastersky J, Paesmans M, Rubenstein EB, Boyer M, Elting L, Feld R, Gallagher J, Herrstedt J,
Rapoport B, Rolston K, Talcott J. The Multinational Association for Supportive Care in Cancer risk
index: a multinational scoring system for identifying low-risk febrile neutropenic cancer
patients. J Clin Oncol 2000;18(16):3038-3051. doi:10.1200/JCO.2000.18.16.3038. PMID 10944139.
Weights (abstract): burden of illness with no or mild symptoms 5, moderate symptoms 3 (severe
symptoms get no weight); absence of hypotension 5; absence of COPD 4; solid tumour, or
haematological malignancy with no previous fungal infection, 4; outpatient status 3; absence of
dehydration 3; age < 60 years 2. A score ≥ 21 identifies low-risk patients. The wording
"systolic BP > 90 mm Hg" and "dehydration requiring parenteral fluids" is the MASCC society's
table of the index; the maximum of 26 is the sum of the weights.

CISNE (Clinical Index of Stable Febrile Neutropenia). Carmona-Bayonas A, Jiménez-Fonseca P,
Virizuela Echaburu J, et al. Prediction of serious complications in patients with seemingly stable
febrile neutropenia: validation of the Clinical Index of Stable Febrile Neutropenia in a
prospective cohort of patients from the FINITE study. J Clin Oncol 2015;33(5):465-471.
doi:10.1200/JCO.2014.57.2347 (PMID 25559804, taken from a secondary listing, not checked).
Points (abstract): ECOG performance status ≥ 2: 2; stress-induced hyperglycaemia: 2; COPD: 1;
chronic cardiovascular disease: 1; mucositis NCI grade ≥ 2: 1; monocytes < 200/µL: 1. Score 0-8;
classes low (0), intermediate (1-2), high (≥ 3). CISNE was validated in patients with solid
tumours and seemingly stable febrile neutropenia (no organ dysfunction, vital-sign abnormality or
major infection). The paper's own definition of stress-induced hyperglycaemia was not checked:
callers decide it.

Every input may be None (unknown). The score counts the known items; `minimum` and `maximum` are
the totals the unknown items could still give, and `risk` is None when they could change the class.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from curbside.clinical.units import check_count_per_ul

if TYPE_CHECKING:
    from curbside.patient.model import BurdenOfIllness, PatientData, TumourType

MasccRisk = Literal["low", "high"]
CisneRisk = Literal["low", "intermediate", "high"]
RiskT = TypeVar("RiskT", MasccRisk, CisneRisk)

MASCC_LOW_RISK_MIN = 21  # a MASCC score at or above this is low risk
MASCC_AGE_LIMIT = 60.0  # age below this scores 2
CISNE_ECOG_MIN = 2  # ECOG at or above this scores 2
CISNE_MUCOSITIS_MIN = 2  # mucositis grade at or above this scores 1
CISNE_MONOCYTES_PER_UL = 200.0  # monocytes below this score 1
CISNE_HIGH_RISK_MIN = 3  # a CISNE score at or above this is high risk

_MASCC_BURDEN: dict[str, tuple[str, int]] = {
    "none": ("Burden of illness: no symptoms", 5),
    "mild": ("Burden of illness: mild symptoms", 5),
    "moderate": ("Burden of illness: moderate symptoms", 3),
    "severe": ("Burden of illness: severe symptoms", 0),
}


@dataclass(frozen=True)
class ScoreResult(Generic[RiskT]):
    """A score from the items that are known, and what the unknown ones leave open."""

    name: str
    score: int  # points from the known items
    minimum: int  # lowest total possible once the unknown items are known
    maximum: int  # highest total possible once the unknown items are known
    risk: RiskT | None  # None when the unknown items could change the class
    items: list[tuple[str, int]]  # each known item, in readable words, with its points
    missing: list[str]  # the items not known
    caveats: list[str] = field(default_factory=list)  # limits of the score for this patient


@dataclass(frozen=True, slots=True)
class _Item:
    """One item of a score: its readable label (or what is missing) and its points if known."""

    label: str
    points: int | None
    most: int  # the most points the item can give


def _yes_no(known: bool | None, missing: str, yes: tuple[str, int], no: tuple[str, int]) -> _Item:
    """An item decided by one yes/no fact."""
    most = max(yes[1], no[1])
    if known is None:
        return _Item(missing, None, most)
    label, points = yes if known else no
    return _Item(label, points, most)


def _threshold(
    value: float | None,
    missing: str,
    yes: tuple[str, int],
    no: tuple[str, int],
    is_yes: Callable[[float], bool],
    shown: str = "{}",
) -> _Item:
    """An item decided by a number against a cut-off; the known label ends with the number."""
    if value is None:
        return _yes_no(None, missing, yes, no)
    label, points = yes if is_yes(value) else no
    return _Item(f"{label} ({shown.format(f'{value:,.10g}')})", points, max(yes[1], no[1]))


def _number(value: float | None, what: str, low: float, high: float) -> float | None:
    """Check a number is finite and in [low, high]; None passes through."""
    if value is not None and not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{what} of {value:g} is not possible: expected {low:g} to {high:g}")
    return value


def _tally(
    name: str, items: Sequence[_Item], classify: Callable[[int], RiskT]
) -> ScoreResult[RiskT]:
    """Add the known items up; the class is given only when no unknown item can change it."""
    known = [(item.label, item.points) for item in items if item.points is not None]
    score = sum(points for _, points in known)
    maximum = score + sum(item.most for item in items if item.points is None)
    # Both scores are monotone in the total, so equal classes at both ends settle it.
    risk = classify(score) if classify(score) == classify(maximum) else None
    missing = [item.label for item in items if item.points is None]
    return ScoreResult(name, score, score, maximum, risk, known, missing)


def _mascc_risk(total: int) -> MasccRisk:
    return "low" if total >= MASCC_LOW_RISK_MIN else "high"


def _cisne_risk(total: int) -> CisneRisk:
    if total == 0:
        return "low"
    return "high" if total >= CISNE_HIGH_RISK_MIN else "intermediate"


def _mascc_tumour(tumour: TumourType | None, prior_fungal_infection: bool | None) -> _Item:
    if tumour == "solid":
        return _Item("Solid tumour", 4, 4)
    if tumour == "hematologic":
        return _yes_no(
            prior_fungal_infection,
            "previous fungal infection (haematological malignancy)",
            ("Haematological malignancy with previous fungal infection", 0),
            ("Haematological malignancy, no previous fungal infection", 4),
        )
    if tumour is not None:
        raise ValueError(f"tumour must be 'solid' or 'hematologic', not {tumour!r}")
    if prior_fungal_infection is False:  # 4 points whichever the tumour type
        return _Item("No previous fungal infection (solid or haematological malignancy)", 4, 4)
    return _Item("tumour type (solid or haematological)", None, 4)


def mascc(
    *,
    burden_of_illness: BurdenOfIllness | None = None,
    hypotension: bool | None = None,
    copd: bool | None = None,
    tumour: TumourType | None = None,
    prior_fungal_infection: bool | None = None,
    dehydration: bool | None = None,
    outpatient: bool | None = None,
    age_years: float | None = None,
) -> ScoreResult[MasccRisk]:
    """The MASCC risk index (0-26; ≥ 21 low risk) from what is known of the patient.

    `hypotension` means systolic BP not above 90 mmHg (MASCC scores "systolic BP > 90 mm Hg");
    `dehydration` means dehydration requiring parenteral fluids; `outpatient` means outpatient at
    the onset of fever. Raises ValueError for an unknown burden or tumour type or an impossible age.
    """
    if burden_of_illness is None:
        burden = _Item("burden of illness", None, 5)
    elif burden_of_illness in _MASCC_BURDEN:
        burden = _Item(*_MASCC_BURDEN[burden_of_illness], 5)
    else:
        choices = ", ".join(_MASCC_BURDEN)
        raise ValueError(f"burden of illness must be one of {choices}, not {burden_of_illness!r}")
    items = [
        burden,
        _yes_no(
            hypotension,
            "hypotension",
            ("Hypotension (systolic BP ≤ 90 mmHg)", 0),
            ("No hypotension (systolic BP > 90 mmHg)", 5),
        ),
        _yes_no(copd, "COPD", ("COPD", 0), ("No COPD", 4)),
        _mascc_tumour(tumour, prior_fungal_infection),
        _yes_no(
            dehydration,
            "dehydration",
            ("Dehydration requiring parenteral fluids", 0),
            ("No dehydration requiring parenteral fluids", 3),
        ),
        _yes_no(
            outpatient,
            "outpatient status at fever onset",
            ("Outpatient at fever onset", 3),
            ("Inpatient at fever onset", 0),
        ),
        _threshold(
            _number(age_years, "an age", 0, 130),
            "age",
            ("Age < 60 years", 2),
            ("Age ≥ 60 years", 0),
            lambda years: years < MASCC_AGE_LIMIT,
            "{} years",
        ),
    ]
    return _tally("MASCC", items, _mascc_risk)


def cisne(
    *,
    ecog: int | None = None,
    stress_hyperglycemia: bool | None = None,
    copd: bool | None = None,
    chronic_cardiovascular_disease: bool | None = None,
    mucositis_grade: int | None = None,
    monocytes_per_ul: float | None = None,
) -> ScoreResult[CisneRisk]:
    """CISNE (0-8; 0 low, 1-2 intermediate, ≥ 3 high) from what is known of the patient.

    `ecog` is the ECOG performance status (0-4), `mucositis_grade` the NCI CTCAE grade (0-5),
    `monocytes_per_ul` the monocyte count in cells/µL. For solid tumours with seemingly stable
    febrile neutropenia only. Raises ValueError (UnitError for the count) for impossible values.
    """
    monocytes = None
    if monocytes_per_ul is not None:
        monocytes = check_count_per_ul(monocytes_per_ul, "a monocyte count")
    items = [
        _threshold(
            _number(ecog, "an ECOG performance status", 0, 4),
            "ECOG performance status",
            ("ECOG performance status ≥ 2", 2),
            ("ECOG performance status < 2", 0),
            lambda status: status >= CISNE_ECOG_MIN,
            "ECOG {}",
        ),
        _yes_no(
            stress_hyperglycemia,
            "stress-induced hyperglycaemia",
            ("Stress-induced hyperglycaemia", 2),
            ("No stress-induced hyperglycaemia", 0),
        ),
        _yes_no(copd, "COPD", ("COPD", 1), ("No COPD", 0)),
        _yes_no(
            chronic_cardiovascular_disease,
            "chronic cardiovascular disease",
            ("Chronic cardiovascular disease", 1),
            ("No chronic cardiovascular disease", 0),
        ),
        _threshold(
            _number(mucositis_grade, "a mucositis grade", 0, 5),
            "mucositis grade",
            ("Mucositis NCI grade ≥ 2", 1),
            ("Mucositis NCI grade < 2", 0),
            lambda grade: grade >= CISNE_MUCOSITIS_MIN,
            "grade {}",
        ),
        _threshold(
            monocytes,
            "monocyte count",
            ("Monocytes < 200/µL", 1),
            ("Monocytes ≥ 200/µL", 0),
            lambda count: count < CISNE_MONOCYTES_PER_UL,
            "{}/µL",
        ),
    ]
    return _tally("CISNE", items, _cisne_risk)


def mascc_for(patient: PatientData) -> ScoreResult[MasccRisk]:
    """The MASCC risk index from a patient record."""
    return mascc(
        burden_of_illness=patient.burden_of_illness,
        hypotension=patient.hypotension,
        copd=patient.copd,
        tumour=patient.tumour,
        prior_fungal_infection=patient.prior_fungal_infection,
        dehydration=patient.dehydration,
        outpatient=patient.outpatient,
        age_years=patient.age_years,
    )


def cisne_for(patient: PatientData) -> ScoreResult[CisneRisk]:
    """CISNE from a patient record, with a caveat when the patient is outside its population."""
    result = cisne(
        ecog=patient.ecog,
        stress_hyperglycemia=patient.stress_hyperglycemia,
        copd=patient.copd,
        chronic_cardiovascular_disease=patient.chronic_cardiovascular_disease,
        mucositis_grade=patient.mucositis_grade,
        monocytes_per_ul=None if patient.monocytes is None else patient.monocytes.value,
    )
    if patient.tumour == "hematologic":
        caveat = "CISNE was validated in solid tumours only, not haematological malignancy"
        return replace(result, caveats=[caveat])
    return result
