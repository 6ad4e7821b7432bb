"""Class fallbacks and the coverage report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curbside.cli import main
from curbside.coverage import FORMS, build_report
from curbside.engine import Engine
from curbside.ingest.run import ingest
from curbside.knowledge.base import KnowledgeBase
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings
from curbside.verify import contract_problems


def test_class_names_match_openfda_epc_names(kb: KnowledgeBase) -> None:
    for drug_class in kb.classes.values():
        assert kb.class_named(drug_class.name) == drug_class.id
        assert kb.class_named(f"{drug_class.name.title()}s [EPC]") == drug_class.id
    assert kb.class_named("Vitamin K Antagonist [EPC]") is None


def test_a_drug_known_only_by_its_label_class_gets_class_guidance(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    drug_class = next(
        c
        for c in kb.classes.values()
        if any(c.id in s.when.drug_classes for s in kb.statements if s.section != "bottom-line")
    )
    record = {
        "openfda": {
            "brand_name": ["Classbrand"],
            "generic_name": ["CLASSAMINE"],
            "pharm_class_epc": [f"{drug_class.name} [EPC]"],
        },
        "adverse_reactions": ["Neutropenia was reported in clinical trials of Classbrand."],
    }
    source = tmp_path / "label.json"
    source.write_text(json.dumps({"results": [record]}), encoding="utf-8")
    settings = Settings(home=tmp_path / "home", dense="off")
    ingest([source], EvidenceStore(settings.evidence_path))
    article = Engine(settings, kb).ask("Neutropenia on classamine: what should I do?")
    scopes = {s.scope for sec in article.sections for s in sec.statements}
    assert "class" in scopes, f"no class-level statement for {drug_class.id}"
    assert "drug" not in scopes
    assert contract_problems(article) == []


def test_report_covers_every_drug_and_source(kb: KnowledgeBase) -> None:
    report = build_report(kb, {"ctcae-grades": "supported"})
    assert {d.id for d in report.drugs} == set(kb.drugs)
    for drug in report.drugs:
        assert set(drug.forms) == set(FORMS)
        assert drug.forms["management"] in ("drug", "class"), drug.id
    ctcae = next(s for s in report.sources if s.id == "ctcae-v5")
    assert ctcae.verdicts.get("supported") == 1
    assert next(s for s in report.sources if s.id == "klastersky-2000-mascc").calculator


def test_report_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["knowledge", "report"]) == 0
    out = capsys.readouterr().out
    assert "drug-specific" in out and "sources" in out
    assert main(["knowledge", "report", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["drugs"] and payload["sources"]
