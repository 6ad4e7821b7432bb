"""The JSON API: ask, follow up, read and search the article library, review, health, and a
page listing it all. Every route asks the article service, or a library connection it takes
for that request alone; every error is a problem
(`curbside.web.problems`); review actions act as the user of a Bearer token
(`curbside.web.auth`). FastAPI serves the OpenAPI document at `/openapi.json`."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from curbside import __version__
from curbside.library import ArticleRecord, Comment, Library, LibraryUnavailable, User
from curbside.library.workflow import REVIEW_ACTIONS
from curbside.models import Article, Audience, ReviewStatus
from curbside.service import Outcome
from curbside.understand import QuestionError, check_question
from curbside.web import api_tokens, problems
from curbside.web.api_models import (
    MAX_INT,
    QUESTION_SCHEMA,
    ArticleView,
    AskRequest,
    AskResult,
    CommentRequest,
    EvidenceCounts,
    FollowUpRequest,
    FollowUpResult,
    Health,
    IsoDate,
    KnowledgeCounts,
    LibraryEntry,
    LibraryPage,
    ReviewRequest,
)
from curbside.web.auth import Actor, Viewer, client_of, service_of
from curbside.web.urls import article_path, follow_up_path

__all__ = ["install", "router", "service_of"]

router = APIRouter(prefix="/api", tags=["api"])
READING = problems.problem_responses(401, 404, 422, 503)
WRITING = problems.problem_responses(401, 403, 404, 409, 422, 503)
# Reading takes a token but needs none: the empty requirement makes the token optional.
TOKEN_OPTIONAL: dict[str, Any] = {"security": [{}]}


def install(app: FastAPI) -> None:
    """Add the API routes to the app, and answer every error of the app as a problem."""
    problems.install(app)
    app.include_router(router)
    app.include_router(api_tokens.router)


@router.get(
    "/health",
    summary="Health and what the server answers with",
    response_model=Health,
)
def health(request: Request) -> Response:
    """Up, with the version, the knowledge loaded, the evidence ingested and the library's
    database; 'degraded' (503) while the library cannot be used."""
    service = service_of(request)
    store = service.store
    dialect, problem = None, None
    try:
        with service.connection() as library:
            if library is not None:
                library.revision("health")  # one small query: the database answers
                dialect = library.db.dialect
    except LibraryUnavailable as exc:
        problem = str(exc)
    body = Health(
        status="degraded" if problem else "ok",
        version=__version__,
        knowledge=KnowledgeCounts(
            packs=len(service.kb.pack_files),
            drugs=len(service.kb.drugs),
            statements=len(service.kb.statements),
        ),
        evidence=None if store is None else EvidenceCounts(passages=store.counts()["passages"]),
        library=dialect,
        library_problem=problem,
    )
    return model_response(body, status=503 if problem else 200)


def model_response(model: BaseModel, status: int = 200, private: bool = False) -> Response:
    """`model` as JSON, serialised once by pydantic. (Returned as a model, FastAPI would dump,
    validate and serialise it again: about a millisecond for an article, a quarter of the time
    an answer takes.) The route's `response_model` still documents it. A `private` answer (about
    one patient or person) is marked for no cache to keep."""
    headers = {"Cache-Control": "no-store"} if private else None
    return Response(
        model.model_dump_json(), status_code=status, media_type="application/json", headers=headers
    )


def answer_response(request: Request, outcome: Outcome, body: BaseModel) -> Response:
    """The answer; a 503 problem with the answer attached (unstored) while the library cannot
    be used."""
    if outcome.outage is not None:
        return problems.unavailable(request.url.path, outcome.outage, outcome.article)
    return model_response(body, private=outcome.private)


@router.get(
    "/ask",
    summary="Answer a question (query string; no patient values)",
    responses=problems.problem_responses(400, 422, 503),
    response_model=Article,
)
def ask_get(
    request: Request,
    q: Annotated[str, Query(description="The question.", json_schema_extra=QUESTION_SCHEMA)],
    audience: Annotated[Audience | None, Query(description="Who the answer is for.")] = None,
) -> Response:
    """The article for a question, as the answer contract's JSON. A question about a particular
    patient belongs in a POST body: a query string ends up in access logs."""
    outcome = service_of(request).respond(q, audience, client=client_of(request))
    return answer_response(request, outcome, outcome.article)


@router.post(
    "/ask",
    summary="Answer a question, optionally about a patient",
    responses=problems.problem_responses(400, 422, 429, 503),
    response_model=AskResult,
)
def ask(body: AskRequest, request: Request) -> Response:
    """The article for a question. Patient values (ANC, temperature with their units, medicines,
    age) make it an answer about that patient, which is not stored in the library (nor is a
    question naming a person); an answer that was stored comes with its library id and page."""
    service = service_of(request)
    patient = body.patient.to_patient_data() if body.patient is not None else None
    outcome = service.respond(
        body.question, body.audience, patient=patient, client=client_of(request)
    )
    record = outcome.record
    result = AskResult(
        article=outcome.article,
        article_id=None if record is None else record.id,
        url=None if record is None else article_path(record),
    )
    return answer_response(request, outcome, result)


@router.post(
    "/follow-up",
    summary="Answer a follow-up question",
    responses=problems.problem_responses(400, 422, 503),
    response_model=FollowUpResult,
)
def follow_up(body: FollowUpRequest, request: Request) -> Response:
    """The answer to a question asked after earlier ones: what it does not say (the drug, the
    condition, the patient's values) is taken from the thread."""
    service = service_of(request)
    for n, earlier in enumerate(body.thread):
        try:
            check_question(earlier)
        except QuestionError as exc:
            raise QuestionError(f"thread[{n}]: {exc}") from None
    audience = body.audience or service.settings.audience
    outcome = service.respond_follow_up(
        body.thread, body.question, audience, client=client_of(request)
    )
    url = follow_up_path(body.thread, body.question, audience)
    return answer_response(request, outcome, FollowUpResult(article=outcome.article, url=url))


@router.get(
    "/articles/{article_id}",
    summary="One library article",
    responses=READING,
    openapi_extra=TOKEN_OPTIONAL,
)
def get_article(
    request: Request,
    article_id: str,
    viewer: Viewer,
    version: Annotated[
        int | None,
        Query(ge=1, le=MAX_INT, description="An older version (editors and reviewers)."),
    ] = None,
) -> ArticleView:
    """The article's record and content. Anonymous callers and readers see approved articles
    only; editors, reviewers and admins (by token) see every article and its versions."""
    with service_of(request).library() as library:
        record = library.get(article_id, viewer)
        article = library.article(article_id, viewer, version)
    return ArticleView(record=record, article=article, url=article_path(record))


@router.get(
    "/library",
    summary="List and search library articles",
    responses=READING,
    openapi_extra=TOKEN_OPTIONAL,
)
def search_library(
    request: Request,
    viewer: Viewer,
    text: Annotated[
        str | None, Query(max_length=500, description="Words in the question, title or answer.")
    ] = None,
    drug: Annotated[str | None, Query(description="Articles about this drug.")] = None,
    status: Annotated[ReviewStatus | None, Query(description="Review status.")] = None,
    since: Annotated[IsoDate | None, Query(description="Current version dated from.")] = None,
    until: Annotated[IsoDate | None, Query(description="Current version dated until.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many.")] = 50,
) -> LibraryPage:
    """Articles matching every filter, newest first (approved ones only for anonymous callers
    and readers)."""
    with service_of(request).library() as library:
        found = library.search(
            text, drug=drug, status=status, since=since, until=until, viewer=viewer, limit=limit
        )
    entries = [LibraryEntry(**record.model_dump(), url=article_path(record)) for record in found]
    return LibraryPage(articles=entries)


@router.post(
    "/articles/{article_id}/review", summary="A review action on an article", responses=WRITING
)
def review(request: Request, article_id: str, body: ReviewRequest, actor: Actor) -> ArticleRecord:
    """Move the article through the editorial workflow: submit (editors), start review, approve,
    request changes or retract (reviewers), reopen a retracted article (admins). The author of
    a version cannot approve it."""
    to = REVIEW_ACTIONS[body.action].to
    with service_of(request).library() as library:
        revision = _revision(library, article_id, actor, body.expected_revision)
        return library.transition(article_id, to, actor, revision, note=body.note)


@router.post(
    "/articles/{article_id}/comments",
    summary="Comment on an article or one statement",
    status_code=201,
    responses=WRITING,
)
def comment(request: Request, article_id: str, body: CommentRequest, actor: Actor) -> Comment:
    """A review comment on the current version (editors, reviewers, admins)."""
    with service_of(request).library() as library:
        revision = _revision(library, article_id, actor, body.expected_revision)
        return library.comment(article_id, actor, body.text, revision, body.statement_id)


def _revision(library: Library, article_id: str, actor: User, expected: int | None) -> int:
    """The revision a write states: the one the caller read, or the article's revision now."""
    return expected if expected is not None else library.get(article_id, actor).revision


@router.get("/docs", summary="API reference page", response_class=HTMLResponse)
def docs(request: Request) -> str:
    """Every path and method with its summary, and the kinds of problem, as a self-contained
    page (the OpenAPI document itself is /openapi.json)."""
    return docs_page(request.app.openapi())


def docs_page(schema: dict[str, Any]) -> str:
    """The reference page of an OpenAPI document: no script, no external asset."""
    rows = "".join(
        f"<tr><td><code>{escape(method.upper())}</code></td><td><code>{escape(path)}</code></td>"
        f"<td>{escape(operation.get('summary', ''))}</td></tr>"
        for path, operations in schema.get("paths", {}).items()
        for method, operation in operations.items()
    )
    kinds = "".join(
        f'<tr id="problem-{kind.slug}"><td>{kind.status}</td><td><code>{kind.slug}</code></td>'
        f"<td>{escape(kind.title)}: {escape(kind.about)}</td></tr>"
        for kind in problems.KINDS
    )
    title = escape(f"{schema['info']['title']} API {schema['info']['version']}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;"
        "padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;"
        "padding:.3rem .6rem;border-bottom:1px solid #ccc;vertical-align:top}</style></head>"
        f'<body><main><h1>{title}</h1><p>The OpenAPI document: <a href="/openapi.json">'
        "/openapi.json</a>. Errors are <code>application/problem+json</code>.</p>"
        "<h2>Endpoints</h2><table><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr>"
        f"</thead><tbody>{rows}</tbody></table><h2>Problems</h2><table><thead><tr><th>Status"
        f"</th><th>Type</th><th>Meaning</th></tr></thead><tbody>{kinds}</tbody></table>"
        "</main></body></html>"
    )
