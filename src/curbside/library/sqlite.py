"""The embedded backend: one SQLite file (WAL, foreign keys on), `library.sqlite` by default.

Write transactions start with BEGIN IMMEDIATE, so writers queue on the database lock (up to
`timeout` seconds) instead of failing when a read lock would have to be upgraded; readers never
wait (WAL). Timestamps are stored as ISO-8601 text in UTC, dates as YYYY-MM-DD, so that text order
is time order.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from curbside.library.backend import Param, Row, TransactionMode
from curbside.library.errors import Conflict, LibraryUnavailable

LIBRARY_FILE = "library.sqlite"


def _unavailable(path: Path, exc: sqlite3.Error) -> LibraryUnavailable:
    """A fault of the file or the disk (locked beyond the busy timeout, full, read-only, not
    openable) as the library's one error for it."""
    return LibraryUnavailable(f"the library file {path.name} cannot be used now: {exc}")


def _adapt(value: Param) -> str | int | float | None:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


class SQLiteTransaction:
    """SQL within a transaction on one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _run(self, sql: str, params: Sequence[Param]) -> sqlite3.Cursor:
        return self.conn.execute(sql, [_adapt(p) for p in params])

    def execute(self, sql: str, params: Sequence[Param] = ()) -> int:
        return self._run(sql, params).rowcount

    def one(self, sql: str, params: Sequence[Param] = ()) -> Row | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def all(self, sql: str, params: Sequence[Param] = ()) -> list[Row]:
        return [dict(r) for r in self._run(sql, params).fetchall()]

    def script(self, sql: str) -> None:
        # executescript would commit first; run the statements one by one inside the
        # transaction instead (sqlite3.complete_statement knows where a trigger body ends).
        buffer = ""
        for line in sql.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                self.conn.execute(buffer)
                buffer = ""
        if buffer.strip():
            raise ValueError(f"incomplete SQL statement at the end of a script: {buffer!r}")


class SQLiteDatabase:
    """A library in one SQLite file."""

    dialect = "sqlite"

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode: transactions are begun and ended explicitly below.
            # check_same_thread is off because a pooled connection may serve one request on
            # one thread and the next request on another (never two at once).
            self.conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._enable_wal(timeout)
            self.conn.execute("PRAGMA foreign_keys = ON")
        except OSError as exc:
            folder = path.parent
            raise LibraryUnavailable(f"the library folder {folder} cannot be used: {exc}") from exc
        except sqlite3.OperationalError as exc:
            raise _unavailable(path, exc) from exc

    def _enable_wal(self, timeout: float) -> None:
        """Switch to WAL. Two connections doing so on a new file at once can get "database is
        locked" straight away (SQLite does not call the busy handler for this change), so the
        switch is retried until `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                mode = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
                if mode != "wal":  # already WAL: no lock needed to open
                    self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @contextmanager
    def transaction(self, mode: TransactionMode = "write") -> Iterator[SQLiteTransaction]:
        try:
            with self._transaction(mode) as tx:
                yield tx
        except sqlite3.OperationalError as exc:
            raise _unavailable(self.path, exc) from exc

    @contextmanager
    def _transaction(self, mode: TransactionMode) -> Iterator[SQLiteTransaction]:
        if mode == "statement":
            yield SQLiteTransaction(self.conn)
            return
        self.conn.execute("BEGIN" if mode == "read" else "BEGIN IMMEDIATE")
        try:
            yield SQLiteTransaction(self.conn)
        except sqlite3.IntegrityError as exc:
            self._rollback()
            if "UNIQUE constraint failed" in str(exc):
                raise Conflict(f"a concurrent write stored the same key first ({exc})") from exc
            raise
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError:
                self._rollback()  # a COMMIT that fails (disk full) leaves nothing half-done
                raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def reusable(self) -> bool:
        """Whether the connection can serve another request: open and in no transaction."""
        try:
            return not self.conn.in_transaction
        except sqlite3.ProgrammingError:  # closed
            return False

    def close(self) -> None:
        self.conn.close()
