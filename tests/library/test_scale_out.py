"""Scale-out: two server processes over one PostgreSQL library serve the same articles, and a
review action taken through one is seen through the other."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.postgres_schema import fresh_schema

from curbside.library import open_library
from curbside.library.system import system_user

QUESTION = "How is neutropenia graded in CTCAE version 5?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "curbside.web.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise RuntimeError(
                f"server exited: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{base} did not start")


@pytest.fixture
def schema_url(postgres: str) -> Iterator[str]:
    with fresh_schema(postgres, "scale_out") as url:
        yield url


def test_two_servers_share_one_postgresql_library(schema_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CURBSIDE_LIBRARY_URL": schema_url,
        "CURBSIDE_PUBLISH": "true",
        "CURBSIDE_DENSE": "off",
    }
    ports = [_free_port(), _free_port()]
    servers = []
    for n, port in enumerate(ports):
        home = (
            tmp_path / f"host{n}"
        )  # each host has its own data folder; only the library is shared
        servers.append(_serve(port, {**env, "CURBSIDE_HOME": str(home)}))
    try:
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        for base, server in zip((a, b), servers, strict=True):
            _wait(base, server)
        asked = httpx.post(f"{a}/api/ask", json={"question": QUESTION}, timeout=30).json()
        article_id = asked["article_id"]
        assert article_id and asked["article"]["status"] == "draft"
        # The same question through the other host returns the one stored article.
        again = httpx.post(f"{b}/api/ask", json={"question": QUESTION}, timeout=30).json()
        assert again["article_id"] == article_id

        library = open_library(schema_url, tmp_path)
        operator = system_user(library)
        editor = library.add_user("ed", "editor", actor=operator)
        reviewer = library.add_user("rev", "reviewer", actor=operator)
        tokens = {
            "ed": library.create_token(operator, user=editor).secret,
            "rev": library.create_token(operator, user=reviewer).secret,
        }
        library.close()

        def review(base: str, who: str, action: str) -> httpx.Response:
            return httpx.post(
                f"{base}/api/articles/{article_id}/review",
                json={"action": action},
                headers={"Authorization": f"Bearer {tokens[who]}"},
                timeout=30,
            )

        assert review(a, "ed", "submit").status_code == 200
        assert review(b, "rev", "start").status_code == 200  # sees host A's submission
        assert review(a, "rev", "approve").status_code == 200  # sees host B's review start
        for base in (a, b):
            seen = httpx.get(f"{base}/api/articles/{article_id}", timeout=30)
            assert seen.status_code == 200, seen.text  # anonymous: published on both hosts
            assert seen.json()["record"]["status"] == "approved"
            # Both hosts answered the question before the review: their recent copies are stale.
            answer = httpx.get(f"{base}/api/ask", params={"q": QUESTION}, timeout=30)
            assert answer.status_code == 200 and answer.json()["status"] == "approved"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
