"""The guards of `curbside.web.security`: headers on every response, the body-size and rate
limits (problem+json 413 and 429), and the CSRF token of the HTML forms."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.library import Library, open_library
from curbside.library.system import system_user
from curbside.settings import Settings
from curbside.web.app import create_app
from curbside.web.security import CSP, CSRF_COOKIE, RateLimiter

PASSWORD = "correct horse battery staple"
BROWSER = {"origin": "http://testserver", "sec-fetch-site": "same-origin", "accept": "text/html"}
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def library_engine(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> Engine:
    engine = Engine(Settings(home=tmp_path_factory.mktemp("security"), publish=True), kb)
    library = open_library(engine.settings.library_url, engine.settings.home)
    assert library is not None
    library.add_user("ed", "editor", PASSWORD, actor=system_user(library))
    return engine


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine=engine), raise_server_exceptions=False)


def _token(html: str) -> str:
    match = TOKEN_FIELD.search(html)
    assert match, "no csrf_token field in the form"
    return match.group(1)


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/health", "/static/curbside.css", "/nowhere", "/openapi.json"]
)
def test_every_response_has_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]


def test_pages_load_their_script_and_style_from_static_only(client: TestClient) -> None:
    html = client.get("/").text
    assert "<style" not in html and " style=" not in html and " on" + "click=" not in html
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith("/static/")
    assert not re.search(r"<script(?![^>]*src=)[^>]*>", html), "an inline script breaks the CSP"


def test_a_body_over_the_limit_is_a_413_problem(engine: Engine) -> None:
    settings = engine.settings.model_copy(update={"max_body_bytes": 1024})
    app_client = TestClient(create_app(settings=settings, engine=Engine(settings, engine.kb)))
    big = {"question": "anastrozole neutropenia " + "x" * 2000}
    response = app_client.post("/api/ask", json=big)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413 and "1024 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: caught while the body streams
        yield b'{"question": "'
        yield b"y" * 2000
        yield b'"}'

    streamed = app_client.post(
        "/api/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    ok = app_client.post("/api/ask", json={"question": "anastrozole neutropenia"})
    assert ok.status_code == 200


def test_the_rate_limit_answers_429_with_retry_after(engine: Engine) -> None:
    settings = engine.settings.model_copy(update={"rate_limit": 1.0, "rate_burst": 3})
    app_client = TestClient(create_app(settings=settings, engine=Engine(settings, engine.kb)))
    codes = [app_client.get("/api/health").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = app_client.get("/api/health")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-frame-options"] == "DENY"


def test_the_token_bucket_refills_over_time_and_is_per_client() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0
    now[0] += 0.5
    assert limiter.take("a") == 0.0
    assert RateLimiter(rate=0, burst=1).take("a") == 0.0  # off


def test_the_default_limits_are_generous() -> None:
    settings = Settings()
    assert settings.rate_limit >= 50 and settings.rate_burst >= 100
    assert settings.max_body_bytes == 1024 * 1024


def _sign_in(client: TestClient) -> str:
    """Sign in as a browser would: the form's token, then the post. The page's token."""
    login = client.get("/login")
    assert CSRF_COOKIE in client.cookies and "HttpOnly" in login.headers["set-cookie"]
    token = _token(login.text)
    assert token == client.cookies[CSRF_COOKIE]
    fields = {"username": "ed", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data=fields, headers=BROWSER, follow_redirects=False)
    assert response.status_code == 303, response.text
    return token


def test_a_browser_form_post_needs_the_csrf_token(library_engine: Engine) -> None:
    client = TestClient(create_app(engine=library_engine))
    client.get("/login")
    fields = {"username": "ed", "password": PASSWORD}
    missing = client.post("/login", data=fields, headers=BROWSER)
    assert missing.status_code == 403 and "no security token" in missing.text
    assert "curbside_session" not in client.cookies
    wrong = client.post("/login", data={**fields, "csrf_token": "x" * 43}, headers=BROWSER)
    assert wrong.status_code == 403 and "out of date" in wrong.text
    api_like = client.post("/login", data=fields, headers={"origin": "http://testserver"})
    assert api_like.headers["content-type"] == "application/problem+json"
    assert api_like.json()["status"] == 403


def test_a_form_post_from_another_site_is_refused_even_with_the_token(
    library_engine: Engine,
) -> None:
    client = TestClient(create_app(engine=library_engine))
    token = _token(client.get("/login").text)
    fields = {"username": "ed", "password": PASSWORD, "csrf_token": token}
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
        response = client.post("/login", data=fields, headers=headers)
        assert response.status_code == 403 and "another site" in response.text


def test_signed_in_forms_carry_the_token_and_sign_out_checks_it(library_engine: Engine) -> None:
    client = TestClient(create_app(engine=library_engine))
    token = _sign_in(client)
    review = client.get("/review")
    assert review.status_code == 200 and _token(review.text) == token  # the logout form
    refused = client.post("/logout", headers=BROWSER, follow_redirects=False)
    assert refused.status_code == 403 and "curbside_session" in client.cookies
    done = client.post(
        "/logout", data={"csrf_token": token}, headers=BROWSER, follow_redirects=False
    )
    assert done.status_code == 303


def test_the_json_api_with_a_bearer_token_is_exempt(library_engine: Engine) -> None:
    library = open_library(library_engine.settings.library_url, library_engine.settings.home)
    assert isinstance(library, Library)
    token = library.create_token(library.user("ed"), label="test").secret
    client = TestClient(create_app(engine=library_engine))
    headers = {**BROWSER, "authorization": f"Bearer {token}"}
    response = client.post(
        "/api/ask", json={"question": "anastrozole neutropenia"}, headers=headers
    )
    assert response.status_code == 200
    cds = client.post("/cds-services/nowhere", json={}, headers=BROWSER)
    assert cds.status_code != 403  # CDS Hooks: a JSON API, no cookie session


def test_a_null_origin_is_decided_by_the_token(library_engine: Engine) -> None:
    """Browsers send `Origin: null` for a form post from a `no-referrer` page, as ours are."""
    client = TestClient(create_app(engine=library_engine))
    token = _token(client.get("/login").text)
    headers = {**BROWSER, "origin": "null"}
    fields = {"username": "ed", "password": PASSWORD}
    assert client.post("/login", data=fields, headers=headers).status_code == 403
    signed = client.post(
        "/login", data={**fields, "csrf_token": token}, headers=headers, follow_redirects=False
    )
    assert signed.status_code == 303
