"""Which errors mean that the article library's database cannot be reached, without importing a
database driver that the library in use does not need (psycopg takes 0.15 s to import, and a
SQLite library never loads it)."""

from __future__ import annotations

import sys


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """The exception types of a library database that is down: psycopg's OperationalError once a
    PostgreSQL library has loaded psycopg, else none (an `except ()` clause catches nothing)."""
    psycopg = sys.modules.get("psycopg")
    return () if psycopg is None else (psycopg.OperationalError,)
