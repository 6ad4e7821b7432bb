"""The JSON API's token routes: list, create and revoke API tokens, as the user of a Bearer
token (an admin sees and revokes everyone's). Tokens expire; a new one is good for `days`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from curbside.library import ApiToken, NewToken
from curbside.library.accounts import TOKEN_DAYS
from curbside.web import problems
from curbside.web.api_models import MAX_INT
from curbside.web.auth import Actor, service_of

router = APIRouter(prefix="/api", tags=["api"])
RESPONSES = problems.problem_responses(401, 403, 404, 422, 503)


class TokenRequest(BaseModel):
    """A new API token for the caller."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=200, description="What the token is for.")
    days: int = Field(
        default=TOKEN_DAYS, ge=1, le=3650, description="Days the token works before it expires."
    )


class TokenList(BaseModel):
    """API tokens, oldest first (never their secrets)."""

    tokens: list[ApiToken] = Field(description="The caller's tokens; an admin's: everyone's.")


@router.get("/tokens", summary="List API tokens", responses=RESPONSES)
def list_tokens(request: Request, actor: Actor) -> TokenList:
    """The caller's tokens (an admin's: everyone's), with when each expires or was revoked."""
    with service_of(request).library() as library:
        return TokenList(tokens=library.tokens(actor))


@router.post("/tokens", summary="Create an API token", status_code=201, responses=RESPONSES)
def create_token(request: Request, body: TokenRequest, actor: Actor) -> NewToken:
    """A new token for the caller; its secret is in this answer only."""
    with service_of(request).library() as library:
        return library.create_token(actor, label=body.label, lifetime=timedelta(days=body.days))


@router.delete(
    "/tokens/{token_id}", summary="Revoke an API token", status_code=204, responses=RESPONSES
)
def revoke_token(
    request: Request,
    token_id: Annotated[int, Path(ge=1, le=MAX_INT, description="The token's id.")],
    actor: Actor,
) -> Response:
    """Revoke one of the caller's tokens (an admin: anyone's); revoking twice is no error."""
    with service_of(request).library() as library:
        library.revoke_token(actor, token_id)
    return Response(status_code=204)
