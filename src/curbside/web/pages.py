"""The reading pages: ask, answer fragment, article, CDS card situation, follow-up, library and
editorial policy (sign-in and the review dashboard: `curbside.web.staff_pages`; what pages share:
`curbside.web.page_kit`).

Every page is rendered on the server with Jinja2 (autoescaped: a question is always shown back as
text) and works without JavaScript; `static/curbside.js` only fetches the answer to the ask form
as an HTML fragment (`/fragments/answer`) and puts it into the page. Nothing here knows clinical
content: answers come from the article service, articles and their workflow from the article
library, on a connection each page takes for itself and gives back when it is done.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from curbside.library import (
    ArticleRecord,
    NotFound,
    Retracted,
    User,
)
from curbside.models import AUDIENCES, REVIEW_STATUSES, Article, Audience
from curbside.patient.model import PatientData, Reading
from curbside.patient.readings import count_reading, temperature_reading
from curbside.service import Outcome
from curbside.understand import MAX_QUESTION_CHARS
from curbside.web.auth import client_of, service_of
from curbside.web.page_kit import (
    ANC_UNITS,
    AUDIENCE_BY_NAME,
    AUDIENCE_COOKIE,
    AUDIENCE_COOKIE_AGE,
    INPUT_ERRORS,
    MAX_SEARCH_CHARS,
    MAX_THREAD,
    STATIC_DIR,
    STATUS_BY_NAME,
    TEMPERATURE_UNITS,
    BadInput,
    FieldLists,
    Fields,
    Viewer,
    article_context,
    is_staff,
    keeps_library,
    message_page,
    not_found,
    private,
    redirect,
    render,
    sentence,
)
from curbside.web.staff_pages import install_staff
from curbside.web.urls import article_path, follow_up_path

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


# ---- routes ----------------------------------------------------------------------------------


def install(app: FastAPI) -> None:
    """Add the page routes and the static files to the app."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_reading(app)
    install_library(app)
    install_staff(app)
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
    """Library search and editorial policy."""

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
