"""Values a database refuses are the caller's mistake, not the server's: an integer out of range
(version=2**63) is a 4xx on both backends, NUL bytes in text a 4xx on PostgreSQL (SQLite stores
them), and neither is ever a 500."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from library_helpers import CHEAP

from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.service import ArticleService
from curbside.settings import Settings
from curbside.web.app import create_app

QUESTION = "How is neutropenia graded in CTCAE v5?"


def test_out_of_range_numbers_and_nul_bytes_are_4xx(
    url: str, tmp_path: Path, kb: KnowledgeBase
) -> None:
    settings = Settings(home=tmp_path, library_url=url, publish=True, rate_limit=0, dense="off")
    service = ArticleService(settings, kb)
    client = TestClient(create_app(engine=service), raise_server_exceptions=False)
    article_id = client.post("/api/ask", json={"question": QUESTION}).json()["article_id"]
    library = open_library(url, tmp_path, hasher=CHEAP)
    editor = library.add_user("ed", "editor", actor=system_user(library))
    auth = {"Authorization": f"Bearer {library.create_token(editor).secret}"}
    library.close()
    big = str(2**63)
    requests = [
        ("GET", f"/api/articles/{article_id}", {"params": {"version": big}}),
        ("GET", f"/api/articles/{article_id}", {"params": {"version": "-" + big}}),
        ("GET", "/api/articles/a%00b", {}),
        ("GET", "/api/library", {"params": {"text": "neutro\x00penia"}}),
        ("GET", "/api/library", {"params": {"drug": "\x00"}}),
        ("GET", "/api/library", {"params": {"limit": big}}),
        ("POST", "/api/ask", {"json": {"question": "neutropenia \x00 grading"}}),
        ("POST", f"/api/articles/{article_id}/comments", {"json": {"text": "a\x00b"}}),
        (
            "POST",
            f"/api/articles/{article_id}/comments",
            {"json": {"text": "fine", "expected_revision": 2**63}},
        ),
        (
            "POST",
            f"/api/articles/{article_id}/review",
            {"json": {"action": "submit", "expected_revision": 2**63}},
        ),
        (
            "POST",
            f"/api/articles/{article_id}/comments",
            {"json": {"text": "x", "statement_id": "\x00"}},
        ),
        ("GET", "/articles/a%00b/slug", {}),
        ("POST", "/login", {"data": {"username": "ed\x00", "password": "x"}}),
    ]
    for method, path, extra in requests:
        response = client.request(method, path, headers=auth, **extra)  # type: ignore[arg-type]
        # SQLite keeps a NUL byte as any other character (a search finds nothing: 200);
        # PostgreSQL refuses it, which is the caller's mistake (4xx), never a 500.
        assert response.status_code < 500, (method, path, response.text)
        if big in str(extra) or str(2**63) in str(extra) or url.startswith("postgresql"):
            assert response.status_code >= 400, (method, path, response.text)
    assert client.get("/api/health").status_code == 200  # and the library is still fine
    service.close()
