"""The HTML pages: ask, article, follow-up, library, editorial policy, sign-in and the review
dashboard.

Every page is rendered on the server with Jinja2 (autoescaped: a question is always shown back as
text) and works without JavaScript; `static/curbside.js` only fetches the answer to the ask form
as an HTML fragment (`/fragments/answer`) and puts it into the page. Nothing here knows clinical
content: answers come from the article service, articles and their workflow from the article
library, on a connection each page takes for itself and gives back when it is done.

Staff sign in with their library password; the session is an API token of theirs, kept in the
HttpOnly, SameSite=Lax cookie `curbside_session` (SameSite keeps other sites from posting the
review forms with it) and revoked on sign-out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined

from curbside import __version__
from curbside.clinical.units import UnitError
from curbside.compose.render import STATUS_LABELS, patient_lines
from curbside.guards import Throttled
from curbside.library import (
    TRANSITIONS,
    ArticleRecord,
    Conflict,
    Library,
    LibraryError,
    LibraryUnavailable,
    NotFound,
    PermissionDenied,
    Retracted,
    User,
)
from curbside.library.workflow import REVIEW_ACTIONS
from curbside.models import AUDIENCES, REVIEW_STATUSES, Article, Audience, Reference, ReviewStatus
from curbside.patient.model import PatientData, Reading
from curbside.patient.readings import count_reading, temperature_reading
from curbside.service import Outcome
from curbside.understand import MAX_QUESTION_CHARS, QuestionError
from curbside.web.auth import client_of, service_of
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

AUDIENCE_LABELS: dict[Audience, str] = {
    "physician": "Physician",
    "pharmacist": "Pharmacist",
    "nurse": "Nurse",
    "student": "Student",
    "patient": "Patient or caregiver",
}
AUDIENCE_BY_NAME: dict[str, Audience] = {a: a for a in AUDIENCES}
STATUS_BY_NAME: dict[str, ReviewStatus] = {s: s for s in REVIEW_STATUSES}
# (value sent by the form, label shown); the value is a unit `curbside.patient.readings` reads.
ANC_UNITS = (("cells/uL", "cells/µL"), ("x10^9/L", "× 10⁹/L"))
TEMPERATURE_UNITS = (("C", "°C"), ("F", "°F"))

# The review-status stepper: the steps, and which one each status stands at.
STEPS: tuple[str, ...] = ("Submitted", "Under review", "Approved")
STEP_OF: dict[ReviewStatus, int] = {
    "submitted": 0,
    "under_review": 1,
    "changes_requested": 1,
    "approved": 2,
}
REVIEW_QUEUE: tuple[ReviewStatus, ...] = ("submitted", "under_review", "changes_requested", "draft")

DONE_MESSAGES = {key: action.done for key, action in REVIEW_ACTIONS.items()} | {
    "comment": "Comment added."
}
CONFLICT_MESSAGE = (
    "Someone else changed this article since you opened it, so nothing was saved. "
    "Reload the page to see the current version, then try again."
)


class BadInput(ValueError):
    """A form value that cannot be used; the message says what to change."""


INPUT_ERRORS = (BadInput, QuestionError, UnitError)


# ---- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of the review-status stepper."""

    label: str
    state: Literal["done", "current", "todo"]


def stepper(status: ReviewStatus) -> list[Step]:
    """The steps Submitted → Under review → Approved, marked for this status (none is current
    for a draft or a retracted article)."""
    at = STEP_OF.get(status)
    steps = []
    for i, label in enumerate(STEPS):
        if at is None or i > at:
            steps.append(Step(label, "todo"))
        elif i < at:
            steps.append(Step(label, "done"))
        else:
            shown = "Changes requested" if status == "changes_requested" else label
            steps.append(Step(shown, "current"))
    return steps


def reference_links(ref: Reference) -> list[tuple[str, str]]:
    """(label, address) of every place a reader can check a reference."""
    links = []
    if ref.doi:
        links.append((f"doi:{ref.doi}", f"https://doi.org/{quote(ref.doi, safe='/:;()._-')}"))
    if ref.pmid and ref.pmid.isdigit():
        links.append((f"PubMed {ref.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"))
    if ref.url and urlsplit(ref.url).scheme in {"http", "https"}:
        links.append((urlsplit(ref.url).netloc, ref.url))
    return links


def long_date(day: date) -> str:
    """A date as '22 November 2026'."""
    return f"{day.day} {day:%B %Y}"


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
        loader=PackageLoader("curbside.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.globals.update(
        version=__version__,
        audience_labels=AUDIENCE_LABELS,
        status_labels=STATUS_LABELS,
        article_path=article_path,
        review_link=review_path,
        follow_up_path=follow_up_path,
    )
    env.filters.update(long_date=long_date, reference_links=reference_links)
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
        "private": private,
        "article": article,
        "refs": {ref.n: ref for ref in article.references},
        "steps": stepper(article.status),
        "patient_lines": patient_lines(article),
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


# ---- the ask form ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AskForm:
    """The ask form as sent, every field as typed (checked when the answer is asked for)."""

    q: str = ""
    audience: str = ""
    anc: str = ""
    anc_unit: str = ANC_UNITS[0][0]
    temperature: str = ""
    temperature_unit: str = TEMPERATURE_UNITS[0][0]


def ask_query(q: str = "", audience: str = "") -> AskForm:
    """A question in a link (`/ask?q=...`): the question and the reader's role only. Patient
    values come by POST, never in an address."""
    return AskForm(q, audience)


def ask_posted(fields: Fields) -> AskForm:
    """The ask form as posted, patient values included."""
    return AskForm(
        fields.get("q", ""),
        fields.get("audience", ""),
        fields.get("anc", ""),
        fields.get("anc_unit", ANC_UNITS[0][0]),
        fields.get("temperature", ""),
        fields.get("temperature_unit", TEMPERATURE_UNITS[0][0]),
    )


Asked = Annotated[AskForm, Depends(ask_query)]
Posted = Annotated[AskForm, Depends(ask_posted)]


def private(response: Response, outcome: Outcome) -> Response:
    """An answer about one patient or person is kept by no cache (`Cache-Control: no-store`)."""
    if outcome.private:
        response.headers["Cache-Control"] = "no-store"
    return response


def chosen_audience(request: Request, given: str) -> Audience:
    """The reader's role: as given, else the `audience` cookie, else the configured default."""
    if given:
        audience = AUDIENCE_BY_NAME.get(given)
        if audience is None:
            roles = ", ".join(AUDIENCES)
            raise BadInput(f"'{given}' is not a reader role Curbside knows: choose one of {roles}")
        return audience
    remembered = AUDIENCE_BY_NAME.get(request.cookies.get(AUDIENCE_COOKIE, ""))
    return remembered or service_of(request).settings.audience


def number(text: str, what: str) -> float:
    """A number as typed: '0.4', '0,4' and '1,200' are read; anything else is BadInput."""
    cleaned = re.sub(r"\s", "", text)
    if re.fullmatch(r"\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned.replace(",", "."))
    except ValueError:
        raise BadInput(f"the {what} '{text.strip()}' is not a number") from None
    if not math.isfinite(value):
        raise BadInput(f"the {what} '{text.strip()}' is not a number")
    return value


def unit_of(given: str, units: tuple[tuple[str, str], ...], what: str) -> tuple[str, str]:
    """The (unit, label) chosen for a value; BadInput for a unit the form does not offer."""
    for unit in units:
        if given == unit[0]:
            return unit
    raise BadInput(f"'{given}' is not one of the {what} units this form offers")


def reading(
    text: str,
    unit: str,
    units: tuple[tuple[str, str], ...],
    what: str,
    read: Callable[..., Reading],
) -> Reading | None:
    """One patient value from the form, in its canonical unit; None when left empty."""
    if not text.strip():
        return None
    code, label = unit_of(unit, units, what)
    return read(number(text, what), code, as_written=f"{text.strip()} {label}")


def patient_of(form: AskForm) -> PatientData | None:
    """The patient values of the form (None when none were given)."""
    anc = reading(form.anc, form.anc_unit, ANC_UNITS, "ANC", count_reading)
    temperature = reading(
        form.temperature,
        form.temperature_unit,
        TEMPERATURE_UNITS,
        "temperature",
        temperature_reading,
    )
    if anc is None and temperature is None:
        return None
    return PatientData(anc=anc, temperature=temperature)


def answer_of(request: Request, form: AskForm) -> Outcome:
    """The service's answer to the ask form; raises one of INPUT_ERRORS for bad input."""
    audience = chosen_audience(request, form.audience)
    service = service_of(request)
    return service.respond(form.q, audience, patient=patient_of(form), client=client_of(request))


def stored_path(outcome: Outcome, viewer: User | None) -> str | None:
    """The article page of this answer when the library holds it and the viewer may see it."""
    record = outcome.record
    if record is None or not (record.status == "approved" or is_staff(viewer)):
        return None
    return article_path(record)


def remember_audience(response: Response, audience: Audience) -> Response:
    """Keep the reader's role for a year in the `audience` cookie."""
    response.set_cookie(
        AUDIENCE_COOKIE, audience, max_age=AUDIENCE_COOKIE_AGE, httponly=True, samesite="lax"
    )
    return response


def ask_page(
    request: Request,
    viewer: User | None,
    form: AskForm,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The ask page, with the form as sent and, after bad input, what to change."""
    try:
        audience = chosen_audience(request, form.audience)
    except BadInput:
        audience = service_of(request).settings.audience
    return render(
        request,
        "ask.html",
        viewer,
        status,
        form=form,
        audience=audience,
        error=sentence(error) if error else None,
        anc_units=ANC_UNITS,
        temperature_units=TEMPERATURE_UNITS,
        max_chars=MAX_QUESTION_CHARS,
    )


def article_page(
    request: Request,
    viewer: User | None,
    article: Article,
    permalink: str | None,
    private: bool = False,
) -> HTMLResponse:
    """A full page for one article."""
    context = article_context(article, [], permalink, private=private)
    return render(request, "article.html", viewer, **context)


def answer_page(request: Request, viewer: User | None, form: AskForm) -> Response:
    """The answer as a page, or the stored article's page when the reader may see it."""
    try:
        outcome = answer_of(request, form)
    except INPUT_ERRORS as exc:
        return ask_page(request, viewer, form, str(exc), 400)
    except Retracted as exc:
        return message_page(request, viewer, "Retracted", sentence(str(exc)), 410)
    article = outcome.article
    stored = stored_path(outcome, viewer)
    if stored:
        response: Response = redirect(stored)
    else:
        response = article_page(request, viewer, article, None, outcome.private)
        if outcome.outage is not None:
            response.status_code = 503
    return private(remember_audience(response, article.audience), outcome)


def answer_fragment(request: Request, viewer: User | None, form: AskForm) -> Response:
    """The answer as an HTML fragment for the ask page's script."""
    try:
        outcome = answer_of(request, form)
    except INPUT_ERRORS as exc:
        return render(request, "_error.html", viewer, 400, error=sentence(str(exc)))
    except Retracted as exc:
        return render(request, "_error.html", viewer, 410, error=sentence(str(exc)))
    article = outcome.article
    context = article_context(article, [], stored_path(outcome, viewer), private=outcome.private)
    fragment = render(request, "_article.html", viewer, **context)
    return private(remember_audience(fragment, article.audience), outcome)


# ---- follow-ups ------------------------------------------------------------------------------


def thread_links(
    thread: list[str], audience: Audience, private: bool = False
) -> list[tuple[str, str | None]]:
    """(question, address of its own answer) for each earlier question of a thread; no address
    in a thread about one patient or person (it would carry their details)."""
    links: list[tuple[str, str | None]] = []
    for i, question in enumerate(thread):
        if private:
            links.append((question, None))
            continue
        if i == 0:
            links.append((question, "/ask?" + urlencode({"q": question, "audience": audience})))
        else:
            links.append((question, follow_up_path(thread[:i], question, audience)))
    return links


def follow_up_answer(
    request: Request, viewer: User | None, thread: list[str], q: str, audience: Audience
) -> dict[str, object]:
    """The `_article.html` context of the answer to a follow-up; raises INPUT_ERRORS."""
    if len(thread) > MAX_THREAD:
        raise BadInput(f"a thread keeps at most {MAX_THREAD} earlier questions")
    outcome = service_of(request).respond_follow_up(thread, q, audience, client=client_of(request))
    context = article_context(
        outcome.article, thread, stored_path(outcome, viewer), private=outcome.private
    )
    return context | {"outcome": outcome}


def follow_up_page(
    request: Request, viewer: User | None, thread: list[str], q: str, audience: str
) -> HTMLResponse:
    """The thread and the answer to its newest question (or what to change, status 400)."""
    reader = service_of(request).settings.audience
    outcome: Outcome | None = None
    try:
        reader = chosen_audience(request, audience)
        context, error = follow_up_answer(request, viewer, thread, q, reader), None
        outcome = context.pop("outcome")  # type: ignore[assignment]
    except (*INPUT_ERRORS, Retracted) as exc:
        context, error = {}, sentence(str(exc))
    hidden = outcome is None or outcome.private  # an unanswered thread may name a patient
    page = render(
        request,
        "follow_up.html",
        viewer,
        400 if error else 200,
        earlier=thread_links(thread[:MAX_THREAD], reader, hidden),
        question=q,
        audience=reader,
        error=error,
        **context,
    )
    if hidden:
        page.headers["Cache-Control"] = "no-store"
    return page


# ---- the review dashboard --------------------------------------------------------------------


def review_actions(record: ArticleRecord, viewer: User) -> list[tuple[str, str]]:
    """(value, label) of the workflow buttons this user's role may press now."""
    return [
        (action.name, action.label)
        for action in REVIEW_ACTIONS.values()
        if viewer.role in TRANSITIONS.get((record.status, action.to), frozenset())
    ]


def review_page(
    request: Request,
    staff: Staff,
    article_id: str,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """One article for review: its content, comments, history and the allowed buttons."""
    with service_of(request).library() as library:
        return _review_page(request, library, staff.user, article_id, error, status)


def _review_page(
    request: Request,
    library: Library,
    viewer: User,
    article_id: str,
    error: str | None,
    status: int,
) -> HTMLResponse:
    try:
        record = library.get(article_id, viewer)
        article = library.article(article_id, viewer)
    except NotFound:
        return not_found(request, viewer, "article")
    history = library.audit(viewer, article_id)
    done = DONE_MESSAGES.get(request.query_params.get("done", ""))
    return render(
        request,
        "review_article.html",
        viewer,
        status,
        record=record,
        actions=review_actions(record, viewer),
        comments=library.comments(article_id, viewer),
        history=history,
        names={entry.actor: entry.actor_name for entry in history},
        error=error,
        done=None if error else done,
        public_path=article_path(record),
        **article_context(article, [], None, follow_up=False),
    )


def refusal(exc: LibraryError, action: str, viewer: User) -> tuple[str, int]:
    """A library refusal as a message for the reviewer, with the HTTP status."""
    if isinstance(exc, Conflict):
        return CONFLICT_MESSAGE, 409
    if isinstance(exc, PermissionDenied):
        approver = viewer.role in TRANSITIONS[("under_review", "approved")]
        if action == "approve" and approver:
            return f"The author cannot approve: {sentence(str(exc), capital=False)}", 403
        return f"Not allowed: {sentence(str(exc), capital=False)}", 403
    if isinstance(exc, NotFound):
        return f"Not found: {sentence(str(exc), capital=False)}", 404
    return f"This cannot be done: {sentence(str(exc), capital=False)}", 400


def revision_of(fields: dict[str, str]) -> int:
    """The revision the form was made from (BadInput when missing or not a number)."""
    try:
        return int(fields.get("revision", ""))
    except ValueError:
        raise BadInput("the form did not say which revision it was made from: reload") from None


Write = Callable[[Library, User, int], object]


def review_write(
    request: Request,
    viewer: User | None,
    article_id: str,
    fields: dict[str, str],
    action: str,
    write: Write,
) -> Response:
    """Do one review write (a transition or a comment) and go back to the article, or show the
    article again with why it was refused."""
    staff = staff_of(request, viewer, f"/review/{article_id}")
    if not isinstance(staff, Staff):
        return staff
    try:
        revision = revision_of(fields)
        with service_of(request).library() as library:
            write(library, staff.user, revision)
    except BadInput as exc:
        return review_page(request, staff, article_id, sentence(str(exc)), 400)
    except LibraryError as exc:
        message, status = refusal(exc, action, staff.user)
        return review_page(request, staff, article_id, message, status)
    return redirect(f"/review/{quote(article_id)}?done={action}")


# ---- sign-in ---------------------------------------------------------------------------------


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site only."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/review"


def login_page(
    request: Request, target: str, error: str | None = None, status: int = 200, name: str = ""
) -> HTMLResponse:
    """The sign-in form (again, with the name typed and why it failed)."""
    return render(
        request, "login.html", viewer_of(request), status, next=target, error=error, name=name
    )


def start_session(request: Request, library: Library, user: User, target: str) -> Response:
    """A new API token for the user, set as the session cookie; then on to the target."""
    token = library.create_token(user, label=SESSION_LABEL, lifetime=SESSION_LIFETIME)
    response = redirect(safe_next(target))
    secure = request.url.scheme == "https"
    for name, value in ((SESSION_COOKIE, token.secret), (SESSION_ID_COOKIE, str(token.id))):
        response.set_cookie(name, value, httponly=True, samesite="lax", secure=secure)
    return response


def end_session(request: Request) -> None:
    """Revoke the session's token: the one the session cookie holds, whatever other cookie is
    sent."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or not keeps_library(request):
        return
    with service_of(request).library() as library:
        library.revoke_session(token)


# ---- routes ----------------------------------------------------------------------------------


def install(app: FastAPI) -> None:
    """Add the page routes and the static files to the app."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_reading(app)
    install_library(app)
    install_review(app)
    # Pages are for browsers: the OpenAPI document describes the JSON API and CDS Hooks.
    for route in app.routes:
        if isinstance(route, APIRoute) and "pages" in route.tags:
            route.include_in_schema = False


def install_reading(app: FastAPI) -> None:
    """Ask, answer fragment, article and follow-up pages."""

    @app.get("/", response_class=HTMLResponse, tags=["pages"])
    def page_home(request: Request, viewer: Viewer) -> Response:
        """The ask page."""
        return ask_page(request, viewer, AskForm())

    @app.get("/ask", response_class=HTMLResponse, tags=["pages"])
    def page_ask(request: Request, viewer: Viewer, form: Asked) -> Response:
        """The answer as a page, or the stored article's page when the reader may see it."""
        if "q" not in request.query_params:
            return redirect("/")
        return answer_page(request, viewer, form)

    @app.post("/ask", response_class=HTMLResponse, tags=["pages"])
    def post_ask(request: Request, viewer: Viewer, form: Posted) -> Response:
        """The ask form, sent: its answer (patient values stay out of the address)."""
        return answer_page(request, viewer, form)

    @app.get("/fragments/answer", response_class=HTMLResponse, tags=["pages"])
    def fragment_answer(request: Request, viewer: Viewer, form: Asked) -> Response:
        """The answer as an HTML fragment (a question without patient values)."""
        return answer_fragment(request, viewer, form)

    @app.post("/fragments/answer", response_class=HTMLResponse, tags=["pages"])
    def post_fragment_answer(request: Request, viewer: Viewer, form: Posted) -> Response:
        """The answer to the posted ask form as an HTML fragment for the ask page's script."""
        return answer_fragment(request, viewer, form)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, tags=["pages"])
    @app.get("/articles/{article_id}/{slug}", response_class=HTMLResponse, tags=["pages"])
    def page_article(request: Request, viewer: Viewer, article_id: str, slug: str = "") -> Response:
        """A library article; any other slug than its own redirects (301) to it."""
        try:
            if not keeps_library(request):
                raise NotFound("the library is off")
            with service_of(request).library() as library:
                record = library.get(article_id, viewer)
                article = library.article(article_id, viewer)
        except Retracted as exc:
            return message_page(request, viewer, "Retracted", sentence(str(exc)), 410)
        except NotFound:
            return not_found(request, viewer, "article")
        if slug != record.slug:
            return redirect(article_path(record), 301)
        return article_page(request, viewer, article, article_path(record))

    @app.get("/situations/{token}", response_class=HTMLResponse, tags=["pages"])
    def page_situation(request: Request, viewer: Viewer, token: str) -> Response:
        """The full article of a CDS Hooks card (its link names the situation by a token)."""
        situation = request.app.state.situations.get(token)
        if situation is None:
            gone = (
                "This link from a patient's record has expired (links last 15 minutes): "
                "open the card again from the record."
            )
            return message_page(request, viewer, "Link expired", gone, 404)
        service = service_of(request)
        outcome = service.respond(situation.question, "physician", patient=situation.record)
        response = article_page(request, viewer, outcome.article, None, private=True)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/follow-up", response_class=HTMLResponse, tags=["pages"])
    def page_follow_up(
        request: Request,
        viewer: Viewer,
        thread: Annotated[list[str] | None, Query()] = None,
        q: str = "",
        audience: str = "",
    ) -> Response:
        """A follow-up in the context of the earlier questions of its thread."""
        return follow_up_page(request, viewer, thread or [], q, audience)

    @app.post("/follow-up", response_class=HTMLResponse, tags=["pages"])
    def post_follow_up(request: Request, viewer: Viewer, fields: FieldLists) -> Response:
        """A follow-up sent by its form: the thread stays out of the address."""
        q = (fields.get("q") or [""])[0]
        audience = (fields.get("audience") or [""])[0]
        return follow_up_page(request, viewer, fields.get("thread", []), q, audience)


def install_library(app: FastAPI) -> None:
    """Library search, editorial policy, sign-in and sign-out."""

    @app.get("/library", response_class=HTMLResponse, tags=["pages"])
    def page_library(
        request: Request, viewer: Viewer, q: str = "", drug: str = "", status: str = ""
    ) -> Response:
        """Browse and search the library (readers find approved articles only)."""
        off = not keeps_library(request)
        found: list[ArticleRecord] = []
        error = None
        if status and status not in STATUS_BY_NAME:
            error = f"'{status}' is not a review status"
        elif len(q) > MAX_SEARCH_CHARS or len(drug) > MAX_SEARCH_CHARS:
            error = f"a search is at most {MAX_SEARCH_CHARS} characters"
        elif not off:
            chosen = STATUS_BY_NAME.get(status)
            with service_of(request).library() as library:
                found = library.search(q or None, drug=drug or None, status=chosen, viewer=viewer)
        return render(
            request,
            "library.html",
            viewer,
            400 if error else 200,
            off=off,
            q=q,
            drug=drug,
            status_filter=status,
            found=found,
            error=sentence(error) if error else None,
            drugs=sorted({d.name.lower() for d in service_of(request).kb.drugs.values()}),
            statuses=REVIEW_STATUSES if is_staff(viewer) else (),
        )

    @app.get("/policy", response_class=HTMLResponse, tags=["pages"])
    def page_policy(request: Request, viewer: Viewer) -> Response:
        """How articles are written and reviewed, and how to report an error."""
        return render(request, "policy.html", viewer)

    @app.get("/login", response_class=HTMLResponse, tags=["pages"])
    def page_login(
        request: Request, target: Annotated[str, Query(alias="next")] = "/review"
    ) -> Response:
        """The sign-in form for staff; `next` is where to go once signed in."""
        return login_page(request, safe_next(target))

    @app.post("/login", response_class=HTMLResponse, tags=["pages"])
    async def post_login(request: Request, fields: Fields) -> Response:
        """Check the password (waiting for a check slot without holding a worker thread); on
        success start a session."""
        target = safe_next(fields.get("next", "/review"))
        name = fields.get("username", "").strip()
        if not keeps_library(request):
            off = "Sign-in is off: this server keeps no library."
            return await run_in_threadpool(login_page, request, target, off, 404)
        service = service_of(request)
        try:
            password = fields.get("password", "")
            user = await service.authenticate_async(name, password, client_of(request))
        except PermissionDenied:
            wrong = "Wrong user name or password."
            return await run_in_threadpool(login_page, request, target, wrong, 401, name)
        except Throttled as exc:
            # Refused before any work: rendered here (no thread, no library), as cheaply as a
            # flood of them needs.
            said = sentence(str(exc))
            page = render(request, "login.html", None, 429, next=target, error=said, name=name)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page

        def begin() -> Response:
            with service.library() as library:
                return start_session(request, library, user, target)

        return await run_in_threadpool(begin)

    @app.post("/logout", tags=["pages"])
    def logout(request: Request) -> Response:
        """Revoke the session's token and forget the cookies."""
        end_session(request)
        response = redirect("/")
        for name in (SESSION_COOKIE, SESSION_ID_COOKIE):
            response.delete_cookie(name, httponly=True, samesite="lax")
        return response


def install_review(app: FastAPI) -> None:
    """The review dashboard: the queue, one article, workflow buttons and comments."""

    @app.get("/review", response_class=HTMLResponse, tags=["pages"])
    def page_review(request: Request, viewer: Viewer) -> Response:
        """Articles waiting for the board, grouped by status."""
        staff = staff_of(request, viewer, "/review")
        if not isinstance(staff, Staff):
            return staff
        with service_of(request).library() as library:
            search = library.search
            queue = [(s, search(status=s, viewer=staff.user, limit=200)) for s in REVIEW_QUEUE]
        return render(request, "review_queue.html", viewer, queue=queue)

    @app.get("/review/{article_id}", response_class=HTMLResponse, tags=["pages"])
    def page_review_article(request: Request, viewer: Viewer, article_id: str) -> Response:
        """One article with its comments, history and workflow buttons."""
        staff = staff_of(request, viewer, f"/review/{article_id}")
        if not isinstance(staff, Staff):
            return staff
        return review_page(request, staff, article_id)

    @app.post("/review/{article_id}", response_class=HTMLResponse, tags=["pages"])
    def post_review_action(
        request: Request, viewer: Viewer, article_id: str, fields: Fields
    ) -> Response:
        """Press a workflow button: move the article to another status."""
        action = fields.get("action", "")
        if action not in REVIEW_ACTIONS:
            return message_page(request, viewer, "Unknown action", f"No action '{action}'.", 400)
        to = REVIEW_ACTIONS[action].to
        note = fields.get("note", "").strip() or None

        def move(library: Library, user: User, revision: int) -> object:
            return library.transition(article_id, to, user, revision, note)

        return review_write(request, viewer, article_id, fields, action, move)

    @app.post("/review/{article_id}/comments", response_class=HTMLResponse, tags=["pages"])
    def post_review_comment(
        request: Request, viewer: Viewer, article_id: str, fields: Fields
    ) -> Response:
        """Comment on the article or on one of its statements."""
        text = fields.get("text", "")
        statement = fields.get("statement_id", "") or None

        def comment(library: Library, user: User, revision: int) -> object:
            return library.comment(article_id, user, text, revision, statement)

        return review_write(request, viewer, article_id, fields, "comment", comment)
