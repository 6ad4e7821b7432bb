"""Statements anchored to the exact words of their sources (issue 15): quotes in the packs, the
statement <-> quote and quote <-> document checks, and the coverage they reach."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from curbside.engine import Engine
from curbside.ingest.run import IngestReport
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Citation, Statement
from curbside.models import Support
from curbside.retrieve.store import EvidenceStore, StoredPassage
from curbside.settings import Settings
from curbside.verify import apply_verdicts, contract_problems
from curbside.verify.anchoring import anchoring, combined_support
from curbside.verify.quotes import (
    check_quotes,
    document_texts,
    find_quote,
    locator_matches,
    normalise,
)
from curbside.verify.support import Verifier

READ = {"url": "/work/shared/data/example.txt", "date": date(2026, 12, 4)}


def statement(text: str, *quotes: str) -> Statement:
    cite = [
        {"source": "src", "locator": "Section 5.1", "quote": q, "read_at": READ} for q in quotes
    ]
    return Statement.model_validate(
        {
            "id": "st",
            "section": "drug",
            "text": {"clinician": text},
            "cite": cite or [{"source": "src", "locator": "Section 5.1"}],
        }
    )


def test_a_quote_needs_where_it_was_read() -> None:
    with pytest.raises(ValidationError, match="read_at"):
        Citation(source="src", locator="Section 5.1", quote="Interrupt the drug if neutropenia.")
    cited = Citation.model_validate(
        {"source": "src", "locator": "5.1", "quote": "Interrupt it now.", "read_at": READ}
    )
    assert cited.read_at is not None and cited.read_at.date == date(2026, 12, 4)


def test_a_statement_without_a_quote_is_unanchored() -> None:
    bare = statement("Interrupt deferiprone if the ANC falls below 1,500/µL.")
    assert not bare.anchored
    check = check_quotes(bare)
    assert not check.anchored and not check.supported
    assert combined_support("not-ingested", check) == "unanchored"
    assert combined_support("supported", check) == "supported"


def test_numbers_are_matched_across_units() -> None:
    check = check_quotes(
        statement(
            "Interrupt the drug if the ANC falls below 500/µL.",
            "Interrupt therapy if the ANC is below 0.5 x 10^9/L.",
        )
    )
    assert check.supported, check


def test_a_number_missing_from_the_quote_is_reported() -> None:
    check = check_quotes(
        statement(
            "Interrupt the drug if the ANC falls below 1,000/µL.",
            "Interrupt therapy if the ANC is below 0.5 x 10^9/L.",
        )
    )
    assert not check.supported and check.missing_numbers == (1000.0,)
    assert combined_support("supported", check) == "unsupported"


@pytest.mark.parametrize(
    ("text", "quote", "missing"),
    [
        (
            "Do not start if the ANC is below 1,500/µL.",
            "Start when the ANC is below 1500/mm3.",
            "negation",
        ),
        (
            "Stop the drug when the ANC is below 1,500/µL.",
            "Start the drug when the ANC is below 1500.",
            "stop",
        ),
        ("Treat when the ANC is above 1,500/µL.", "Treat when the ANC is below 1500.", "above"),
    ],
)
def test_direction_and_negation_must_be_in_the_quote(text: str, quote: str, missing: str) -> None:
    check = check_quotes(statement(text, quote))
    assert missing in check.missing_cues


def _passage(pid: int, text: str, section: str) -> StoredPassage:
    return StoredPassage(
        pid, text, section, 0, len(text), "label:x", "drug-label", "X label", None, "x.txt", ()
    )


def test_a_quote_is_found_across_passages_with_punctuation_and_spacing_normalised() -> None:
    passages = [
        _passage(1, "5.1 Agranulocytosis. Ferriprox can cause", "5.1 Agranulocytosis/Neutropenia"),
        _passage(
            2,
            "agranulocytosis that can lead to serious   infections.",
            "5.1 Agranulocytosis/Neutropenia",
        ),
        _passage(3, "Interrupt therapy if infection develops.", "6 Adverse reactions"),
    ]
    texts = document_texts(passages)
    where = find_quote(
        "Ferriprox can cause agranulocytosis, that can lead to serious infections", texts
    )
    assert where == ("label:x", "5.1 Agranulocytosis/Neutropenia")
    assert find_quote("Interrupt therapy if infection develops", texts) == (
        "label:x",
        "6 Adverse reactions",
    )
    assert find_quote("Ferriprox never causes agranulocytosis", texts) is None
    assert normalise("0.5 × 10⁹/L") == normalise("0.5 x 109/L")


def test_locator_matches_the_section_found() -> None:
    assert locator_matches("Section 5.1 Agranulocytosis", "5.1 Agranulocytosis/Neutropenia")
    assert not locator_matches("Section 6.1", "5.1 Agranulocytosis/Neutropenia")
    assert locator_matches("Boxed Warning", "BOXED WARNING: agranulocytosis")
    assert locator_matches("Boxed Warning; Section 5.1", "Boxed warnings")


def test_a_quote_from_the_wrong_sentence_does_not_hold_the_statement() -> None:
    check = check_quotes(
        statement(
            "Leukopenia and neutropenia have been reported with antipsychotics, and "
            "agranulocytosis with drugs of the class.",
            "Monitor patients for fever or other signs of infection and treat promptly.",
        )
    )
    assert not check.missing_numbers and not check.missing_cues
    assert check.coverage < 0.3 and not check.supported


def test_strict_mode_replaces_an_unsupported_bottom_line(kb: KnowledgeBase, tmp_path: Path) -> None:
    article = Engine(Settings(home=tmp_path, dense="off"), kb).ask(
        "What is the management of neutropenia caused by deferiprone?"
    )
    bottom = article.bottom_line.id
    assert bottom is not None
    statements = [s for sec in article.sections for s in sec.statements]
    verdicts: dict[str, Support] = {s.id: "supported" for s in statements}
    verdicts[bottom] = "unsupported"
    strict = apply_verdicts(article, verdicts, strict=True)
    assert strict.bottom_line.id != bottom and strict.bottom_line.id is not None
    assert bottom not in {s.id for sec in strict.sections for s in sec.statements}
    assert contract_problems(strict) == []
    lenient = apply_verdicts(article, verdicts, strict=False)
    assert lenient.bottom_line.id == bottom


def test_every_quote_in_the_packs_holds_its_statement(kb: KnowledgeBase) -> None:
    result = anchoring(kb, None)
    failing = [c for c in result.checks if c.anchored and not c.supported]
    assert failing == [], failing


# The anchoring reached in issue 15; raise it as quotes are added, never lower it.
MIN_ANCHORED = 22


def test_anchoring_coverage_does_not_drop(kb: KnowledgeBase) -> None:
    assert anchoring(kb, None).overall.anchored >= MIN_ANCHORED


def test_pack_quotes_are_checked_for_where_they_were_read(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    del tmp_path
    for s in kb.statements:
        for c in s.cite:
            if c.quote:
                assert c.read_at is not None and c.read_at.date <= date(2026, 12, 31), s.id


def test_every_quote_whose_document_is_ingested_is_found_in_it(
    evidence: tuple[Settings, IngestReport], kb: KnowledgeBase
) -> None:
    verifier = Verifier(kb, EvidenceStore(evidence[0].evidence_path))
    result = anchoring(kb, verifier)
    checkable = [f for f in result.found if f.checkable]
    assert len(checkable) >= 14  # deferiprone and asenapine labels, the NCI infection page
    assert [f for f in checkable if not f.found] == []
    assert all(f.locator_matches for f in checkable), [
        (f.statement_id, f.locator, f.section) for f in checkable if not f.locator_matches
    ]
    assert result.overall.quotes_found == len(checkable)
