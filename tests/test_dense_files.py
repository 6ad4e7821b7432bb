"""Dense vectors in memory-mapped int8 files: exact up to a size, clustered beyond it, kept up to
date from the store's change log without a rebuild, and rebuilt with a warning when a file's size
is not what was written (checked before the file is mapped)."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from curbside.ingest.run import ingest
from curbside.retrieve.dense import DenseIndex
from curbside.retrieve.store import EvidenceStore
from curbside.retrieve.vectorfile import VectorFileDamaged, quantize, read_state

LABELS = [
    "DEFERIPRONE_boxed_warnings.txt",
    "ABIRATERONE_adverse_reactions.txt",
    "BENDAMUSTINE_adverse_reactions.txt",
]


class FakeEmbedder:
    """A unit vector drawn from each text's hash: a passage's own text finds it first."""

    name = "fake"
    dim = 32

    def embed(self, texts: list[str]) -> Any:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


@pytest.fixture
def sources(shared: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in LABELS[:2]:
        shutil.copy(shared / "data" / "fda_labels" / "Txt" / name, folder / name)
    return folder


def _index(tmp_path: Path, sources: Path, **options: Any) -> tuple[EvidenceStore, DenseIndex]:
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    ingest([sources], store)
    dense = DenseIndex(store, FakeEmbedder(), **options)
    dense.embed_missing()
    dense.refresh()
    return store, dense


def _texts(store: EvidenceStore) -> dict[int, str]:
    return dict(store.db.execute("SELECT id, text FROM passages").fetchall())


def test_int8_rows_keep_the_ranking() -> None:
    vectors = FakeEmbedder().embed([f"text {n}" for n in range(200)])
    quantized, scales = quantize(vectors)
    back = quantized.astype(np.float32) * scales[:, None]
    assert np.abs(back - vectors).max() < 0.01
    query = vectors[7]
    assert np.argmax(back @ query) == 7


def test_each_passage_finds_itself_and_changes_are_appended(
    tmp_path: Path, sources: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, dense = _index(tmp_path, sources)
    texts = _texts(store)
    assert dense.size() == len(texts)
    for pid, text in list(texts.items())[:20]:
        assert dense.search(text, 3)[0][0] == pid
    rows = read_state(dense.folder).rows

    builds: list[None] = []
    monkeypatch.setattr(DenseIndex, "_build", lambda self: builds.append(None))
    shutil.copy(shared / "data" / "fda_labels" / "Txt" / LABELS[2], sources / LABELS[2])
    ingest([sources], store)
    dense.embed_missing()
    (sources / LABELS[0]).unlink()
    ingest([sources], store)
    now = _texts(store)
    added = set(now) - set(texts)
    gone = set(texts) - set(now)
    assert added and gone
    for pid in list(added)[:10]:
        assert dense.search(now[pid], 1)[0][0] == pid
    for pid in list(gone)[:10]:
        assert all(found != pid for found, _ in dense.search(texts[pid], 20))
    assert dense.size() == len(now)
    assert read_state(dense.folder).rows == rows + len(added)  # appended, nothing rewritten
    assert builds == []
    # Another process sees the same files.
    other = DenseIndex(store, FakeEmbedder())
    assert other.search(now[min(added)], 1)[0][0] == min(added)


def test_clusters_beyond_exact_rows_with_recall_against_exact(
    tmp_path: Path, sources: Path
) -> None:
    store, dense = _index(tmp_path, sources, exact_rows=5, probe=1)
    texts = _texts(store)
    state = read_state(dense.folder)
    assert state.lists == int(len(texts) ** 0.5)
    everything = DenseIndex(store, FakeEmbedder(), exact_rows=5, probe=state.lists)
    for pid, text in list(texts.items())[:15]:
        exact = dense.exact_search(text, 10)
        assert exact[0][0] == pid
        probed = everything.search(text, 10)  # probing every cluster is exact
        assert [pid for pid, _ in probed] == [pid for pid, _ in exact]
        assert [score for _, score in probed] == pytest.approx(
            [score for _, score in exact], abs=1e-6
        )
        assert dense.search(text, 1)[0][0] == pid  # its own cluster is always probed
    only = set(list(texts)[:2])
    assert {pid for pid, _ in dense.search("anything", 10, allowed=only)} <= only


@pytest.mark.parametrize("name", ["vectors.i8", "ids.i64", "scales.f32", "state.json"])
def test_a_damaged_vector_file_is_rebuilt_with_a_warning(
    tmp_path: Path, sources: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    store, dense = _index(tmp_path, sources)
    text = next(iter(_texts(store).values()))
    expected = dense.search(text, 5)
    folder = dense.folder
    del dense  # unmapped: nothing in this process reads the file that is cut short
    damaged = folder / name
    damaged.write_bytes(damaged.read_bytes()[:-3])
    with pytest.raises(VectorFileDamaged):
        read_state(folder)
    with caplog.at_level(logging.WARNING, logger="curbside.retrieve.dense"):
        again = DenseIndex(store, FakeEmbedder())
        assert again.search(text, 5) == expected
    assert "damaged" in caplog.text and "rebuilding" in caplog.text
    assert read_state(folder).rows > 0
