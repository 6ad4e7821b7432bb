"""Versioned schema migrations: numbered SQL files per dialect, applied in order at open.

`<dialect>/NNNN_name.sql` holds the statements that take a library from version NNNN-1 to NNNN.
The `schema_version` table lists the versions applied; `migrate` applies the missing ones in
one transaction (all or nothing), serialised against other migrators, so it is idempotent and
safe when two processes open the same library at once. A database newer than this code is
refused rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from curbside.library.errors import SchemaTooNew

if TYPE_CHECKING:
    from curbside.library.backend import Database, Transaction

FILE_NAME = re.compile(r"(?P<version>\d{4})_(?P<name>\w+)\.sql")
CREATE_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema."""

    version: int
    name: str
    sql: str


@cache
def migrations(dialect: str) -> tuple[Migration, ...]:
    """The dialect's migrations in order; their numbers must run 1, 2, 3... without gaps."""
    folder = resources.files(__package__).joinpath(dialect)
    found = []
    for entry in folder.iterdir():
        match = FILE_NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match["version"]), match["name"], entry.read_text()))
    found.sort(key=lambda m: m.version)
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"{dialect} migrations are not numbered 1..n: {numbers}")
    return tuple(found)


def latest(dialect: str) -> int:
    """The schema version this code expects."""
    return len(migrations(dialect))


def _current(tx: Transaction) -> int:
    tx.execute(CREATE_VERSION_TABLE)
    row = tx.one("SELECT MAX(version) AS version FROM schema_version")
    return int(row["version"]) if row and row["version"] is not None else 0


def schema_version(db: Database) -> int:
    """The version the database is at (0 for an empty one)."""
    with db.transaction("migrate") as tx:
        return _current(tx)


def _version_now(db: Database) -> int:
    """The version the database is at, read without a write lock (0 when it has no
    schema_version table yet)."""
    exists = {
        "sqlite": "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'schema_version'",
        "postgresql": "SELECT COUNT(*) AS n FROM pg_tables WHERE tablename = 'schema_version' "
        "AND schemaname = current_schema()",
    }[db.dialect]
    with db.transaction("read") as tx:
        row = tx.one(exists)
        if not row or not row["n"]:
            return 0
        row = tx.one("SELECT MAX(version) AS version FROM schema_version")
    return int(row["version"]) if row and row["version"] is not None else 0


def migrate(db: Database, target: int | None = None) -> list[int]:
    """Bring the database to `target` (default: the latest version); the versions applied. A
    database already there is only read (no write lock: a read-only library opens)."""
    steps = migrations(db.dialect)
    goal = len(steps) if target is None else target
    applied: list[int] = []
    current = _version_now(db)
    if current > len(steps):
        raise SchemaTooNew(
            f"the library database is at schema version {current}, newer than this "
            f"Curbside knows ({len(steps)}): upgrade Curbside to open it"
        )
    if current >= goal:
        return applied
    with db.transaction("migrate") as tx:
        current = _current(tx)
        if current > len(steps):
            raise SchemaTooNew(
                f"the library database is at schema version {current}, newer than this "
                f"Curbside knows ({len(steps)}): upgrade Curbside to open it"
            )
        for step in steps[current:goal]:
            tx.script(step.sql)
            tx.execute(
                "INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)",
                (step.version, step.name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            applied.append(step.version)
    return applied
