"""Render an article as Markdown (terminal), JSON (the contract) or HTML."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from jinja2 import Environment, PackageLoader, select_autoescape

from curbside.compose.trend import per_litre
from curbside.compose.view import AUDIENCE_LABELS, long_date, reference_links, view
from curbside.models import Article, Reference

Format = Literal["markdown", "json", "html"]
FORMATS: tuple[Format, ...] = ("markdown", "json", "html")

STATUS_LABELS = {
    "draft": "Draft: not yet reviewed by the medical advisory board",
    "submitted": "Submitted for review",
    "under_review": "Under review",
    "approved": "Approved by the medical advisory board",
    "changes_requested": "Changes requested by a reviewer",
    "retracted": "Retracted",
}


def marks(citations: list[int]) -> str:
    return f" [{', '.join(str(n) for n in citations)}]" if citations else ""


def reference_line(ref: Reference) -> str:
    """One bibliographic entry: authors, title, publisher or journal, year, locator, identifiers."""
    parts = [f"{ref.authors} " if ref.authors else ""]
    parts.append(f"{ref.title}. ")
    year = f"; {ref.year}" if ref.year else ""
    parts.append(f"{ref.citation}. " if ref.citation else f"{ref.publisher}{year}. ")
    parts.append(f"{ref.locator}.")
    ids = []
    if ref.doi:
        ids.append(f"doi:{ref.doi}")
    if ref.pmid:
        ids.append(f"PMID {ref.pmid}")
    if ref.set_id:
        ids.append(f"DailyMed set id {ref.set_id}")
    if ref.url and not (ref.set_id and "dailymed" in ref.url):
        ids.append(ref.url)
    if ref.path:
        ids.append(f"file {ref.path}")
    if ids:
        parts.append(" " + "; ".join(ids) + ".")
    return "".join(parts)


def patient_lines(article: Article) -> list[str]:
    """The patient block as short lines of text (Markdown and HTML share them)."""
    p = article.patient
    if p is None:
        return []
    lines = []
    if p.anc_per_uL is not None:
        grade = f", CTCAE grade {p.ctcae_grade}" if p.ctcae_grade is not None else ""
        sev = f", {p.severity}" if p.severity else ""
        written = f"as written: {p.anc_as_written}" if p.anc_as_written else ""
        where = "; ".join(x for x in (written, p.anc_source or "") if x)
        lines.append(f"ANC {p.anc_per_uL:,.0f} cells/µL ({where}){grade}{sev}")
    if p.temperature_c is not None:
        lines.append(f"Temperature {p.temperature_c:.1f} °C")
    if p.febrile is not None:
        lines.append(f"Fever: {'yes' if p.febrile else 'no'}")
    if p.febrile_neutropenia is not None:
        answer = "yes" if p.febrile_neutropenia else "no"
        lines.append(f"Febrile neutropenia (IDSA): {answer} ({p.febrile_reason})")
    if p.age_years is not None:
        lines.append(f"Age {p.age_years:g} years")
    if p.mascc_score is not None:
        lines.append(f"MASCC {p.mascc_score} ({p.mascc_risk or 'class not decided'})")
    if p.cisne_score is not None:
        lines.append(f"CISNE {p.cisne_score} ({p.cisne_risk or 'class not decided'})")
    if p.medications:
        lines.append(f"Medicines: {', '.join(p.medications)}")
    if p.neutropenia_drugs:
        lines.append(f"Can cause neutropenia: {', '.join(p.neutropenia_drugs)}")
    return lines


def to_markdown(article: Article) -> str:
    lines = [f"# {article.title}", "", f"**Question:** {article.question}", ""]
    lines += [f"**Bottom line:** {article.bottom_line.text}{marks(article.bottom_line.citations)}"]
    for section_view in view(article).sections:
        section = section_view.section
        lines += ["", f"## {section.title}", ""]
        for sv in section_view.statements:
            s = sv.statement
            before = "".join(f"**{m.label.upper()}** " for m in sv.before)
            after = "".join(f" _{m.label}_" for m in sv.after)
            lines.append(f"- {before}{s.text}{marks(s.citations)}{after}")
            lines += [
                f"  > {e.quote} ({e.source}, {e.locator}; read at {e.url} on {e.read_on})"
                for e in s.evidence
            ]
    if article.patient:
        lines += ["", "## Patient values read", ""] + [
            f"- {line}" for line in patient_lines(article)
        ]
    if article.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in article.notes]
    if article.references:
        lines += ["", "## References", ""]
        lines += [f"{ref.n}. {reference_line(ref)}" for ref in article.references]
    lines += [
        "",
        "---",
        f"Coverage: {article.coverage} · Review status: {STATUS_LABELS[article.status]} · "
        f"Last updated: {article.last_updated.isoformat()} · Written for: {article.audience}",
        "",
        f"*{article.disclaimer}*",
    ]
    if article.follow_ups:
        lines += ["", "**Follow-up questions**", ""] + [f"- {q}" for q in article.follow_ups]
    return "\n".join(lines) + "\n"


def configure(env: Environment) -> Environment:
    """What the shared article templates need from any environment that renders them."""
    env.globals.update(
        status_labels=STATUS_LABELS, audience_labels=AUDIENCE_LABELS, policy_href=None
    )
    env.filters.update(
        reference_line=reference_line,
        long_date=long_date,
        reference_links=reference_links,
        per_litre=per_litre,
    )
    return env


def article_loader() -> PackageLoader:
    """The shared article templates (`article_body.html`, `article_macros.html`)."""
    return PackageLoader("curbside.compose", "templates")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=article_loader(),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return configure(env)


def article_context(article: Article) -> dict[str, object]:
    """What `article_body.html` needs, in a standalone document or a page."""
    return {
        "article": article,
        "v": view(article),
        "refs": {ref.n: ref for ref in article.references},
        "patient_lines": patient_lines(article),
        "references_open": True,  # a document shows them; a page opens them on demand
    }


def to_html(article: Article) -> str:
    return _environment().get_template("standalone.html").render(article_context(article))


def render(article: Article, fmt: Format) -> str:
    if fmt == "json":
        return article.model_dump_json(indent=2) + "\n"
    if fmt == "html":
        return to_html(article)
    return to_markdown(article)
