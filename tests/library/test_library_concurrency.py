"""Real concurrency and crashes, on both backends: two connections racing on one article, and a
writer SIGKILLed in the middle of its transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from library_helpers import Team, bring_to, retitled, variant

from curbside.library import Conflict, Library
from curbside.models import Article

EDITS_PER_WRITER = 12


def test_a_write_from_a_stale_read_loses_cleanly(
    library: Library, team: Team, answer: Article, connect: Callable[[], Library]
) -> None:
    """B reads, A commits a write while B's write is on its way: B gets Conflict, nothing of B's
    is stored (on PostgreSQL B's compare-and-set waits for A's row lock, then finds the revision
    moved; on SQLite B waits for the write lock, then sees the new revision)."""
    record, _ = library.publish(answer, team.editor)
    first, second = connect(), connect()
    a_inside = threading.Event()

    def hold(action: str) -> None:
        a_inside.set()
        time.sleep(0.3)  # B's write starts while A's transaction is still open

    first.before_commit = hold

    def write_b() -> None:
        a_inside.wait(10)
        second.transition(record.id, "retracted", team.admin, record.revision, "from B")

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(first.transition, record.id, "submitted", team.editor, record.revision)
        b = pool.submit(write_b)
        moved = a.result(timeout=30)
        with pytest.raises(Conflict, match="revision 2, not 1"):
            b.result(timeout=30)
    assert library.get(record.id, team.admin) == moved
    assert moved.status == "submitted"
    assert [e.note for e in library.audit(team.admin, record.id)] == [None, None]


def test_two_writers_racing_never_lose_an_edit(
    library: Library, team: Team, answer: Article, connect: Callable[[], Library]
) -> None:
    record, _ = library.publish(answer, team.editor)
    start = threading.Barrier(2)

    def writer(name: str) -> int:
        """Comment EDITS_PER_WRITER times, rereading and retrying on Conflict."""
        own = connect()
        conflicts = 0
        start.wait(10)
        done = 0
        while done < EDITS_PER_WRITER:
            revision = own.get(record.id, team.reviewer).revision
            try:
                own.comment(record.id, team.reviewer, f"{name} {done}", revision)
            except Conflict:
                conflicts += 1
                continue
            done += 1
        return conflicts

    with ThreadPoolExecutor(2) as pool:
        conflicts = list(pool.map(writer, ["A", "B"]))
    bodies = sorted(c.body for c in library.comments(record.id, team.admin))
    assert bodies == sorted(f"{w} {i}" for w in "AB" for i in range(EDITS_PER_WRITER))
    final = library.get(record.id, team.admin)
    assert final.revision == 1 + 2 * EDITS_PER_WRITER
    assert library.check() == []
    assert sum(conflicts) >= 0  # how often they collided depends on scheduling


def test_two_connections_publishing_one_question_make_one_article(
    library: Library, team: Team, answer: Article, connect: Callable[[], Library]
) -> None:
    first, second = connect(), connect()
    a_inside = threading.Event()

    def hold(action: str) -> None:
        a_inside.set()
        time.sleep(0.3)

    first.before_commit = hold

    def race(for_a: Article, for_b: Article) -> tuple[str, str]:
        """A publishes and holds its transaction open; B publishes meanwhile."""
        a_inside.clear()

        def publish_b() -> str:
            a_inside.wait(10)
            return second.publish(for_b, team.editor2)[1]

        with ThreadPoolExecutor(2) as pool:
            a = pool.submit(first.publish, for_a, team.editor)
            b = pool.submit(publish_b)
            return a.result(timeout=30)[1], b.result(timeout=30)

    assert race(answer, answer) == ("created", "unchanged")
    assert len(library.search(viewer=team.admin)) == 1
    # Two different new contents for one article: both are kept, as versions 2 and 3.
    assert race(retitled(answer, "From A"), retitled(answer, "From B")) == ("updated", "updated")
    record = library.find(answer.question, answer.audience, team.admin)
    titles = [v.article.title for v in library.versions(record.id, team.admin)]
    assert titles == [answer.title, "From A", "From B"]
    assert library.check() == []


CHILD = """
import sys, time
from pathlib import Path
from curbside.library import open_library
from curbside.models import Article

url, home, article_path, marker, action = sys.argv[1:]
library = open_library(url, Path(home))
editor = library.user("editor")
article = Article.model_validate_json(Path(article_path).read_text())


def pause(name):
    Path(marker).write_text(name)
    time.sleep(120)


library.before_commit = pause
if action == "comment":
    record = library.find(article.question, article.audience, editor)
    library.comment(record.id, editor, "never stored", record.revision)
else:
    library.publish(article, editor, drugs=["never-stored"])
print("the write was not interrupted", flush=True)
"""


@pytest.mark.parametrize("action", ["create", "new-version", "comment"])
def test_a_writer_killed_mid_transaction_leaves_a_consistent_library(
    library: Library,
    team: Team,
    answer: Article,
    connect: Callable[[], Library],
    url: str,
    tmp_path: Path,
    action: str,
) -> None:
    approved = bring_to(library, team, answer, "approved")
    written = {
        "create": variant(answer, "new question"),
        "new-version": retitled(answer, "Half-written"),
        "comment": answer,
    }[action]
    article_path = tmp_path / "article.json"
    article_path.write_text(written.model_dump_json())
    marker = tmp_path / "inside-the-transaction"
    audit_before = library.audit(team.admin)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(tmp_path), str(article_path), str(marker), action],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                output = child.stdout.read() if child.stdout else ""
                pytest.fail(f"the writer never reached its commit: {output}")
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(10)
        if child.stdout:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    reopened = connect()  # a fresh connection, as a restarted process would open
    assert reopened.check() == []
    assert reopened.get(approved.id, team.admin) == approved
    assert reopened.audit(team.admin) == audit_before
    assert len(reopened.versions(approved.id, team.admin)) == 1
    assert reopened.comments(approved.id, team.admin) == []
    assert reopened.search(drug="never-stored", viewer=team.admin) == []
    # The killed writer holds no lock: the same write now goes through.
    if action == "comment":
        reopened.comment(approved.id, team.editor, "stored", approved.revision)
    else:
        assert reopened.publish(written, team.editor)[1] in {"created", "updated"}
    assert reopened.check() == []
