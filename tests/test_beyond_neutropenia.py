"""Issue 16: haemoglobin and platelets read from a question, graded by CTCAE v5.0, and the
next.yaml 'beyond neutropenia' questions that pass, by id."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.evaluate import load_eval_file, run_question
from curbside.understand.values import read_values

# The 'beyond neutropenia' questions of next.yaml answered so far.
BEYOND_NEUTROPENIA_PASSING = [
    "hit-enoxaparin",
    "docetaxel-threshold",
    "ctcae-anemia",
    "mtx-cotrimoxazole",
]


@pytest.mark.parametrize("question_id", BEYOND_NEUTROPENIA_PASSING)
def test_next_beyond_neutropenia_questions_pass(
    engine: Engine, shared: Path, question_id: str
) -> None:
    questions = {q.id: q for q in load_eval_file(shared / "eval" / "next.yaml").questions}
    outcome = run_question(engine, questions[question_id])
    assert outcome.passed, outcome.failures
    assert outcome.coverage == "curated"


@pytest.mark.parametrize(
    ("text", "g_dl"),
    [
        ("what ctcae grade is a hemoglobin of 7.5 g/dl?", 7.5),
        ("hb 75 g/l on day 3", 7.5),
        ("hemoglobin dropped from 12 to 7 with a positive dat", 7.0),
        ("haemoglobin 9.1", 9.1),
    ],
)
def test_haemoglobin_is_read_in_g_dl(text: str, g_dl: float) -> None:
    value = read_values(text).haemoglobin
    assert value is not None and value.value == g_dl


@pytest.mark.parametrize(
    ("text", "per_ul"),
    [
        ("platelets fell from 250 to 90 on day 7", 90_000),
        ("now anc 600 and platelets 60.", 60_000),
        ("platelet count of 45,000/ul", 45_000),
        ("plt 30 x10^9/l", 30_000),
    ],
)
def test_platelets_are_read_per_ul(text: str, per_ul: float) -> None:
    value = read_values(text).platelets
    assert value is not None and value.value == per_ul


def test_an_impossible_haemoglobin_is_refused_with_a_warning() -> None:
    values = read_values("hemoglobin 75 g/dl")
    assert values.haemoglobin is None and values.warnings


def test_grade_of_a_platelet_count_is_the_bottom_line(engine: Engine) -> None:
    article = engine.ask("What CTCAE grade is a platelet count of 40 x10^9/L?")
    assert article.coverage == "curated"
    assert "grade 3 platelet count decreased" in article.bottom_line.text
    assert "<50,000 - 25,000/mm3" in article.bottom_line.text


def test_a_platelet_drop_gets_no_neutropenia_template(engine: Engine) -> None:
    """A platelet question about a drug with no reviewed thrombocytopenia guidance is not
    answered with neutropenia guidance (nor with a grading table)."""
    article = engine.ask("Platelets fell to 90 on day 7 of vancomycin. What now?")
    assert article.coverage == "none"


def test_a_platelet_drop_on_heparin_gets_hit_guidance_only(engine: Engine) -> None:
    article = engine.ask("Platelets fell from 250 to 90 on day 7 of enoxaparin. What now?")
    assert article.coverage == "curated"
    assert article.bottom_line.id == "bl-hit-suspected"
    assert article.title.startswith("Thrombocytopenia")
    shown = {s.id for sec in article.sections for s in sec.statements}
    assert shown <= {
        "patient-platelet-grade",
        "hit-no-vitamin-k-antagonist",
        "hit-4ts-predictive-value",
    }
    assert "neutrop" not in article.bottom_line.text.lower()
