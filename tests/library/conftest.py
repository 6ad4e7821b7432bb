"""Fixtures of the library suite: every `library` test runs on SQLite and on PostgreSQL.

PostgreSQL is found at CURBSIDE_TEST_POSTGRES (default postgresql://root@127.0.0.1:5432/test);
when it does not answer, the fixture starts the local cluster with pg_ctlcluster, and only when
that fails too are the PostgreSQL cases skipped, with the reason. Each test gets its own schema,
dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from library_helpers import CHEAP, QUESTION, Clock, Team
from tests.postgres_schema import fresh_schema

from curbside.engine import Engine
from curbside.library import Library, Role, User, open_library
from curbside.models import Article

POSTGRES = os.environ.get("CURBSIDE_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _postgres_error() -> str | None:
    """Why PostgreSQL cannot be used, or None."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return str(exc).strip()
    return None


def _start_postgres() -> str:
    """Start the local clusters (pg_ctlcluster); what happened, for the skip reason."""
    try:
        versions = sorted(os.listdir("/etc/postgresql"))
    except OSError as exc:
        return f"no /etc/postgresql: {exc}"
    said = []
    for version in versions:
        try:
            done = subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            said.append(f"pg_ctlcluster {version}: rc {done.returncode} {done.stderr.strip()}")
        except (OSError, subprocess.SubprocessError) as exc:
            said.append(f"pg_ctlcluster {version}: {exc}")
    return "; ".join(said) or "no cluster under /etc/postgresql"


@pytest.fixture(scope="session")
def postgres() -> str:
    """The PostgreSQL URL of the test database, started if need be."""
    error = _postgres_error()
    if error is not None:
        started = _start_postgres()
        for _ in range(20):
            error = _postgres_error()
            if error is None:
                break
            time.sleep(0.5)
        if error is not None:
            pytest.skip(
                f"PostgreSQL is not reachable at {POSTGRES} ({error}) and could not be "
                f"started ({started})"
            )
    return POSTGRES


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty library URL: a SQLite file, or a new schema in the PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'library.sqlite'}"
        return
    base: str = request.getfixturevalue("postgres")
    with fresh_schema(base, "library_test") as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def connect(url: str, tmp_path: Path, clock: Clock) -> Iterator[Callable[[], Library]]:
    """Opens more connections to the test library; all are closed after the test."""
    opened: list[Library] = []

    def open_one() -> Library:
        library = open_library(url, tmp_path, hasher=CHEAP, clock=clock)
        opened.append(library)
        return library

    yield open_one
    for library in opened:
        library.close()


@pytest.fixture
def library(connect: Callable[[], Library]) -> Library:
    """A fresh library (no users yet) on each backend."""
    return connect()


@pytest.fixture
def team(library: Library) -> Team:
    admin = library.add_user("admin", "admin", "admin-password")

    def add(name: str, role: Role) -> User:
        return library.add_user(name, role, f"{name}-password", actor=admin)

    return Team(
        admin=admin,
        editor=add("editor", "editor"),
        editor2=add("editor2", "editor"),
        reviewer=add("reviewer", "reviewer"),
        reviewer2=add("reviewer2", "reviewer"),
        reader=add("reader", "reader"),
    )


@pytest.fixture(scope="session")
def answer(engine: Engine) -> Article:
    """A real curated answer, with statements to comment on."""
    return engine.ask(QUESTION, today=date(2026, 3, 1))
