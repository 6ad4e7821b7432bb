"""Follow-up questions keep the thread's drug, patient values and audience."""

from __future__ import annotations

from curbside.engine import Engine
from curbside.verify import contract_problems

SEED = "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"


def test_what_if_fever_keeps_the_drug_and_answers_the_febrile_scenario(engine: Engine) -> None:
    article = engine.follow_up([SEED], "What if she develops a fever?")
    assert "anastrozole" in article.title.lower()
    assert article.sections[0].statements[0].urgent
    assert "Febrile neutropenia" in article.bottom_line.text
    assert article.notes[0].startswith("Answered in the context of: What is the management")
    assert contract_problems(article) == []


def test_values_and_audience_carry_over(engine: Engine) -> None:
    first = "Woman on ribociclib, ANC 0.4 x10^9/L, no fever. Management?"
    article = engine.follow_up([first], "What if her temperature reaches 38.6 C?", "nurse")
    assert article.audience == "nurse"
    assert article.patient is not None
    assert (article.patient.anc_per_uL, article.patient.febrile_neutropenia) == (400, True)
    assert "ribociclib" in article.patient.drugs


def test_the_follow_ups_own_drug_and_values_win(engine: Engine) -> None:
    article = engine.follow_up(
        ["Patient on clozapine with an ANC of 1200"], "And on sarilumab with an ANC of 700?"
    )
    assert article.patient is not None and article.patient.anc_per_uL == 700
    assert "sarilumab" in article.title.lower() and "clozapine" not in article.title.lower()


def test_a_standalone_follow_up_is_an_ordinary_answer(engine: Engine) -> None:
    question = "How long should clozapine be held for an ANC of 800?"
    assert engine.follow_up([SEED], question).model_dump() == engine.ask(question).model_dump()


def test_the_latest_question_that_named_a_drug_is_used(engine: Engine) -> None:
    thread = [SEED, "What about palbociclib?"]
    article = engine.follow_up(thread, "How often should counts be checked?")
    assert "palbociclib" in article.title.lower()
