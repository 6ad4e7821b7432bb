"""Composition: the answer contract, citation numbering, audiences, honesty at the edges."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from curbside.compose.article import CitationNumberer
from curbside.compose.render import render
from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.knowledge.schema import Citation
from curbside.models import Article
from curbside.verify import contract_problems

SEED_ANASTROZOLE = (
    "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"
)
SEED_ANAKINRA = (
    "How long to discontinue Anakinra in a patient with neutropenia and viral upper "
    "respiratory tract infection?"
)


def citation_order(article: Article) -> list[int]:
    seen: list[int] = []
    groups = [article.bottom_line.citations]
    groups += [s.citations for section in article.sections for s in section.statements]
    for group in groups:
        for n in group:
            if n not in seen:
                seen.append(n)
    return seen


def test_numberer_numbers_in_order_of_first_use(kb: KnowledgeBase) -> None:
    numberer = CitationNumberer(kb)
    a = Citation(source="ctcae-v5", locator="Investigations: Neutrophil count decreased")
    b = Citation(source="idsa-2010-fn", locator="Executive summary: empirical antibiotic therapy")
    c = Citation(source="idsa-2010-fn", locator="Executive summary: empirical antifungal therapy")
    assert numberer.cite([b, a]) == [1, 2]
    assert numberer.cite([a, c, a]) == [2, 3]
    refs = numberer.references()
    assert [(r.n, r.source_id, r.locator) for r in refs] == [
        (1, "idsa-2010-fn", b.locator),
        (2, "ctcae-v5", a.locator),
        (3, "idsa-2010-fn", c.locator),
    ]
    assert refs[0].doi == "10.1093/cid/cir073"


@pytest.mark.parametrize("question", [SEED_ANASTROZOLE, SEED_ANAKINRA])
@pytest.mark.parametrize("audience", ["physician", "pharmacist", "nurse", "student", "patient"])
def test_seed_questions_give_complete_cited_articles(
    engine: Engine, kb: KnowledgeBase, question: str, audience: str
) -> None:
    article = engine.ask(question, audience)  # type: ignore[arg-type]
    assert article.coverage == "curated"
    assert article.question == question
    assert contract_problems(article) == []
    assert article.bottom_line.citations
    assert article.sections and all(s.statements for s in article.sections)
    assert citation_order(article) == list(range(1, len(article.references) + 1))
    assert article.status == "draft" and article.disclaimer
    # The date of the newest pack content the article is built from, not today's date.
    used = [article.bottom_line.id, *(s.id for sec in article.sections for s in sec.statements)]
    assert article.last_updated == max(kb.statement_updated[i] for i in used if i)
    for ref in article.references:
        assert ref.title and ref.publisher and ref.locator
        # A label's revision year is shown only where it was confirmed; papers always have one.
        assert ref.year or ref.kind == "drug-label"
        assert ref.doi or ref.pmid or ref.url or ref.set_id


def test_sections_follow_the_order_of_the_brief(engine: Engine) -> None:
    """The brief's order, except that a question about a medicine leads with the guidance on
    that medicine (answer first, issue 18)."""
    keys = [s.key for s in engine.ask(SEED_ANASTROZOLE).sections]
    assert keys[0] == "drug"
    keys = keys[1:]
    order = [
        "severity",
        "afebrile",
        "febrile",
        "growth-factor",
        "prophylaxis",
        "drug",
        "other-causes",
        "follow-up",
        "education",
    ]
    assert keys == sorted(keys, key=order.index)
    assert {"severity", "febrile", "other-causes", "follow-up"} <= set(keys)


def test_anastrozole_answer_names_the_likely_culprit_and_no_chemotherapy_care(
    engine: Engine,
) -> None:
    article = engine.ask(SEED_ANASTROZOLE)
    text = article.answer_text()
    assert "CDK4/6" in text and "palbociclib" in text
    assert "prophylaxis" not in " ".join(s.key for s in article.sections)
    assert not re.search(r"5 µg/kg", text)  # no G-CSF dosing pushed onto an afebrile AI question
    assert article.follow_ups


def test_fever_makes_the_febrile_section_urgent_and_first(engine: Engine) -> None:
    febrile = engine.ask("Neutropenia on anastrozole, temperature 38.6 C. Next steps?")
    # The patient's findings (fever, and that febrile neutropenia cannot be told without an ANC)
    # come first, then the febrile section.
    assert [s.key for s in febrile.sections[:2]] == ["patient", "febrile"]
    assert febrile.sections[0].statements[0].id == "patient-febrile-neutropenia-undecided"
    assert all(s.urgent for s in febrile.sections[1].statements[:2])
    assert febrile.patient is not None and febrile.patient.febrile is True
    afebrile = engine.ask(SEED_ANASTROZOLE)
    febrile_section = next(s for s in afebrile.sections if s.key == "febrile")
    assert febrile_section.title.startswith("If fever develops")
    assert not any(s.urgent for s in febrile_section.statements)


def test_patient_values_are_shown_and_graded(engine: Engine) -> None:
    article = engine.ask("Woman on ribociclib, ANC 0.4 x10^9/L, temperature 38.6 C. Next steps?")
    assert article.patient is not None
    assert article.patient.anc_per_uL == 400
    assert article.patient.ctcae_grade == 4
    assert article.patient.severity == "severe"
    assert article.patient.temperature_c == pytest.approx(38.6)
    assert engine.ask(SEED_ANASTROZOLE).patient is None


def test_patient_audience_gets_plain_words_and_no_doses(engine: Engine) -> None:
    article = engine.ask(
        "My mother takes anastrozole and her neutrophils came back low.", "patient"
    )
    text = article.answer_text()
    assert not re.search(r"(µg|mcg|mg)/kg", text)
    assert "call" in text.lower() and "fever" in text.lower()
    assert article.sections[0].title.startswith("When to get help")
    clinician = engine.ask("My mother takes anastrozole and her neutrophils came back low.")
    assert clinician.bottom_line.text != article.bottom_line.text


def test_growth_factor_question_is_focused(engine: Engine) -> None:
    article = engine.ask(
        "Should G-CSF be given to an afebrile patient with drug-induced neutropenia?"
    )
    keys = [s.key for s in article.sections]
    assert "growth-factor" in keys and "febrile" not in keys
    assert "5 µg/kg/day" in article.answer_text()


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (
            "What is the best first-line treatment for migraine during pregnancy?",
            "not about neutropenia",
        ),
        (
            "Management of neutropenia caused by zanubrutinib?",
            "no reviewed guidance on zanubrutinib",
        ),
    ],
)
def test_outside_knowledge_says_so_and_recommends_nothing(
    engine: Engine, question: str, reason: str
) -> None:
    article = engine.ask(question)
    assert article.coverage == "none"
    assert reason in article.bottom_line.text
    assert article.sections == [] and article.references == []
    assert contract_problems(article) == []
    assert not re.search(r"\d+ ?mg\b", article.answer_text())


def test_json_output_is_the_contract(engine: Engine) -> None:
    data = json.loads(render(engine.ask(SEED_ANAKINRA), "json"))
    for key in (
        "question",
        "audience",
        "coverage",
        "title",
        "bottom_line",
        "sections",
        "references",
        "follow_ups",
        "status",
        "last_updated",
        "disclaimer",
    ):
        assert key in data
    assert date.fromisoformat(data["last_updated"]) <= date.today()
    assert {"n", "title", "publisher", "year", "locator", "url", "kind"} <= set(
        data["references"][0]
    )
    assert Article.model_validate(data).title == data["title"]


def test_markdown_and_html_render_every_statement(engine: Engine) -> None:
    article = engine.ask(SEED_ANAKINRA)
    markdown = render(article, "markdown")
    html = render(article, "html")
    for section in article.sections:
        assert f"## {section.title}" in markdown
        for statement in section.statements:
            assert statement.text in markdown
    assert f"{len(article.references)}. " in markdown
    assert html.count('<li id="ref-') == len(article.references)


def test_html_escapes_hostile_questions(engine: Engine) -> None:
    article = engine.ask(
        "<script>alert(1)</script> neutropenia on anastrozole <img src=x onerror=y>"
    )
    html = render(article, "html")
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_antibiotic_dose_question_gets_no_growth_factor_dosing(engine: Engine) -> None:
    article = engine.ask(
        "In febrile neutropenia, how fast should the first antibiotic dose be given and with what?"
    )
    assert "growth-factor" not in [s.key for s in article.sections]
    assert "µg/kg" not in article.answer_text()
