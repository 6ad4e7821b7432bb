"""Schema migrations on both backends: an old database is brought up to date at open."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from library_helpers import CHEAP

from curbside.library import SchemaTooNew, open_database, open_library
from curbside.library.content import article_id, base_slug, content_hash, stored_form
from curbside.library.migrations import latest, migrate, migrations, schema_version
from curbside.models import Article

OLD_DAY = date(2025, 6, 1)


def test_both_dialects_have_the_same_migrations() -> None:
    sqlite, postgres = migrations("sqlite"), migrations("postgresql")
    assert [(m.version, m.name) for m in sqlite] == [(m.version, m.name) for m in postgres]
    assert [m.version for m in sqlite] == list(range(1, latest("sqlite") + 1))
    assert latest("sqlite") >= 2


def test_an_old_database_is_migrated_at_open(url: str, tmp_path: Path, answer: Article) -> None:
    """A library written by schema version 1 (before tokens, drugs and search text) opens, is
    migrated, and its article is found by the new search."""
    db = open_database(url, tmp_path)
    assert migrate(db, target=1) == [1]
    assert schema_version(db) == 1
    when = datetime(2025, 6, 1, 12, tzinfo=UTC)
    key = article_id(answer.question, answer.audience)
    with db.transaction() as tx:
        admin = tx.one(
            "INSERT INTO users (name, role, created) VALUES ('old-admin', 'admin', ?) RETURNING id",
            (when,),
        )
        assert admin is not None
        tx.execute(
            "INSERT INTO articles (id, slug, question, normalized, audience, title, status, "
            "current_version, revision, created, updated, last_updated) "
            "VALUES (?, ?, ?, ?, ?, ?, 'approved', 1, 1, ?, ?, ?)",
            (
                key,
                base_slug(answer.question, answer.audience),
                answer.question,
                answer.question.lower(),
                answer.audience,
                answer.title,
                when,
                when,
                OLD_DAY,
            ),
        )
        tx.execute(
            "INSERT INTO versions (article_id, n, content_hash, article, author, created) "
            "VALUES (?, 1, ?, ?, ?, ?)",
            (
                key,
                content_hash(answer),
                stored_form(answer, "approved", OLD_DAY).model_dump_json(),
                admin["id"],
                when,
            ),
        )
        tx.execute(
            "INSERT INTO audit (at, actor, action, article_id, version, revision, status) "
            "VALUES (?, ?, 'create', ?, 1, 1, 'approved')",
            (when, admin["id"], key),
        )
    db.close()

    library = open_library(url, tmp_path, hasher=CHEAP)
    try:
        assert schema_version(library.db) == latest(library.db.dialect)
        with library.db.transaction("read") as tx:
            rows = tx.all("SELECT version, name FROM schema_version ORDER BY version")
        assert [(r["version"], r["name"]) for r in rows] == [
            (m.version, m.name) for m in migrations(library.db.dialect)
        ]
        found = library.search("aromatase inhibitor")  # search text filled in by migration 2
        assert [r.id for r in found] == [key]
        assert found[0].last_updated == OLD_DAY
        assert library.article(key).title == answer.title
        assert library.check() == []
        old_admin = library.user("old-admin")
        assert library.user_for_token(library.create_token(old_admin).secret) == old_admin
        record, outcome = library.publish(answer, old_admin)
        assert (outcome, record.revision) == ("unchanged", 1)
        assert migrate(library.db) == []  # idempotent
    finally:
        library.close()


def test_a_database_newer_than_the_code_is_refused(url: str, tmp_path: Path) -> None:
    library = open_library(url, tmp_path, hasher=CHEAP)
    with library.db.transaction() as tx:
        tx.execute("INSERT INTO schema_version (version, name, applied) VALUES (99, 'future', '')")
    library.close()
    with pytest.raises(SchemaTooNew, match="schema version 99"):
        open_library(url, tmp_path, hasher=CHEAP)


def test_two_connections_opening_a_new_library_at_once(url: str, tmp_path: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        opened = list(pool.map(lambda _: open_library(url, tmp_path, hasher=CHEAP), range(2)))
    try:
        assert [schema_version(lib.db) for lib in opened] == [latest(opened[0].db.dialect)] * 2
        opened[0].add_user("admin", "admin", "a long password")
        assert opened[1].authenticate("admin", "a long password").name == "admin"
    finally:
        for lib in opened:
            lib.close()
