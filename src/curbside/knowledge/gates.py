"""The pack quality gates that editors run with `curbside knowledge check --strict`: the checks
that once ran only inside pytest, each error reported as file:line.

- every drug answers every question form with curated knowledge that keeps the answer contract;
- a patient asking about every drug gets a curated answer in patient wording, with no dose;
- every ANC threshold that selects a statement is stated in its text;
- every quote holds its statement's numbers, directions and negations.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from curbside.knowledge.base import KnowledgeBase
from curbside.retrieve.terms import number_equivalents, numbers
from curbside.verify.quotes import check_quotes

# One phrasing per question form (tests/test_question_forms.py asks several).
FORMS: dict[str, str] = {
    "management": "What is the management of neutropenia caused by {drug}?",
    "hold": "How long should {drug} be held for neutropenia?",
    "resume": "When can {drug} be restarted after neutropenia?",
    "monitoring": "How often should neutrophil counts be checked on {drug}?",
    "alternatives": "What are the alternatives to {drug} after neutropenia?",
    "rechallenge": "Can {drug} be rechallenged after neutropenia?",
    "risk": "Does {drug} cause neutropenia?",
}
PATIENT_QUESTION = "I am on {drug} and my white count is low, should I worry?"
_DOSE = re.compile(r"\d\s*(?:mg|mcg|µg)\s*/\s*kg", re.IGNORECASE)


@dataclass(frozen=True)
class GateError:
    """One failed gate, where an editor can fix it."""

    path: str
    line: int
    gate: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.gate}: {self.message}"


class Locations:
    """file:line of each statement and drug, found by its `id:` line in the pack files."""

    def __init__(self, files: list[Path]) -> None:
        self.where: dict[str, tuple[str, int]] = {}
        pattern = re.compile(r"^\s*-?\s*id:\s*([a-z0-9][a-z0-9.-]*)\s*$")
        for path in files:
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                match = pattern.match(line)
                if match:
                    self.where.setdefault(match.group(1), (str(path), n))

    def __call__(self, item_id: str) -> tuple[str, int]:
        return self.where.get(item_id, ("<packs>", 0))


def _states(text: str, bound: float) -> bool:
    """Whether the text states the bound; a minimum of 1,001 encodes "above 1,000"."""
    held = set(numbers(text))
    return bool((number_equivalents(bound) | number_equivalents(bound - 1)) & held)


def threshold_errors(kb: KnowledgeBase, at: Locations) -> list[GateError]:
    errors = []
    for statement in kb.statements:
        anc = statement.when.anc
        if anc is None:
            continue
        for bound in (anc.min, anc.max):
            if bound is not None and bound > 0 and not _states(statement.text.clinician, bound):
                errors.append(
                    GateError(
                        *at(statement.id),
                        "threshold",
                        f"{statement.id}: ANC bound {bound:g}/µL is not stated in its text",
                    )
                )
    return errors


def quote_errors(kb: KnowledgeBase, at: Locations) -> list[GateError]:
    errors = []
    for statement in kb.statements:
        check = check_quotes(statement)
        if check.anchored and not check.supported:
            missing = [f"{n:g}" for n in check.missing_numbers] + list(check.missing_cues)
            errors.append(
                GateError(
                    *at(statement.id),
                    "quote",
                    f"{statement.id}: not in its quote: {', '.join(missing)}; statement: "
                    f"{check.statement_text!r}; quote: {' '.join(check.quotes)!r}",
                )
            )
    return errors


def answer_errors(kb: KnowledgeBase, at: Locations) -> list[GateError]:
    """Every drug, every question form and a patient's question, answered from curated
    knowledge alone (nothing ingested) and keeping the contract."""
    from curbside.answerer import Answerer
    from curbside.settings import Settings
    from curbside.verify import contract_problems

    errors = []
    with tempfile.TemporaryDirectory() as home:
        answerer = Answerer(Settings(home=Path(home), dense="off"), kb)
        for drug_id in sorted(kb.drugs):
            drug = kb.drugs[drug_id]
            for form, template in FORMS.items():
                question = template.format(drug=drug.name)
                query = answerer.understand(question)
                problems = []
                if drug_id not in query.drugs or form not in query.intents:
                    problems.append(f"understood as drugs {query.drugs}, forms {query.intents}")
                article = answerer.ask(question)
                if article.coverage != "curated":
                    problems.append(f"coverage {article.coverage!r}, not curated")
                problems += contract_problems(article)
                errors += [GateError(*at(drug_id), f"form {form}", p) for p in problems]
            name = (drug.brands or [drug.name])[0]
            article = answerer.ask(PATIENT_QUESTION.format(drug=name), "patient")
            problems = [] if article.coverage == "curated" else ["no curated patient answer"]
            problems += contract_problems(article)
            if _DOSE.search(article.answer_text()):
                problems.append("a weight-based dose is shown to a patient")
            errors += [GateError(*at(drug_id), "patient wording", p) for p in problems]
    return errors


def strict_errors(kb: KnowledgeBase) -> list[GateError]:
    at = Locations(kb.pack_files)
    return threshold_errors(kb, at) + quote_errors(kb, at) + answer_errors(kb, at)
