"""The article as every renderer shows it: one view model read by the HTML template (web pages and
`--format html`) and by the Markdown renderer, so that the markers of a statement (urgent,
unsupported, class-level, quoted), which sections start collapsed and whether review status is
shown are decided once, here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import quote, urlsplit

from curbside.compose.trend import Chart, chart
from curbside.models import Article, ArticleStatement, Audience, Reference, ReviewStatus, Section

MarkerKind = Literal["urgent", "unsupported", "class-level", "quoted"]

AUDIENCE_LABELS: dict[Audience, str] = {
    "physician": "Physician",
    "pharmacist": "Pharmacist",
    "nurse": "Nurse",
    "student": "Student",
    "patient": "Patient or caregiver",
}

# The review-status stepper: the steps, and which one each status stands at.
STEPS: tuple[str, ...] = ("Submitted", "Under review", "Approved")
STEP_OF: dict[ReviewStatus, int] = {
    "submitted": 0,
    "under_review": 1,
    "changes_requested": 1,
    "approved": 2,
}


@dataclass(frozen=True)
class Marker:
    """A note on a statement, the same in every format: 'Urgent:' before it, '(class-level
    guidance)' or '(not confirmed by the cited source's text)' after it; a quoted statement is
    shown as a quotation."""

    kind: MarkerKind
    label: str
    before: bool


MARKERS: dict[MarkerKind, Marker] = {
    "urgent": Marker("urgent", "Urgent:", before=True),
    "class-level": Marker("class-level", "(class-level guidance)", before=False),
    "unsupported": Marker("unsupported", "(not confirmed by the cited source's text)", False),
    "quoted": Marker("quoted", "", before=False),
}


@dataclass(frozen=True)
class StatementView:
    statement: ArticleStatement
    markers: tuple[Marker, ...]

    @property
    def urgent(self) -> bool:
        return self.has("urgent")

    @property
    def quoted(self) -> bool:
        return self.has("quoted")

    @property
    def before(self) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if m.before)

    @property
    def after(self) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if not m.before and m.label)

    def has(self, kind: MarkerKind) -> bool:
        return any(m.kind == kind for m in self.markers)


@dataclass(frozen=True)
class SectionView:
    section: Section
    statements: tuple[StatementView, ...]
    collapsed: bool  # background shown as a closed <details>


@dataclass(frozen=True)
class Step:
    """One step of the review-status stepper."""

    label: str
    state: Literal["done", "current", "todo"]


@dataclass(frozen=True)
class ArticleView:
    article: Article
    sections: tuple[SectionView, ...]
    reviewable: bool  # has statements a reviewer checks: show the stepper and the draft banner
    steps: tuple[Step, ...]
    trend: Chart | None  # the ANC against time, when the record holds several counts


def markers(statement: ArticleStatement) -> tuple[Marker, ...]:
    """The markers of one statement, in the order they are shown."""
    kinds: list[MarkerKind] = []
    if statement.urgent:
        kinds.append("urgent")
    if statement.support == "quoted":
        kinds.append("quoted")
    if statement.scope == "class":
        kinds.append("class-level")
    if statement.support == "unsupported":
        kinds.append("unsupported")
    return tuple(MARKERS[k] for k in kinds)


def collapsed(section: Section, article: Article) -> bool:
    """A background section (marked so by compose, from the vocabulary's `collapsed: true`, when
    it does not answer the ask) starts collapsed, unless it holds an urgent statement or the
    bottom line's statement, or is the only section."""
    if not section.background or len(article.sections) < 2:
        return False
    if any(s.urgent for s in section.statements):
        return False
    return all(s.id != article.bottom_line.id for s in section.statements)


def stepper(status: ReviewStatus) -> list[Step]:
    """The steps Submitted → Under review → Approved, marked for this status (none is current
    for a draft or a retracted article)."""
    at = STEP_OF.get(status)
    steps = []
    for i, label in enumerate(STEPS):
        if at is None or i > at:
            steps.append(Step(label, "todo"))
        elif i < at:
            steps.append(Step(label, "done"))
        else:
            shown = "Changes requested" if status == "changes_requested" else label
            steps.append(Step(shown, "current"))
    return steps


def view(article: Article) -> ArticleView:
    sections = tuple(
        SectionView(
            section,
            tuple(StatementView(s, markers(s)) for s in section.statements),
            collapsed(section, article),
        )
        for section in article.sections
    )
    reviewable = article.coverage != "none" and any(s.statements for s in article.sections)
    trend = chart(article.patient.anc_trend) if article.patient else None
    return ArticleView(article, sections, reviewable, tuple(stepper(article.status)), trend)


def reference_links(ref: Reference) -> list[tuple[str, str]]:
    """(label, address) of every place a reader can check a reference."""
    links = []
    if ref.doi:
        links.append((f"doi:{ref.doi}", f"https://doi.org/{quote(ref.doi, safe='/:;()._-')}"))
    if ref.pmid and ref.pmid.isdigit():
        links.append((f"PubMed {ref.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"))
    if ref.url and urlsplit(ref.url).scheme in {"http", "https"}:
        links.append((urlsplit(ref.url).netloc, ref.url))
    return links


def long_date(day: date) -> str:
    """A date as '22 November 2026'."""
    return f"{day.day} {day:%B %Y}"
