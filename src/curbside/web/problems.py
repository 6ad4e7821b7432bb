"""Every error of the web app as an RFC 9457 problem (`application/problem+json`).

The body is ``{type, title, status, detail, instance}``, plus ``errors`` (one entry per field)
for a request that failed validation. `detail` is a sentence a person can act on; `type` is
``about:blank`` for plain HTTP errors (not found, unauthorized, ...) or, for Curbside's own kinds
of problem, a link to their description on the API reference page (``/api/docs#problem-...``).
`install` registers the handlers and documents the problem responses in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException

from curbside.library import (
    Conflict,
    Invalid,
    InvalidTransition,
    LibraryError,
    LibraryUnavailable,
    NotFound,
    PermissionDenied,
    Retracted,
)
from curbside.models import Article
from curbside.patient.errors import PatientDataError
from curbside.understand import QuestionError

PROBLEM_MEDIA_TYPE = "application/problem+json"
DOCS_PATH = "/api/docs"
CDS_PREFIX = "/cds-services/"  # a CDS Hooks call of the wrong shape is a 400, not a 422
MAX_LISTED_ERRORS = 20  # field errors listed in one problem (the detail names the first few)


class FieldError(BaseModel):
    """One field of the request that is wrong."""

    loc: list[str | int] = Field(
        description="Where: 'body', 'query', 'path' or 'header', then the field's path."
    )
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="Machine-readable kind of error, e.g. 'missing'.")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = Field(
        default="about:blank",
        description="The kind of problem: 'about:blank' for a plain HTTP error, or a link to "
        "its description on the API reference page.",
    )
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, and what to do.")
    instance: str = Field(description="The path of the request that failed.")
    errors: list[FieldError] | None = Field(
        default=None, description="For a request that is not valid: each field that is wrong."
    )
    article: Article | None = Field(
        default=None,
        description="With a 503 to a question: the answer all the same, not stored in the "
        "library (its notes say so).",
    )


class ProblemResponse(JSONResponse):
    """A JSON response with the problem media type."""

    media_type = PROBLEM_MEDIA_TYPE


@dataclass(frozen=True)
class Kind:
    """One of Curbside's own kinds of problem, and the exception that signals it."""

    slug: str
    status: int
    title: str
    about: str
    error: type[Exception] | None = None

    @property
    def uri(self) -> str:
        """The problem's `type`: its entry on the API reference page."""
        return f"{DOCS_PATH}#problem-{self.slug}"


# Most specific exception first: InvalidTransition is an Invalid, every library error a
# LibraryError.
KINDS: tuple[Kind, ...] = (
    Kind(
        "question",
        400,
        "The question cannot be answered as given",
        "The question is empty, too long, or has no words in it.",
        QuestionError,
    ),
    Kind(
        "bad-body",
        400,
        "The request body cannot be read",
        "The body is not JSON text (binary, not UTF-8, or malformed).",
    ),
    Kind(
        "hook-input",
        400,
        "The CDS Hooks call cannot be read",
        "Its context or prefetch has the wrong shape: an entry that is not a list, a string "
        "where a CodeableConcept belongs, a reference to the wrong kind of resource.",
    ),
    Kind(
        "validation",
        422,
        "The request is not valid",
        "A field is missing, unknown or of the wrong type; `errors` lists each one.",
    ),
    Kind(
        "patient-data",
        422,
        "A patient value cannot be read",
        "A count without a unit, a percentage given as a count, an impossible temperature.",
        PatientDataError,
    ),
    Kind(
        "forbidden",
        403,
        "Not allowed for this user",
        "The user's role does not allow the action (or the author tries to approve).",
        PermissionDenied,
    ),
    Kind(
        "retracted",
        410,
        "The article was retracted",
        "The medical advisory board withdrew this article; the detail gives the date and its "
        "reason. Its content is not served.",
        Retracted,
    ),
    Kind(
        "not-found",
        404,
        "No such article",
        "No such article or version, or none this caller may see (anonymous callers see "
        "approved articles only).",
        NotFound,
    ),
    Kind(
        "invalid-transition",
        409,
        "The workflow does not allow this step",
        "The article's status does not allow the review action asked for.",
        InvalidTransition,
    ),
    Kind(
        "conflict",
        409,
        "The article changed since it was read",
        "The expected revision is stale, or a concurrent write came first; nothing was "
        "written. Read the article again and retry.",
        Conflict,
    ),
    Kind(
        "invalid",
        422,
        "The library refused the request",
        "An empty comment, an unknown statement id, a bad search limit.",
        Invalid,
    ),
    Kind(
        "unavailable",
        503,
        "The article library is unavailable",
        "Its database cannot be used now (unreachable, locked by another process, out of disk "
        "space or read-only); nothing was changed. A question is answered all the same, the "
        "answer attached unstored. Try again shortly: the next request connects again.",
        LibraryUnavailable,
    ),
    Kind(
        "library",
        500,
        "The article library failed",
        "The library's database could not do what was asked.",
        LibraryError,
    ),
)
_KIND = {kind.slug: kind for kind in KINDS}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that may answer with these error codes (the OpenAPI document
    gives each the Problem schema)."""
    return {code: {"description": f"{HTTPStatus(code).phrase} (a problem)"} for code in codes}


def install(app: FastAPI) -> None:
    """Answer every error of the app as a problem, and say so in its OpenAPI document."""
    handled: list[type[Exception]] = [HTTPException, RequestValidationError, Exception]
    handled += [kind.error for kind in KINDS if kind.error is not None]
    for error in handled:
        app.add_exception_handler(error, problem_response)
    app.openapi = _with_problems(app.openapi)  # type: ignore[method-assign]


def problem_response(request: Request, exc: Exception) -> ProblemResponse:
    """The problem for an exception raised while answering a request."""
    problem, headers = problem_for(exc, request.url.path, request.method)
    if problem.status == 503:
        headers = {**(headers or {}), "Retry-After": "5"}
    return ProblemResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        headers=headers,
    )


def problem_for(
    exc: Exception, path: str, method: str = "GET"
) -> tuple[Problem, Mapping[str, str] | None]:
    """The problem an exception stands for, with the headers to send (WWW-Authenticate, Allow)."""
    if isinstance(exc, HTTPException):
        return _http_problem(exc, path, method), exc.headers
    if isinstance(exc, RequestValidationError):
        return _validation_problem(exc.errors(), path), None
    for kind in KINDS:
        if kind.error is not None and isinstance(exc, kind.error):
            return _kind_problem(kind, exc, path), None
    detail = "an unexpected error stopped this request; it has been logged. Try again later."
    return _plain(500, detail, path), None


def _phrase(status: int) -> str:
    """The status's reason phrase ("Not Found"); "Error" for a code HTTP does not name."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _plain(status: int, detail: str, path: str) -> Problem:
    return Problem(title=_phrase(status), status=status, detail=detail, instance=path)


def _of(kind: Kind, detail: str, path: str, errors: list[FieldError] | None = None) -> Problem:
    return Problem(
        type=kind.uri,
        title=kind.title,
        status=kind.status,
        detail=detail,
        instance=path,
        errors=errors,
    )


def _kind_problem(kind: Kind, exc: Exception, path: str) -> Problem:
    errors = None
    if isinstance(exc, PatientDataError) and exc.field:
        errors = [
            FieldError(loc=["body", *exc.field.split(".")], msg=exc.reason, type="value_error")
        ]
    if isinstance(exc, LibraryUnavailable):
        return _unavailable(str(exc), path)
    return _of(kind, str(exc), path, errors)


def _unavailable(reason: str, path: str, article: Article | None = None) -> Problem:
    detail = f"the article library is unavailable: {reason.strip()}; try again shortly"
    problem = _of(_KIND["unavailable"], detail, path)
    return problem.model_copy(update={"article": article})


def unavailable(path: str, reason: str, article: Article) -> ProblemResponse:
    """503: the library cannot be used now, with the answer attached (unstored)."""
    problem = _unavailable(reason, path, article)
    body = problem.model_dump(mode="json", exclude_none=True)
    return ProblemResponse(body, status_code=503, headers={"Retry-After": "5"})


def _http_problem(exc: HTTPException, path: str, method: str) -> Problem:
    detail = str(exc.detail)
    if isinstance(exc.__cause__, UnicodeDecodeError):  # FastAPI could not decode the body
        return _of(_KIND["bad-body"], "the request body is not UTF-8 text: send JSON", path)
    if detail == _phrase(exc.status_code):  # Starlette's default: say more
        defaults = {
            404: f"there is nothing at {path}: {DOCS_PATH} lists the API's paths",
            405: f"{method} is not allowed on {path}: {DOCS_PATH} lists the methods of each path",
        }
        detail = defaults.get(exc.status_code, detail)
    return _plain(exc.status_code, detail, path)


def _validation_problem(raw: Sequence[Any], path: str) -> Problem:
    """422 naming every field that is wrong; 400 for a body that is not JSON at all."""
    for error in raw:
        if error["type"] == "json_invalid":
            reason = error.get("ctx", {}).get("error", "malformed")
            detail = (
                f"the request body is not valid JSON ({reason} at character {error['loc'][-1]}): "
                "send a JSON object"
            )
            return _of(_KIND["bad-body"], detail, path)
        if tuple(error["loc"]) == ("body",) and isinstance(error.get("input"), bytes):
            detail = "the request body must be a JSON object, sent as application/json"
            return _of(_KIND["bad-body"], detail, path)
    errors = [
        FieldError(loc=list(e["loc"]), msg=str(e["msg"]), type=str(e["type"]))
        for e in raw[:MAX_LISTED_ERRORS]
    ]
    named = "; ".join(f"{_where(e.loc)}: {e.msg}" for e in errors[:3])
    more = f" (and {len(raw) - 3} more)" if len(raw) > 3 else ""
    kind = _KIND["hook-input" if path.startswith(CDS_PREFIX) else "validation"]
    return _of(kind, f"the request is not valid: {named}{more}", path, errors)


def hook_input(detail: str, path: str) -> ProblemResponse:
    """400: a CDS Hooks call of the wrong shape."""
    problem = _of(_KIND["hook-input"], detail, path)
    return ProblemResponse(problem.model_dump(mode="json", exclude_none=True), status_code=400)


def _where(loc: Sequence[str | int]) -> str:
    """A field's place in words: "body field 'patient.anc'", "query parameter 'limit'"."""
    source, *rest = [str(part) for part in loc] or ["request"]
    name = ".".join(rest)
    if source == "body":
        return f"body field '{name}'" if name else "the request body"
    return f"{source} parameter '{name}'" if name else source


def _with_problems(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """The app's OpenAPI builder, changed so that every error response is a Problem."""

    def openapi() -> dict[str, Any]:
        schema = build()
        if "Problem" in schema.setdefault("components", {}).setdefault("schemas", {}):
            return schema  # done already (FastAPI caches the document)
        _, definitions = models_json_schema(
            [(Problem, "serialization")], ref_template="#/components/schemas/{model}"
        )
        components = schema["components"]["schemas"]
        components.update(definitions["$defs"])
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                # Any route may meet the rate limit (curbside.web.security); a body may also be
                # too large, or not JSON at all.
                always = (400, 413, 429) if "requestBody" in operation else (429,)
                for code, response in problem_responses(*always).items():
                    responses.setdefault(str(code), response)
                for code, response in responses.items():
                    if code[0] in "45":
                        response["content"] = content
        return schema

    return openapi
