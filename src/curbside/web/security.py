"""Guards in front of every route: security headers, a request-size limit, a per-client rate
limit, and a CSRF check for the HTML forms.

One ASGI middleware (`install` adds it) does all four, in this order:

- **Rate limit.** A token bucket per client address (`CURBSIDE_RATE_LIMIT` requests a second,
  bursts of `CURBSIDE_RATE_BURST`; 0 turns it off). Over the limit: 429 problem+json with
  ``Retry-After``.
- **Body size.** A body over `CURBSIDE_MAX_BODY_BYTES` (by ``Content-Length`` or as it streams)
  is a 413 problem+json; the route never sees it.
- **CSRF.** An HTML form post (any POST, PUT, PATCH or DELETE outside ``/api/`` and
  ``/cds-services``, and not sent with ``Authorization: Bearer``) sent by a browser must carry
  the double-submit token: the ``curbside_csrf`` cookie, and the same value in the form field
  ``csrf_token`` (or the ``X-CSRF-Token`` header). Pages put the field into every POST form
  (`csrf_token` gives them the value; the cookie is set on the response that first needs it).
  A browser is recognised by the headers it always sends and a page cannot forge (``Origin``,
  ``Sec-Fetch-Site``, ``Referer``); a request from another origin is refused outright. A client
  that sends none of them (a script, a test client) is not a browser acting for someone and so
  cannot be the vehicle of a cross-site request; it is let through.
- **Headers.** Every response gets a self-only Content-Security-Policy, ``nosniff``,
  ``no-referrer``, ``X-Frame-Options: DENY`` and a Permissions-Policy that turns features off.
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from curbside.settings import Settings
from curbside.web.problems import Problem, ProblemResponse

CSRF_COOKIE = "curbside_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SCOPE_KEY = "curbside.csrf"  # the request's CSRF token: the cookie's, or one made for a page
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT_PREFIXES = ("/api/", "/cds-services")  # JSON APIs: Bearer tokens, no cookies
MAX_CLIENTS = 10_000  # rate-limit buckets kept (the least recently seen are dropped first)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# The API reference page (`/api/docs`) is one self-contained document with an inline <style>.
CSP_BY_PATH = {"/api/docs": CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
HEADERS: tuple[tuple[str, str], ...] = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", PERMISSIONS_POLICY),
)


SIGN_IN_PATHS = frozenset({"/login"})


class BodyTooLarge(Exception):
    """The request body passed the size limit while it was being read."""


@dataclass
class Bucket:
    """One client's token bucket."""

    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """Token buckets per client: `rate` tokens a second, at most `burst` saved up (rate 0: off)."""

    rate: float
    burst: int
    clock: Any = time.monotonic
    buckets: OrderedDict[str, Bucket] = field(default_factory=OrderedDict)

    def take(self, client: str) -> float:
        """Spend one token of the client's; 0 when it had one, else the seconds until it will."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        bucket = self.buckets.pop(client, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        self.buckets[client] = bucket
        while len(self.buckets) > MAX_CLIENTS:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


def install(app: FastAPI, settings: Settings | None = None) -> None:
    """Put the guards in front of the app (settings: the service's, else the environment's)."""
    if settings is None:
        service = getattr(app.state, "service", None)
        settings = getattr(service, "settings", None) or Settings()
    app.add_middleware(
        SecurityMiddleware,
        max_body=settings.max_body_bytes,
        rate=settings.rate_limit,
        burst=settings.rate_burst,
        login_rate=settings.login_rate,
        login_burst=settings.login_burst,
    )


def csrf_token(request: Request) -> str:
    """The CSRF token for the forms of this page (a new one is set as a cookie if need be)."""
    state: dict[str, Any] | None = request.scope.get(SCOPE_KEY)
    if state is None:  # the middleware is not installed: a token that nothing checks
        return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    if "token" not in state:  # no valid cookie came: a new token, set as a cookie on the way out
        state["token"] = secrets.token_urlsafe(32)
    token: str = state["token"]
    return token


class SecurityMiddleware:
    """The rate limit, body-size limit, CSRF check and security headers (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        max_body: int,
        rate: float,
        burst: int,
        login_rate: float = 0.0,
        login_burst: int = 1,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.limiter = RateLimiter(rate, burst)
        # Sign-ins have a budget of their own, spent before the body is read: a flood of them
        # is refused here, for a fraction of what the sign-in page costs.
        self.login_limiter = RateLimiter(login_rate, login_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not _well_formed(cookie):
            cookie = ""
        # The page's token: the cookie's, else one made only when a page asks for it.
        state: dict[str, Any] = {"token": cookie} if cookie else {}
        scope[SCOPE_KEY] = state
        secure = request.url.scheme == "https"
        path = request.url.path

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = (("content-security-policy", CSP_BY_PATH.get(path, CSP)), *HEADERS)
                for name, value in wanted:
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if not cookie and "token" in state:
                    headers.append((b"set-cookie", _cookie(state["token"], secure).encode()))
                message = {**message, "headers": headers}
            await send(message)

        refusal = await self._refusal(request, cookie)
        if refusal is not None:
            await refusal(scope, receive, send_guarded)
            return
        body = request.scope.get("curbside.body")
        await self.app(scope, _replay(body) if body is not None else receive, send_guarded)

    async def _refusal(self, request: Request, cookie: str) -> Response | None:
        """The response that refuses this request, or None to let it through."""
        path = request.url.path
        client = request.client.host if request.client else "unknown"
        wait = self.limiter.take(client)
        if wait <= 0 and request.method == "POST" and path in SIGN_IN_PATHS:
            wait = self.login_limiter.take(client)
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            detail = f"too many requests from this client: wait {retry} s and try again"
            return _problem(429, "Too Many Requests", detail, path, {"Retry-After": retry})
        too_large = _problem(
            413,
            "Content Too Large",
            f"the request body is larger than {self.max_body} bytes: send less",
            path,
        )
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            return too_large
        if request.method not in UNSAFE_METHODS:
            return None
        try:
            body = await _read_body(request, self.max_body)
        except BodyTooLarge:
            return too_large
        request.scope["curbside.body"] = body
        if path.startswith(EXEMPT_PREFIXES) or _bearer(request):
            return None
        return _csrf_refusal(request, body, cookie)


def _well_formed(token: str) -> bool:
    return 20 <= len(token) <= 100 and token.replace("-", "").replace("_", "").isalnum()


def _cookie(token: str, secure: bool) -> str:
    """The Set-Cookie value of a new CSRF token (a session cookie, like the sign-in's)."""
    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return f"{CSRF_COOKIE}={token}{flags}"


def _bearer(request: Request) -> bool:
    return request.headers.get("authorization", "").lower().startswith("bearer ")


async def _read_body(request: Request, limit: int) -> bytes:
    """The whole request body; BodyTooLarge as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    """A `receive` that hands the app the body read already, then waits for a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _from_browser(request: Request) -> bool:
    """Whether a browser sent the request (it always sends one of these; a page cannot stop it)."""
    return any(request.headers.get(h) for h in ("origin", "sec-fetch-site", "referer"))


def _same_origin(request: Request) -> bool:
    """False when the browser says that another site sent the request. (An origin of "null"
    says nothing: browsers send it for a form post from a page with `no-referrer`, as ours are;
    the token decides then.)"""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    if origin not in (None, "null") and urlsplit(origin).netloc != host:
        return False
    site = request.headers.get("sec-fetch-site")
    return site in (None, "same-origin", "none")


def _csrf_refusal(request: Request, body: bytes, cookie: str) -> Response | None:
    """403 for a browser's form post without the right token (or from another site)."""
    if not _from_browser(request):
        return None
    if not _same_origin(request):
        return _forbidden(request, "this form was sent from another site: it was not accepted")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        sent = fields.get(CSRF_FIELD, [""])[0]
    if not cookie or not sent:
        return _forbidden(
            request,
            "this form has no security token (or your browser did not keep its cookie): "
            "reload the page and send the form again",
        )
    if not hmac.compare_digest(sent.encode(), cookie.encode()):
        return _forbidden(
            request, "this form's security token is out of date: reload the page and send it again"
        )
    return None


def _forbidden(request: Request, detail: str) -> Response:
    """A 403: a short page for a browser, else a problem."""
    if "text/html" in request.headers.get("accept", ""):
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not accepted'
            '</title><link rel="stylesheet" href="/static/curbside.css"></head><body><main>'
            f'<h1>Not accepted</h1><p class="error">{escape(detail[0].upper() + detail[1:])}.'
            '</p><p><a href="/">Back to Curbside</a></p></main></body></html>'
        )
        return HTMLResponse(html, status_code=403)
    return _problem(403, "Forbidden", detail, request.url.path)


def _problem(
    status: int, title: str, detail: str, path: str, headers: dict[str, str] | None = None
) -> Response:
    problem = Problem(title=title, status=status, detail=detail, instance=path)
    return ProblemResponse(
        problem.model_dump(exclude_none=True), status_code=status, headers=headers
    )
