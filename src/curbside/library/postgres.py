"""The server backend: PostgreSQL through psycopg 3, e.g. `postgresql://root@127.0.0.1:5432/test`.

The connection runs in autocommit mode and every library operation opens an explicit transaction
(READ COMMITTED: the compare-and-set on the article's revision is what serialises writers).
Migrations take a transaction-scoped advisory lock, so two processes opening the same database at
once apply them one after the other. To keep a library in its own schema, name it in the URL:
`postgresql://root@127.0.0.1:5432/test?options=-csearch_path%3Dmy_schema`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors
from psycopg.rows import dict_row

from curbside.library.backend import Param, Row, TransactionMode
from curbside.library.errors import Conflict, Invalid, LibraryUnavailable

MIGRATION_LOCK = 0x6375726273696465  # "curbside": the advisory lock migrators queue on


def _placeholders(sql: str) -> str:
    """The library's `?` placeholders in psycopg's style (a literal % doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresTransaction:
    """SQL within a transaction on one PostgreSQL connection."""

    def __init__(self, cursor: psycopg.Cursor[dict[str, Any]]) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Param] = ()) -> int:
        self.cursor.execute(_placeholders(sql), list(params))
        return self.cursor.rowcount

    def one(self, sql: str, params: Sequence[Param] = ()) -> Row | None:
        self.cursor.execute(_placeholders(sql), list(params))
        return self.cursor.fetchone()

    def all(self, sql: str, params: Sequence[Param] = ()) -> list[Row]:
        self.cursor.execute(_placeholders(sql), list(params))
        return self.cursor.fetchall()

    def script(self, sql: str) -> None:
        self.cursor.execute(sql.encode())  # no parameters: sent as is, several statements


def _unavailable(exc: psycopg.Error) -> LibraryUnavailable:
    """The server down, restarting, refusing or dropping connections (the message names the
    host, never the password)."""
    reason = str(exc).strip() or type(exc).__name__
    return LibraryUnavailable(f"the library database cannot be reached: {reason}")


class PostgresDatabase:
    """A library in a PostgreSQL database (or schema)."""

    dialect = "postgresql"

    def __init__(self, url: str, connect_timeout: int = 10) -> None:
        try:
            self.conn = psycopg.connect(
                url, autocommit=True, row_factory=dict_row, connect_timeout=connect_timeout
            )
        except psycopg.Error as exc:
            raise _unavailable(exc) from exc

    @contextmanager
    def transaction(self, mode: TransactionMode = "write") -> Iterator[PostgresTransaction]:
        try:
            with self._transaction(mode) as tx:
                yield tx
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise _unavailable(exc) from exc
        except psycopg.DataError as exc:  # a NUL byte in text, a number out of range
            raise Invalid(f"a value cannot be stored or compared: {exc}") from exc

    @contextmanager
    def _transaction(self, mode: TransactionMode) -> Iterator[PostgresTransaction]:
        if mode == "statement":
            with self.conn.cursor() as cursor:
                yield PostgresTransaction(cursor)
            return
        try:
            with self.conn.transaction(), self.conn.cursor() as cursor:
                if mode == "migrate":
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                yield PostgresTransaction(cursor)
        except (errors.UniqueViolation, errors.DeadlockDetected) as exc:
            raise Conflict(f"a concurrent write got there first ({exc})") from exc

    def reusable(self) -> bool:
        """Whether the connection can serve another request: open, not broken, and idle (in
        no transaction)."""
        conn = self.conn
        idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        return not (conn.closed or conn.broken) and idle

    def close(self) -> None:
        self.conn.close()
