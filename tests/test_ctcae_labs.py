"""The CTCAE v5.0 laboratory table: every encoded row against the NCI table, and worked examples."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from curbside.clinical.ctcae_labs import (
    grade_lab,
    grade_ratio_to_uln,
    haemoglobin_to_g_dl,
    lab_terms,
    platelets_to_per_ul,
)
from curbside.clinical.units import UnitError

CSV = Path("/work/shared/data/ctcae_v5/CTCAE_v5.0.csv")
TERMS = sorted({t.id: t for t in lab_terms().values()}.values(), key=lambda t: t.id)


def _rows() -> dict[str, list[str]]:
    with CSV.open(encoding="utf-8", errors="replace") as handle:
        return {row[2]: row for row in csv.reader(handle)}


needs_csv = pytest.mark.skipif(not CSV.exists(), reason="the CTCAE table is not on this machine")


@needs_csv
@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.id)
def test_row_is_the_nci_text(term) -> None:
    row = _rows()[term.term]
    assert row[0] == term.meddra and row[1] == term.soc
    for grade in (1, 2, 3, 4):
        assert term.criteria[grade] == row[2 + grade].strip(), (term.term, grade)


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


@needs_csv
@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.id)
def test_bounds_are_the_numbers_of_the_nci_text(term) -> None:
    """The bounds are read again from the table text, in the term's unit."""
    row = _rows()[term.term]
    want = {"g/dL": "g/dL", "/mm3": "/mm3", "x ULN": "ULN"}[term.unit]
    found: list[float] = []
    for grade in range(1, term.numeric_max_grade + 1):
        part = next(p for p in row[2 + grade].split(";") if want in p)
        for n in _numbers(part.replace("10e9", "").replace("mm3", "")):
            if n not in found:
                found.append(n)
    if term.direction == "increased":
        found = [1.0, *found]  # 'ULN' itself is 1 x ULN
    assert found == term.bounds


@pytest.mark.parametrize(
    ("term", "value", "grade"),
    [
        ("anemia", 7.5, 3),
        ("anemia", 8.0, 2),  # a range includes its lower bound: <10.0 - 8.0 g/dL
        ("anemia", 9.9, 2),
        ("anemia", 3.0, 3),  # grade 4 is clinical (life-threatening), never from a number
        ("platelets", 60_000, 2),
        ("platelets", 50_000, 2),
        ("platelets", 49_999, 3),
        ("platelets", 24_000, 4),
        ("neutrophils", 800, 3),
        ("neutrophils", 499, 4),
        ("white-cells", 2_500, 2),
        ("lymphocytes", 150, 4),
    ],
)
def test_worked_examples_below_the_lln_bound(term: str, value: float, grade: int) -> None:
    assert grade_lab(term, value).grade == grade


def test_grade_1_needs_the_lln() -> None:
    assert grade_lab("platelets", 100_000).grade is None
    assert grade_lab("platelets", 100_000, lln=150_000).grade == 1
    assert grade_lab("platelets", 160_000, lln=150_000).grade == 0
    assert grade_lab("anemia", 11.0, lln=12.0).grade == 1


def test_threshold_text_of_the_grade() -> None:
    assert grade_lab("anemia", 7.5).criterion == "Hgb <8.0 g/dL"
    assert grade_lab("platelets", 60_000).criterion == "<75,000 - 50,000/mm3"


@pytest.mark.parametrize(
    ("term", "value", "uln", "grade"),
    [
        ("alt", 160, 40, 2),  # 4 x ULN
        ("alt", 120, 40, 1),  # 3.0 x ULN is still grade 1 (>ULN - 3.0 x ULN)
        ("ast", 900, 40, 4),
        ("bilirubin", 2.0, 1.0, 2),
        ("creatinine", 3.5, 1.1, 3),
        ("creatinine", 1.0, 1.1, 0),
    ],
)
def test_worked_examples_as_multiples_of_the_uln(
    term: str, value: float, uln: float, grade: int
) -> None:
    assert grade_ratio_to_uln(term, value, uln).grade == grade


def test_units_are_converted() -> None:
    assert haemoglobin_to_g_dl(75, "g/L") == 7.5
    assert haemoglobin_to_g_dl(7.5, "g/dL") == 7.5
    assert platelets_to_per_ul(60, "x10^9/L") == 60_000
    assert platelets_to_per_ul(60, "K/uL") == 60_000
    with pytest.raises(UnitError):
        haemoglobin_to_g_dl(7.5, "mmol/L")
    with pytest.raises(UnitError):
        haemoglobin_to_g_dl(75, "g/dL")


def test_wrong_direction_is_refused() -> None:
    with pytest.raises(ValueError):
        grade_lab("alt", 100)
    with pytest.raises(ValueError):
        grade_ratio_to_uln("anemia", 7.0, 12.0)
