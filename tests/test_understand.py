"""Question understanding: drugs, classes, conditions, values with units and intent."""

from __future__ import annotations

import pytest

from curbside.engine import Engine
from curbside.understand import MAX_QUESTION_CHARS, QuestionError


@pytest.mark.parametrize(
    ("question", "drug"),
    [
        (
            "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?",
            "anastrozole",
        ),
        ("neutropenia on anastrozle", "anastrozole"),
        ("Low neutrophils on Arimidex", "anastrozole"),
        ("ARIMIDEX and a low ANC", "anastrozole"),
        ("neutropenia with letrozol", "letrozole"),
        ("Femara patient with neutropenia", "letrozole"),
        ("exemestene and low white count", "exemestane"),
        ("How often should neutrophil counts be checked on Kineret?", "anakinra"),
        ("neutropenia on Kinerett", "anakinra"),
        ("anakinara and neutropenia", "anakinra"),
        ("palbocilib grade 3 neutropenia", "palbociclib"),
        ("Ibrance with letrozole, ANC 900", "palbociclib"),
        ("Verzenio neutropenia", "abemaciclib"),
        ("kisqali and fever", "ribociclib"),
    ],
)
def test_drugs_by_generic_brand_and_misspelling(engine: Engine, question: str, drug: str) -> None:
    assert drug in engine.understand(question).drugs


@pytest.mark.parametrize(
    "question",
    [
        "What is the management of neutropenia in a patient who is fine?",
        "Patient with persistent neutropenia after treatment, what now?",
        "Neutropenic patient asks about prophylaxis",
    ],
)
def test_ordinary_words_are_not_taken_for_drugs(engine: Engine, question: str) -> None:
    query = engine.understand(question)
    assert query.drugs == []
    assert query.unknown_drugs == []


def test_classes_named_and_implied(engine: Engine) -> None:
    query = engine.understand("Neutropenia on an aromatase inhibitor with a CDK4/6 inhibitor")
    assert query.named_classes == ["aromatase-inhibitor", "cdk46-inhibitor"]
    assert "aromatase-inhibitor" in engine.understand("anastrozole neutropenia").drug_classes
    assert engine.understand("IL-1 inhibitors and low neutrophils").named_classes == [
        "il1-inhibitor"
    ]


@pytest.mark.parametrize(
    ("question", "conditions"),
    [
        ("neutropenia on anastrozole", ["neutropenia"]),
        ("her neutrophils came back low", ["neutropenia"]),
        ("agranulocytosis after a new drug", ["agranulocytosis", "neutropenia"]),
        ("In febrile neutropenia, what antibiotic?", ["febrile-neutropenia", "neutropenia"]),
        ("neutropenic fever management", ["febrile-neutropenia", "neutropenia"]),
        ("low white count on letrozole", ["neutropenia"]),
        ("What is the best first-line treatment for migraine during pregnancy?", []),
    ],
)
def test_conditions(engine: Engine, question: str, conditions: list[str]) -> None:
    assert engine.understand(question).conditions == conditions


def test_co_conditions_and_fever(engine: Engine) -> None:
    query = engine.understand(
        "How long to discontinue Anakinra in a patient with neutropenia and viral upper "
        "respiratory tract infection?"
    )
    assert query.infections == ["viral-urti", "any"]
    assert query.febrile is None
    assert engine.understand("neutropenia and a sore throat").infections == ["sore-throat", "any"]
    assert "pneumonia" in engine.understand("neutropenia with pneumonia").infections
    assert engine.understand("afebrile patient with neutropenia").febrile is False
    assert engine.understand("grade 3 neutropenia, no fever").febrile is False
    assert engine.understand("neutropenia and fever since this morning").febrile is True
    assert engine.understand("What if she develops a fever with neutropenia?").febrile is None


@pytest.mark.parametrize(
    ("question", "anc"),
    [
        ("Patient on tocilizumab has an ANC of 800. What should I do?", 800),
        ("ANC 0.4 x10^9/L on ribociclib", 400),
        ("ANC is 1.2 x 10^9/L on Ferriprox", 1200),
        ("an ANC of 1200/µL on clozapine", 1200),
        ("an ANC of 1200/μL on clozapine", 1200),
        ("ANC of 700 per mm3", 700),
        ("ANC 650 cells/mm³", 650),
        ("absolute neutrophil count 1,100 cells/uL", 1100),
        ("ANC 0.9 G/L", 900),
        ("neutrophils 1.4 x10³/µL", 1400),
        ("ANC 0.3", 300),
    ],
)
def test_anc_with_units(engine: Engine, question: str, anc: float) -> None:
    query = engine.understand(question)
    assert query.anc is not None
    assert query.anc.value == pytest.approx(anc)
    assert "neutropenia" in query.conditions


@pytest.mark.parametrize(
    ("question", "celsius", "febrile"),
    [
        ("ANC 0.4 x10^9/L, temperature 38.6 C", 38.6, True),
        ("neutropenia and temp 101.5 F", 38.61, True),
        ("neutropenia, temperature 37.2 °C", 37.2, False),
        ("neutropenia with a fever of 38.3", 38.3, True),
        ("neutropenia, T 100.2 F", 37.89, False),
    ],
)
def test_temperature_with_units(
    engine: Engine, question: str, celsius: float, febrile: bool
) -> None:
    query = engine.understand(question)
    assert query.temperature is not None
    assert query.temperature.value == pytest.approx(celsius, abs=0.01)
    assert query.febrile is febrile


@pytest.mark.parametrize(
    ("question", "warning"),
    [
        ("ANC 50 on anastrozole", "no unit"),
        ("ANC 900000/µL", "not possible"),
        ("neutropenia, temperature 55 C", "not possible"),
        ("neutropenia, temperature 62", "not a possible body temperature"),
    ],
)
def test_impossible_or_ambiguous_values_are_ignored_with_a_warning(
    engine: Engine, question: str, warning: str
) -> None:
    query = engine.understand(question)
    assert query.anc is None and query.temperature is None
    assert any(warning in w for w in query.warnings)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("How long to discontinue Anakinra with neutropenia?", "hold"),
        ("How long should I hold anakinra?", "hold"),
        ("Should anakinra be stopped for neutropenia?", "hold"),
        ("Do I need to stop letrozole?", "hold"),
        ("When can I restart Kineret after neutropenia?", "resume"),
        ("Can anakinra be resumed once the ANC recovers?", "resume"),
        ("How often should neutrophil counts be checked on Kineret?", "monitoring"),
        ("What monitoring is needed on palbociclib?", "monitoring"),
        ("What are the alternatives to anastrozole after neutropenia?", "alternatives"),
        ("Can she switch from anastrozole to something else?", "alternatives"),
        ("What dose of filgrastim for agranulocytosis?", "growth-factor"),
        ("Does anastrozole cause neutropenia?", "risk"),
        ("How is neutropenia graded in CTCAE version 5?", "grading"),
        ("Which neutropenic patients should get fluoroquinolone prophylaxis?", "prophylaxis"),
        (
            "In febrile neutropenia, how fast should the first antibiotic dose be given?",
            "empiric-therapy",
        ),
        ("What is the management of neutropenia caused by anastrozole?", "management"),
        ("Neutropenia on letrozole. Next steps?", "management"),
        ("anastrozole neutropenia", "management"),
    ],
)
def test_intent_paraphrases(engine: Engine, question: str, intent: str) -> None:
    assert engine.understand(question).intents[0] == intent


def test_unknown_drug_is_recognised_as_unknown(engine: Engine) -> None:
    query = engine.understand("Management of neutropenia caused by zanubrutinib?")
    assert query.drugs == [] and query.unknown_drugs == ["zanubrutinib"]


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "?!?", "x" * (MAX_QUESTION_CHARS + 1)])
def test_bad_questions_get_a_clear_error(engine: Engine, question: str) -> None:
    with pytest.raises(QuestionError):
        engine.understand(question)
