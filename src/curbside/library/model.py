"""The nouns of the article library: users, article records, versions, comments, audit entries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from curbside.models import Article, Audience, ReviewStatus

Role = Literal["reader", "editor", "reviewer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
PublishOutcome = Literal["created", "updated", "unchanged"]
AuditAction = Literal[
    "create",  # first version of a new article
    "new-version",  # changed content stored as the next version
    "transition",  # a workflow status change
    "comment",  # a review comment on the article or one statement
    "add-user",
    "create-token",
    "revoke-token",
]


class User(BaseModel):
    """Someone who reads, edits, reviews or administers the library."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(description="Database id.")
    name: str = Field(description="Unique login name.")
    role: Role = Field(description="reader, editor, reviewer or admin.")
    created: datetime = Field(description="When the user was added (UTC).")


class ArticleRecord(BaseModel):
    """One article of the library: one question for one audience, with its workflow state."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable id: derived from the normalised question and audience.")
    slug: str = Field(description="Readable unique URL part, stable once assigned.")
    question: str = Field(description="The question as first asked.")
    audience: Audience = Field(description="Who the article is written for.")
    title: str = Field(description="Title of the current version.")
    status: ReviewStatus = Field(description="Editorial review status.")
    current_version: int = Field(description="Number of the current version (1-based).")
    revision: int = Field(
        description="Optimistic-concurrency counter: every write states the revision it read "
        "and moves it on by one."
    )
    approved_version: int | None = Field(
        default=None, description="The version most recently approved, if any."
    )
    submitted_by: int | None = Field(
        default=None, description="User id of whoever last submitted the article for review."
    )
    review_note: str | None = Field(
        default=None,
        description="Note shown to the board, e.g. 'content changed since approval'; cleared "
        "when the article is approved again.",
    )
    created: datetime = Field(description="When the article was first stored (UTC).")
    updated: datetime = Field(description="When anything about the article last changed (UTC).")
    last_updated: date = Field(description="Date of the current version (its last_updated).")
    drugs: list[str] = Field(
        default_factory=list, description="Drug names the article is about, lower case."
    )


class Version(BaseModel):
    """One stored content version of an article; versions are never changed or deleted."""

    model_config = ConfigDict(frozen=True)

    article_id: str = Field(description="The article this is a version of.")
    n: int = Field(description="Version number, 1 for the first.")
    created: datetime = Field(description="When this version was stored (UTC).")
    author: int = Field(description="User id of whoever published this version.")
    content_hash: str = Field(
        description="SHA-256 of the content fields (title, bottom line, sections, references)."
    )
    article: Article = Field(
        description="The article as stored; its status is the one it was stored with, except "
        "for the current version read through the library, which carries the live status."
    )


class Comment(BaseModel):
    """A review comment on an article, or on one statement of the version it was made on."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(description="Database id.")
    article_id: str = Field(description="The article commented on.")
    version: int = Field(description="The version that was current when the comment was made.")
    statement_id: str | None = Field(
        default=None, description="The statement commented on; None for the whole article."
    )
    author: int = Field(description="User id of the commenter.")
    body: str = Field(description="The comment text.")
    created: datetime = Field(description="When it was made (UTC).")


class AuditEntry(BaseModel):
    """One row of the append-only audit log: who did what, when, on which version."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(description="Database id, increasing with time.")
    at: datetime = Field(description="When it happened (UTC).")
    actor: int = Field(description="User id of whoever did it.")
    actor_name: str = Field(description="That user's name.")
    action: AuditAction = Field(description="What was done.")
    article_id: str | None = Field(default=None, description="The article, for article actions.")
    version: int | None = Field(
        default=None, description="The article's current version after the action."
    )
    revision: int | None = Field(
        default=None, description="The article's revision after the action."
    )
    status: ReviewStatus | None = Field(
        default=None, description="The article's status after the action."
    )
    note: str | None = Field(default=None, description="Reason, comment target or detail.")


class ApiToken(BaseModel):
    """An API token as stored: only its SHA-256 is kept, never the secret."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(description="Database id.")
    user_id: int = Field(description="The user the token acts as.")
    label: str = Field(description="What the token is for, as given when it was created.")
    created: datetime = Field(description="When it was created (UTC).")
    revoked: datetime | None = Field(default=None, description="When it was revoked, if it was.")
    expires: datetime | None = Field(
        default=None, description="When it stops working (UTC); null: it does not expire."
    )


class NewToken(ApiToken):
    """A token just created: the secret is shown this once and cannot be recovered."""

    secret: str = Field(description="The token to present; store it now, it is not kept.")
