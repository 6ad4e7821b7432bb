"""The JSON API: ask, follow up, read and search the article library, review, health, and a
page listing it all. Every route asks the engine or its library; every error is a problem
(`curbside.web.problems`); review actions act as the user of a Bearer token
(`curbside.web.auth`). FastAPI serves the OpenAPI document at `/openapi.json`."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from curbside import __version__
from curbside.engine import Engine
from curbside.library import ArticleRecord, Comment, Library, NotFound, User
from curbside.library.system import system_user
from curbside.library_commands import REVIEW_ACTIONS
from curbside.models import Article, Audience, ReviewStatus
from curbside.understand import QuestionError, check_question
from curbside.web import problems
from curbside.web.api_models import (
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
from curbside.web.auth import Actor, LibraryDep, Viewer, engine_of
from curbside.web.urls import article_path, follow_up_path

__all__ = ["engine_of", "install", "router"]

router = APIRouter(prefix="/api", tags=["api"])
ASKING = problems.problem_responses(400, 422)
READING = problems.problem_responses(401, 404, 422, 503)
WRITING = problems.problem_responses(401, 403, 404, 409, 422, 503)
# Reading takes a token but needs none: the empty requirement makes the token optional.
TOKEN_OPTIONAL: dict[str, Any] = {"security": [{}]}


def install(app: FastAPI) -> None:
    """Add the API routes to the app, and answer every error of the app as a problem."""
    problems.install(app)
    app.include_router(router)


@router.get(
    "/health",
    summary="Health and what the server answers with",
    responses=problems.problem_responses(503),
)
def health(request: Request) -> Health:
    """Up, with the version, the knowledge loaded, the evidence ingested and the library's
    database."""
    engine = engine_of(request)
    store, library = engine.store, engine.library
    return Health(
        status="ok",
        version=__version__,
        knowledge=KnowledgeCounts(
            packs=len(engine.kb.pack_files),
            drugs=len(engine.kb.drugs),
            statements=len(engine.kb.statements),
        ),
        evidence=None if store is None else EvidenceCounts(passages=store.counts()["passages"]),
        library=None if library is None else library.db.dialect,
    )


def model_response(model: BaseModel) -> Response:
    """`model` as JSON, serialised once by pydantic. (Returned as a model, FastAPI would dump,
    validate and serialise it again: about a millisecond for an article, a quarter of the time
    an answer takes.) The route's `response_model` still documents it."""
    return Response(model.model_dump_json(), media_type="application/json")


@router.get(
    "/ask",
    summary="Answer a question (query string)",
    responses=ASKING,
    response_model=Article,
)
def ask_get(
    request: Request,
    q: Annotated[str, Query(description="The question.", json_schema_extra=QUESTION_SCHEMA)],
    audience: Annotated[Audience | None, Query(description="Who the answer is for.")] = None,
) -> Response:
    """The article for a question, as the answer contract's JSON."""
    return model_response(engine_of(request).ask(q, audience))


@router.post(
    "/ask",
    summary="Answer a question, optionally about a patient",
    responses=ASKING,
    response_model=AskResult,
)
def ask(body: AskRequest, request: Request) -> Response:
    """The article for a question. Patient values (ANC, temperature with their units, medicines,
    age) make it an answer about that patient, which is not stored in the library; an answer
    that was stored comes with its library id and page."""
    engine = engine_of(request)
    patient = body.patient.to_patient_data() if body.patient is not None else None
    article = engine.ask(body.question, body.audience, patient=patient)
    record = _stored(engine, article)
    if record is None:
        return model_response(AskResult(article=article))
    return model_response(
        AskResult(article=article, article_id=record.id, url=article_path(record))
    )


def _stored(engine: Engine, article: Article) -> ArticleRecord | None:
    """The library article an answer was stored as (answers about a patient never are, and
    none is while the library is unreachable: the answer then carries a note saying so)."""
    if article.patient is not None:
        return None
    try:
        library = engine.library
        if library is None:
            return None
        return library.find(article.question, article.audience, viewer=system_user(library))
    except (NotFound, psycopg.OperationalError):
        return None


@router.post(
    "/follow-up",
    summary="Answer a follow-up question",
    responses=ASKING,
    response_model=FollowUpResult,
)
def follow_up(body: FollowUpRequest, request: Request) -> Response:
    """The answer to a question asked after earlier ones: what it does not say (the drug, the
    condition, the patient's values) is taken from the thread."""
    engine = engine_of(request)
    for n, earlier in enumerate(body.thread):
        try:
            check_question(earlier)
        except QuestionError as exc:
            raise QuestionError(f"thread[{n}]: {exc}") from None
    audience = body.audience or engine.settings.audience
    article = engine.follow_up(body.thread, body.question, audience)
    url = follow_up_path(body.thread, body.question, audience)
    return model_response(FollowUpResult(article=article, url=url))


@router.get(
    "/articles/{article_id}",
    summary="One library article",
    responses=READING,
    openapi_extra=TOKEN_OPTIONAL,
)
def get_article(
    article_id: str,
    library: LibraryDep,
    viewer: Viewer,
    version: Annotated[
        int | None, Query(ge=1, description="An older version (editors and reviewers).")
    ] = None,
) -> ArticleView:
    """The article's record and content. Anonymous callers and readers see approved articles
    only; editors, reviewers and admins (by token) see every article and its versions."""
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
    library: LibraryDep,
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
    found = library.search(
        text, drug=drug, status=status, since=since, until=until, viewer=viewer, limit=limit
    )
    entries = [LibraryEntry(**record.model_dump(), url=article_path(record)) for record in found]
    return LibraryPage(articles=entries)


@router.post(
    "/articles/{article_id}/review", summary="A review action on an article", responses=WRITING
)
def review(
    article_id: str, body: ReviewRequest, library: LibraryDep, actor: Actor
) -> ArticleRecord:
    """Move the article through the editorial workflow: submit (editors), start review, approve,
    request changes or retract (reviewers). The author of a version cannot approve it."""
    revision = _revision(library, article_id, actor, body.expected_revision)
    to = REVIEW_ACTIONS[body.action]
    return library.transition(article_id, to, actor, revision, note=body.note)


@router.post(
    "/articles/{article_id}/comments",
    summary="Comment on an article or one statement",
    status_code=201,
    responses=WRITING,
)
def comment(article_id: str, body: CommentRequest, library: LibraryDep, actor: Actor) -> Comment:
    """A review comment on the current version (editors, reviewers, admins)."""
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
