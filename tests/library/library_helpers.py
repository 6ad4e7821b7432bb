"""Helpers shared by the library tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from curbside.library import Role, User
from curbside.models import Article

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
