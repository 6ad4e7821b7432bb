"""`curbside verify`: curated statements held against the ingested text of the sources they cite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.ingest.run import IngestReport
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Statement
from curbside.retrieve.embedding import Embedder, EmbedderUnavailable, load_embedder
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings
from curbside.verify import contract_problems
from curbside.verify.support import Verdict, Verifier, report, save_verdicts, statement_sha


@pytest.fixture(scope="module")
def embedder() -> Embedder | None:
    try:
        return load_embedder()
    except EmbedderUnavailable:
        return None


@pytest.fixture(scope="module")
def verifier(
    evidence: tuple[Settings, IngestReport], kb: KnowledgeBase, embedder: Embedder | None
) -> Verifier:
    return Verifier(kb, EvidenceStore(evidence[0].evidence_path), embedder)


@pytest.fixture(scope="module")
def verdicts(verifier: Verifier) -> list[Verdict]:
    return verifier.verify_all()


def _statement(kb: KnowledgeBase, statement_id: str) -> Statement:
    return next(s for s in kb.statements if s.id == statement_id)


def _with_text(statement: Statement, text: str) -> Statement:
    return statement.model_copy(
        update={"text": statement.text.model_copy(update={"clinician": text})}
    )


def test_every_checkable_statement_is_supported_or_listed(verdicts: list[Verdict]) -> None:
    text = report(verdicts)
    checked = [v for v in verdicts if v.support != "not-ingested"]
    assert checked, "the CTCAE and NCI sources are ingested: some statements must be checked"
    for v in checked:
        assert v.support == "supported" or f"UNSUPPORTED {v.statement_id} " in text
    supported = {v.statement_id for v in verdicts if v.support == "supported"}
    # The CTCAE grading statements are the CTCAE table's own thresholds.
    assert {"ctcae-grades", "ctcae-febrile-neutropenia"} <= supported


def test_sources_are_linked_by_evidence_key_and_by_url(verifier: Verifier) -> None:
    assert verifier.documents_for("ctcae-v5") == ["ctcae:v5"]  # the pack's `evidence` key
    # The NCI page matches on its URL (front matter of the ingested Markdown).
    assert verifier.documents_for("nci-infection-neutropenia") == [
        "nci:about-cancer-treatment-side-effects-infection"
    ]
    assert verifier.documents_for("idsa-2010-fn") == []


def test_a_planted_wrong_number_is_caught(verifier: Verifier, kb: KnowledgeBase) -> None:
    statement = _statement(kb, "ctcae-grades")
    assert verifier.verify(statement).support == "supported"
    wrong = statement.text.clinician.replace("below 1,000 to 500", "below 1,000 to 400")
    assert wrong != statement.text.clinician
    verdict = verifier.verify(_with_text(statement, wrong))
    assert verdict.support == "unsupported"
    assert verdict.best is not None and verdict.best.missing_numbers == (400.0,)
    assert "numbers not in the passage: 400" in report([verdict])
    assert "Neutrophil count decreased" in report([verdict])  # the passage it was held against


def test_a_claim_the_source_does_not_make_is_caught(verifier: Verifier, kb: KnowledgeBase) -> None:
    statement = _statement(kb, "ctcae-febrile-neutropenia")
    unrelated = "Aromatase inhibitors cause hot flashes and joint pain in most women."
    assert verifier.verify(_with_text(statement, unrelated)).support == "unsupported"


def test_answers_carry_verdicts_and_strict_mode_drops_unsupported(
    evidence: tuple[Settings, IngestReport],
    kb: KnowledgeBase,
    tmp_path: Path,
    verdicts: list[Verdict],
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(evidence[0].evidence_path, home / "evidence.sqlite")
    store = EvidenceStore(home / "evidence.sqlite")
    planted = _statement(kb, "ctcae-febrile-neutropenia")
    marked = [
        Verdict(v.statement_id, v.statement_text, "unsupported")
        if v.statement_id == planted.id
        else v
        for v in verdicts
    ]
    save_verdicts(store, marked)
    question = "How is neutropenia graded in CTCAE version 5?"
    lenient = Engine(Settings(home=home, dense="off"), kb).ask(question)
    support = {s.id: s.support for sec in lenient.sections for s in sec.statements}
    assert support["ctcae-grades"] == "supported"
    assert support[planted.id] == "unsupported"
    assert set(support.values()) <= {"supported", "unsupported", "not-ingested"}
    strict = Engine(Settings(home=home, dense="off", strict=True), kb).ask(question)
    ids = {s.id for sec in strict.sections for s in sec.statements}
    assert planted.id not in ids and "ctcae-grades" in ids
    assert contract_problems(strict) == []
    # A statement edited after verification is "unverified" again, never "supported".
    store.save_verdicts([(planted.id, statement_sha("older wording"), "supported", "{}")])
    stale = Engine(Settings(home=home, dense="off"), kb).ask(question)
    assert {s.id: s.support for sec in stale.sections for s in sec.statements}[
        planted.id
    ] == "unverified"
