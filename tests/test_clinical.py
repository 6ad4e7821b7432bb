"""Unit conversion and CTCAE v5.0 grading, with worked examples from the CTCAE table itself."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curbside.clinical.ctcae import neutrophil_grade, severity
from curbside.clinical.units import (
    MAX_ANC_PER_UL,
    UnitError,
    celsius_to_fahrenheit,
    count_to_per_ul,
    fahrenheit_to_celsius,
    temperature_to_c,
)


@pytest.mark.parametrize(
    ("value", "unit", "per_ul"),
    [
        (800, "cells/µL", 800),
        (800, "/uL", 800),
        (800, "/mm³", 800),
        (800, "cells/mm3", 800),
        (800, "per mm3", 800),
        (0.8, "x10^9/L", 800),
        (0.8, "× 10⁹/L", 800),
        (0.8, "10^9/l", 800),
        (0.8, "x10e9/L", 800),
        (0.8, "G/L", 800),
        (0.8, "x10^3/µL", 800),
        (0.8, "K/uL", 800),
        (1.5, "10³/mm³", 1500),
    ],
)
def test_count_units(value: float, unit: str, per_ul: float) -> None:
    assert count_to_per_ul(value, unit) == pytest.approx(per_ul)


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (800, "mg/dL"),
        (800, "per litre"),
        (-1, "/µL"),
        (MAX_ANC_PER_UL + 1, "/µL"),
        (999, "x10^9/L"),
    ],
)
def test_bad_counts_are_refused(value: float, unit: str) -> None:
    with pytest.raises(UnitError):
        count_to_per_ul(value, unit)


@given(st.floats(min_value=0, max_value=MAX_ANC_PER_UL / 1000))
def test_count_units_round_trip(giga_per_l: float) -> None:
    per_ul = count_to_per_ul(giga_per_l, "x10^9/L")
    assert count_to_per_ul(per_ul, "cells/µL") / 1000 == pytest.approx(giga_per_l)
    assert count_to_per_ul(giga_per_l, "x10^3/µL") == pytest.approx(per_ul)


@given(st.floats(min_value=25, max_value=45))
def test_temperature_round_trip(celsius: float) -> None:
    assert fahrenheit_to_celsius(celsius_to_fahrenheit(celsius)) == pytest.approx(celsius)
    assert temperature_to_c(celsius_to_fahrenheit(celsius), "°F") == pytest.approx(
        celsius, abs=0.01
    )


@pytest.mark.parametrize(
    ("value", "unit", "celsius"),
    [(38.3, "C", 38.3), (101, "°F", 38.33), (100.4, "F", 38.0), (38.0, "celsius", 38.0)],
)
def test_temperature_units(value: float, unit: str, celsius: float) -> None:
    assert temperature_to_c(value, unit) == pytest.approx(celsius, abs=0.01)


@pytest.mark.parametrize(("value", "unit"), [(55, "C"), (20, "C"), (150, "F"), (38, "K")])
def test_impossible_temperatures_are_refused(value: float, unit: str) -> None:
    with pytest.raises(UnitError):
        temperature_to_c(value, unit)


def _ctcae_row(shared: Path) -> dict[str, str]:
    with (shared / "data/ctcae_v5/CTCAE_v5.0.csv").open(encoding="utf-8", errors="replace") as f:
        for row in csv.reader(f):
            if row[2] == "Neutrophil count decreased":
                return {
                    "code": row[0],
                    "g1": row[3],
                    "g2": row[4],
                    "g3": row[5],
                    "g4": row[6],
                    "g5": row[7],
                }
    raise AssertionError("term not found in the CTCAE table")


def test_ctcae_table_is_what_the_grader_encodes(shared: Path) -> None:
    row = _ctcae_row(shared)
    assert row["code"] == "10029366"
    assert row["g1"].startswith("<LLN - 1500/mm3")
    assert row["g2"].startswith("<1500 - 1000/mm3")
    assert row["g3"].startswith("<1000 - 500/mm3")
    assert row["g4"].startswith("<500/mm3")
    assert row["g5"].strip() == "-"


@pytest.mark.parametrize(
    ("anc", "grade"),
    [
        (1499, 2),
        (1000, 2),  # grade 2: <1500 - 1000 (1000 itself is grade 2)
        (999, 3),
        (500, 3),  # grade 3: <1000 - 500
        (499, 4),
        (0, 4),  # grade 4: <500
    ],
)
def test_ctcae_grade_boundaries(anc: float, grade: int) -> None:
    assert neutrophil_grade(anc) == grade


def test_ctcae_grade_1_depends_on_the_lower_limit_of_normal() -> None:
    assert neutrophil_grade(1500, lln_per_ul=1800) == 1
    assert neutrophil_grade(1800, lln_per_ul=1800) == 0
    assert neutrophil_grade(1600) is None
    with pytest.raises(ValueError):
        neutrophil_grade(-5)


@pytest.mark.parametrize(
    ("anc", "label"),
    [
        (1200, "mild"),
        (1000, "mild"),
        (999, "moderate"),
        (500, "moderate"),
        (499, "severe"),
        (1500, None),
    ],
)
def test_severity_classes(anc: float, label: str | None) -> None:
    assert severity(anc) == label
