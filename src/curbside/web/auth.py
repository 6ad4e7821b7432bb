"""What an API request acts on and as whom: the app's article service, and the library user of
the API token sent as ``Authorization: Bearer <token>``.

Reading needs no token (an anonymous caller sees approved articles only); review actions do.
A token that is sent must be valid: a malformed header or an unknown, revoked or expired token is
a 401 with a ``WWW-Authenticate: Bearer`` challenge, never a silent fall-back to anonymous.

The token is looked up on a library connection taken and given back within the dependency (the
thread that runs it); the route takes its own connection for its work (`service.library()`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from curbside.library import PermissionDenied, User
from curbside.service import ArticleService

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="An API token of a library user (`curbside users token NAME` prints one).",
)


def service_of(request: Request) -> ArticleService:
    """The article service the app answers with."""
    service: ArticleService = request.app.state.service
    return service


def client_of(request: Request) -> str:
    """The caller's address (what quotas and sign-in throttles count by)."""
    return request.client.host if request.client else "unknown"


def unauthorized(detail: str, error: str | None = None) -> HTTPException:
    """A 401 with the Bearer challenge of RFC 6750 (`error` says what was wrong with a token
    that was sent)."""
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": challenge})


def optional_user(
    request: Request,
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
        with service_of(request).library() as library:
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


Viewer = Annotated[User | None, Depends(optional_user)]
Actor = Annotated[User, Depends(required_user)]
