"""What an API request acts on and as whom: the app's engine, its article library, and the
library user of the API token sent as ``Authorization: Bearer <token>``.

Reading needs no token (an anonymous caller sees approved articles only); review actions do.
A token that is sent must be valid: a malformed header or an unknown or revoked token is a 401
with a ``WWW-Authenticate: Bearer`` challenge, never a silent fall-back to anonymous.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import Connection

from curbside.engine import Engine
from curbside.library import Library, PermissionDenied, User

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="An API token of a library user (`curbside users token NAME` prints one).",
)


def engine_of(request: Request) -> Engine:
    """The engine the app answers with."""
    engine: Engine = request.app.state.engine
    return engine


def library_of(request: Request) -> Library:
    """The engine's article library; 503 when this server does not keep one, or when its
    database cannot be reached (psycopg's OperationalError, a problem of kind 'unavailable')."""
    engine = engine_of(request)
    _forget_lost_connection(engine)
    library = engine.library
    if library is None:
        raise HTTPException(
            status_code=503,
            detail="this server keeps no article library (CURBSIDE_PUBLISH is false)",
        )
    return library


def _forget_lost_connection(engine: Engine) -> None:
    """Drop this thread's library if the database closed its connection (a server restarted
    or a connection killed), so that `engine.library` connects again instead of failing on."""
    conn = getattr(getattr(engine.library_if_open, "db", None), "conn", None)
    if isinstance(conn, Connection) and (conn.closed or conn.broken):
        engine.forget_library()


def unauthorized(detail: str, error: str | None = None) -> HTTPException:
    """A 401 with the Bearer challenge of RFC 6750 (`error` says what was wrong with a token
    that was sent)."""
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": challenge})


def optional_user(
    request: Request,
    library: Annotated[Library, Depends(library_of)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> User | None:
    """The token's user, or None for a request without an Authorization header."""
    if credentials is None:
        if request.headers.get("authorization"):
            raise unauthorized(
                "the Authorization header must be 'Bearer <token>'", "invalid_request"
            )
        return None
    try:
        return library.user_for_token(credentials.credentials)
    except PermissionDenied as exc:
        raise unauthorized(f"{exc}: ask an administrator for a new one", "invalid_token") from None


def required_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The token's user; 401 for an anonymous request."""
    if user is None:
        raise unauthorized(
            "this action needs an API token: send 'Authorization: Bearer <token>' "
            "(`curbside users token NAME` creates one)"
        )
    return user


LibraryDep = Annotated[Library, Depends(library_of)]
Viewer = Annotated[User | None, Depends(optional_user)]
Actor = Annotated[User, Depends(required_user)]
