"""Answers built from ingested text: the label fallback and the evidence digest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.evaluate import load_eval_file
from curbside.verify import contract_problems

DOSE = re.compile(r"\b\d+ ?mg\b")


def _texts(article: object) -> list[str]:
    return [s.text for sec in article.sections for s in sec.statements]  # type: ignore[attr-defined]


def test_label_only_drug_gets_its_label_quoted_beside_general_guidance(
    evidence_engine: Engine, shared: Path
) -> None:
    article = evidence_engine.ask("Patient on bendamustine has an ANC of 700. What should I do?")
    assert article.coverage == "curated"
    label = next(s for s in article.sections if s.key == "label-bendamustine")
    assert "label says" in label.title
    raw = " ".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in (shared / "data" / "fda_labels" / "Txt").glob("BENDAMUSTINE_*.txt")
    )
    flat = " ".join(raw.split())
    for statement in label.statements:
        assert statement.support == "quoted"
        assert statement.text in flat  # word for word from the label
        assert re.search(r"myelosuppress|neutro|ANC", statement.text, re.I)
    refs = {r.n: r for r in article.references}
    cited = refs[label.statements[0].citations[0]]
    assert cited.source_id == "label:bendamustine" and cited.kind == "drug-label"
    assert cited.locator.startswith("Warnings and precautions > 5.1")
    assert cited.path and cited.path.endswith(".txt")
    # General guidance still applies, and the note says nothing curated is specific to it.
    assert any(s.key == "febrile" for s in article.sections)
    assert any("bendamustine" in n and "no reviewed guidance" in n for n in article.notes)
    assert contract_problems(article) == []


def test_label_brand_name_is_recognised(evidence_engine: Engine) -> None:
    # TREANDA is bendamustine's brand, read from how its label text uses the name.
    article = evidence_engine.ask("Treanda patient: ANC is 0.8 x 10^9/L. What now?")
    label = next(s for s in article.sections if s.key == "label-bendamustine")
    texts = " ".join(s.text for s in label.statements)
    assert "myelosuppression" in texts.lower()


def test_patient_reads_the_label_section_in_plain_title(evidence_engine: Engine) -> None:
    article = evidence_engine.ask(
        "I take bendamustine and my neutrophils are low", audience="patient"
    )
    assert any(s.title.startswith("What the bendamustine label says") for s in article.sections)
    assert contract_problems(article) == []


# A question about Acanthamoeba keratitis that no held answer entails (the CDC's own answer to
# "Who is at risk for Acanthamoeba keratitis?" is a sourced answer: tests/test_general.py).
DIGEST_QUESTION = "Is Acanthamoeba keratitis more common in swimmers who wear contact lenses?"


def test_digest_quotes_relevant_sentences_exactly(evidence_engine: Engine) -> None:
    article = evidence_engine.ask(DIGEST_QUESTION)
    assert article.coverage == "digest"
    assert "No reviewed Curbside guidance" in article.bottom_line.text
    assert article.bottom_line.citations == [r.n for r in article.references]
    texts = _texts(article)
    # Weighted by rarity: keratitis alone (an afatinib label sentence) is not enough.
    assert texts and all("acanthamoeba" in t.lower() for t in texts)
    assert any("contact lens" in t for t in texts)
    for section in article.sections:
        for statement in section.statements:
            assert statement.support == "quoted"
    assert all(r.path for r in article.references)  # every quote names the ingested file
    assert any(r.kind == "qa" and r.url for r in article.references)
    assert len(set(texts)) == len(texts)
    assert contract_problems(article) == []


def test_nothing_relevant_held_gives_none(evidence_engine: Engine) -> None:
    article = evidence_engine.ask(
        "What is the best first-line treatment for migraine during pregnancy?"
    )
    assert article.coverage in ("digest", "none")
    assert not DOSE.search(article.answer_text())
    nonsense = evidence_engine.ask("How do I calibrate a quokka spectrometer?")
    assert nonsense.coverage == "none" and nonsense.sections == []
    # A question about a drug is never answered with text that does not concern that drug.
    other = evidence_engine.ask(
        "Does ticlopidine cause tumor lysis syndrome with fever and sore throat?"
    )
    assert other.coverage in ("digest", "none")
    assert all("ticlopidine" in t.lower() for t in _texts(other))


def test_out_of_scope_eval_questions_get_digest_or_none(
    evidence_engine: Engine, shared: Path
) -> None:
    questions = load_eval_file(shared / "eval" / "questions.yaml").questions
    out_of_scope = [q for q in questions if q.expect.coverage != "curated"]
    assert out_of_scope
    for q in out_of_scope:
        article = evidence_engine.ask(q.question, q.audience)
        assert article.coverage in ("digest", "none")
        assert not DOSE.search(article.answer_text()), q.id


def test_digest_never_quotes_a_dose(evidence_engine: Engine) -> None:
    article = evidence_engine.ask("How is Acanthamoeba keratitis treated?")
    assert not re.search(r"\d\s*(mg|mcg|µg|mL)\b", article.answer_text())


@pytest.mark.parametrize("audience", ["patient", "nurse"])
def test_digest_wording_for_each_reader(evidence_engine: Engine, audience: str) -> None:
    article = evidence_engine.ask(DIGEST_QUESTION, audience=audience)  # type: ignore[arg-type]
    assert article.coverage == "digest" and contract_problems(article) == []


def test_openfda_brand_and_generic_names_feed_the_lexicon(tmp_path: Path) -> None:
    import json

    from curbside.ingest.run import ingest
    from curbside.retrieve.store import EvidenceStore
    from curbside.settings import Settings

    record = {
        "set_id": "00000000-0000-0000-0000-000000000000",
        "effective_time": "20240101",
        "openfda": {
            "brand_name": ["Testbrand"],
            "generic_name": ["TESTAMINE"],
            "pharm_class_epc": ["Test Inhibitor [EPC]"],
        },
        "warnings_and_cautions": [
            "5.1 Neutropenia Neutropenia occurred in patients treated with Testbrand in the "
            "trials. Monitor the absolute neutrophil count before each cycle of treatment."
        ],
    }
    source = tmp_path / "label.json"
    source.write_text(json.dumps({"results": [record]}), encoding="utf-8")
    settings = Settings(home=tmp_path / "home", dense="off")
    ingest([source], EvidenceStore(settings.evidence_path))
    engine = Engine(settings)
    for question in ("Testbrand and neutropenia: what now?", "neutropenia on testamine"):
        article = engine.ask(question)
        label = next(s for s in article.sections if s.key == "label-testamine")
        assert any("absolute neutrophil count" in s.text for s in label.statements)
        assert contract_problems(article) == []
