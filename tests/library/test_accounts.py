"""Accounts: user names and passwords are checked, tokens expire and can be listed and revoked
(library, CLI and API), and what users write cannot forge lines of `library history`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from library_helpers import CHEAP, QUESTION, Clock

from curbside.cli import main
from curbside.knowledge.base import KnowledgeBase
from curbside.library import Invalid, Library, PermissionDenied
from curbside.library.system import system_user
from curbside.service import ArticleService
from curbside.settings import Settings
from curbside.web.app import create_app


@pytest.mark.parametrize("name", ["", " ", "a b", "e\nve", "x" * 65, "-dash", "ed\x00", "ü"])
def test_user_names_are_validated(library: Library, name: str) -> None:
    admin = library.add_user("admin", "admin")
    with pytest.raises(Invalid, match="not a user name"):
        library.add_user(name, "reader", actor=admin)


def test_passwords_have_a_minimum_length(library: Library) -> None:
    admin = library.add_user("admin", "admin")
    with pytest.raises(Invalid, match="at least 12 characters"):
        library.add_user("ed", "editor", "short pw", actor=admin)
    assert library.add_user("ed.o-k_1", "editor", "twelve chars", actor=admin).name == "ed.o-k_1"


def test_tokens_expire_and_are_listed_and_revoked(
    connect: Callable[[], Library], clock: Clock
) -> None:
    library = connect()
    admin = library.add_user("admin", "admin")
    ed = library.add_user("ed", "editor", actor=admin)
    short = library.create_token(ed, label="a day", lifetime=timedelta(days=1))
    lasting = library.create_token(ed, label="default")
    assert lasting.expires is not None and lasting.expires - lasting.created == timedelta(days=90)
    assert library.user_for_token(short.secret) == ed
    clock.advance(2)
    with pytest.raises(PermissionDenied, match="expired"):
        library.user_for_token(short.secret)
    assert connect().user_for_token(lasting.secret) == ed  # seen alike by another connection
    assert [t.label for t in library.tokens(ed)] == ["a day", "default"]
    library.revoke_token(ed, lasting.id)
    with pytest.raises(PermissionDenied):
        library.user_for_token(lasting.secret)
    library.revoke_session(short.secret)  # an expired or revoked token: nothing to do


def test_tokens_from_the_cli_and_no_forged_history_lines(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CURBSIDE_HOME", str(tmp_path))
    monkeypatch.setenv("CURBSIDE_PUBLISH", "true")
    monkeypatch.setenv("CURBSIDE_DENSE", "off")
    monkeypatch.setenv("CURBSIDE_LIBRARY_URL", url)
    assert main(["ask", QUESTION]) == 0
    assert main(["users", "add", "bob", "--role", "reviewer"]) == 0
    assert main(["users", "add", "bad name", "--role", "reviewer"]) == 4
    capsys.readouterr()
    assert main(["users", "token", "bob", "--days", "7", "--label", "laptop"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert main(["users", "tokens", "bob"]) == 0
    listed = capsys.readouterr().out
    assert "laptop" in listed and "expires" in listed and str(made["id"]) in listed
    forged = "fine\n  2026-01-01 00:00:00  admin        transition (approved)\x1b[2J"
    assert main(["library", "list", "--token", made["token"], "--status", "draft"]) == 0
    article_id = capsys.readouterr().out.splitlines()[1].split()[0]
    monkeypatch.delenv("CURBSIDE_TOKEN", raising=False)
    assert main(["library", "list"]) == 0  # without a token: says that drafts need one
    assert "drafts and articles in review need a token" in capsys.readouterr().err
    assert main(["review", "comment", article_id, forged, "--token", made["token"]]) == 0
    capsys.readouterr()
    assert main(["library", "history", article_id, "--token", made["token"]]) == 0
    history = capsys.readouterr().out
    assert "transition (approved)" in history  # shown, as the comment's text ...
    lines = [line for line in history.splitlines() if "transition" in line]
    assert all("fine\\n" in line for line in lines), lines  # ... on the comment's own line
    assert "\x1b" not in history
    assert main(["users", "revoke", str(made["id"])]) == 0
    assert main(["library", "history", article_id, "--token", made["token"]]) == 4


def test_tokens_over_the_api_and_sign_out_by_post_only(
    url: str, tmp_path: Path, kb: KnowledgeBase
) -> None:
    settings = Settings(home=tmp_path, library_url=url, publish=True, rate_limit=0, dense="off")
    service = ArticleService(settings, kb)
    client = TestClient(create_app(engine=service), raise_server_exceptions=False)
    with service.library() as library:
        library.hasher = CHEAP
        admin = system_user(library)
        ed = library.add_user("ed", "editor", "a long enough password", actor=admin)
        token = library.create_token(ed).secret
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post("/api/tokens", json={"label": "ci", "days": 3}, headers=auth)
    assert made.status_code == 201, made.text
    new = made.json()
    listed = client.get("/api/tokens", headers=auth).json()["tokens"]
    assert [t["label"] for t in listed] == ["", "ci"] and "secret" not in listed[1]
    assert client.get(
        "/api/tokens", headers={"Authorization": f"Bearer {new['secret']}"}
    ).is_success
    assert client.delete(f"/api/tokens/{new['id']}", headers=auth).status_code == 204
    gone = client.get("/api/tokens", headers={"Authorization": f"Bearer {new['secret']}"})
    assert gone.status_code == 401
    assert client.get("/api/tokens").status_code == 401
    assert client.post("/api/tokens", json={"days": 0}, headers=auth).status_code == 422

    signed_in = client.post("/login", data={"username": "ed", "password": "a long enough password"})
    assert signed_in.status_code == 200 and "curbside_session" in client.cookies
    session = client.cookies["curbside_session"]
    assert client.get("/logout").status_code == 405  # a link or an image cannot sign you out
    client.cookies.delete("curbside_session_id")  # whatever other cookie is (not) sent
    assert client.post("/logout", follow_redirects=False).status_code == 303
    with service.library() as library, pytest.raises(PermissionDenied):
        library.user_for_token(session)
    service.close()
