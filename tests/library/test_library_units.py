"""The pure parts of the library: the workflow table, ids and hashes, and opening by URL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from curbside.library import ArticleRecord, InvalidTransition, PermissionDenied, open_database
from curbside.library.content import (
    article_id,
    base_slug,
    content_hash,
    drug_names,
    statement_ids,
    stored_form,
)
from curbside.library.recent import RecentArticles
from curbside.library.sqlite import SQLiteDatabase
from curbside.library.workflow import TRANSITIONS, after_new_version, check_transition
from curbside.models import Article, PatientSummary


def test_the_transition_table() -> None:
    assert {pair: sorted(roles) for pair, roles in TRANSITIONS.items()} == {
        ("draft", "submitted"): ["admin", "editor"],
        ("changes_requested", "submitted"): ["admin", "editor"],
        ("submitted", "under_review"): ["admin", "reviewer"],
        ("under_review", "approved"): ["admin", "reviewer"],
        ("under_review", "changes_requested"): ["admin", "reviewer"],
        ("approved", "retracted"): ["admin", "reviewer"],
        ("draft", "retracted"): ["admin"],
        ("submitted", "retracted"): ["admin"],
        ("under_review", "retracted"): ["admin"],
        ("changes_requested", "retracted"): ["admin"],
        ("retracted", "draft"): ["admin"],
    }
    with pytest.raises(InvalidTransition, match="from draft it can go to: retracted, submitted"):
        check_transition("draft", "approved", "ann", "admin")
    with pytest.raises(
        PermissionDenied, match=r"ann has the role editor: .* needs a user who is admin"
    ):
        check_transition("retracted", "draft", "ann", "editor")
    assert after_new_version("approved") == ("submitted", "content changed since approval")
    assert after_new_version("changes_requested") == ("changes_requested", None)


def test_ids_slugs_and_hashes(answer: Article) -> None:
    assert article_id("  What ABOUT   Clozapine? ", "nurse") == article_id(
        "what about clozapine?", "nurse"
    )
    assert article_id("what about clozapine?", "nurse") != article_id(
        "what about clozapine?", "physician"
    )
    assert base_slug("Névropathie: ANC 0.4 × 10⁹/L — what now?", "patient") == (
        "nevropathie-anc-0-4-109-l-what-now-patient"
    )
    long = base_slug("word " * 40, "nurse")
    assert len(long) <= 60 + len("-nurse") and long.endswith("word-nurse")

    same = stored_form(
        answer.model_copy(update={"notes": ["x"], "follow_ups": []}), "approved", date(2020, 1, 1)
    )
    assert content_hash(same) == content_hash(answer)
    assert content_hash(answer.model_copy(update={"sections": answer.sections[1:]})) != (
        content_hash(answer)
    )
    assert "def-neutropenia" in statement_ids(answer)
    with_patient = answer.model_copy(update={"patient": PatientSummary(drugs=["Clozapine "])})
    assert drug_names(with_patient, ["clozapine", "Olanzapine", " "]) == ["clozapine", "olanzapine"]
    assert stored_form(with_patient, "draft", date(2020, 1, 1)).patient is None


def test_open_database_by_url(tmp_path: Path) -> None:
    default = open_database(None, tmp_path)
    assert isinstance(default, SQLiteDatabase)
    assert default.path == tmp_path / "library.sqlite"
    with default.transaction("read") as tx:
        assert tx.one("PRAGMA journal_mode") == {"journal_mode": "wal"}
        assert tx.one("PRAGMA foreign_keys") == {"foreign_keys": 1}
    default.close()
    relative = open_database("sqlite://other.sqlite", tmp_path)
    assert isinstance(relative, SQLiteDatabase) and relative.path == tmp_path / "other.sqlite"
    relative.close()
    absolute = open_database(f"sqlite://{tmp_path / 'sub' / 'abs.sqlite'}", Path("/nowhere"))
    assert isinstance(absolute, SQLiteDatabase) and absolute.path == tmp_path / "sub/abs.sqlite"
    absolute.close()
    with pytest.raises(ValueError, match="unknown library URL 'mysql://x'"):
        open_database("mysql://x", tmp_path)


def _record(key: str, revision: int) -> ArticleRecord:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return ArticleRecord(
        id=key,
        slug=key,
        question="q",
        audience="physician",
        title="t",
        status="draft",
        current_version=1,
        revision=revision,
        created=now,
        updated=now,
        last_updated=now.date(),
    )


def test_recent_articles_keep_the_newest_and_match_only_the_same_content(answer: Article) -> None:
    recent = RecentArticles(size=2)
    recent.put("lib", "hash-a", "v1", answer, _record("a", 3))
    kept = recent.get("lib", "a", "hash-a")
    assert kept is not None and kept.revision == 3 and kept.article == answer
    assert kept.article is not answer  # each caller gets its own copy
    assert recent.get("lib", "a", "other content") is None
    assert recent.get("another library", "a", "hash-a") is None
    assert recent.composed_from("lib", "a", "v1") is not None  # same knowledge and evidence
    assert recent.composed_from("lib", "a", "v2") is None  # they changed: compose again
    recent.put("lib", "hash-b", "v1", answer, _record("b", 1))
    recent.get("lib", "a", "hash-a")  # a is now the most recently used
    recent.put("lib", "hash-c", "v1", answer, _record("c", 1))
    assert recent.get("lib", "b", "hash-b") is None  # the least recently used went
    assert recent.get("lib", "a", "hash-a") is not None
    assert recent.get("lib", "c", "hash-c") is not None
    recent.forget("lib", "a")
    assert recent.get("lib", "a", "hash-a") is None
