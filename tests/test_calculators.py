"""The clinical calculators, with worked examples from their sources, boundaries and bad input.

Sources (cited in each module): ANC - Coates, UpToDate, and the Severe Chronic
Neutropenia International Registry; febrile neutropenia - Freifeld 2011 (IDSA 2010 update);
MASCC - Klastersky 2000; CISNE - Carmona-Bayonas 2015.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curbside.clinical.anc import anc_from_differential
from curbside.clinical.ctcae import neutrophil_grade, severity
from curbside.clinical.febrile import FebrileAssessment, assess_febrile_neutropenia
from curbside.clinical.risk_scores import cisne, cisne_for, mascc, mascc_for
from curbside.clinical.units import (
    MAX_ANC_PER_UL,
    MAX_WBC_PER_UL,
    UnitError,
    celsius_to_fahrenheit,
    count_to_per_ul,
    fahrenheit_to_celsius,
    per_ul_to,
    temperature_to_c,
)
from curbside.patient.model import PatientData, Reading

# --- ANC from the differential ---------------------------------------------------------------


def test_anc_brief_example_percent_and_fraction() -> None:
    # WBC 2,000/µL, 20 % segs, 5 % bands: 2000 × 25 / 100 = 500/µL.
    assert anc_from_differential(2000, 20, 5) == pytest.approx(500)
    assert anc_from_differential(2000, 0.20, 0.05, fraction=True) == pytest.approx(500)


def test_anc_registry_worked_example() -> None:
    # SCNIR: WBC 2.0 (×10³/µL), segs 14.8 %, bands 5.0 % -> ANC 0.396 (×10³/µL).
    wbc = count_to_per_ul(2.0, "×10^3/µL")
    anc = anc_from_differential(wbc, 14.8, 5.0)
    assert anc == pytest.approx(396)
    assert per_ul_to(anc, "10^3/µL") == pytest.approx(0.396)


@pytest.mark.parametrize(
    ("wbc", "segs", "bands", "anc"),
    [
        (5000, 60, 0, 3000),  # bands default to 0
        (0, 50, 5, 0),  # no white cells, no neutrophils
        (4000, 100, 0, 4000),  # the whole differential
        (4000, 95, 5, 4000),  # segs + bands exactly 100 %
        (4000, 0, 0, 0),
        (MAX_WBC_PER_UL, 10, 0, MAX_WBC_PER_UL / 10),  # the largest WBC accepted
    ],
)
def test_anc_boundaries(wbc: float, segs: float, bands: float, anc: float) -> None:
    assert anc_from_differential(wbc, segs, bands) == pytest.approx(anc)


@pytest.mark.parametrize(
    ("wbc", "segs", "bands", "fraction", "message"),
    [
        (-1, 50, 0, False, "white cell count of -1/µL is not possible"),
        (MAX_WBC_PER_UL + 1, 50, 0, False, "expected 0 to 500,000/µL"),
        (math.nan, 50, 0, False, "white cell count of nan"),
        (math.inf, 50, 0, False, "white cell count of inf"),
        (2000, -5, 0, False, "segmented neutrophils of -5 is not possible"),
        (2000, 101, 0, False, "segmented neutrophils of 101 is above 100"),
        (2000, 50, math.nan, False, "bands of nan is not possible"),
        (2000, math.inf, 0, False, "segmented neutrophils of inf"),
        (2000, 60, 41, False, "= 101 is more than the whole differential"),
        (2000, 20, 5, True, "pass fraction=False for percents"),
        (2000, 0.7, 0.4, True, "more than the whole differential (1 as a fraction)"),
    ],
)
def test_anc_refuses_bad_input(
    wbc: float, segs: float, bands: float, fraction: bool, message: str
) -> None:
    with pytest.raises(UnitError, match=message.replace("(", r"\(").replace(")", r"\)")):
        anc_from_differential(wbc, segs, bands, fraction=fraction)


@given(
    st.floats(min_value=0, max_value=MAX_WBC_PER_UL),
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100),
)
def test_anc_is_within_the_wbc_and_fraction_matches_percent(
    wbc: float, segs: float, bands: float
) -> None:
    if segs + bands > 100:
        return
    anc = anc_from_differential(wbc, segs, bands)
    assert 0 <= anc <= wbc
    fraction = anc_from_differential(wbc, segs / 100, bands / 100, fraction=True)
    assert fraction == pytest.approx(anc, rel=1e-9, abs=1e-9)


# --- IDSA 2010 febrile neutropenia -----------------------------------------------------------


@pytest.mark.parametrize(
    ("temperature", "sustained", "fever"),
    [
        (38.3, False, True),  # single oral temperature ≥ 38.3 °C: 38.3 itself counts
        (38.29, False, False),
        (38.3, True, True),
        (38.1, False, False),  # between 38.0 and 38.3 needs the 1-hour condition
        (38.1, True, True),
        (38.0, True, True),  # ≥ 38.0 °C sustained: 38.0 itself counts
        (38.0, False, False),
        (37.99, True, False),
        (36.8, False, False),
        (40.2, False, True),
        (None, False, None),  # unknown temperature decides nothing
        (None, True, None),
    ],
)
def test_fever_boundaries(temperature: float | None, sustained: bool, fever: bool | None) -> None:
    assert assess_febrile_neutropenia(400, temperature, sustained_1h=sustained).fever is fever


@pytest.mark.parametrize(
    ("anc", "expected_below_500", "neutropenia"),
    [
        (499, False, True),
        (499.9, False, True),
        (500, False, False),  # ANC < 500: 500 itself is not neutropenia
        (500, True, True),  # ... unless it is expected to fall below 500 within 48 h
        (1200, True, True),
        (0, False, True),
        (3000, False, False),
        (None, False, None),
        (None, True, True),  # the expected fall alone meets the definition
    ],
)
def test_neutropenia_boundaries(
    anc: float | None, expected_below_500: bool, neutropenia: bool | None
) -> None:
    result = assess_febrile_neutropenia(anc, 38.6, expected_below_500=expected_below_500)
    assert result.neutropenia is neutropenia


def test_febrile_neutropenia_example_and_reason() -> None:
    result = assess_febrile_neutropenia(400, 38.6)
    assert result == FebrileAssessment(
        fever=True,
        neutropenia=True,
        febrile_neutropenia=True,
        reason="38.6 °C ≥ 38.3 °C and ANC 400/µL < 500/µL",
    )


@pytest.mark.parametrize(
    ("anc", "temperature", "sustained", "expected", "both", "reason"),
    [
        (300, 38.1, True, False, True, "38.1 °C ≥ 38.0 °C sustained over 1 h and ANC 300/µL"),
        (1500, 38.25, False, False, False, "38.25 °C < 38.3 °C, not sustained over 1 h and ANC"),
        (None, 37.2, False, False, False, "37.2 °C < 38.0 °C and ANC unknown"),  # afebrile
        (2500, None, False, False, False, "temperature unknown and ANC 2,500/µL ≥ 500/µL"),
        (None, None, False, False, None, "temperature unknown and ANC unknown"),
        (400, None, False, False, None, "temperature unknown and ANC 400/µL < 500/µL"),
        (800, 39.0, False, True, True, "ANC 800/µL but expected to fall below 500/µL"),
    ],
)
def test_febrile_neutropenia_is_decided_only_by_known_data(
    anc: float | None,
    temperature: float | None,
    sustained: bool,
    expected: bool,
    both: bool | None,
    reason: str,
) -> None:
    result = assess_febrile_neutropenia(
        anc, temperature, sustained_1h=sustained, expected_below_500=expected
    )
    assert result.febrile_neutropenia is both
    assert reason in result.reason


def test_fahrenheit_thresholds_through_temperature_to_c() -> None:
    # 101 °F and 100.4 °F are the guideline's own Fahrenheit figures.
    assert assess_febrile_neutropenia(400, temperature_to_c(101, "°F")).fever is True
    sustained = assess_febrile_neutropenia(400, temperature_to_c(100.4, "F"), sustained_1h=True)
    assert sustained.fever is True


@pytest.mark.parametrize(
    ("anc", "temperature", "message"),
    [
        (-1, 38.5, "an ANC of -1/µL is not possible"),
        (math.nan, 38.5, "an ANC of nan/µL"),
        (MAX_ANC_PER_UL + 1, 38.5, "an ANC of 200001/µL"),
        (400, 101.0, "convert °F with temperature_to_c"),  # °F passed as °C
        (400, 20.0, "body temperature of 20 °C is not possible"),
        (400, math.nan, "body temperature of nan"),
    ],
)
def test_febrile_refuses_bad_input(anc: float, temperature: float, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        assess_febrile_neutropenia(anc, temperature)


def test_febrile_assessment_is_frozen() -> None:
    result = assess_febrile_neutropenia(400, 38.6)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.fever = False  # type: ignore[misc]


# --- MASCC risk index --------------------------------------------------------------------------

_LOW_RISK_65 = {
    "burden_of_illness": "mild",
    "hypotension": False,
    "copd": False,
    "tumour": "solid",
    "prior_fungal_infection": None,
    "dehydration": False,
    "outpatient": True,
    "age_years": 65,
}


def test_mascc_65_year_old_outpatient_with_solid_tumour() -> None:
    result = mascc(**_LOW_RISK_65)  # type: ignore[arg-type]
    assert (result.score, result.minimum, result.maximum, result.risk) == (24, 24, 24, "low")
    assert result.missing == []
    assert result.items == [
        ("Burden of illness: mild symptoms", 5),
        ("No hypotension (systolic BP > 90 mmHg)", 5),
        ("No COPD", 4),
        ("Solid tumour", 4),
        ("No dehydration requiring parenteral fluids", 3),
        ("Outpatient at fever onset", 3),
        ("Age ≥ 60 years (65 years)", 0),
    ]


def test_mascc_maximal_and_minimal_patients() -> None:
    best = mascc(
        burden_of_illness="none",
        hypotension=False,
        copd=False,
        tumour="solid",
        dehydration=False,
        outpatient=True,
        age_years=45,
    )
    assert (best.score, best.risk) == (26, "low")
    worst = mascc(
        burden_of_illness="severe",
        hypotension=True,
        copd=True,
        tumour="hematologic",
        prior_fungal_infection=True,
        dehydration=True,
        outpatient=False,
        age_years=72,
    )
    assert (worst.score, worst.risk) == (0, "high")
    assert all(points == 0 for _, points in worst.items)


@pytest.mark.parametrize(
    ("burden", "fungal", "score", "risk"),
    [
        ("severe", False, 21, "low"),  # 0+5+4+4+3+3+2: exactly 21 is low risk
        ("moderate", True, 20, "high"),  # 3+5+4+0+3+3+2: 20 is high risk
        ("moderate", False, 24, "low"),
    ],
)
def test_mascc_cut_off_at_21(burden: str, fungal: bool, score: int, risk: str) -> None:
    result = mascc(
        burden_of_illness=burden,  # type: ignore[arg-type]
        hypotension=False,
        copd=False,
        tumour="hematologic",
        prior_fungal_infection=fungal,
        dehydration=False,
        outpatient=True,
        age_years=50,
    )
    assert (result.score, result.risk) == (score, risk)


@pytest.mark.parametrize(
    ("tumour", "fungal", "item"),
    [
        ("solid", True, ("Solid tumour", 4)),  # fungal history counts only in haematology
        ("hematologic", False, ("Haematological malignancy, no previous fungal infection", 4)),
        ("hematologic", True, ("Haematological malignancy with previous fungal infection", 0)),
        (None, False, ("No previous fungal infection (solid or haematological malignancy)", 4)),
    ],
)
def test_mascc_tumour_item(tumour: str | None, fungal: bool | None, item: tuple[str, int]) -> None:
    result = mascc(tumour=tumour, prior_fungal_infection=fungal)  # type: ignore[arg-type]
    assert result.items == [item]


@pytest.mark.parametrize(
    ("tumour", "fungal", "missing"),
    [
        ("hematologic", None, "previous fungal infection (haematological malignancy)"),
        (None, True, "tumour type (solid or haematological)"),
        (None, None, "tumour type (solid or haematological)"),
    ],
)
def test_mascc_tumour_item_unknown(tumour: str | None, fungal: bool | None, missing: str) -> None:
    result = mascc(tumour=tumour, prior_fungal_infection=fungal)  # type: ignore[arg-type]
    assert missing in result.missing


@pytest.mark.parametrize(("age", "points"), [(59.9, 2), (60, 0), (18, 2), (0, 2), (130, 0)])
def test_mascc_age_below_60(age: float, points: int) -> None:
    assert mascc(age_years=age).score == points


def test_mascc_with_unknown_items() -> None:
    nothing = mascc()
    assert (nothing.score, nothing.minimum, nothing.maximum, nothing.risk) == (0, 0, 26, None)
    assert len(nothing.missing) == 7
    # 24 known points without the age item: at least 24, so low risk whatever the age.
    no_age = mascc(**{**_LOW_RISK_65, "age_years": None})  # type: ignore[arg-type]
    assert (no_age.minimum, no_age.maximum, no_age.risk, no_age.missing) == (24, 26, "low", ["age"])
    # 20 known points and age unknown: 20 (high) or 22 (low), so undecided.
    undecided = mascc(
        burden_of_illness="moderate",
        hypotension=False,
        copd=False,
        tumour="hematologic",
        prior_fungal_infection=True,
        dehydration=False,
        outpatient=True,
    )
    assert (undecided.minimum, undecided.maximum, undecided.risk) == (18, 20, "high")
    open_ = mascc(burden_of_illness="mild", hypotension=False, copd=False, tumour="solid")
    assert (open_.minimum, open_.maximum, open_.risk) == (18, 26, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"burden_of_illness": "terrible"}, "burden of illness must be one of none, mild"),
        ({"tumour": "liquid"}, "tumour must be 'solid' or 'hematologic'"),
        ({"age_years": -1}, "an age of -1 is not possible"),
        ({"age_years": math.nan}, "an age of nan is not possible"),
        ({"age_years": 200}, "expected 0 to 130"),
    ],
)
def test_mascc_refuses_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mascc(**kwargs)  # type: ignore[arg-type]


# --- CISNE -------------------------------------------------------------------------------------

_CISNE_NONE = {
    "ecog": 1,
    "stress_hyperglycemia": False,
    "copd": False,
    "chronic_cardiovascular_disease": False,
    "mucositis_grade": 1,
    "monocytes_per_ul": 400.0,
}


@pytest.mark.parametrize(
    ("changes", "score", "risk"),
    [
        ({}, 0, "low"),
        ({"copd": True}, 1, "intermediate"),
        ({"chronic_cardiovascular_disease": True}, 1, "intermediate"),
        ({"mucositis_grade": 2}, 1, "intermediate"),  # NCI grade ≥ 2
        ({"monocytes_per_ul": 199.0}, 1, "intermediate"),  # < 200/µL
        ({"stress_hyperglycemia": True}, 2, "intermediate"),
        ({"ecog": 2}, 2, "intermediate"),  # ECOG ≥ 2
        ({"ecog": 2, "copd": True}, 3, "high"),
        ({"stress_hyperglycemia": True, "monocytes_per_ul": 150.0}, 3, "high"),
        ({"monocytes_per_ul": 200.0}, 0, "low"),  # 200 is not < 200
        ({"mucositis_grade": 0}, 0, "low"),
        ({"ecog": 0}, 0, "low"),
    ],
)
def test_cisne_classes(changes: dict[str, object], score: int, risk: str) -> None:
    result = cisne(**{**_CISNE_NONE, **changes})  # type: ignore[arg-type]
    assert (result.score, result.minimum, result.maximum, result.risk) == (
        score,
        score,
        score,
        risk,
    )
    assert result.missing == []


def test_cisne_maximum_and_labels() -> None:
    result = cisne(
        ecog=3,
        stress_hyperglycemia=True,
        copd=True,
        chronic_cardiovascular_disease=True,
        mucositis_grade=3,
        monocytes_per_ul=80.0,
    )
    assert (result.score, result.risk) == (8, "high")
    assert result.items == [
        ("ECOG performance status ≥ 2 (ECOG 3)", 2),
        ("Stress-induced hyperglycaemia", 2),
        ("COPD", 1),
        ("Chronic cardiovascular disease", 1),
        ("Mucositis NCI grade ≥ 2 (grade 3)", 1),
        ("Monocytes < 200/µL (80/µL)", 1),
    ]


def test_cisne_with_unknown_items() -> None:
    nothing = cisne()
    assert (nothing.score, nothing.maximum, nothing.risk) == (0, 8, None)
    assert nothing.missing == [
        "ECOG performance status",
        "stress-induced hyperglycaemia",
        "COPD",
        "chronic cardiovascular disease",
        "mucositis grade",
        "monocyte count",
    ]
    assert cisne(ecog=2, copd=True).risk == "high"  # 3 already: high whatever else
    assert cisne(**{**_CISNE_NONE, "copd": None}).risk is None  # type: ignore[arg-type]
    one_open = cisne(**{**_CISNE_NONE, "copd": True, "monocytes_per_ul": None})  # type: ignore[arg-type]
    assert (one_open.minimum, one_open.maximum, one_open.risk) == (1, 2, "intermediate")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"ecog": 5}, ValueError, "an ECOG performance status of 5 is not possible"),
        ({"ecog": -1}, ValueError, "expected 0 to 4"),
        ({"mucositis_grade": 6}, ValueError, "a mucositis grade of 6 is not possible"),
        ({"monocytes_per_ul": -5.0}, UnitError, "a monocyte count of -5/µL is not possible"),
        ({"monocytes_per_ul": math.nan}, UnitError, "a monocyte count of nan"),
    ],
)
def test_cisne_refuses_bad_input(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        cisne(**kwargs)  # type: ignore[arg-type]


# --- From a patient record ---------------------------------------------------------------------


def test_scores_from_patient_data() -> None:
    patient = PatientData(
        age_years=65,
        burden_of_illness="mild",
        hypotension=False,
        copd=False,
        tumour="solid",
        dehydration=False,
        outpatient=True,
        ecog=2,
        monocytes=Reading(value=150, as_written="0.15 x10^9/L"),
    )
    assert mascc_for(patient) == mascc(**_LOW_RISK_65)  # type: ignore[arg-type]
    result = cisne_for(patient)
    assert (result.score, result.risk, result.caveats) == (3, "high", [])  # ECOG 2 + monocytes
    assert result.missing == [
        "stress-induced hyperglycaemia",
        "chronic cardiovascular disease",
        "mucositis grade",
    ]


def test_scores_from_an_empty_record_and_cisne_caveat() -> None:
    assert mascc_for(PatientData()) == mascc()
    assert cisne_for(PatientData()) == cisne()
    haematological = cisne_for(PatientData(tumour="hematologic"))
    assert haematological.caveats == [
        "CISNE was validated in solid tumours only, not haematological malignancy"
    ]


# --- Properties: unit round trips and CTCAE monotonicity ---------------------------------------

_COUNT_UNITS = ["cells/µL", "cells/mm³", "/mm3", "×10^9/L", "10^9/L", "G/L", "10^3/µL", "K/µL"]


@given(st.floats(min_value=0, max_value=MAX_ANC_PER_UL), st.sampled_from(_COUNT_UNITS))
def test_count_round_trip_through_every_unit(per_ul: float, unit: str) -> None:
    assert count_to_per_ul(per_ul_to(per_ul, unit), unit) == pytest.approx(per_ul, abs=1e-9)


@given(
    st.floats(min_value=0, max_value=MAX_ANC_PER_UL / 1000),
    st.sampled_from(["×10^9/L", "10^3/µL", "G/L", "K/µL"]),
    st.sampled_from(["×10^9/L", "10^3/µL", "G/L", "K/µL"]),
)
def test_thousand_units_are_one_quantity(value: float, unit: str, other: str) -> None:
    per_ul = count_to_per_ul(value, unit)
    assert per_ul_to(per_ul, other) == pytest.approx(value, abs=1e-12)
    assert per_ul_to(per_ul, "cells/mm³") == pytest.approx(value * 1000, abs=1e-9)


def test_per_ul_to_refuses_bad_counts_and_units() -> None:
    with pytest.raises(UnitError, match="unknown count unit 'mg/dL'"):
        per_ul_to(500, "mg/dL")
    with pytest.raises(UnitError, match="a count of -1/µL is not possible"):
        per_ul_to(-1, "G/L")
    with pytest.raises(UnitError, match="a count of nan/µL"):
        per_ul_to(math.nan, "G/L")


@given(st.floats(min_value=25, max_value=45))
def test_celsius_round_trip(celsius: float) -> None:
    assert fahrenheit_to_celsius(celsius_to_fahrenheit(celsius)) == pytest.approx(celsius)


@given(st.floats(min_value=77, max_value=113))
def test_fahrenheit_round_trip(fahrenheit: float) -> None:
    assert celsius_to_fahrenheit(fahrenheit_to_celsius(fahrenheit)) == pytest.approx(fahrenheit)


@given(
    st.floats(min_value=0, max_value=1499.99),
    st.floats(min_value=0, max_value=1499.99),
)
def test_ctcae_grade_never_rises_with_the_anc(a: float, b: float) -> None:
    low, high = sorted((a, b))
    low_grade, high_grade = neutrophil_grade(low), neutrophil_grade(high)
    assert low_grade is not None and high_grade is not None
    assert low_grade >= high_grade


@given(
    st.floats(min_value=0, max_value=20_000),
    st.floats(min_value=0, max_value=20_000),
    st.floats(min_value=1500, max_value=3000),
)
def test_ctcae_grade_with_lln_never_rises_with_the_anc(a: float, b: float, lln: float) -> None:
    low, high = sorted((a, b))
    low_grade, high_grade = neutrophil_grade(low, lln), neutrophil_grade(high, lln)
    assert low_grade is not None and high_grade is not None
    assert low_grade >= high_grade
    order = [None, "mild", "moderate", "severe"]
    assert order.index(severity(low)) >= order.index(severity(high))
