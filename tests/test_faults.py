"""Curbside under faults: an ingest killed half-way resumes without losing or doubling passages, a
damaged lexical index is rebuilt from the evidence store with a warning, a damaged evidence store
is reported with the way to rebuild it, and an article library whose database is down is a 503
problem (answers still come, unpublished) until it is back."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from tests.postgres_schema import fresh_schema

from curbside.answerer import Answerer
from curbside.cli import EXIT_DAMAGED, main
from curbside.engine import Engine
from curbside.ingest.run import ingest
from curbside.knowledge.base import KnowledgeBase
from curbside.retrieve.lexical import TantivyIndex
from curbside.retrieve.store import EvidenceStore, EvidenceStoreDamaged
from curbside.settings import Settings
from curbside.web.app import create_app

MEDQUAD = ("8_NHLBI_QA_XML", "9_CDC_QA")
POSTGRES = "postgresql://root@127.0.0.1:5432/test"
CLOSED_PORT = "postgresql://root@127.0.0.1:5999/test"  # nothing listens there
GRADING = "How is neutropenia graded in CTCAE v5?"

# `curbside ingest`, slowed down inside each file's transaction (a pause before each document is
# written) so that a kill lands in the middle of the run, most likely inside a transaction.
SLOW_INGEST = """
import sys, time
import curbside.ingest.run as run
read = run.read_file
def slow(path):
    def each():
        for document in read(path):
            time.sleep(0.01)
            yield document
    return each()
run.read_file = slow
from curbside.cli import main
sys.exit(main(["ingest", "--no-embed", *sys.argv[1:]]))
"""


def _count(db: Path, sql: str) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def _passages(db: Path) -> list[tuple[str, str, int, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT f.path, d.key, p.ordinal, p.text FROM passages p "
            "JOIN documents d ON d.id = p.document_id JOIN files f ON f.id = d.file_id"
        ).fetchall()
    return sorted((str(a), str(b), int(c), str(d)) for a, b, c, d in rows)


@pytest.fixture
def medquad(shared: Path, tmp_path: Path) -> Path:
    """A copy of two MedQuAD folders (147 files)."""
    folder = tmp_path / "medquad"
    for name in MEDQUAD:
        shutil.copytree(shared / "data" / "medquad" / name, folder / name)
    return folder


def test_an_ingest_killed_half_way_resumes_without_losing_or_doubling_passages(
    medquad: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "CURBSIDE_HOME": str(home), "CURBSIDE_DENSE": "off"}
    db = home / "evidence.sqlite"
    run = subprocess.Popen(
        [sys.executable, "-c", SLOW_INGEST, str(medquad)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(db, "SELECT count(*) FROM files") < 20:
            assert run.poll() is None, "the ingest ended before it could be killed"
            assert time.monotonic() < deadline, "the ingest wrote nothing in a minute"
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.wait()
    assert run.returncode == -signal.SIGKILL
    kept = _count(db, "SELECT count(*) FROM files")
    assert 20 <= kept < 147

    store = EvidenceStore(db)
    report = ingest([medquad], store)
    store.close()
    assert (report.unchanged, report.added, report.replaced) == (kept, 147 - kept, 0)
    assert not report.failed

    clean = EvidenceStore(tmp_path / "clean" / "evidence.sqlite")
    ingest([medquad], clean)
    clean.close()
    resumed = _passages(db)
    assert len(resumed) == len(set(resumed)), "a passage was written twice"
    assert resumed == _passages(clean.path)
    assert _count(db, "SELECT count(*) FROM documents") == _count(
        clean.path, "SELECT count(*) FROM documents"
    )


# -- a damaged lexical index ------------------------------------------------------------------


# Built and searched in a child process: tantivy's threads read an index's mapped files for up to
# half a second after the index is dropped, and a file cut short under a live mapping kills the
# process with SIGBUS (2 of 7 runs of this test did, before the index was built elsewhere). What is
# tested is what a process does when it finds damaged files: check sizes before mapping anything.
BUILD = """
import json, sys
from pathlib import Path
from curbside.ingest.run import ingest
from curbside.retrieve.lexical import TantivyIndex
from curbside.retrieve.store import EvidenceStore
store = EvidenceStore(Path(sys.argv[1]) / "evidence.sqlite")
ingest([Path(sys.argv[2])], store)
print(json.dumps(TantivyIndex(store, Path(sys.argv[1]) / "lexical").search("diabetes risk", 5)))
"""


@pytest.fixture
def built(
    medquad: Path, tmp_path: Path
) -> Iterator[tuple[EvidenceStore, Path, list[tuple[int, float]]]]:
    """An evidence store of the CDC questions, its lexical index (built by another process) and
    what that process found for "diabetes risk"."""
    home = tmp_path / "home"
    out = subprocess.run(
        [sys.executable, "-c", BUILD, str(home), str(medquad / "9_CDC_QA")],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = [(int(pid), float(score)) for pid, score in json.loads(out.stdout)]
    store = EvidenceStore(home / "evidence.sqlite")
    yield store, home / "lexical", expected
    store.close()


def _damage(generation: Path, how: str) -> None:
    segments = [p for p in generation.iterdir() if p.is_file() and not p.name.startswith(".")]
    segments = [p for p in segments if p.name not in ("meta.json", "curbside-state.json")]
    if how == "meta-garbage":
        (generation / "meta.json").write_text("{not json")
    elif how == "meta-missing":
        (generation / "meta.json").unlink()
    elif how == "truncated":
        for p in segments:
            p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    elif how == "garbage":
        for p in segments:
            p.write_bytes(b"\x00garbage" * 64)
    elif how == "segment-missing":
        for p in segments:
            p.unlink()


@pytest.mark.parametrize(
    "how", ["meta-garbage", "meta-missing", "truncated", "garbage", "segment-missing"]
)
def test_a_damaged_index_is_rebuilt_from_the_store_with_a_warning(
    built: tuple[EvidenceStore, Path, list[tuple[int, float]]],
    how: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, folder, expected = built
    assert expected
    generation = folder / "index"
    _damage(generation, how)
    with caplog.at_level(logging.WARNING, logger="curbside.retrieve.lexical"):
        index = TantivyIndex(store, folder)
        assert index.search("diabetes risk", 5) == expected
        assert index.term_weights("diabetes risk")
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "is damaged" in warned[0] and "rebuilding" in warned[0]
    assert (generation / "meta.json").is_file()


@pytest.mark.parametrize("content", [b"\x00garbage" * 640, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_damaged_evidence_store_is_reported_and_left_as_it_is(
    tmp_path: Path,
    kb: KnowledgeBase,
    content: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The store is what the indexes are rebuilt from: damaged, it cannot repair itself. Every
    command says so and how to recover, and nothing overwrites the file."""
    store = tmp_path / "evidence.sqlite"
    store.write_bytes(content)
    with pytest.raises(EvidenceStoreDamaged, match="ingest"):
        Answerer(Settings(home=tmp_path, publish=False), kb)
    monkeypatch.setenv("CURBSIDE_HOME", str(tmp_path))
    monkeypatch.setenv("CURBSIDE_PUBLISH", "false")
    for command in (["ask", GRADING], ["ingest", "--no-embed", str(tmp_path / "none.md")]):
        assert main(command) == EXIT_DAMAGED
        said = capsys.readouterr().err
        assert f"the evidence store {store} is damaged" in said and "curbside ingest" in said
    assert store.read_bytes() == content


class _Failing:
    """An open index whose files fail when searched, as tantivy says when a file went bad."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def parse_query(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Failed to open file for read: 'FileDoesNotExist(...)'")

    def searcher(self) -> Any:
        raise ValueError("Failed to open file for read: 'FileDoesNotExist(...)'")


def test_an_index_that_fails_while_searching_is_rebuilt(
    built: tuple[EvidenceStore, Path, list[tuple[int, float]]], caplog: pytest.LogCaptureFixture
) -> None:
    store, folder, _ = built
    index = TantivyIndex(store, folder)
    expected = index.search("diabetes risk", 5)
    index._index = _Failing(index._index)
    with caplog.at_level(logging.WARNING, logger="curbside.retrieve.lexical"):
        assert index.search("diabetes risk", 5) == expected
    assert any("is damaged" in r.getMessage() for r in caplog.records)


# -- the article library's database down ------------------------------------------------------


@pytest.fixture
def live_schema() -> Iterator[str]:
    """A fresh schema in the machine's PostgreSQL, named by the URL's application_name too."""
    try:
        conn = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES}: {exc}")
    conn.close()
    with fresh_schema(POSTGRES, "faults") as url:
        yield url


def _unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/api/docs#problem-unavailable"
    assert body["detail"].startswith("the article library is unavailable: ")


def test_a_library_that_is_down_is_a_503_and_the_api_recovers_when_it_is_back(
    kb: KnowledgeBase, tmp_path: Path, live_schema: str
) -> None:
    settings = Settings(home=tmp_path, publish=True, library_url=CLOSED_PORT, dense="off")
    engine = Engine(settings, kb)
    app = create_app(engine=engine)
    # One event loop for all requests, so that the worker threads (and the library
    # connection each holds) live from one request to the next, as in a server.
    with TestClient(app, raise_server_exceptions=False) as client:
        _unavailable(client.get("/api/library"))
        _unavailable(client.get("/api/articles/nothing"))
        health = client.get("/api/health")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert "cannot be reached" in health.json()["library_problem"]
        answer = client.get("/api/ask", params={"q": GRADING})  # answered, not published
        _unavailable(answer)
        notes = answer.json()["article"]["notes"]
        assert any("article library is unavailable" in n for n in notes)

        engine.settings = settings.model_copy(update={"library_url": live_schema})  # back up
        assert client.get("/api/library").status_code == 200
        answer = client.get("/api/ask", params={"q": GRADING})
        assert answer.status_code == 200
        assert not any("unavailable" in n for n in answer.json()["notes"])
        assert client.get("/api/health").json()["status"] == "ok"

        # The server drops every connection (a restart): 503 at most once a thread, then back.
        schema = live_schema.rsplit("=", 1)[1]
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            dropped = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (schema,),
            ).fetchone()
        assert dropped is not None and dropped[0] >= 1
        statuses = [client.get("/api/library").status_code for _ in range(dropped[0] + 2)]
        assert set(statuses) <= {200, 503} and statuses[-1] == 200, statuses


def test_the_503_does_not_show_the_database_password(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = CLOSED_PORT.replace("root@", "curbside:hunter2-secret@")
    engine = Engine(Settings(home=tmp_path, publish=True, library_url=url, dense="off"), kb)
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        library = client.get("/api/library")
        answer = client.get("/api/ask", params={"q": GRADING})
        assert (library.status_code, answer.status_code) == (503, 503)
        assert "hunter2" not in library.text + answer.text
    assert "hunter2" not in caplog.text
