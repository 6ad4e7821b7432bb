"""The parts of the sourced tier: reader facts, the store's copy of them, question reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.evaluate import Expect
from curbside.general.candidates import build
from curbside.general.focus import FocusVocabulary, name_forms
from curbside.general.question import question_sentences, understand_general
from curbside.general.vocabulary import normalize, vocabulary
from curbside.ingest.readers import read_file
from curbside.ingest.run import ingest
from curbside.retrieve.store import EvidenceStore, StoredDocument

MEDQUAD_EMPTY = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="1" source="NIDDK" url="https://example.org/x"><Focus>X</Focus>
<QAPairs><QAPair pid="1"><Question qid="1-1" qtype="information">What is X ?</Question>
<Answer/></QAPair></QAPairs></Document>
"""


def test_medquad_pairs_keep_question_type_focus_synonyms_and_concepts(shared: Path) -> None:
    path = shared / "corpora" / "medquad" / "3_GHR_QA" / "0000087.xml"
    documents = read_file(path)
    assert documents
    meta = documents[0].meta
    assert meta["focus"] == "autoimmune Addison disease"
    assert "autoimmune adrenalitis" in meta["synonyms"]  # type: ignore[operator]
    assert meta["cuis"] and meta["semantic_group"] == "Disorders" and meta["source"] == "GHR"
    assert {d.meta["qtype"] for d in documents} >= {"information", "inheritance"}
    assert all(d.meta["question"] == d.title for d in documents)


def test_nci_pages_keep_audience_last_review_and_sections(shared: Path) -> None:
    pdq = shared / "corpora" / "nci" / "pdq"
    [professional] = read_file(pdq / "types-lymphoma-hp-adult-hodgkin-treatment-pdq.md")
    # The front matter says "patient"; the page itself says it is the professional version.
    assert professional.meta["audience"] == "professional"
    assert professional.meta["last_reviewed"] == "2025-12-30"
    sections = professional.meta["sections"]
    assert isinstance(sections, list) and len(sections) == len(set(sections)) > 5
    treatment = shared / "corpora" / "nci" / "treatment"
    [page] = read_file(treatment / "about-cancer-treatment-drugs-pembrolizumab.md")
    assert page.meta["audience"] == "patient"
    assert "Pembrolizumab > Use in Cancer" in page.meta["sections"]  # type: ignore[operator]


def test_medquad_file_without_answers_is_counted_not_failed(tmp_path: Path) -> None:
    folder = tmp_path / "medquad"
    folder.mkdir()
    (folder / "empty.xml").write_text(MEDQUAD_EMPTY, encoding="utf-8")
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    report = ingest([folder], store)
    assert report.failed == [] and len(report.empty) == 1 and report.files == 0
    store.close()


def test_store_keeps_document_facts(shared: Path, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    ingest([shared / "corpora" / "medquad" / "7_SeniorHealth_QA" / "0000052.xml"], store)
    held = list(store.documents_with_meta())
    assert held and all(d.kind == "qa" for d in held)
    assert held[0].meta["focus"] == "Parkinson's Disease"
    assert held[0].path.endswith("0000052.xml")
    # Replacing the file replaces its facts (no orphans).
    ingest([shared / "corpora" / "medquad" / "7_SeniorHealth_QA" / "0000052.xml"], store)
    assert len(list(store.documents_with_meta())) == len(held)
    store.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What are the symptoms of Addison's disease?", "symptoms"),
        ("How is Parkinson's disease treated?", "treatment"),
        ("What are the side effects of pembrolizumab?", "side effects"),
        ("What causes acromegaly?", "causes"),
        ("Is Huntington disease inherited?", "inheritance"),
        ("Who is at risk for glaucoma?", "susceptibility"),
        ("How is celiac disease diagnosed?", "exams and tests"),
        ("What is sarcoidosis?", "information"),
        ("How can I prevent Lyme disease?", "prevention"),
        ("What is the outlook for ALS?", "outlook"),
    ],
)
def test_question_types(question: str, expected: str) -> None:
    assert vocabulary().classify(question)[0] == expected


def test_type_names_and_compatibility() -> None:
    vocab = vocabulary()
    assert vocab.canonical("Cause") == "causes" and vocab.canonical("prognosis") == "outlook"
    assert vocab.answers("usage", "information") and not vocab.answers("symptoms", "treatment")
    assert vocab.populations_in("safe while breastfeeding my baby") >= {"breastfeeding"}
    assert vocab.only_asks("side effects") and not vocab.only_asks("breast cancer")


def test_page_titles_name_their_subject_and_type() -> None:
    vocab = vocabulary()
    title = "Adult Hodgkin Lymphoma Treatment (PDQ®)–Patient Version"
    assert vocab.title_focus(title) == ("Adult Hodgkin Lymphoma", "treatment")
    assert vocab.title_focus("Pembrolizumab - NCI") == ("Pembrolizumab", None)


def test_names_are_normalized_and_split_into_the_forms_asked() -> None:
    assert normalize("Addison's Disease") == "addison disease"
    forms = name_forms("Parasites - Trichuriasis (also known as Whipworm Infection)")
    assert "Trichuriasis" in forms and "Whipworm Infection" in forms
    assert "CFS" in name_forms("Chronic Fatigue Syndrome (CFS)")


def test_long_consumer_message_is_read_for_its_question() -> None:
    message = (
        "Dear Sir/Madam, I'm 35 years old and lost my vision at 8. My eye doctor in my town "
        "wrote a report. So please is there treatment for optic nerve atrophy! Best wishes"
    )
    sentences = question_sentences(message)
    assert any("optic nerve atrophy" in s for s in sentences)
    assert not any("years old" in s for s in sentences)


def _vocabulary() -> FocusVocabulary:
    foci = FocusVocabulary()
    docs = [
        StoredDocument(
            "medquad:a:1-1",
            "qa",
            "What is (are) Lung cancer ?",
            None,
            None,
            {"focus": "Lung Cancer", "cuis": ["C1"], "qtype": "information", "source": "A"},
            "a.xml",
        ),
        StoredDocument(
            "medquad:b:2-1",
            "qa",
            "What is (are) Carcinoma of lung ?",
            None,
            None,
            {"focus": "Carcinoma of lung", "cuis": ["C1"], "qtype": "information", "source": "B"},
            "b.xml",
        ),
    ]
    build(docs, vocabulary(), foci)
    foci.add("drug:pembrolizumab", ["pembrolizumab"], kind="drug")
    foci.add("medquad:x", ["Alzheimer disease", "DAT"], ["C2"], kind="disorder")
    return foci


def test_foci_share_a_concept_and_a_drug_comes_first_for_its_side_effects() -> None:
    foci = _vocabulary()
    [match] = foci.find("Is carcinoma of the lung curable? carcinoma of lung")
    assert match.groups == {"a:lung cancer", "b:carcinoma of lung"}  # one CUI
    question = understand_general(
        "What are the side effects of pembrolizumab for lung cancer?", foci, vocabulary()
    )
    assert question.focus is not None and question.focus.text == "pembrolizumab"
    asked = "How is lung cancer treated with pembrolizumab?"
    treated = understand_general(asked, foci, vocabulary())
    assert treated.focus is not None and treated.focus.text == "lung cancer"
    assert not foci.find("a positive DAT on day 10")  # a short synonym is not looked for


def test_eval_files_accept_sourced_alone_or_in_a_list() -> None:
    assert Expect.model_validate({"coverage": "sourced"}).coverage == "sourced"
    listed = Expect.model_validate({"coverage": ["sourced", "digest", "curated"]})
    assert listed.coverage == ["sourced", "digest", "curated"]
    with pytest.raises(ValueError):
        Expect.model_validate({"coverage": ["sourced", "quoted"]})


def test_long_ingests_show_time_left() -> None:
    from curbside.ingest.run import eta

    assert eta(10, 100, 20.0) == ", about 3 min 0 s left"
    assert eta(50, 100, 10.0) == ", about 10 s left"
    assert eta(0, 100, 5.0) == "" and eta(100, 100, 5.0) == ""
