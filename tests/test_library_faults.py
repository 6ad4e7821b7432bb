"""The article library under faults of its disk and its lock: a full disk, a read-only library,
and a database locked by another process for longer than the busy timeout. Each is a clear 503
with the answer attached (unstored) from the server and exit code 4 from the CLI, never a
traceback or a 500; when the fault clears, the next request stores again and the library's
invariants and SQLite's integrity check hold. Opening a connection takes no write lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from curbside.cli import EXIT_LIBRARY, main
from curbside.knowledge.base import KnowledgeBase
from curbside.library import LibraryUnavailable, open_library
from curbside.library.sqlite import SQLiteDatabase
from curbside.library.system import system_user
from curbside.service import ArticleService
from curbside.settings import Settings
from curbside.web.app import create_app

GRADING = "How is neutropenia graded in CTCAE v5?"
ANASTROZOLE = "What is the management of neutropenia caused by anastrozole?"
HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


class DiskFault:
    """A fault of the library file, set on every SQLite connection open now or opened later:
    a full disk (no page may be added) or a read-only file."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pragmas: dict[str, int] = {}
        self.open: list[SQLiteDatabase] = []
        original = SQLiteDatabase.__init__

        def opened(db: SQLiteDatabase, *args: Any, **kwargs: Any) -> None:
            original(db, *args, **kwargs)
            self.open.append(db)
            for name, value in self.pragmas.items():
                db.conn.execute(f"PRAGMA {name} = {value}")

        monkeypatch.setattr(SQLiteDatabase, "__init__", opened)

    def set(self, name: str, value: int) -> None:
        self.pragmas[name] = value
        for db in self.open:
            with suppress(sqlite3.ProgrammingError):  # closed since
                db.conn.execute(f"PRAGMA {name} = {value}")

    def full(self) -> None:
        """No more pages than the file has now: the next write that needs one fails."""
        pages = max(self._pages(db) for db in self.open)
        self.set("max_page_count", pages)

    def _pages(self, db: SQLiteDatabase) -> int:
        try:
            return int(db.conn.execute("PRAGMA page_count").fetchone()[0])
        except sqlite3.ProgrammingError:
            return 0


@pytest.fixture
def fault(monkeypatch: pytest.MonkeyPatch) -> DiskFault:
    return DiskFault(monkeypatch)


@pytest.fixture
def served(
    tmp_path: Path, kb: KnowledgeBase, fault: DiskFault
) -> Iterator[tuple[TestClient, Settings]]:
    settings = Settings(
        home=tmp_path, publish=True, dense="off", rate_limit=0, library_busy_timeout=0.3
    )
    with TestClient(
        create_app(engine=ArticleService(settings, kb)), raise_server_exceptions=False
    ) as client:
        yield client, settings


def _unavailable_with_answer(response: Any, words: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/api/docs#problem-unavailable" and words in body["detail"]
    assert body["article"]["bottom_line"]["text"]  # the answer all the same
    assert any("was not stored" in note for note in body["article"]["notes"])


def _sound(settings: Settings) -> None:
    """The library's invariants hold and SQLite finds the file intact."""
    library = open_library(None, settings.home)
    try:
        assert library.check() == []
    finally:
        library.close()
    with sqlite3.connect(settings.home / "library.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_full_disk_is_a_503_with_the_answer_and_storing_resumes(
    served: tuple[TestClient, Settings], fault: DiskFault
) -> None:
    client, settings = served
    assert client.post("/api/ask", json={"question": GRADING}).status_code == 200
    fault.full()
    _unavailable_with_answer(
        client.post("/api/ask", json={"question": ANASTROZOLE}), "database or disk is full"
    )
    assert client.get("/api/library").status_code == 200  # reading goes on
    fault.set("max_page_count", 1_073_741_823)  # space again
    stored = client.post("/api/ask", json={"question": ANASTROZOLE})
    assert stored.status_code == 200 and stored.json()["article_id"]
    _sound(settings)


def test_a_read_only_library_is_read_and_a_write_is_a_503(
    served: tuple[TestClient, Settings], fault: DiskFault
) -> None:
    client, settings = served
    assert client.post("/api/ask", json={"question": GRADING}).status_code == 200
    fault.set("query_only", 1)
    _unavailable_with_answer(client.post("/api/ask", json={"question": ANASTROZOLE}), "readonly")
    again = client.post("/api/ask", json={"question": GRADING})  # stored already: a read
    assert again.status_code == 200 and again.json()["article_id"]
    fault.set("query_only", 0)
    assert client.post("/api/ask", json={"question": ANASTROZOLE}).status_code == 200
    _sound(settings)


def test_a_library_that_opens_read_only_serves_reads(
    tmp_path: Path, kb: KnowledgeBase, fault: DiskFault
) -> None:
    """Opening (and the start-up migration of a library that is up to date) only reads."""
    open_library(None, tmp_path).close()
    fault.set("query_only", 1)
    service = ArticleService(Settings(home=tmp_path, publish=True, dense="off"), kb)
    with service.library() as library:
        assert library.search(viewer=None) == []
    service.close()


@pytest.fixture
def lock(served: tuple[TestClient, Settings]) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the library's write lock for 3 seconds."""
    path = served[1].home / "library.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), "3"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield holder
    holder.kill()
    holder.wait()


def test_a_library_locked_by_another_process_is_a_503_then_recovers(
    served: tuple[TestClient, Settings],
    lock: subprocess.Popen[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, settings = served
    started = time.monotonic()
    _unavailable_with_answer(client.post("/api/ask", json={"question": GRADING}), "locked")
    assert time.monotonic() - started < 2.5  # the busy timeout, not a hang
    # Opening a connection and reading take no write lock.
    reader = open_library(None, settings.home, migrate_schema=False, busy_timeout=0.3)
    assert reader.search(viewer=None) == []
    # The CLI: the answer on standard output, exit code 4 and one line on standard error.
    monkeypatch.setenv("CURBSIDE_HOME", str(settings.home))
    monkeypatch.setenv("CURBSIDE_PUBLISH", "true")
    monkeypatch.setenv("CURBSIDE_LIBRARY_BUSY_TIMEOUT", "0.3")
    monkeypatch.setenv("CURBSIDE_DENSE", "off")
    assert main(["ask", ANASTROZOLE]) == EXIT_LIBRARY
    said = capsys.readouterr()
    assert "anastrozole" in said.out.lower() and "Traceback" not in said.err
    assert "library is unavailable" in said.err and "locked" in said.err
    assert main(["users", "add", "ed", "--role", "editor"]) == EXIT_LIBRARY
    assert "Traceback" not in capsys.readouterr().err

    lock.wait(timeout=10)  # the other process is done
    stored = client.post("/api/ask", json={"question": GRADING})
    assert stored.status_code == 200 and stored.json()["article_id"]
    assert main(["users", "add", "ed", "--role", "editor"]) == 0
    assert system_user(reader).name == "curbside"
    reader.close()
    _sound(settings)


def test_the_pool_migrates_once_and_raises_one_error_for_the_driver(tmp_path: Path) -> None:
    """No driver error leaves the library: an unopenable file is LibraryUnavailable."""
    (tmp_path / "library.sqlite").mkdir()  # a folder where the file should be
    service = ArticleService(Settings(home=tmp_path, publish=True))
    with pytest.raises(LibraryUnavailable, match="cannot be used"), service.library():
        pass
