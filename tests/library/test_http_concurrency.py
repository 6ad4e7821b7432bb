"""Nothing acknowledged is lost under concurrent load through the real HTTP server (uvicorn on
loopback), on SQLite and on PostgreSQL: concurrent reads, asks and review actions give no server
error, every write the server acknowledged is in the library afterwards, the library's invariants
hold, and no connection is left inside a transaction."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

import httpx
import psycopg
from tests.http_server import serve

from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.models import AUDIENCES

THREADS = 16


@dataclass
class Acknowledged:
    """What the server said it did, and every status it answered with."""

    articles: set[str] = field(default_factory=set)
    comments: dict[int, str] = field(default_factory=dict)  # comment id -> article
    transitions: set[tuple[str, int]] = field(default_factory=set)  # (article, revision)
    statuses: list[int] = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)


def _questions(kb: KnowledgeBase, n: int) -> list[tuple[str, str]]:
    drugs = sorted(d.name for d in kb.drugs.values())
    pairs = [
        (f"What is the management of neutropenia caused by {drug}?", audience)
        for drug in drugs
        for audience in AUDIENCES
    ]
    return pairs[:n]


def test_concurrent_reads_asks_and_reviews_lose_nothing(
    url: str, tmp_path: Path, kb: KnowledgeBase
) -> None:
    home = tmp_path / "home"
    setup = open_library(url, home)
    operator = system_user(setup)
    editor = setup.add_user("edna", "editor", actor=operator)
    reviewer = setup.add_user("rita", "reviewer", actor=operator)
    tokens = {
        "editor": setup.create_token(operator, user=editor).secret,
        "reviewer": setup.create_token(operator, user=reviewer).secret,
    }
    setup.close()
    questions = _questions(kb, 40)
    assert len(questions) == 40
    done = Acknowledged()

    with serve(home, {"CURBSIDE_LIBRARY_URL": url}) as server:
        # Eight articles stored first, to be reviewed and read while the rest are asked.
        with httpx.Client(base_url=server.base, timeout=60) as client:
            first = [
                client.post("/api/ask", json={"question": q, "audience": a}).json()
                for q, a in questions[:8]
            ]
        reviewed = [body["article_id"] for body in first]
        assert all(reviewed)
        done.articles.update(reviewed)

        def call(method: str, path: str, role: str | None = None, **kw: object) -> httpx.Response:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
            with httpx.Client(base_url=server.base, timeout=60) as client:
                response = client.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]
            with done.lock:
                done.statuses.append(response.status_code)
            return response

        def ask(question: str, audience: str) -> None:
            response = call("POST", "/api/ask", json={"question": question, "audience": audience})
            if response.status_code == 200:
                with done.lock:
                    done.articles.add(response.json()["article_id"])

        def submit(article: str) -> None:
            body = {"action": "submit"}
            response = call("POST", f"/api/articles/{article}/review", "editor", json=body)
            if response.status_code == 200:
                with done.lock:
                    done.transitions.add((article, response.json()["revision"]))

        def comment(article: str, n: int) -> None:
            body = {"text": f"comment {n}"}
            response = call("POST", f"/api/articles/{article}/comments", "reviewer", json=body)
            if response.status_code == 201:
                with done.lock:
                    done.comments[response.json()["id"]] = article

        tasks: list[Callable[[], None]] = []
        tasks += [lambda q=q, a=a: ask(q, a) for q, a in questions[8:] + questions[:8]]
        tasks += [lambda a=a: submit(a) for a in reviewed]
        tasks += [lambda a=a, n=n: comment(a, n) for n, a in enumerate(reviewed * 3)]
        tasks += [lambda: call("GET", "/api/library", "reviewer") and None for _ in range(60)]
        tasks += [lambda: call("GET", "/api/library") and None for _ in range(20)]
        tasks += [
            lambda a=a: call("GET", f"/api/articles/{a}", "editor") and None for a in reviewed
        ]
        random.Random(14).shuffle(tasks)
        with ThreadPoolExecutor(THREADS) as pool:
            for future in [pool.submit(task) for task in tasks]:
                future.result()

        server_errors = [s for s in done.statuses if s >= 500]
        assert server_errors == [], server_errors
        assert set(done.statuses) <= {200, 201, 409}, sorted(set(done.statuses))
        assert done.transitions and done.comments
        if url.startswith("postgresql"):
            _no_connection_in_a_transaction(url)

    library = open_library(url, home)
    try:
        viewer = system_user(library)
        stored = {r.id for r in library.search(viewer=viewer, limit=500)}
        assert done.articles <= stored, done.articles - stored
        for article in reviewed:
            comments = {c.id for c in library.comments(article, viewer)}
            assert {c for c, a in done.comments.items() if a == article} <= comments
        audited = {(e.article_id, e.revision) for e in library.audit(viewer)}
        assert done.transitions <= audited
        assert library.check() == []
    finally:
        library.close()


def _no_connection_in_a_transaction(url: str) -> None:
    """No connection of the test's schema sits 'idle in transaction' (or aborted in one)."""
    schema = url.rsplit("application_name=", 1)[1]
    base = url.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT state FROM pg_stat_activity WHERE application_name = %s", (schema,)
        ).fetchall()
    states = [r[0] for r in rows]
    assert states, "the server holds no connection to the library"
    assert not [s for s in states if s and s.startswith("idle in transaction")], states
