"""Ingest runs, the evidence store, BM25 / dense / fused search and the search command."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from curbside.cli import main
from curbside.ingest.run import IngestReport, ingest
from curbside.retrieve import Retriever
from curbside.retrieve.embedding import EmbedderUnavailable, load_embedder
from curbside.retrieve.fusion import convex, rrf
from curbside.retrieve.lexical import Filters
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings


def test_all_shared_data_ingests_in_one_run(evidence: tuple[Settings, IngestReport]) -> None:
    settings, report = evidence
    assert report.failed == []
    assert report.added > 400 and report.replaced == 0
    store = EvidenceStore(settings.evidence_path)
    kinds = dict(store.db.execute("SELECT kind, count(*) FROM documents GROUP BY kind").fetchall())
    assert kinds["abstract"] == 1000  # PubMedQA PQA-L
    assert kinds["qa"] == 829  # MedQuAD CDC + NHLBI
    assert kinds["drug-label"] >= 239  # one document per label-section file
    assert kinds["grading-criteria"] == 2  # CTCAE v5.0 and v4.03
    assert kinds["patient-information"] >= 60  # NCI pages
    store.close()


def test_second_ingest_adds_nothing(evidence: tuple[Settings, IngestReport], shared: Path) -> None:
    settings, first = evidence
    store = EvidenceStore(settings.evidence_path)
    before = store.counts()
    again = ingest([shared / "data"], store)
    assert again.unchanged == first.files and again.added == again.replaced == 0
    assert again.passages == 0 and store.counts() == before
    store.close()


def _copy_labels(shared: Path, dest: Path, names: list[str]) -> None:
    dest.mkdir()
    for name in names:
        shutil.copy(shared / "data" / "fda_labels" / "Txt" / name, dest / name)


def test_corrupt_file_in_the_middle_is_reported_and_skipped(shared: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    _copy_labels(
        shared, folder, ["ABIRATERONE_adverse_reactions.txt", "DEFERIPRONE_boxed_warnings.txt"]
    )
    (folder / "BROKEN_medquad.xml").write_text("<Document><QAPairs><QAPair>", encoding="utf-8")
    (folder / "junk.json").write_bytes(b"\x00\xff{not json")
    store = EvidenceStore(tmp_path / "home" / "evidence.sqlite")
    report = ingest([folder], store)
    assert report.added == 2
    assert len(report.failed) == 2
    assert any("BROKEN_medquad.xml" in f for f in report.failed)
    assert {k.split(":")[0] for k in store.document_keys()} == {"label"}


def test_changed_file_replaces_its_passages_and_removed_file_is_forgotten(
    shared: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "sources"
    _copy_labels(
        shared, folder, ["DEFERIPRONE_boxed_warnings.txt", "ABIRATERONE_adverse_reactions.txt"]
    )
    store = EvidenceStore(tmp_path / "home" / "evidence.sqlite")
    ingest([folder], store)
    target = folder / "DEFERIPRONE_boxed_warnings.txt"
    target.write_text(
        "WARNING: AGRANULOCYTOSIS\n\nMeasure the absolute neutrophil count weekly.\n",
        encoding="utf-8",
    )
    report = ingest([folder], store)
    assert (report.replaced, report.unchanged, report.added) == (1, 1, 0)
    texts = [p.text for p in store.passages_of(["label:deferiprone"])]
    assert any("weekly" in t for t in texts)
    assert not any("Ferriprox" in t for t in texts)
    (folder / "ABIRATERONE_adverse_reactions.txt").unlink()
    assert ingest([folder], store).removed == 1
    assert "label:abiraterone" not in store.document_keys()


def test_a_file_named_directly_must_be_readable(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    odd = tmp_path / "notes.docx"
    odd.write_bytes(b"PK\x03\x04")
    report = ingest([odd, tmp_path / "missing.txt"], store)
    assert len(report.failed) == 2 and report.files == 0


def test_lexical_search_finds_and_filters(evidence: tuple[Settings, IngestReport]) -> None:
    settings, _ = evidence
    retriever = Retriever(settings)
    result = retriever.search("deferiprone agranulocytosis absolute neutrophil count", k=5)
    assert result.mode == "lexical" and result.note
    asked_dense = retriever.search("deferiprone agranulocytosis", k=5, mode="dense")
    assert asked_dense.mode == "lexical" and asked_dense.hits and asked_dense.note
    assert result.hits[0].passage.document_key == "label:deferiprone"
    only_nci = retriever.search(
        "neutropenia fever", k=5, filters=Filters(kinds=("patient-information",))
    )
    assert only_nci.hits and all(h.passage.kind == "patient-information" for h in only_nci.hits)
    by_drug = retriever.search("myelosuppression", k=5, filters=Filters(drugs=("bendamustine",)))
    assert by_drug.hits and all("bendamustine" in h.passage.drugs for h in by_drug.hits)
    assert retriever.search("?!", k=5).hits == []
    # Query-language words and characters are plain words here, whatever their case.
    for odd in ("NEUTROPENIA IN THE PREGNANT WOMAN OR NOT AND", 'title:"x" +(a -b)^2 ~ * [1 TO 2]'):
        assert isinstance(retriever.search(odd, k=3).hits, list)


def test_search_command_json(
    evidence: tuple[Settings, IngestReport],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, _ = evidence
    monkeypatch.setenv("CURBSIDE_HOME", str(settings.home))
    monkeypatch.setenv("CURBSIDE_DENSE", "off")
    code = main(
        [
            "search",
            "neutrophil count decreased grade",
            "--k",
            "3",
            "--kind",
            "grading-criteria",
            "--format",
            "json",
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    assert set(rows[0]) == {"source_id", "path", "title", "section", "text", "score"}
    assert rows[0]["source_id"].startswith("ctcae:")
    assert rows[0]["path"].endswith(".csv")
    assert rows[0]["score"] >= rows[1]["score"] >= rows[2]["score"]
    assert main(["search", "neutropenia", "--k", "0"]) == 2


def test_fusion() -> None:
    lexical = [(1, 12.0), (2, 8.0), (3, 1.0)]
    dense = [(3, 0.9), (1, 0.8), (4, 0.1)]
    fused = [item for item, _ in rrf([lexical, dense])]
    assert fused[0] == 1 and set(fused) == {1, 2, 3, 4}
    mixed = dict(convex([lexical, dense], [0.5, 0.5]))
    assert mixed[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.875)
    assert mixed[4] == pytest.approx(0.0)


# Reference values: sentence-transformers 5 with torch 2.13 on the same weights (first 8 dims).
REFERENCE = {
    "Neutropenia is an absolute neutrophil count below 1,500 cells/µL.": [
        0.021255,
        0.02141,
        -0.022456,
        -0.011233,
        -0.103369,
        -0.019254,
        -0.070524,
        0.187947,
    ],
    "Hold anakinra until the infection resolves.": [
        -0.006667,
        0.032983,
        0.001029,
        -0.03371,
        -0.016287,
        -0.02614,
        0.035091,
        0.043636,
    ],
    "What is the best first-line treatment for migraine during pregnancy?": [
        -0.051837,
        -0.065449,
        0.008941,
        0.060817,
        -0.025079,
        0.044484,
        -0.019779,
        0.033204,
    ],
}


def test_numpy_minilm_matches_sentence_transformers() -> None:
    try:
        embedder = load_embedder()
    except EmbedderUnavailable as exc:
        pytest.skip(str(exc))
    texts = list(REFERENCE)
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384)
    for row, text in zip(vectors, texts, strict=True):
        assert [round(float(x), 6) for x in row[:8]] == pytest.approx(REFERENCE[text], abs=2e-6)
        assert float(row @ row) == pytest.approx(1.0, abs=1e-5)
    # Batching and padding do not change a text's vector.
    alone = embedder.embed([texts[1]])[0]
    assert float(alone @ vectors[1]) == pytest.approx(1.0, abs=1e-6)


def test_hybrid_search_on_a_small_embedded_corpus(shared: Path, tmp_path: Path) -> None:
    try:
        load_embedder()
    except EmbedderUnavailable as exc:
        pytest.skip(str(exc))
    folder = tmp_path / "sources"
    _copy_labels(
        shared,
        folder,
        [
            "DEFERIPRONE_boxed_warnings.txt",
            "BENDAMUSTINE_warnings_and_precautions.txt",
            "APIXABAN_warnings_and_precautions.txt",
        ],
    )
    settings = Settings(home=tmp_path / "home", dense="on")
    retriever = Retriever(settings)
    ingest([folder], retriever.store)
    assert retriever.search("low white cells", k=3).mode == "lexical"  # no vectors yet
    assert retriever.dense is not None and retriever.dense.embed_missing() > 0
    result = retriever.search("risk of bleeding with an anticoagulant", k=3)
    assert result.mode == "hybrid" and result.note is None
    assert result.hits[0].passage.document_key == "label:apixaban"
    assert result.hits[0].dense_score is not None
    dense = retriever.search("drop in granulocytes that can be fatal", k=3, mode="dense")
    assert dense.mode == "dense"
    assert dense.hits[0].passage.document_key in {"label:deferiprone", "label:bendamustine"}
    assert retriever.dense.embed_missing() == 0  # nothing left to embed


def test_ingest_and_verify_commands(
    shared: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CURBSIDE_HOME", str(tmp_path / "home"))
    assert main(["search", "neutropenia"]) == 2  # nothing ingested yet
    assert "curbside ingest" in capsys.readouterr().err
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(shared / "data" / "ctcae_v5" / "CTCAE_v5.0.csv", folder)
    nci = shared / "data" / "nci_pdq" / "treatment"
    shutil.copy(nci / "about-cancer-treatment-side-effects-infection.md", folder)
    (folder / "broken.json").write_text('{"results": [', encoding="utf-8")
    assert main(["ingest", str(folder), "--no-embed"]) == 1
    out, err = capsys.readouterr()
    assert "broken.json" in err and "2 new" in out and "1 failed" in out
    (folder / "broken.json").unlink()
    assert main(["ingest", str(folder), "--no-embed"]) == 0
    assert "0 new, 0 changed, 2 unchanged" in capsys.readouterr().out
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\d+ statements: [1-9]\d* supported, 0 unsupported", out)
