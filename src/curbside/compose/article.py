"""Stage 4, compose: order the chosen statements into sections, word them, number citations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from curbside.compose.findings import FINDINGS_FOR_ASK, findings
from curbside.compose.quotes import Quote, passage_reference
from curbside.compose.wording import (
    background,
    disclaimer,
    section_order,
    section_title,
    subject,
    topic_title,
    words_for,
)
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Citation, Statement
from curbside.models import (
    Article,
    ArticleStatement,
    CitedText,
    Coverage,
    Query,
    Reference,
    ReviewStatus,
    Section,
    SourceQuote,
)
from curbside.reason import FEVER_FOLLOW_UP, Reasoning, Selected
from curbside.retrieve.store import StoredPassage
from curbside.verify.consistency import check_consistency
from curbside.vocabulary import vocabulary

# Until an article has been through the editorial workflow it is a draft, and says so.
NEW_ARTICLE_STATUS: ReviewStatus = "draft"


@dataclass(frozen=True)
class Evidence:
    """What retrieval found for the composer: label quotations and digest quotations."""

    labels: dict[str, list[Quote]] = field(default_factory=dict)  # drug name -> label quotes
    digest: list[Quote] = field(default_factory=list)
    note: str | None = None  # e.g. why retrieval was lexical only


class CitationNumberer:
    """Numbers (source, locator) pairs in order of first use and builds the reference list."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.numbers: dict[tuple[str, str], int] = {}
        self.passages: dict[tuple[str, str], StoredPassage] = {}

    def cite_passage(self, passage: StoredPassage) -> list[int]:
        """The number of an ingested document's section, quoted."""
        key = (passage.document_key, passage.section)
        self.passages.setdefault(key, passage)
        return [self.numbers.setdefault(key, len(self.numbers) + 1)]

    def cite(self, citations: list[Citation]) -> list[int]:
        out: list[int] = []
        for citation in citations:
            key = (citation.source, citation.locator)
            n = self.numbers.setdefault(key, len(self.numbers) + 1)
            if n not in out:
                out.append(n)
        return out

    def references(self) -> list[Reference]:
        refs: list[Reference] = []
        for (source_id, locator), n in self.numbers.items():
            if (source_id, locator) in self.passages:
                refs.append(passage_reference(n, self.passages[source_id, locator]))
                continue
            source = self.kb.sources[source_id]
            refs.append(
                Reference(
                    n=n,
                    source_id=source_id,
                    title=source.title,
                    publisher=source.publisher,
                    year=source.year,
                    locator=locator,
                    kind=source.kind,
                    authors=source.authors,
                    citation=source.citation,
                    url=source.url,
                    doi=source.doi,
                    pmid=source.pmid,
                    set_id=source.set_id,
                )
            )
        return sorted(refs, key=lambda r: r.n)


def follow_up_questions(kinds: list[str], query: Query, kb: KnowledgeBase) -> list[str]:
    """The follow-up questions for these kinds, worded for the reader (vocabulary templates)."""
    words = vocabulary().data
    templates = {i.id: i.follow_up for i in words.intents if i.follow_up is not None}
    templates[FEVER_FOLLOW_UP] = words.framing.fever_follow_up
    drug = subject(query, kb) or "the drug"
    patient = query.audience == "patient"
    out = []
    for kind in kinds:
        template = templates[kind]
        out.append((template.patient if patient else template.clinician).format(drug=drug))
    return out


def compose(
    query: Query, reasoning: Reasoning, evidence: Evidence, kb: KnowledgeBase, today: date
) -> Article:
    """Build the article of the answer contract from what the reason stage chose."""
    if not reasoning.curated:
        if evidence.digest:
            return _digest(query, reasoning, evidence, kb, today)
        return _no_coverage(query, reasoning, evidence, today)
    numberer = CitationNumberer(kb)
    found = findings(reasoning.assessment, query, kb) if reasoning.assessment is not None else []
    if reasoning.bottom_line is not None:
        bottom = reasoning.bottom_line.statement
        bottom_line = CitedText(
            id=bottom.id,
            text=_framed(
                _population_frame(reasoning, query, kb), words_for(bottom.text, query.audience)
            ),
            citations=numberer.cite(bottom.cite),
        )
        used = [bottom.id]
    else:  # a calculator's finding answers the ask (or febrile neutropenia leads)
        urgent = [f for f in found if f.urgent]
        wanted = FINDINGS_FOR_ASK.get(query.intents[0], ())
        answer = urgent[0] if urgent else next(f for f in found if f.id in wanted)
        frame = _population_frame(reasoning, query, kb).removesuffix("What applies to everyone: ")
        bottom_line = CitedText(
            id=answer.id,
            text=f"{answer.text} {frame}".strip(),
            citations=numberer.cite(answer.cite),
        )
        used = []
    drug_names = [kb.drugs[d].name for d in query.drugs]
    by_section: dict[str, list[Selected]] = {}
    for selected in reasoning.statements:
        by_section.setdefault(selected.statement.section, []).append(selected)
    sections: list[Section] = []
    if found:
        title = "About you" if query.audience == "patient" else "This patient"
        statements = [
            ArticleStatement(id=f.id, text=f.text, citations=numberer.cite(f.cite), urgent=f.urgent)
            for f in found
        ]
        sections.append(Section(key="patient", title=title, statements=statements))
    labels_placed = False
    for key in section_order(query):
        chosen = by_section.get(key)
        if not chosen:
            continue
        if key != "severity" and not labels_placed:
            # A label-only drug's own label text comes right after the severity section.
            sections += _label_sections(evidence, numberer, query)
            labels_placed = True
        statements = [
            ArticleStatement(
                id=s.statement.id,
                text=words_for(s.statement.text, query.audience),
                citations=numberer.cite(s.statement.cite),
                urgent=s.urgent,
                scope=s.scope,
                evidence=evidence_of(s.statement),
            )
            for s in chosen
        ]
        sections.append(
            Section(
                key=key,
                title=section_title(key, query, drug_names),
                statements=statements,
                background=background(key, query),
            )
        )
    if not labels_placed:
        sections += _label_sections(evidence, numberer, query)
    used += [s.statement.id for s in reasoning.statements]
    last_updated = max(kb.statement_updated[i] for i in used)
    article = Article(
        question=query.text,
        audience=query.audience,
        coverage="curated",
        title=topic_title(query, kb),
        bottom_line=bottom_line,
        sections=sections,
        references=numberer.references(),
        patient=reasoning.patient,
        follow_ups=follow_up_questions(reasoning.follow_ups, query, kb),
        status=NEW_ARTICLE_STATUS,
        last_updated=last_updated,
        disclaimer=disclaimer(query.audience),
        notes=_notes(query, evidence),
    )
    return check_consistency(article, kb)


def _framed(frame: str, text: str) -> str:
    return frame + text[:1].lower() + text[1:] if frame else text


def _population_frame(reasoning: Reasoning, query: Query, kb: KnowledgeBase) -> str:
    """When no reviewed statement is written for the patient's special population, the bottom
    line says so first: only guidance that applies to everyone follows."""
    if not reasoning.population_gap:
        return ""
    about = subject(query, kb) or "this question"
    where = " or ".join(reasoning.population_gap)
    if query.audience == "patient":
        return (
            f"Curbside has no reviewed advice on {about} {where}; ask your care team. "
            "What applies to everyone: "
        )
    return (
        f"Curbside holds no reviewed guidance on {about} {where}, and advice written for "
        "non-pregnant adults is not applied here. What applies to everyone: "
    )


def _label_sections(evidence: Evidence, numberer: CitationNumberer, query: Query) -> list[Section]:
    """One section per label-only drug: its label's own sentences on neutropenia, quoted."""
    out = []
    for drug, quotes in evidence.labels.items():
        if not quotes:
            continue
        title = (
            f"What the {drug} label says about low white cells"
            if query.audience == "patient"
            else f"What the {drug} label says (quoted, not reviewed by Curbside)"
        )
        out.append(Section(key=f"label-{drug}", title=title, statements=_quoted(quotes, numberer)))
    return out


def _quoted(quotes: list[Quote], numberer: CitationNumberer) -> list[ArticleStatement]:
    return [
        ArticleStatement(
            id=f"quote:{q.passage.document_key}:{q.passage.id}:{n}",
            text=q.text,
            citations=numberer.cite_passage(q.passage),
            support="quoted",
        )
        for n, q in enumerate(quotes, start=1)
    ]


def _notes(query: Query, evidence: Evidence) -> list[str]:
    notes = list(query.warnings)
    unknown = [*query.unknown_drugs, *query.label_drugs]
    if unknown:
        names = ", ".join(unknown)
        notes.append(
            f"Curbside holds no reviewed guidance on {names}; nothing here is specific to it"
            + (" beyond the label text quoted." if evidence.labels else ".")
        )
    if evidence.note:
        notes.append(evidence.note)
    return notes


def _digest(
    query: Query, reasoning: Reasoning, evidence: Evidence, kb: KnowledgeBase, today: date
) -> Article:
    """No curated statement applies, but ingested sources say something relevant: quote them."""
    numberer = CitationNumberer(kb)
    by_document: dict[tuple[str, str], list[Quote]] = {}
    for quote in evidence.digest:
        key = (quote.passage.document_key, quote.passage.title)
        by_document.setdefault(key, []).append(quote)
    sections = [
        Section(
            key=f"evidence-{n}",
            title=quotes[0].passage.title,
            statements=_quoted(quotes, numberer),
        )
        for n, quotes in enumerate(by_document.values(), start=1)
    ]
    if query.audience == "patient":
        text = (
            "Curbside has no reviewed answer to this question. Below are sentences copied from "
            "the sources it holds; please ask your doctor, nurse or pharmacist what they mean "
            "for you."
        )
    else:
        text = (
            "No reviewed Curbside guidance answers this question directly. The sentences below "
            "are quoted exactly from the sources held; they have not been reviewed for this "
            "question and are not a recommendation."
        )
    cited = sorted({n for section in sections for s in section.statements for n in s.citations})
    return _uncurated(
        query,
        reasoning,
        evidence,
        today,
        coverage="digest",
        title="What the sources held say (no reviewed guidance)",
        bottom_line=CitedText(text=text, citations=cited),
        sections=sections,
        references=numberer.references(),
    )


def _no_coverage(query: Query, reasoning: Reasoning, evidence: Evidence, today: date) -> Article:
    why = reasoning.out_of_scope or "no reviewed statement answers this question"
    if query.audience == "patient":
        text = f"Curbside cannot answer this: {why}. Please ask your doctor, nurse or pharmacist."
    else:
        text = (
            f"Curbside cannot answer this question: {why}. It gives no recommendation here; "
            "consult the full prescribing information, local guidance or a specialist."
        )
    return _uncurated(
        query,
        reasoning,
        evidence,
        today,
        coverage="none",
        title="Outside Curbside's reviewed knowledge",
        bottom_line=CitedText(text=text, citations=[]),
        sections=[],
        references=[],
    )


def _uncurated(
    query: Query,
    reasoning: Reasoning,
    evidence: Evidence,
    today: date,
    *,
    coverage: Coverage,
    title: str,
    bottom_line: CitedText,
    sections: list[Section],
    references: list[Reference],
) -> Article:
    """An article that no reviewed statement answers: no follow-ups, dated today."""
    return Article(
        question=query.text,
        audience=query.audience,
        coverage=coverage,
        title=title,
        bottom_line=bottom_line,
        sections=sections,
        references=references,
        patient=reasoning.patient,
        follow_ups=[],
        status=NEW_ARTICLE_STATUS,
        last_updated=today,
        disclaimer=disclaimer(query.audience),
        notes=_notes(query, evidence),
    )


def evidence_of(statement: Statement) -> list[SourceQuote]:
    """The verbatim quotes behind a curated statement, for the reader to open."""
    return [
        SourceQuote(
            quote=c.quote,
            source=c.source,
            locator=c.locator,
            url=c.read_at.url,
            read_on=c.read_at.date,
        )
        for c in statement.cite
        if c.quote is not None and c.read_at is not None
    ]
