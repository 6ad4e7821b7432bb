"""The engine's publish stage and the library commands, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from curbside.cli import main
from curbside.engine import Engine
from curbside.knowledge.base import KnowledgeBase
from curbside.library import Library, open_library
from curbside.library.system import system_user
from curbside.settings import Settings

QUESTION = "How is neutropenia graded in CTCAE version 5?"


def _settings(url: str, home: Path) -> Settings:
    return Settings(home=home, library_url=None if url.startswith("sqlite") else url, publish=True)


def _extra_pack(tmp_path: Path) -> Path:
    """A pack that adds one grading statement: the knowledge behind the article changes."""
    pack = {
        "pack": "test-extra",
        "title": "An extra grading statement",
        "updated": "2026-11-22",
        "statements": [
            {
                "id": "test-extra-grading",
                "section": "severity",
                "when": {"intents": ["grading"]},
                "text": {"clinician": "CTCAE grades are assigned from the lowest ANC measured."},
                "cite": [{"source": "ctcae-v5", "locator": "Investigations"}],
            }
        ],
    }
    path = tmp_path / "extra.yaml"
    path.write_text(yaml.safe_dump(pack), encoding="utf-8")
    return path


def test_asking_publishes_once_and_a_knowledge_change_sends_approval_back(
    url: str, tmp_path: Path, kb: KnowledgeBase
) -> None:
    settings = _settings(url, tmp_path / "home")
    first = Engine(settings, kb).ask(QUESTION)
    assert first.status == "draft"
    again = Engine(settings, kb).ask(QUESTION.lower().rstrip("?"))
    assert again.model_dump() == first.model_dump()  # the stored article, not a new one

    library = open_library(settings.library_url, settings.home)
    record = library.find(QUESTION, "physician", system_user(library))
    operator = system_user(library)
    editor = library.add_user("ed", "editor", actor=operator)
    reviewer = library.add_user("rev", "reviewer", actor=operator)
    record = library.transition(record.id, "submitted", editor, record.revision)
    record = library.transition(record.id, "under_review", reviewer, record.revision)
    record = library.transition(record.id, "approved", reviewer, record.revision)
    assert Engine(settings, kb).ask(QUESTION).status == "approved"

    changed_kb = KnowledgeBase.load([_extra_pack(tmp_path)])
    changed = Engine(settings, changed_kb).ask(QUESTION)
    assert changed.status == "submitted"
    assert any(s.id == "test-extra-grading" for sec in changed.sections for s in sec.statements)
    record = library.get(record.id, operator)
    assert record.current_version == 2 and record.review_note == "content changed since approval"
    old = library.article(record.id, operator, version=1)
    assert not any(s.id == "test-extra-grading" for sec in old.sections for s in sec.statements)
    library.close()


def test_one_engine_asked_again_sees_every_change_made_by_another_connection(
    url: str, tmp_path: Path, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repeat question is answered from the engine's recent copy only while the library still
    holds that revision of the article: a review action elsewhere shows at once."""
    settings = _settings(url, tmp_path / "home")
    engine = Engine(settings, kb)
    first = engine.ask(QUESTION)
    reads: list[str] = []
    real_article = Library.article
    monkeypatch.setattr(
        Library, "article", lambda *a, **k: reads.append(a[1]) or real_article(*a, **k)
    )
    assert engine.ask(QUESTION).model_dump() == first.model_dump()
    assert reads == []  # answered from the recent copy

    other = open_library(settings.library_url, settings.home)
    operator = system_user(other)
    editor = other.add_user("ed", "editor", actor=operator)
    record = other.find(QUESTION, "physician", operator)
    other.transition(record.id, "submitted", editor, record.revision)
    assert engine.ask(QUESTION).status == "submitted"
    assert reads == [record.id]  # the revision moved: read again
    assert engine.ask(QUESTION).status == "submitted" and len(reads) == 1
    other.close()


def test_patient_specific_answers_are_not_stored(
    url: str, tmp_path: Path, kb: KnowledgeBase
) -> None:
    settings = _settings(url, tmp_path / "home")
    article = Engine(settings, kb).ask("Woman on ribociclib, ANC 0.4 x10^9/L. Next steps?")
    assert article.patient is not None and article.status == "draft"
    library = open_library(settings.library_url, settings.home)
    assert library.search(viewer=system_user(library)) == []
    library.close()


def test_library_review_and_users_commands(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(url, tmp_path / "home")
    monkeypatch.setenv("CURBSIDE_HOME", str(settings.home))
    monkeypatch.setenv("CURBSIDE_PUBLISH", "true")
    if settings.library_url:
        monkeypatch.setenv("CURBSIDE_LIBRARY_URL", settings.library_url)
    assert main(["ask", QUESTION]) == 0
    assert main(["users", "add", "alice", "--role", "editor"]) == 0
    assert main(["users", "add", "bob", "--role", "reviewer"]) == 0
    capsys.readouterr()
    tokens = {}
    for name in ("alice", "bob"):
        assert main(["users", "token", name]) == 0
        tokens[name] = json.loads(capsys.readouterr().out)["token"]
    assert main(["library", "list", "--token", tokens["alice"], "--status", "draft"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 articles")
    article_id = out.splitlines()[1].split()[0]
    assert main(["library", "list"]) == 0  # anonymous readers see published articles only
    assert capsys.readouterr().out.startswith("0 articles")
    steps = [("submit", "alice"), ("start", "bob")]
    for action, who in steps:
        assert main(["review", action, article_id, "--token", tokens[who]]) == 0
    comment = ["review", "comment", article_id, "Cite the table", "--statement", "ctcae-grades"]
    assert main([*comment, "--token", tokens["bob"]]) == 0
    bad = ["review", "comment", article_id, "x", "--statement", "no-such-statement"]
    assert main([*bad, "--token", tokens["bob"]]) == 4
    assert main(["review", "approve", article_id, "--token", tokens["alice"]]) == 4
    assert "PermissionDenied" in capsys.readouterr().err
    assert main(["review", "approve", article_id, "--token", tokens["bob"]]) == 0
    assert main(["review", "submit", article_id, "--token", tokens["alice"]]) == 4  # not allowed
    capsys.readouterr()
    assert main(["library", "history", article_id, "--token", tokens["bob"]]) == 0
    history = capsys.readouterr().out
    assert "Cite the table" in history and history.count("transition") == 3
    assert main(["library", "show", article_id, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "approved"
    assert main(["library", "list", "--drug", "nothing-like-it"]) == 0
    assert capsys.readouterr().out.startswith("0 articles")
