"""The one view of an article that every renderer reads: markers, collapsed background sections,
and review status only where there is something to review."""

from __future__ import annotations

from curbside.compose.render import render
from curbside.compose.view import MARKERS, markers, view
from curbside.engine import Engine
from curbside.models import ArticleStatement

ANASTROZOLE = "What is the management of neutropenia caused by anastrozole?"


def test_background_sections_collapse_but_not_the_ask(engine: Engine) -> None:
    drug = view(engine.ask(ANASTROZOLE))
    shown = {sv.section.key: sv.collapsed for sv in drug.sections}
    assert shown["severity"] and shown["other-causes"] and shown["febrile"]  # no fever
    assert not shown["drug"]
    febrile = view(engine.ask("Anastrozole, ANC 0.4 and a temperature of 38.6"))
    assert not next(sv for sv in febrile.sections if sv.section.key == "febrile").collapsed
    grading = view(engine.ask("What CTCAE grade is an ANC of 800?"))
    assert [sv.collapsed for sv in grading.sections if sv.section.key == "severity"] == [False]


def test_a_section_with_an_urgent_statement_is_never_collapsed(engine: Engine) -> None:
    article = engine.ask(ANASTROZOLE)
    severity = next(s for s in article.sections if s.key == "severity")
    severity.statements[0].urgent = True
    assert not next(sv for sv in view(article).sections if sv.section.key == "severity").collapsed


def test_html_shows_collapsed_sections_as_details(engine: Engine) -> None:
    html = render(engine.ask(ANASTROZOLE), "html")
    assert html.count('<details class="background-section">') == 3
    assert "Drug-specific guidance" in html.split("<details")[0] + html.split("</details>")[1]


def test_markers_are_the_same_in_markdown_and_html(engine: Engine) -> None:
    article = engine.ask("Patient on clozapine with ANC 1.2, temp 38.5")
    urgent = [s for sec in article.sections for s in sec.statements if s.urgent]
    assert urgent
    markdown, html = render(article, "markdown"), render(article, "html")
    label = MARKERS["urgent"].label
    assert markdown.count(f"**{label.upper()}**") == len(urgent)
    assert html.count(f'<strong class="urgent-label">{label}</strong>') == len(urgent)


def test_markers_of_a_statement() -> None:
    s = ArticleStatement(
        id="x", text="t", citations=[1], urgent=True, scope="class", support="unsupported"
    )
    kinds = [m.kind for m in markers(s)]
    assert kinds == ["urgent", "class-level", "unsupported"]


def test_no_review_status_on_an_article_without_statements(engine: Engine) -> None:
    article = engine.ask("What is the capital of France?")
    assert article.coverage == "none"
    html = render(article, "html")
    assert not view(article).reviewable
    assert 'class="status-stepper"' not in html and "Check each statement" not in html
    assert 'class="status-stepper"' in render(engine.ask(ANASTROZOLE), "html")


def test_patients_get_plain_language_titles(engine: Engine) -> None:
    question = "Can I take ribociclib if my white count is low?"
    assert engine.ask(question, "physician").title == "Neutropenia in a patient taking ribociclib"
    assert engine.ask(question, "patient").title == "Low white blood cells while taking ribociclib"
    grading = engine.ask("What CTCAE grade is an ANC of 800?", "patient")
    assert grading.title == "What your blood count means"
    assert "CTCAE" not in grading.title
