"""The connection pool: one connection per block, reused only when healthy and idle; migrations
run once, when the pool is made; a busy pool makes callers wait, then reports unavailable."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from curbside.library import LibraryPool, LibraryUnavailable
from curbside.library.migrations import latest, schema_version


def test_a_connection_left_in_a_transaction_is_closed_not_reused(url: str, tmp_path: Path) -> None:
    pool = LibraryPool(url, tmp_path, size=2)
    with pool.connection() as first:
        assert schema_version(first.db) == latest(first.db.dialect)  # migrated at start-up
    with pool.connection() as again:
        assert again is first  # healthy and idle: kept
        again.db.conn.execute("BEGIN")  # type: ignore[attr-defined]  # a request that failed half-way
    with pool.connection() as fresh:
        assert fresh is not first and fresh.db.reusable()
        assert fresh.search(viewer=None) == []
    pool.close()


def test_a_busy_pool_makes_callers_wait_then_reports_unavailable(url: str, tmp_path: Path) -> None:
    pool = LibraryPool(url, tmp_path, size=1, wait=0.2)
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with pool.connection():
            inside.set()
            leave.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    with pytest.raises(LibraryUnavailable, match="busy"), pool.connection():
        pass
    leave.set()
    holder.join()
    with pool.connection() as library:  # free again
        assert library.search(viewer=None) == []
    pool.close()
