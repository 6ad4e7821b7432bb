"""Open a library by URL: nothing for the SQLite file under CURBSIDE_HOME, or a database URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher

from curbside.library.backend import Database, utcnow
from curbside.library.sqlite import LIBRARY_FILE, SQLiteDatabase
from curbside.library.store import Library

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite://"


def open_database(url: str | None, home: Path, busy_timeout: float = 30.0) -> Database:
    """The backend a URL names.

    None or '' -> `<home>/library.sqlite`; `sqlite:///abs/path.sqlite` or `sqlite://rel.sqlite`
    (relative to home) -> that SQLite file; `postgresql://user@host:port/db` -> PostgreSQL
    (psycopg must be installed). `busy_timeout`: how long a SQLite writer waits for another's
    lock before the library is reported unavailable.
    """
    if not url:
        return SQLiteDatabase(home / LIBRARY_FILE, busy_timeout)
    if url.startswith(SQLITE_SCHEME):
        path = Path(url.removeprefix(SQLITE_SCHEME) or LIBRARY_FILE)
        return SQLiteDatabase(path if path.is_absolute() else home / path, busy_timeout)
    if url.startswith(POSTGRES_SCHEMES):
        from curbside.library.postgres import PostgresDatabase

        return PostgresDatabase(url)
    raise ValueError(
        f"unknown library URL {url!r}: give postgresql://user@host:port/database, "
        f"sqlite:///path/to/library.sqlite, or nothing for {home / LIBRARY_FILE}"
    )


def open_library(
    url: str | None,
    home: Path,
    *,
    hasher: PasswordHasher | None = None,
    clock: Callable[[], datetime] = utcnow,
    migrate_schema: bool = True,
    busy_timeout: float = 30.0,
) -> Library:
    """The library at this URL (see `open_database`), its schema migrated to the latest
    version unless `migrate_schema` is false (a pool migrates once, at start-up). `hasher` sets
    the argon2 cost of new password hashes."""
    db = open_database(url, home, busy_timeout)
    return Library(db, hasher=hasher, clock=clock, migrate_schema=migrate_schema)
