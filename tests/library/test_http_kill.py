"""kill -9 of the server during a burst of review writes over HTTP loses nothing it acknowledged:
after a restart every acknowledged comment and new article is in the library, and its invariants
hold (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from tests.http_server import serve

from curbside.library import open_library
from curbside.library.system import system_user

QUESTION = "What is the management of neutropenia caused by anastrozole?"


def test_kill_9_during_a_review_burst_loses_no_acknowledged_write(url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    setup = open_library(url, home)
    operator = system_user(setup)
    editor = setup.add_user("edna", "editor", actor=operator)
    auth = {"Authorization": f"Bearer {setup.create_token(operator, user=editor).secret}"}
    setup.close()
    acknowledged: dict[int, str] = {}
    lock = threading.Lock()
    env = {"CURBSIDE_LIBRARY_URL": url}

    with serve(home, env) as server:
        article = httpx.post(
            f"{server.base}/api/ask", json={"question": QUESTION}, timeout=60
        ).json()["article_id"]
        assert article

        def burst(n: int) -> None:
            with httpx.Client(base_url=server.base, timeout=10) as client:
                for k in range(200):
                    try:
                        response = client.post(
                            f"/api/articles/{article}/comments",
                            json={"text": f"comment {n}.{k}"},
                            headers=auth,
                        )
                    except httpx.HTTPError:
                        return  # the server is gone
                    if response.status_code == 201:
                        with lock:
                            acknowledged[response.json()["id"]] = response.json()["body"]

        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(burst, n) for n in range(8)]
            while len(acknowledged) < 20:  # well into the burst
                if all(f.done() for f in futures):
                    break
                threading.Event().wait(0.02)
            os.kill(server.process.pid, signal.SIGKILL)
            for future in futures:
                future.result()
        server.process.wait()

    assert len(acknowledged) >= 20
    with serve(home, env) as again:  # restarted on the same library
        assert httpx.get(f"{again.base}/api/health", timeout=30).status_code == 200
    library = open_library(url, home)
    try:
        kept = {c.id: c.body for c in library.comments(article, system_user(library))}
        missing = {i: b for i, b in acknowledged.items() if kept.get(i) != b}
        assert missing == {}
        assert library.check() == []
    finally:
        library.close()
