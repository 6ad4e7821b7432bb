"""What every page shares: the templates and how a page is rendered, who is asking (the session's
user, staff or not), form fields, and the constants of the pages. The pages themselves are in
`curbside.web.pages` (reading: ask, article, follow-up, library, policy) and
`curbside.web.staff_pages` (sign-in and the review dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from curbside import __version__
from curbside.clinical.units import UnitError
from curbside.compose.render import article_context as article_view_context
from curbside.compose.render import article_loader, configure
from curbside.library import (
    ArticleRecord,
    LibraryUnavailable,
    PermissionDenied,
    User,
)
from curbside.models import AUDIENCES, REVIEW_STATUSES, Article, Audience, ReviewStatus
from curbside.service import Outcome
from curbside.understand import QuestionError
from curbside.web.auth import service_of
from curbside.web.security import csrf_token
from curbside.web.urls import article_path, follow_up_path

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "curbside_session"
SESSION_ID_COOKIE = "curbside_session_id"  # which token to revoke on sign-out
SESSION_LABEL = "web session"
SESSION_LIFETIME = timedelta(hours=12)  # a session's token expires (and sign-out revokes it)
AUDIENCE_COOKIE = "audience"
AUDIENCE_COOKIE_AGE = 365 * 24 * 3600
MAX_THREAD = 10  # earlier questions a follow-up may carry
MAX_SEARCH_CHARS = 200

AUDIENCE_BY_NAME: dict[str, Audience] = {a: a for a in AUDIENCES}
STATUS_BY_NAME: dict[str, ReviewStatus] = {s: s for s in REVIEW_STATUSES}
# (value sent by the form, label shown); the value is a unit `curbside.patient.readings` reads.
ANC_UNITS = (("cells/uL", "cells/µL"), ("x10^9/L", "× 10⁹/L"))
TEMPERATURE_UNITS = (("C", "°C"), ("F", "°F"))

REVIEW_QUEUE: tuple[ReviewStatus, ...] = ("submitted", "under_review", "changes_requested", "draft")


class BadInput(ValueError):
    """A form value that cannot be used; the message says what to change."""


INPUT_ERRORS = (BadInput, QuestionError, UnitError)


# ---- rendering -------------------------------------------------------------------------------


def sentence(message: str, capital: bool = True) -> str:
    """A library or engine message as a sentence: capital first letter (unless it starts with a
    name), final stop."""
    message = message.strip()
    if capital:
        message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The page templates, autoescaped; an undefined variable is an error, not blank text."""
    env = Environment(
        loader=ChoiceLoader([PackageLoader("curbside.web", "templates"), article_loader()]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    configure(env)
    env.globals.update(
        version=__version__,
        policy_href="/policy",
        article_path=article_path,
        review_link=review_path,
        follow_up_path=follow_up_path,
    )
    return env


def render(
    request: Request, template: str, viewer: User | None, status: int = 200, /, **context: object
) -> HTMLResponse:
    """A page (or fragment) from its template; every page knows who is signed in."""
    page = environment().get_template(template)
    token = csrf_token(request)  # the hidden field of every POST form
    html = page.render(viewer=viewer, path=request.url.path, csrf_token=token, **context)
    return HTMLResponse(html, status_code=status)


def article_context(
    article: Article,
    thread: list[str],
    permalink: str | None,
    follow_up: bool = True,
    private: bool = False,
) -> dict[str, object]:
    """What `_article.html` needs: the article, its references by number, the stepper, and the
    thread a follow-up from it extends (the earlier questions, then this one). A `private`
    article (about one patient or person) offers its follow-ups as forms that POST."""
    return {
        **article_view_context(article),
        "private": private,
        "references_open": False,  # each citation shows its source on hover or focus
        "thread": [*thread, article.question],
        "permalink": permalink,
        "show_follow_up": follow_up,
    }


def message_page(
    request: Request, viewer: User | None, title: str, message: str, status: int
) -> HTMLResponse:
    """A page that only says something: not found, not allowed, not available."""
    return render(request, "message.html", viewer, status, title=title, message=message)


def not_found(request: Request, viewer: User | None, what: str = "page") -> HTMLResponse:
    """404, without saying whether the thing exists unpublished."""
    return message_page(
        request, viewer, "Not found", f"There is no such {what}, or you may not see it.", 404
    )


def review_path(record: ArticleRecord) -> str:
    """The review page of a library article."""
    return f"/review/{quote(record.id)}"


def redirect(path: str, status: int = 303) -> RedirectResponse:
    """Go to another page (303: after a form, 301: a moved address)."""
    return RedirectResponse(path, status_code=status)


# ---- who is asking ---------------------------------------------------------------------------


def keeps_library(request: Request) -> bool:
    """Whether this server keeps an article library (publishing is on)."""
    return service_of(request).settings.publish


def viewer_of(request: Request) -> User | None:
    """The signed-in user of the session cookie; None for anonymous readers (and while the
    library cannot be used)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or not keeps_library(request):
        return None
    try:
        with service_of(request).library() as library:
            return library.user_for_token(token)
    except (PermissionDenied, LibraryUnavailable):
        return None


Viewer = Annotated[User | None, Depends(viewer_of)]


def is_staff(viewer: User | None) -> bool:
    """Editors, reviewers and admins: those who see unpublished articles and review them."""
    return viewer is not None and viewer.role != "reader"


@dataclass(frozen=True)
class Staff:
    """A signed-in editor, reviewer or admin."""

    user: User


def staff_of(request: Request, viewer: User | None, here: str) -> Staff | Response:
    """The staff member at work; otherwise where to go instead: sign in first (then back
    `here`), or a refusal for readers and for servers without a library."""
    if not keeps_library(request):
        off = "The article library is off on this server."
        return message_page(request, viewer, "Not available", off, 404)
    if viewer is None:
        return redirect("/login?" + urlencode({"next": here}))
    if not is_staff(viewer):
        refused = "Your account may read articles but not review them."
        return message_page(request, viewer, "Not allowed", refused, 403)
    return Staff(viewer)


async def form_lists(request: Request) -> dict[str, list[str]]:
    """The fields of a URL-encoded form post, every value of each."""
    body = (await request.body()).decode("utf-8", "replace")
    return parse_qs(body, keep_blank_values=True)


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form post (the first value of each)."""
    return {key: values[0] for key, values in (await form_lists(request)).items()}


Fields = Annotated[dict[str, str], Depends(form_fields)]
FieldLists = Annotated[dict[str, list[str]], Depends(form_lists)]


def private(response: Response, outcome: Outcome) -> Response:
    """An answer about one patient or person is kept by no cache (`Cache-Control: no-store`)."""
    if outcome.private:
        response.headers["Cache-Control"] = "no-store"
    return response
