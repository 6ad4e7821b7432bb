"""Hostile use, in process: failed sign-ins are throttled per account and per address and
password checks are bounded; anonymous askers cannot grow the library without bound."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from curbside.guards import DraftQuota, LoginGuard, Throttled
from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.models import AUDIENCES
from curbside.service import ArticleService
from curbside.settings import Settings
from curbside.web.app import create_app

QUESTIONS = [f"What is the management of neutropenia caused by {d}?" for d in ("anastrozole",)]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fail(guard: LoginGuard, name: str, address: str) -> None:
    with guard.attempt(name, address) as outcome:
        outcome(False)


def test_failed_sign_ins_are_throttled_per_account_and_per_address() -> None:
    clock = Clock()
    guard = LoginGuard(per_account=3, per_address=5, window=60, clock=clock)
    for _ in range(3):
        _fail(guard, "ed", "10.0.0.1")
    with pytest.raises(Throttled, match="too many failed sign-ins") as refused:
        _fail(guard, "ED", "10.0.0.2")  # the account, from anywhere, whatever the case
    assert 1 <= refused.value.retry_after <= 60
    _fail(guard, "rita", "10.0.0.1")
    _fail(guard, "sam", "10.0.0.1")
    with pytest.raises(Throttled):  # five failures from this address, whatever the account
        _fail(guard, "someone", "10.0.0.1")
    clock.now += 61  # the window moved on
    with guard.attempt("ed", "10.0.0.1") as outcome:
        outcome(True)


def test_a_success_clears_the_accounts_failures() -> None:
    guard = LoginGuard(per_account=2, per_address=100, clock=Clock())
    _fail(guard, "ed", "a")
    with guard.attempt("ed", "a") as outcome:
        outcome(True)
    _fail(guard, "ed", "a")
    _fail(guard, "ed", "a")
    with pytest.raises(Throttled):
        _fail(guard, "ed", "a")


def test_password_checks_run_at_most_so_many_at_once() -> None:
    guard = LoginGuard(concurrent=1, wait=0.1)
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with guard.attempt("a", "x") as outcome:
            inside.set()
            leave.wait(5)
            outcome(True)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    with pytest.raises(Throttled, match="busy"):
        _fail(guard, "b", "y")
    leave.set()
    holder.join()
    _fail(guard, "b", "y")  # free again


def test_the_login_page_answers_429_when_throttled(tmp_path: Path, kb: KnowledgeBase) -> None:
    settings = Settings(
        home=tmp_path, publish=True, rate_limit=0, dense="off", login_failures_per_account=2
    )
    library = open_library(None, tmp_path)
    library.add_user("ed", "editor", "a long enough password", actor=system_user(library))
    library.close()
    client = TestClient(create_app(engine=ArticleService(settings, kb)))
    wrong = {"username": "ed", "password": "wrong password!", "next": "/review"}
    assert [client.post("/login", data=wrong).status_code for _ in range(3)] == [401, 401, 429]
    refused = client.post("/login", data={**wrong, "password": "a long enough password"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "too many failed sign-ins" in refused.text.lower()


def test_anonymous_askers_add_few_drafts(tmp_path: Path, kb: KnowledgeBase) -> None:
    settings = Settings(
        home=tmp_path, publish=True, rate_limit=0, dense="off", drafts_per_client_hour=3
    )
    service = ArticleService(settings, kb)
    asked = [service.respond(QUESTIONS[0], audience, client="10.0.0.9") for audience in AUDIENCES]
    stored = [o for o in asked if o.record is not None]
    assert len(stored) == 3  # then answered, unstored, saying why
    assert all(any("last hour" in n for n in o.article.notes) for o in asked[3:])
    again = service.respond(QUESTIONS[0], AUDIENCES[0], client="10.0.0.9")
    assert again.record is not None  # asking a stored question again is no new draft
    other = service.respond(QUESTIONS[0], AUDIENCES[4], client="10.0.0.10")
    assert other.record is not None  # another client has a quota of its own
    local = service.respond("How is neutropenia graded in CTCAE v5?")
    assert local.record is not None  # the operator's own questions (CLI) count for nothing
    service.close()


def test_the_library_holds_at_most_so_many_pending_drafts(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    quota = DraftQuota(per_client=100, pending=2)
    assert quota.refusal("a", lambda: 1) is None
    assert "2 drafts waiting" in (quota.refusal("a", lambda: 2) or "")
    settings = Settings(home=tmp_path, publish=True, rate_limit=0, dense="off")
    settings = settings.model_copy(update={"max_pending_drafts": 2})
    service = ArticleService(settings, kb)
    outcomes = [service.respond(QUESTIONS[0], a, client=f"10.0.1.{n}") for n, a in
                enumerate(AUDIENCES)]  # fmt: skip
    assert [o.record is not None for o in outcomes] == [True, True, False, False, False]
    library = open_library(None, tmp_path)
    assert library.count("draft") == 2
    library.close()
    service.close()


def test_sign_ins_have_a_rate_of_their_own(tmp_path: Path, kb: KnowledgeBase) -> None:
    """Refused by the middleware before the form is read; other routes keep their budget."""
    settings = Settings(home=tmp_path, publish=True, dense="off", login_rate=0.01, login_burst=2)
    client = TestClient(create_app(engine=ArticleService(settings, kb)))
    wrong = {"username": "nobody", "password": "wrong password!"}
    codes = [client.post("/login", data=wrong).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    refused = client.post("/login", data=wrong)
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) > 1
    assert client.get("/api/health").status_code == 200
