"""The `sourced` tier (issue 17): general questions answered with a trusted source's own answer.

One evidence store for the module: ../shared/data and the part of ../shared/corpora these tests
need (NIDDK, NINDS and NIHSeniorHealth MedQuAD collections, NCI drug pages, the immune
checkpoint inhibitor page and the adult Hodgkin lymphoma PDQ summaries in both versions),
ingested lexically once (about 10 s on 2 cores; the whole corpora take about 30 s).
"""

from __future__ import annotations

import re
import time
from html import unescape
from pathlib import Path

import pytest

from curbside.compose.render import render
from curbside.engine import Engine
from curbside.evaluate import load_eval_file, run_question
from curbside.ingest.chunking import collapse
from curbside.ingest.readers.markdown import clean_markdown
from curbside.ingest.run import IngestReport, ingest
from curbside.knowledge.base import KnowledgeBase
from curbside.models import Article
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings
from curbside.verify import contract_problems

GENERAL_IDS = ["general-addison", "general-parkinson-treatment", "general-nci-drug"]


def corpora_subset(shared: Path) -> list[Path]:
    corpora = shared / "corpora"
    nci = corpora / "nci"
    return [
        shared / "data",
        corpora / "medquad" / "5_NIDDK_QA",
        corpora / "medquad" / "6_NINDS_QA",
        corpora / "medquad" / "7_SeniorHealth_QA",
        *sorted((nci / "treatment").glob("about-cancer-treatment-drugs-*.md")),
        nci
        / "cancer-types"
        / "about-cancer-treatment-types-immunotherapy-checkpoint-inhibitors.md",
        nci / "cancer-types" / "types-lymphoma-patient-adult-hodgkin-treatment-pdq.md",
        nci / "pdq" / "types-lymphoma-hp-adult-hodgkin-treatment-pdq.md",
    ]


@pytest.fixture(scope="module")
def general_evidence(
    shared: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, IngestReport, float]:
    settings = Settings(home=tmp_path_factory.mktemp("general"), dense="off")
    store = EvidenceStore(settings.evidence_path)
    start = time.perf_counter()
    report = ingest(corpora_subset(shared), store)
    seconds = time.perf_counter() - start
    store.close()
    return settings, report, seconds


@pytest.fixture(scope="module")
def general_engine(
    general_evidence: tuple[Settings, IngestReport, float], kb: KnowledgeBase
) -> Engine:
    return Engine(general_evidence[0], kb)


def texts(article: Article) -> list[str]:
    return [s.text for section in article.sections for s in section.statements]


def source_text(path: str) -> str:
    """The ingested file's words as the readers clean them (quotations are checked on this)."""
    raw = Path(path).read_text(encoding="utf-8", errors="replace")
    if path.endswith(".md"):
        return " ".join(clean_markdown(line) for line in raw.splitlines())
    return collapse(unescape(raw))


# -- ingest -----------------------------------------------------------------------------------


def test_subset_ingest_is_quick_and_skips_empty_medquad_files(
    general_evidence: tuple[Settings, IngestReport, float],
) -> None:
    _, report, seconds = general_evidence
    assert report.failed == []
    # Six NIDDK files have no answered question: counted, not failures.
    assert len(report.empty) == 6 and all("5_NIDDK_QA" in p for p in report.empty)
    assert seconds < 120


# -- the next.yaml general questions, by id ---------------------------------------------------


@pytest.mark.parametrize("question_id", GENERAL_IDS)
def test_next_general_questions_pass_as_sourced(
    general_engine: Engine, shared: Path, question_id: str
) -> None:
    questions = {q.id: q for q in load_eval_file(shared / "eval" / "next.yaml").questions}
    item = questions[question_id]
    outcome = run_question(general_engine, item)
    assert outcome.passed, outcome.failures
    assert outcome.coverage == "sourced"


def test_curated_questions_still_pass_with_the_corpora(
    general_engine: Engine, shared: Path
) -> None:
    for item in load_eval_file(shared / "eval" / "questions.yaml").questions:
        outcome = run_question(general_engine, item)
        assert outcome.passed, (item.id, outcome.failures)
        if item.expect.coverage == "curated":
            assert outcome.coverage == "curated", item.id


# -- the sourced article ----------------------------------------------------------------------


def test_sourced_article_quotes_the_source_exactly_and_cites_it(general_engine: Engine) -> None:
    article = general_engine.ask("What are the symptoms of Addison's disease?", "patient")
    assert article.coverage == "sourced"
    assert "Addison" in article.title and article.title.startswith("Symptoms of")
    assert contract_problems(article) == []
    [reference] = article.references
    assert reference.publisher.startswith("National Institute of Diabetes")
    assert reference.url and "niddk.nih.gov" in reference.url
    assert reference.path and reference.path.endswith(".xml")
    held = source_text(reference.path)
    for statement in (s for section in article.sections for s in section.statements):
        assert statement.support == "quoted" and statement.citations == [1]
        assert statement.text in held  # word for word
    # The answer's list stays a list: one statement per item, in the source's order.
    items = texts(article)
    assert "muscle weakness" in items and "loss of appetite" in items
    assert items.index("muscle weakness") < items.index("loss of appetite")
    # The bottom line opens the answer (a lead-in completed by its first items).
    assert article.bottom_line.text.startswith("The most common symptoms of adrenal insufficiency")
    assert article.bottom_line.citations == [1]
    assert any("not a Curbside review" in note for note in article.notes)


def test_nci_answer_cites_publisher_page_and_last_review(general_engine: Engine) -> None:
    article = general_engine.ask("How is adult Hodgkin lymphoma treated?", "patient")
    assert article.coverage == "sourced"
    reference = article.references[0]
    assert reference.publisher == "National Cancer Institute"
    assert reference.url and reference.url.startswith("https://www.cancer.gov/")
    assert reference.last_reviewed and re.fullmatch(r"\d{4}-\d{2}-\d{2}", reference.last_reviewed)
    assert reference.locator.endswith(f"last reviewed {reference.last_reviewed}")
    held = source_text(reference.path or "")
    assert all(t in held for t in texts(article))
    assert contract_problems(article) == []


def test_sourced_article_renders_in_every_format(general_engine: Engine) -> None:
    article = general_engine.ask("What are the side effects of pembrolizumab?", "patient")
    markdown = render(article, "markdown")
    assert "sourced" in markdown and "last reviewed" in markdown
    html = render(article, "html")
    assert 'data-coverage="sourced"' in html and "cancer.gov" in html


def test_patients_get_the_patient_page_and_physicians_the_professional_one(
    general_engine: Engine,
) -> None:
    question = "How is adult Hodgkin lymphoma treated?"
    patient = general_engine.ask(question, "patient").references[0]
    physician = general_engine.ask(question, "physician").references[0]
    assert "patient-adult-hodgkin" in patient.source_id
    assert "hp-adult-hodgkin" in physician.source_id


def test_drug_without_an_answer_of_that_type_is_answered_for_its_kind(
    general_engine: Engine,
) -> None:
    article = general_engine.ask("What are the side effects of pembrolizumab?", "patient")
    assert article.coverage == "sourced"
    # The drug page's own sentence says what kind of drug it is, cited to that page.
    link = article.sections[0].statements[0]
    assert "pembrolizumab" in link.text.lower() and "checkpoint inhibitor" in link.text.lower()
    refs = {r.n: r for r in article.references}
    assert refs[link.citations[0]].source_id == "nci:about-cancer-treatment-drugs-pembrolizumab"
    assert refs[1].source_id.endswith("immunotherapy-checkpoint-inhibitors")
    assert contract_problems(article) == []


# -- when nothing entails the question ---------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What are the symptoms of Zorbleck-Quayle syndrome?",
        "How is florbian fever treated?",
        "How do I calibrate a quokka spectrometer?",
        "Is it safe to take vortiglazine with grapefruit juice?",
        "Please help me.",  # a message that names nothing: no quotes picked by its words
        "How do I treat this pls",
    ],
)
def test_focus_absent_from_the_sources_gets_no_quotes(
    general_engine: Engine, question: str
) -> None:
    article = general_engine.ask(question, "patient")
    assert article.coverage == "none"
    assert article.sections == [] and article.references == []


def test_digest_quotes_only_sentences_about_the_focus(general_engine: Engine) -> None:
    article = general_engine.ask("Can Parkinson's disease be passed down through pesticides?")
    if article.coverage == "digest":
        assert texts(article)
        assert all(re.search(r"parkinson", t, re.IGNORECASE) for t in texts(article))
    else:
        assert article.coverage in ("sourced", "none")


def test_special_population_is_not_answered_from_a_general_answer(general_engine: Engine) -> None:
    article = general_engine.ask("How is Parkinson's disease treated during pregnancy?")
    assert article.coverage != "sourced"


def test_question_about_a_patient_values_is_not_a_general_question(general_engine: Engine) -> None:
    question = (
        "Hemoglobin dropped from 12 to 7 with a positive DAT on day 10 of "
        "piperacillin-tazobactam. Management?"
    )
    article = general_engine.ask(question)
    assert "alzheimer" not in article.answer_text().lower()  # DAT is not asked as a disease
    assert article.coverage != "sourced"


def test_long_consumer_message_is_answered_for_its_question(general_engine: Engine) -> None:
    message = (
        "Dear Sir/Madam, I'm 35 years old and my father was diagnosed last year. "
        "We are very worried. Please let me know how Parkinson's disease is treated. Thank you"
    )
    article = general_engine.ask(message, "patient")
    assert article.coverage == "sourced"
    assert article.title.startswith("Treatment of") and "Parkinson" in article.title


def test_a_child_age_makes_it_a_question_about_children(general_engine: Engine) -> None:
    article = general_engine.ask("How is Parkinson's disease treated in a 10-year-old?")
    assert article.coverage != "sourced"


class FakeDense:
    """Vectors for some passages: a cosine of 1.0 for those of one document, 0 elsewhere."""

    def __init__(self, favoured: set[int]) -> None:
        self.favoured = favoured

    def size(self) -> int:
        return len(self.favoured)

    def search(self, text: str, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        return [(i, 1.0 if i in self.favoured else 0.0) for i in sorted(allowed or set())][:k]


def test_dense_similarity_reranks_entailed_answers_when_vectors_exist(
    general_engine: Engine,
) -> None:
    general = general_engine.answerer.general
    assert general is not None
    question = general.general.understand("How is Parkinson's disease treated?")
    weights = general.lexical.term_weights(" ".join(question.sentences))
    matches = general.general.entail(question, "patient", weights)
    assert len(matches) >= 2
    second = matches[1].candidate  # within DENSE_SHARE of the first
    general.dense = FakeDense({p.id for p in general.general.passages(second)})
    try:
        reranked = general.with_dense(" ".join(question.sentences), matches)
        assert reranked[0].candidate == second
        general.dense = FakeDense(set())  # no vectors yet: the lexical order stands
        assert general.with_dense("x", matches) == matches
    finally:
        general.dense = None
