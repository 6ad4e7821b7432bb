"""Helpers shared by the library tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from curbside.library import ArticleRecord, Library, Role, User
from curbside.models import Article, ReviewStatus

CHEAP = PasswordHasher.from_parameters(CHEAPEST)  # argon2id at the lowest cost: fast tests
QUESTION = "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"


class Clock:
    """A clock that moves on a millisecond per reading, and by days when told."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, days: int) -> None:
        self.now += timedelta(days=days)

    def today(self) -> date:
        return self.now.date()


@dataclass(frozen=True)
class Team:
    """One user of each role, and a second editor and reviewer."""

    admin: User
    editor: User
    editor2: User
    reviewer: User
    reviewer2: User
    reader: User

    def of(self, role: Role) -> User:
        return {
            "admin": self.admin,
            "editor": self.editor,
            "reviewer": self.reviewer,
            "reader": self.reader,
        }[role]


def variant(article: Article, tag: str, **changes: object) -> Article:
    """The same answer to a different question (a different article), with changes."""
    return article.model_copy(update={"question": f"{article.question} ({tag})", **changes})


def retitled(article: Article, title: str) -> Article:
    """The same question with changed content."""
    return article.model_copy(update={"title": title})


# How to bring a new (draft) article to each status: (status, who moves it) in order.
PATHS: dict[ReviewStatus, list[tuple[ReviewStatus, str]]] = {
    "draft": [],
    "submitted": [("submitted", "editor")],
    "under_review": [("submitted", "editor"), ("under_review", "reviewer")],
    "approved": [
        ("submitted", "editor"),
        ("under_review", "reviewer"),
        ("approved", "reviewer"),
    ],
    "changes_requested": [
        ("submitted", "editor"),
        ("under_review", "reviewer"),
        ("changes_requested", "reviewer"),
    ],
    "retracted": [("retracted", "admin")],
}


def move(library: Library, record: ArticleRecord, to: ReviewStatus, actor: User) -> ArticleRecord:
    """One transition from the revision of `record`."""
    return library.transition(record.id, to, actor, record.revision)


def bring_to(library: Library, team: Team, article: Article, status: ReviewStatus) -> ArticleRecord:
    """Publish the article (as the editor) and move it along PATHS to `status`."""
    record, _ = library.publish(article, team.editor)
    for to, who in PATHS[status]:
        record = move(library, record, to, getattr(team, who))
    assert record.status == status
    return record
