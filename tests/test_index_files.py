"""Derived index files: the lexical index follows the store's change log (a file added, changed or
removed is applied to the index, not rebuilt), and no index file is mapped before its size has
been checked against what was written (a file cut short is rebuilt with a warning, never read)."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from curbside.ingest.run import ingest
from curbside.retrieve.lexical import IndexDamaged, TantivyIndex, checked_state
from curbside.retrieve.store import EvidenceStore

SEARCH = """
import json, sys
from pathlib import Path
from curbside.retrieve.lexical import TantivyIndex
from curbside.retrieve.store import EvidenceStore
home = Path(sys.argv[1])
index = TantivyIndex(EvidenceStore(home / "evidence.sqlite"), home / "lexical")
print(json.dumps(index.search("agranulocytosis", 5)))
"""
LABELS = ["DEFERIPRONE_boxed_warnings.txt", "ABIRATERONE_adverse_reactions.txt"]


@pytest.fixture
def sources(shared: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in LABELS:
        shutil.copy(shared / "data" / "fda_labels" / "Txt" / name, folder / name)
    return folder


def _ids(index: TantivyIndex, text: str) -> set[int]:
    return {pid for pid, _ in index.search(text, 50)}


def test_the_change_log_records_added_deleted_and_embedded_passages(
    sources: Path, tmp_path: Path
) -> None:
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    assert store.change_seq() == 0
    ingest([sources], store)
    added, seq = store.changed_since(0)
    assert sorted(added) == sorted(r[0] for r in store.db.execute("SELECT id FROM passages"))
    (sources / LABELS[0]).unlink()
    ingest([sources], store)
    removed, newer = store.changed_since(seq)
    assert removed and newer > seq and not store.passages(removed)
    sha, _ = store.unembedded("m")[0]
    store.add_vectors("m", [(sha, b"\0" * 8)])
    embedded, last = store.changed_since(newer)
    assert embedded and all(p.id in embedded for p in store.passages(embedded))
    assert store.changed_since(newer, vectors=False) == ([], last)  # nothing for BM25 to do


def test_a_new_file_is_added_to_the_index_without_a_rebuild(
    sources: Path, tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    ingest([sources], store)
    index = TantivyIndex(store, tmp_path / "lexical")
    assert _ids(index, "agranulocytosis deferiprone")
    assert not _ids(index, "bendamustine")

    builds: list[None] = []
    real_build = TantivyIndex._build
    monkeypatch.setattr(TantivyIndex, "_build", lambda self: builds.append(real_build(self)))
    new = sources / "BENDAMUSTINE_warnings_and_precautions.txt"
    shutil.copy(shared / "data" / "fda_labels" / "Txt" / new.name, new)
    ingest([sources], store)
    assert _ids(index, "bendamustine")
    (sources / LABELS[0]).unlink()
    ingest([sources], store)
    assert not _ids(index, "agranulocytosis deferiprone")
    # Another process's view of the same folder agrees, and nothing was rebuilt on the way.
    assert _ids(TantivyIndex(store, tmp_path / "lexical"), "bendamustine")
    assert builds == []
    assert checked_state(index.path) == store.change_seq()


def test_a_file_cut_short_is_found_before_it_is_mapped(
    sources: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = EvidenceStore(tmp_path / "evidence.sqlite")
    ingest([sources], store)
    # Built by another process: this one must never have mapped the file that is cut short
    # (tantivy's threads read mapped files for a while after an index is dropped).
    out = subprocess.run([sys.executable, "-c", SEARCH, str(tmp_path)], capture_output=True)
    expected = [(pid, score) for pid, score in json.loads(out.stdout)]
    store_file = next((tmp_path / "lexical" / "index").glob("*.store"))
    store_file.write_bytes(store_file.read_bytes()[:-1])  # one byte short
    with pytest.raises(IndexDamaged, match="bytes"):
        checked_state(tmp_path / "lexical" / "index")
    with caplog.at_level(logging.WARNING, logger="curbside.retrieve.lexical"):
        assert TantivyIndex(store, tmp_path / "lexical").search("agranulocytosis", 5) == expected
    assert "is damaged" in caplog.text and "bytes" in caplog.text
