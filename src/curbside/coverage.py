"""`curbside knowledge report`: what the packs cover, drug by drug and source by source.

For each drug, every question form is put to the reasoner as a bare question about neutropenia on
that drug, and the report says whether the answer holds a drug-specific statement, only
class-level ones, or only general guidance. For each source it counts the statements that cite
it and how `curbside verify` last judged them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from curbside.compose.findings import FINDING_SOURCES
from curbside.knowledge.base import KnowledgeBase
from curbside.models import Intent, Query
from curbside.patient.model import PatientData
from curbside.reason import Reasoner
from curbside.reason.patient import assess

Form = Literal["management", "hold", "resume", "rechallenge", "monitoring", "alternatives", "risk"]
FORMS: tuple[Form, ...] = get_args(Form)
Level = Literal["drug", "class", "general", "none"]


@dataclass(frozen=True)
class DrugCoverage:
    id: str
    name: str
    brands: list[str]
    classes: list[str]
    label: str  # where the label lists neutropenia
    mechanism: str
    forms: dict[str, Level]  # form -> the most specific level of statement that answers it
    statements: int  # statements that name this drug


@dataclass(frozen=True)
class SourceCoverage:
    id: str
    kind: str
    year: int | None
    title: str
    statements: int
    verdicts: dict[str, int] = field(default_factory=dict)  # support -> statements
    calculator: bool = False  # cited by a calculator's finding (MASCC, CISNE, CTCAE, IDSA)


@dataclass(frozen=True)
class Report:
    drugs: list[DrugCoverage]
    sources: list[SourceCoverage]


def build_report(kb: KnowledgeBase, verdicts: dict[str, str] | None = None) -> Report:
    """The coverage of every drug and source; `verdicts` maps statement id -> support."""
    reasoner = Reasoner(kb)
    nobody = assess(PatientData(), [])
    drugs = []
    for drug in sorted(kb.drugs.values(), key=lambda d: d.id):
        forms: dict[str, Level] = {}
        for form in FORMS:
            intent: Intent = form
            query = Query(
                text=f"{form} {drug.name}",
                normalized=f"{form} {drug.name}",
                audience="physician",
                drugs=[drug.id],
                drug_classes=kb.classes_of([drug.id]),
                conditions=["neutropenia"],
                intents=[intent],
            )
            reasoning = reasoner.reason(query, nobody)
            answering = [*reasoning.statements]
            if reasoning.bottom_line is not None:
                answering.append(reasoning.bottom_line)
            scopes = {s.scope for s in answering if intent in s.statement.when.intents}
            forms[form] = next(
                (level for level in ("drug", "class", "general") if level in scopes), "none"
            )
        naming = [s for s in kb.statements if drug.id in s.when.drugs]
        drugs.append(
            DrugCoverage(
                drug.id,
                drug.name,
                list(drug.brands),
                list(drug.classes),
                drug.label.neutropenia,
                drug.label.mechanism,
                forms,
                len(naming),
            )
        )
    sources = []
    for source in sorted(kb.sources.values(), key=lambda s: s.id):
        citing = [s for s in kb.statements if any(c.source == source.id for c in s.cite)]
        counts: dict[str, int] = {}
        for statement in citing:
            state = (verdicts or {}).get(statement.id, "unverified")
            counts[state] = counts.get(state, 0) + 1
        sources.append(
            SourceCoverage(
                source.id,
                source.kind,
                source.year,
                source.title,
                len(citing),
                counts,
                source.id in {c.source for c in FINDING_SOURCES},
            )
        )
    return Report(drugs, sources)


_MARK = {"drug": "D", "class": "C", "general": "g", "none": "-"}


def render_report(report: Report) -> str:
    """A plain-text report: one line per drug, then one per source."""
    heads = " ".join(f"{f[:5]:>5}" for f in FORMS)
    lines = [
        f"{len(report.drugs)} drugs; forms answered: D drug-specific, C class-level, "
        "g general guidance only, - nothing",
        "",
        f"{'drug':<30} {'label':<16} {'mechanism':<13} {heads}  statements",
    ]
    for d in report.drugs:
        marks = " ".join(f"{_MARK[d.forms[f]]:>5}" for f in FORMS)
        lines.append(f"{d.name:<30} {d.label:<16} {d.mechanism:<13} {marks}  {d.statements}")
    missing = [d.name for d in report.drugs if "none" in d.forms.values()]
    if missing:
        lines.append(f"\nforms with no answer at all: {', '.join(missing)}")
    lines += ["", f"{len(report.sources)} sources (statements citing; verification state)", ""]
    for s in report.sources:
        state = ", ".join(f"{n} {k}" for k, n in sorted(s.verdicts.items()))
        if s.calculator:
            state = f"{state}; cited by a calculator" if state else "cited by a calculator"
        state = state or "uncited"
        year = s.year or "----"
        lines.append(f"{s.id:<36} {s.kind:<20} {year}  {s.statements:>3}  {state}")
    return "\n".join(lines)
