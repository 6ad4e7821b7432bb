"""The staff's pages: sign-in and sign-out, and the review dashboard (the queue, one article,
workflow buttons and comments). Staff sign in with their library password; the session is an API
token of theirs (it expires after 12 hours), kept in the HttpOnly, SameSite=Lax cookie
`curbside_session`, and revoked on sign-out (POST only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from curbside.guards import Throttled
from curbside.library import (
    TRANSITIONS,
    ArticleRecord,
    Conflict,
    Library,
    LibraryError,
    NotFound,
    PermissionDenied,
    User,
)
from curbside.library.workflow import REVIEW_ACTIONS
from curbside.web.auth import client_of, service_of
from curbside.web.page_kit import (
    REVIEW_QUEUE,
    SESSION_COOKIE,
    SESSION_ID_COOKIE,
    SESSION_LABEL,
    SESSION_LIFETIME,
    BadInput,
    Fields,
    Staff,
    Viewer,
    article_context,
    keeps_library,
    message_page,
    not_found,
    redirect,
    render,
    sentence,
    staff_of,
    viewer_of,
)
from curbside.web.urls import article_path

DONE_MESSAGES = {key: action.done for key, action in REVIEW_ACTIONS.items()} | {
    "comment": "Comment added."
}
CONFLICT_MESSAGE = (
    "Someone else changed this article since you opened it, so nothing was saved. "
    "Reload the page to see the current version, then try again."
)


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


def install_staff(app: FastAPI) -> None:
    """Sign-in, sign-out and the review dashboard."""
    install_sign_in(app)
    install_review(app)


def install_sign_in(app: FastAPI) -> None:
    """Sign-in and sign-out."""

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
