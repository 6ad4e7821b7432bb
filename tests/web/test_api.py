"""The JSON API over HTTP, in-process: ask, follow-up, the library and its review workflow,
health, the OpenAPI document and reference page; every error a problem+json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, get_args

import pytest
from fastapi.testclient import TestClient

from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.library import Library, open_library
from curbside.library.system import system_user
from curbside.library_commands import REVIEW_ACTIONS
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings
from curbside.understand import MAX_QUESTION_CHARS
from curbside.web.api_models import ReviewAction
from curbside.web.app import create_app
from curbside.web.urls import follow_up_path

GRADING = "How is neutropenia graded in CTCAE v5?"
CLOZAPINE = "How often should blood counts be checked on clozapine?"
SEED = "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}
# The TestClient's response: httpx2's or httpx's, whichever Starlette finds installed.
Response: TypeAlias = Any


def assert_problem(response: Response, status: int, *words: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status whose detail says these words."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert PROBLEM_FIELDS <= set(body) <= PROBLEM_FIELDS | {"errors"}, body
    assert body["status"] == status and body["instance"] == response.request.url.path
    assert body["title"] and isinstance(body["detail"], str) and len(body["detail"]) > 10
    assert body["type"] == "about:blank" or body["type"].startswith("/api/docs#problem-")
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


def assert_json(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


@pytest.fixture(scope="module")
def client(engine: Engine) -> TestClient:
    """The app without a library (CURBSIDE_PUBLISH=false in the tests)."""
    return TestClient(create_app(engine=engine), raise_server_exceptions=False)


@dataclass
class Team:
    """A client over an app with a library, and tokens for its users."""

    client: TestClient
    library: Library
    editor: str
    reviewer: str
    reader: str
    operator: str  # the system account: the author of every version the engine publishes

    def ask(self, question: str) -> dict[str, Any]:
        """Ask (which stores the answer as a draft); the answer with its id and url."""
        result: dict[str, Any] = assert_json(
            self.client.post("/api/ask", json={"question": question})
        )
        return result

    def review(self, article_id: str, token: str, action: str, **extra: object) -> Response:
        return self.client.post(
            f"/api/articles/{article_id}/review",
            json={"action": action, **extra},
            headers=bearer(token),
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def team(tmp_path: Path, kb: KnowledgeBase) -> Iterator[Team]:
    engine = Engine(Settings(home=tmp_path, publish=True), kb)
    library = open_library(engine.settings.library_url, engine.settings.home)
    assert library is not None
    operator = system_user(library)

    def token(name: str, role: str) -> str:
        user = library.add_user(name, role, actor=operator)  # type: ignore[arg-type]
        return library.create_token(operator, user=user).secret

    yield Team(
        TestClient(create_app(engine=engine), raise_server_exceptions=False),
        library,
        editor=token("edna", "editor"),
        reviewer=token("rita", "reviewer"),
        reader=token("reed", "reader"),
        operator=library.create_token(operator).secret,
    )
    library.close()


# ---- health --------------------------------------------------------------------------------


def test_health_without_library_or_evidence(client: TestClient) -> None:
    health = assert_json(client.get("/api/health"))
    assert health["status"] == "ok" and health["version"]
    assert all(health["knowledge"][k] > 0 for k in ("packs", "drugs", "statements"))
    assert health["evidence"] is None and health["library"] is None


def test_health_with_library_and_evidence(tmp_path: Path, kb: KnowledgeBase) -> None:
    settings = Settings(home=tmp_path, publish=True)
    EvidenceStore(settings.evidence_path).close()  # an (empty) evidence store
    client = TestClient(create_app(engine=Engine(settings, kb)))
    health = assert_json(client.get("/api/health"))
    assert health["evidence"] == {"passages": 0} and health["library"] == "sqlite"


# ---- ask -----------------------------------------------------------------------------------


def test_ask_by_query_string(client: TestClient) -> None:
    article = assert_json(client.get("/api/ask", params={"q": GRADING, "audience": "nurse"}))
    assert article["coverage"] == "curated" and article["audience"] == "nurse"
    body = assert_problem(client.get("/api/ask", params={"q": GRADING, "audience": "vet"}), 422)
    assert body["errors"][0]["loc"] == ["query", "audience"]
    assert_problem(client.get("/api/ask"), 422, "query parameter 'q'")


def test_ask_with_patient_values(client: TestClient) -> None:
    patient = {
        "anc": "0.4 x10^9/L",
        "temperature": {"value": 101.5, "unit": "F"},
        "medications": ["palbociclib"],
        "age": 64,
    }
    result = assert_json(
        client.post("/api/ask", json={"question": "Next steps?", "patient": patient})
    )
    summary = result["article"]["patient"]
    assert summary["anc_per_uL"] == 400 and summary["temperature_c"] == pytest.approx(38.61)
    assert summary["febrile_neutropenia"] is True and summary["age_years"] == 64
    assert "palbociclib" in summary["neutropenia_drugs"]
    assert result["article_id"] is None and result["url"] is None  # no library here
    # Values sent in the JSON body are reported as such, not as "the patient file" (issue 18).
    assert "sent with the request" in summary["anc_source"]
    assert "patient file" not in result["article"]["patient"]["anc_source"]


@pytest.mark.parametrize(
    ("patient", "words"),
    [
        ({"anc": "45%"}, "patient.anc: 45% is a percentage, not an absolute count"),
        ({"anc": "400"}, "patient.anc: '400' is not a number with its unit"),
        ({"anc": {"value": 0.4, "unit": "furlongs"}}, "unknown count unit"),
        ({"temperature": "52 C"}, "patient.temperature"),
    ],
)
def test_a_bad_patient_value_is_a_problem_naming_the_field(
    client: TestClient, patient: dict[str, object], words: str
) -> None:
    response = client.post("/api/ask", json={"question": "Next steps?", "patient": patient})
    body = assert_problem(response, 422, words)
    field = next(iter(patient))
    assert body["errors"][0]["loc"] == ["body", "patient", field]


def test_patient_fields_are_checked(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": "x?", "patient": {"anc_count": "1"}})
    body = assert_problem(response, 422, "body field 'patient.anc_count'")
    assert body["errors"][0]["type"] == "extra_forbidden"
    response = client.post("/api/ask", json={"question": "x?", "patient": {"age": -3}})
    assert_problem(response, 422, "patient.age")


# ---- bad input -----------------------------------------------------------------------------


def test_an_empty_question_is_refused(client: TestClient) -> None:
    assert_problem(client.get("/api/ask", params={"q": "   "}), 400, "the question is empty")
    response = client.post("/api/ask", json={"question": "\n\t "})
    body = assert_problem(response, 400, "the question is empty")
    assert body["type"] == "/api/docs#problem-question"


def test_a_question_over_the_limit_is_refused_with_the_limit(client: TestClient) -> None:
    limit = f"{MAX_QUESTION_CHARS:,}"
    assert_problem(client.post("/api/ask", json={"question": "a" * 20_000}), 400, limit)
    assert_problem(client.get("/api/ask", params={"q": "a" * 20_000}), 400, limit)


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"\x80\x81\xfe binary", {"content-type": "application/json"}),  # not UTF-8
        (b"\xff\xfe\x00\x81", {"content-type": "application/json"}),  # a UTF-16 mark
        (b"\x00\x01\x02\x03", {}),  # no content type
        (b"question=hi", {"content-type": "application/x-www-form-urlencoded"}),
        (b'{"question": ', {"content-type": "application/json"}),  # malformed JSON
    ],
)
def test_a_body_that_is_not_json_is_a_400_problem(
    client: TestClient, content: bytes, headers: dict[str, str]
) -> None:
    response = client.post("/api/ask", content=content, headers=headers)
    body = assert_problem(response, 400, "the request body")
    assert body["type"] == "/api/docs#problem-bad-body"


def test_json_of_the_wrong_shape_is_a_422_problem(client: TestClient) -> None:
    body = assert_problem(client.post("/api/ask", json=["a question"]), 422)
    assert body["errors"][0]["loc"] == ["body"]
    body = assert_problem(client.post("/api/ask", json={"question": 7, "audience": "x"}), 422)
    assert [e["loc"] for e in body["errors"]] == [["body", "question"], ["body", "audience"]]


def test_hostile_html_comes_back_as_json_data(client: TestClient) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> clozapine ANC 800?"
    response = client.post("/api/ask", json={"question": hostile})
    result = assert_json(response)
    assert result["article"]["question"] == hostile
    assert response.text.count("<script>") == _count_in_strings(result, "<script>")
    bad = client.post("/api/ask", json={"question": "q?", "patient": {"anc": "<script>x"}})
    problem = assert_problem(bad, 422, "<script>x")
    assert bad.text.count("<script>") == _count_in_strings(problem, "<script>")


def _count_in_strings(value: object, needle: str) -> int:
    """How often `needle` occurs inside the string values (and keys) of parsed JSON."""
    if isinstance(value, str):
        return value.count(needle)
    if isinstance(value, dict):
        return sum(
            _count_in_strings(k, needle) + _count_in_strings(v, needle) for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(_count_in_strings(v, needle) for v in value)
    return 0


def test_unknown_paths_methods_and_crashes_are_problems(
    client: TestClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_problem(client.get("/api/nothing-here"), 404, "/api/nothing-here")
    response = client.delete("/api/ask")
    assert_problem(response, 405, "DELETE")
    assert "GET" in response.headers["allow"]

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal state")

    monkeypatch.setattr(engine, "respond", crash)
    body = assert_problem(client.post("/api/ask", json={"question": GRADING}), 500)
    assert "secret" not in json.dumps(body) and body["title"] == "Internal Server Error"


# ---- follow-up ----------------------------------------------------------------------------


def test_follow_up_keeps_the_drug(client: TestClient) -> None:
    question = "What if she develops a fever?"
    result = assert_json(
        client.post("/api/follow-up", json={"thread": [SEED], "question": question})
    )
    assert "anastrozole" in result["article"]["title"].lower()
    assert result["article"]["notes"][0].startswith("Answered in the context of")
    assert result["url"] == follow_up_path([SEED], question, "physician")
    response = client.post("/api/follow-up", json={"thread": [SEED, " "], "question": question})
    assert_problem(response, 400, "thread[1]: the question is empty")
    response = client.post("/api/follow-up", json={"thread": [SEED] * 21, "question": question})
    assert_problem(response, 422, "thread")


# ---- the library ---------------------------------------------------------------------------


def test_without_a_library_its_endpoints_are_unavailable(client: TestClient) -> None:
    assert_problem(client.get("/api/library"), 503, "CURBSIDE_PUBLISH")
    assert_problem(client.get("/api/articles/abc"), 503)


def test_an_article_is_visible_to_anonymous_callers_once_approved(team: Team) -> None:
    stored = team.ask(GRADING)
    article_id = stored["article_id"]
    assert stored["url"].startswith(f"/articles/{article_id}/")
    path = f"/api/articles/{article_id}"
    assert_problem(team.client.get(path), 404, article_id)
    assert_problem(team.client.get(path, headers=bearer(team.reader)), 404)
    view = assert_json(team.client.get(path, headers=bearer(team.editor)))
    assert view["record"]["status"] == "draft" and view["article"]["question"] == GRADING
    assert view["url"] == stored["url"]

    _approve(team, article_id)
    view = assert_json(team.client.get(path))
    assert view["record"]["status"] == view["article"]["status"] == "approved"
    assert assert_json(team.client.get(path, params={"version": 1}))["article"]["title"]
    assert_problem(team.client.get(path, params={"version": 2}), 403, "no history")
    response = team.client.get(path, params={"version": 2}, headers=bearer(team.editor))
    assert_problem(response, 404, "has no version 2")
    assert_problem(team.client.get(path, params={"version": 0}), 422, "version")


def _approve(team: Team, article_id: str) -> dict[str, Any]:
    assert_json(team.review(article_id, team.editor, "submit"))
    assert_json(team.review(article_id, team.reviewer, "start"))
    record: dict[str, Any] = assert_json(team.review(article_id, team.reviewer, "approve"))
    return record


def test_the_review_flow_over_http(team: Team) -> None:
    article_id = team.ask(CLOZAPINE)["article_id"]
    record = assert_json(team.review(article_id, team.editor, "submit", note="ready"))
    assert record["status"] == "submitted" and record["revision"] == 2
    # Approving skips the review step: the workflow refuses it, whoever asks.
    assert_problem(team.review(article_id, team.editor, "approve"), 409, "submitted to approved")
    record = assert_json(team.review(article_id, team.reviewer, "start"))
    assert record["status"] == "under_review"
    assert_problem(team.review(article_id, team.editor, "approve"), 403, "edna has the role editor")
    # The author of the version (the account that published it) may not approve it.
    body = assert_problem(team.review(article_id, team.operator, "approve"), 403)
    assert "another reviewer must approve it" in body["detail"]
    # A write from a stale read changes nothing.
    stale = team.review(article_id, team.reviewer, "approve", expected_revision=2)
    assert_problem(stale, 409, "is at revision 3, not 2")
    assert (
        assert_json(team.client.get(f"/api/articles/{article_id}", headers=bearer(team.editor)))[
            "record"
        ]["status"]
        == "under_review"
    )
    record = assert_json(team.review(article_id, team.reviewer, "request-changes", note="cite"))
    assert record["status"] == "changes_requested"
    assert_json(team.review(article_id, team.editor, "submit", expected_revision=4))
    assert_json(team.review(article_id, team.reviewer, "start"))
    record = assert_json(team.review(article_id, team.reviewer, "approve"))
    assert record["status"] == "approved" and record["approved_version"] == 1
    record = assert_json(team.review(article_id, team.reviewer, "retract", note="superseded"))
    assert record["status"] == "retracted"
    retracted = assert_problem(team.client.get(f"/api/articles/{article_id}"), 410)
    assert "superseded" in retracted["detail"]  # the notice, with its reason
    audit = team.library.audit(system_user(team.library), article_id)
    assert next(e.note for e in audit if e.action == "transition") == "ready"


def test_review_actions_need_a_valid_token(team: Team) -> None:
    article_id = team.ask(GRADING)["article_id"]
    path = f"/api/articles/{article_id}/review"
    response = team.client.post(path, json={"action": "submit"})
    assert_problem(response, 401, "Authorization: Bearer")
    assert response.headers["www-authenticate"] == "Bearer"
    response = team.client.post(path, json={"action": "submit"}, headers=bearer("forged"))
    assert_problem(response, 401, "unknown, revoked or expired API token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    response = team.client.post(
        path, json={"action": "submit"}, headers={"Authorization": "Basic ZWQ6cHc="}
    )
    assert_problem(response, 401, "Bearer <token>")
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Reading with a bad token is refused too, rather than read anonymously.
    assert_problem(team.client.get("/api/library", headers=bearer("forged")), 401)
    assert_problem(team.review(article_id, team.reader, "submit"), 404)  # unpublished: unseen
    assert_problem(team.review(article_id, team.editor, "publish"), 422, "action")
    assert_problem(team.review("no-such-article", team.editor, "submit"), 404)


def test_comments(team: Team) -> None:
    stored = team.ask(GRADING)
    article_id = stored["article_id"]
    statement = stored["article"]["sections"][0]["statements"][0]["id"]
    path = f"/api/articles/{article_id}/comments"
    response = team.client.post(
        path,
        json={"text": "Check the source", "statement_id": statement},
        headers=bearer(team.reviewer),
    )
    comment = assert_json(response, 201)
    assert comment["body"] == "Check the source" and comment["statement_id"] == statement
    assert comment["article_id"] == article_id and comment["version"] == 1
    response = team.client.post(path, json={"text": "Whole article"}, headers=bearer(team.editor))
    assert assert_json(response, 201)["statement_id"] is None
    bad = team.client.post(
        path, json={"text": "x", "statement_id": "nope"}, headers=bearer(team.editor)
    )
    assert_problem(bad, 422, "has no statement 'nope'")
    assert_problem(team.client.post(path, json={"text": "  "}, headers=bearer(team.editor)), 422)
    stale = team.client.post(
        path, json={"text": "late", "expected_revision": 1}, headers=bearer(team.editor)
    )
    assert_problem(stale, 409, "not 1")
    assert_problem(team.client.post(path, json={"text": "hi"}), 401)
    _approve(team, article_id)
    refused = team.client.post(path, json={"text": "hi"}, headers=bearer(team.reader))
    assert_problem(refused, 403, "reed has the role reader")


def test_library_search_and_its_filters(team: Team) -> None:
    grading = team.ask(GRADING)["article_id"]
    clozapine = team.ask(CLOZAPINE)["article_id"]
    _approve(team, grading)

    def found(token: str | None = None, **params: str | int) -> list[str]:
        headers = bearer(token) if token else {}
        page = assert_json(team.client.get("/api/library", params=params, headers=headers))
        for entry in page["articles"]:
            assert entry["url"] == f"/articles/{entry['id']}/{entry['slug']}"
        return [entry["id"] for entry in page["articles"]]

    assert found() == [grading]  # anonymous: approved articles only
    assert set(found(team.reader)) == {grading}
    assert set(found(team.editor)) == {grading, clozapine}
    assert found(team.editor, drug="clozapine") == [clozapine]
    assert found(team.editor, text="graded ctcae") == [grading]
    assert found(team.editor, status="draft") == [clozapine]
    assert found(status="draft") == []
    assert len(found(team.editor, limit=1)) == 1
    today = team.library.get(grading, system_user(team.library)).last_updated.isoformat()
    assert set(found(team.editor, since=today, until=today)) == {grading, clozapine}
    assert found(team.editor, until="2000-01-01") == []
    assert_problem(team.client.get("/api/library", params={"status": "published"}), 422, "status")
    assert_problem(team.client.get("/api/library", params={"since": "last week"}), 422, "since")
    assert_problem(team.client.get("/api/library", params={"limit": 0}), 422, "limit")


def test_stored_answers_carry_their_library_id_and_patient_answers_do_not(team: Team) -> None:
    stored = team.ask(GRADING)
    again = team.ask(GRADING.lower())
    assert again["article_id"] == stored["article_id"] and again["url"] == stored["url"]
    response = team.client.post(
        "/api/ask", json={"question": GRADING, "patient": {"anc": "400/uL"}}
    )
    about_patient = assert_json(response)
    assert about_patient["article"]["patient"] is not None
    assert about_patient["article_id"] is None and about_patient["url"] is None


# ---- documentation -------------------------------------------------------------------------

API_PATHS = {
    "/api/health": {"get"},
    "/api/ask": {"get", "post"},
    "/api/follow-up": {"post"},
    "/api/articles/{article_id}": {"get"},
    "/api/library": {"get"},
    "/api/articles/{article_id}/review": {"post"},
    "/api/articles/{article_id}/comments": {"post"},
    "/api/docs": {"get"},
}


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    schema = assert_json(client.get("/openapi.json"))
    components = schema["components"]["schemas"]
    for path, methods in API_PATHS.items():
        assert set(schema["paths"][path]) == methods, path
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation["tags"] == ["api"]
            assert operation["summary"] and operation["description"], (path, method)
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    assert response["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    }
                elif path != "/api/docs":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.removeprefix("#/components/schemas/") in components
    for name in ("AskRequest", "PatientInput", "FollowUpRequest", "ReviewRequest", "Problem"):
        fields = components[name]["properties"]
        assert all(f.get("description") for f in fields.values()), name
    assert "HTTPValidationError" not in components
    assert "apiToken" in schema["components"]["securitySchemes"]


def test_the_reference_page_lists_every_endpoint(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    schema = client.get("/openapi.json").json()
    for path, methods in API_PATHS.items():
        for method in methods:
            row = f"<code>{method.upper()}</code></td><td><code>{path}</code></td>"
            assert row in page and schema["paths"][path][method]["summary"] in page
    assert 'id="problem-conflict"' in page and "/cds-services" in page
    assert "<script" not in page and "src=" not in page and "://" not in page


def test_review_actions_match_the_cli() -> None:
    assert set(get_args(ReviewAction)) == set(REVIEW_ACTIONS)
