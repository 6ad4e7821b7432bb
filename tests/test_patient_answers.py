"""Patient-specific answers: the patient block and the statements follow the patient's data,
whether it comes from the question, a patient file or a FHIR Bundle."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fhir_builders import (
    FEVER_ON_RIBOCICLIB,
    GRADE_4_ON_PALBOCICLIB,
    bundle,
    medication_request,
    observation,
    patient,
)

from curbside.cli import main
from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.models import Article
from curbside.patient.fhir import from_fhir_bundle
from curbside.patient.file import load_patient_file
from curbside.patient.model import PatientData, Reading
from curbside.verify import contract_problems

NEXT = "What should I do?"


def _ids(article: Article) -> list[str]:
    return [s.id for sec in article.sections for s in sec.statements]


def _first(article: Article) -> str:
    return article.sections[0].statements[0].id


def test_findings_cite_sources_that_exist(kb: KnowledgeBase) -> None:
    from curbside.compose.findings import FINDING_SOURCES

    for citation in FINDING_SOURCES:
        assert citation.source in kb.sources


def test_same_situation_from_text_file_and_fhir_gives_the_same_answer(
    engine: Engine, tmp_path: Path
) -> None:
    text = engine.ask(
        "55-year-old woman on ribociclib, ANC 0.3 x10^9/L, temperature 38.6 C. Next steps?"
    )
    record = tmp_path / "patient.yaml"
    record.write_text(
        "age: 55\nanc: 0.3 x10^9/L\ntemperature: 38.6 C\nmedications: [ribociclib]\n",
        encoding="utf-8",
    )
    from_file = engine.ask("Next steps?", patient=load_patient_file(record))
    from_fhir = engine.ask("Next steps?", patient=from_fhir_bundle(FEVER_ON_RIBOCICLIB))
    keys = (
        "anc_per_uL",
        "ctcae_grade",
        "febrile",
        "febrile_neutropenia",
        "temperature_c",
        "age_years",
        "mascc_score",
        "drugs",
    )
    for article in (text, from_file, from_fhir):
        assert article.patient is not None
        assert contract_problems(article) == []
    assert {k: getattr(text.patient, k) for k in keys} == {
        "anc_per_uL": 300.0,
        "ctcae_grade": 4,
        "febrile": True,
        "febrile_neutropenia": True,
        "temperature_c": 38.6,
        "age_years": 55,
        "mascc_score": 2,  # age under 60 is the one MASCC item known
        "drugs": ["ribociclib"],
    }
    for other in (from_file, from_fhir):
        assert {k: getattr(other.patient, k) for k in keys} == {
            k: getattr(text.patient, k) for k in keys
        }
        assert _ids(other) == _ids(text)


def test_febrile_neutropenia_puts_an_urgent_statement_first(engine: Engine) -> None:
    article = engine.ask(NEXT, patient=from_fhir_bundle(FEVER_ON_RIBOCICLIB))
    first = article.sections[0].statements[0]
    assert first.urgent and first.id == "patient-febrile-neutropenia"
    assert "IDSA" in first.text and "38.6" in first.text
    assert article.patient is not None and article.patient.origin["anc"] == "fhir"


def test_grade_4_afebrile_on_palbociclib_differs_from_febrile_on_ribociclib(
    engine: Engine,
) -> None:
    afebrile = engine.ask(NEXT, patient=from_fhir_bundle(GRADE_4_ON_PALBOCICLIB))
    febrile = engine.ask(NEXT, patient=from_fhir_bundle(FEVER_ON_RIBOCICLIB))
    assert afebrile.patient is not None and afebrile.patient.febrile is False
    assert afebrile.patient.ctcae_grade == 4 and afebrile.patient.febrile_neutropenia is False
    assert "palbociclib" in afebrile.title.lower()
    assert "ribociclib" in febrile.title.lower()
    assert _ids(afebrile) != _ids(febrile)
    assert not any(s.urgent for sec in afebrile.sections for s in sec.statements)
    assert "patient-no-fever" in _ids(afebrile)


def test_medicine_list_is_checked_for_drugs_that_cause_neutropenia(
    evidence_engine: Engine,
) -> None:
    record = from_fhir_bundle(
        bundle(
            patient(),
            observation("751-8", 0.8, "10*3/uL", "2026-11-20T08:30:00Z"),
            medication_request("letrozole"),
            medication_request("palbociclib"),
            medication_request("Treanda"),
            medication_request("apixaban"),
        )
    )
    article = evidence_engine.ask("Low neutrophils: what now?", patient=record)
    assert article.patient is not None
    flagged = article.patient.neutropenia_drugs
    assert "palbociclib" in flagged and "Treanda" in flagged
    assert "apixaban" not in flagged
    # Treanda (bendamustine) is known only from its ingested label: its label is quoted.
    assert any(s.key == "label-bendamustine" for s in article.sections)
    assert contract_problems(article) == []


def test_anc_computed_from_wbc_and_differential(engine: Engine) -> None:
    record = from_fhir_bundle(
        bundle(
            patient(),
            observation("6690-2", 2.0, "10*3/uL", "2026-11-20T08:30:00Z"),
            observation("770-8", 20, "%", "2026-11-20T08:30:00Z"),
            observation("764-1", 5, "%", "2026-11-20T08:30:00Z"),
        )
    )
    article = engine.ask("Neutropenia management?", patient=record)
    assert article.patient is not None and article.patient.anc_per_uL == 500
    assert article.patient.anc_source and article.patient.anc_source.startswith("computed")
    assert article.patient.ctcae_grade == 3


def test_wbc_and_differential_from_different_sources_are_not_combined(engine: Engine) -> None:
    record = PatientData(
        wbc=Reading(value=2000, as_written="2.0 x10^9/L"),
        neutrophil_percent=20,
        origin={"wbc": "file", "neutrophil_percent": "fhir"},
    )
    article = engine.ask("Neutropenia management?", patient=record)
    assert article.patient is None or article.patient.anc_per_uL is None


def test_question_values_take_precedence_over_the_record(engine: Engine) -> None:
    article = engine.ask(
        "ANC 1200 on palbociclib, no fever. Management?",
        patient=from_fhir_bundle(GRADE_4_ON_PALBOCICLIB),
    )
    assert article.patient is not None and article.patient.anc_per_uL == 1200
    assert article.patient.origin["anc"] == "question"
    assert any("question" in note and "ANC" in note for note in article.notes)


@pytest.mark.parametrize("audience", ["patient", "nurse", "pharmacist", "student"])
def test_patient_answers_keep_the_contract_for_every_reader(engine: Engine, audience: str) -> None:
    article = engine.ask(NEXT, audience, patient=from_fhir_bundle(FEVER_ON_RIBOCICLIB))  # type: ignore[arg-type]
    assert contract_problems(article) == []
    assert article.sections[0].statements[0].urgent


def test_mascc_and_cisne_from_a_patient_file(engine: Engine, tmp_path: Path) -> None:
    record = tmp_path / "p.json"
    record.write_text(
        '{"age": 70, "anc": "300/uL", "temperature": "38.5 C", "medications": ["ribociclib"],'
        ' "mascc": {"burden_of_illness": "moderate", "hypotension": false, "copd": true,'
        ' "tumour": "solid", "dehydration": false, "outpatient": true},'
        ' "cisne": {"ecog": 2, "stress_hyperglycemia": false,'
        ' "chronic_cardiovascular_disease": true, "mucositis_grade": 0, "monocytes": "150/uL"}}',
        encoding="utf-8",
    )
    article = engine.ask("Febrile neutropenia: risk?", patient=load_patient_file(record))
    p = article.patient
    assert p is not None
    # MASCC: moderate 3 + no hypotension 5 + COPD 0 + solid 4 + no dehydration 3 + outpatient 3
    # + age >= 60 0 = 18 (high risk).
    assert (p.mascc_score, p.mascc_risk) == (18, "high")
    # CISNE: ECOG 2 -> 2, COPD 1, cardiovascular 1, monocytes < 200 -> 1 = 5 (high).
    assert (p.cisne_score, p.cisne_risk) == (5, "high")
    text = article.answer_text()
    assert "MASCC risk index 18 (" in text and "CISNE score 5" in text


def test_cli_patient_and_fhir_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    fhir = tmp_path / "bundle.json"
    fhir.write_text(json.dumps(GRADE_4_ON_PALBOCICLIB), encoding="utf-8")
    assert main(["ask", "Management?", "--fhir", str(fhir), "--format", "json"]) == 0
    article = json.loads(capsys.readouterr().out)
    assert article["patient"]["ctcae_grade"] == 4
    bad = tmp_path / "bad.yaml"
    bad.write_text("anc: 45%\n", encoding="utf-8")
    assert main(["ask", "Management?", "--patient", str(bad)]) == 2
    assert "percent" in capsys.readouterr().err.lower()
