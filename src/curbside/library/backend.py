"""The storage protocol every backend implements: SQL in transactions, nothing more.

The library's statements are written once, in the SQL both SQLite and PostgreSQL speak, with `?`
placeholders; a backend adapts placeholders and values, opens transactions (serialising writers
where it must) and turns a unique-key collision into `Conflict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

Param = str | int | float | bool | datetime | date | None
Row = dict[str, Any]
# 'statement': one statement that is atomic on its own, run without an explicit transaction (one
# round trip instead of three: a single read needs no snapshot beyond its own).
TransactionMode = Literal["statement", "read", "write", "migrate"]


class Transaction(Protocol):
    """SQL inside one open transaction; placeholders are written `?`."""

    def execute(self, sql: str, params: Sequence[Param] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    def one(self, sql: str, params: Sequence[Param] = ()) -> Row | None:
        """Run one statement; its first row, or None."""
        ...

    def all(self, sql: str, params: Sequence[Param] = ()) -> list[Row]:
        """Run one statement; all its rows."""
        ...

    def script(self, sql: str) -> None:
        """Run several statements without parameters (a migration)."""
        ...


class Database(Protocol):
    """One connection to a library database (`sqlite` or `postgresql`); not shared by threads."""

    dialect: str

    def transaction(self, mode: TransactionMode = "write") -> AbstractContextManager[Transaction]:
        """A transaction committed when the block ends, rolled back when it raises. 'write'
        transactions are serialised against other writers where the backend needs it;
        'migrate' ones also against other migrators; 'statement' runs its one statement in
        autocommit mode. A unique-key collision raises `Conflict`."""
        ...

    def reusable(self) -> bool:
        """Whether the connection is open, healthy and in no transaction (a pool keeps it)."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def utcnow() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)
