"""The library's workflow suite, run on SQLite and on PostgreSQL (the `library` fixture)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import get_args

import pytest
from library_helpers import Clock, Team, bring_to, move, retitled, variant

from curbside.library import (
    ROLES,
    TRANSITIONS,
    ArticleRecord,
    Conflict,
    Invalid,
    InvalidTransition,
    Library,
    NotFound,
    PermissionDenied,
    User,
)
from curbside.library.content import article_id, content_hash
from curbside.library.workflow import CHANGED_DURING_REVIEW, CHANGED_SINCE_APPROVAL
from curbside.models import Article, PatientSummary, ReviewStatus

STATUSES: tuple[ReviewStatus, ...] = get_args(ReviewStatus)


def audit_count(library: Library, team: Team) -> int:
    return len(library.audit(team.admin))


# ---- articles and versions ----------------------------------------------------------------


def test_the_same_question_returns_the_stored_article(
    library: Library, team: Team, answer: Article
) -> None:
    record, outcome = library.publish(answer, team.editor)
    assert outcome == "created"
    assert (record.status, record.current_version, record.revision) == ("draft", 1, 1)
    assert record.id == article_id(answer.question, answer.audience)
    assert record.slug == "what-is-the-management-of-neutropenia-caused-by-anastrazole-physician"
    assert record.title == answer.title

    respaced = answer.model_copy(update={"question": "  " + answer.question.upper() + "  "})
    again, outcome = library.publish(respaced, team.editor)
    assert outcome == "unchanged"
    assert again == record
    assert library.find(answer.question.lower(), "physician", team.editor) == record

    for_nurses, outcome = library.publish(
        answer.model_copy(update={"audience": "nurse"}), team.editor
    )
    assert outcome == "created"
    assert for_nurses.id != record.id
    assert for_nurses.slug.endswith("-nurse")


def test_content_changes_make_versions_and_old_ones_stay_readable(
    library: Library, team: Team, answer: Article, clock: Clock
) -> None:
    first, _ = library.publish(answer, team.editor)
    first_day = clock.today()
    clock.advance(days=10)

    unchanged, outcome = library.publish(
        answer.model_copy(update={"status": "approved", "notes": ["other"], "patient": None}),
        team.editor2,
    )
    assert outcome == "unchanged"  # status, dates and notes are not content
    assert unchanged.revision == first.revision

    second, outcome = library.publish(retitled(answer, "Anastrozole and neutropenia"), team.editor2)
    assert outcome == "updated"
    assert (second.current_version, second.revision, second.title) == (
        2,
        2,
        "Anastrozole and neutropenia",
    )
    assert second.last_updated == clock.today() == first_day + timedelta(days=10)
    current = library.article(second.id, team.editor)
    assert current.title == "Anastrozole and neutropenia"
    assert current.last_updated == second.last_updated

    versions = library.versions(second.id, team.reviewer)
    assert [v.n for v in versions] == [1, 2]
    assert [v.author for v in versions] == [team.editor.id, team.editor2.id]
    old = library.version(second.id, 1, team.reviewer)
    assert old.article.title == answer.title
    assert old.article.last_updated == first_day
    assert old.content_hash == content_hash(answer)
    assert old.article.sections == answer.sections
    assert library.article(second.id, team.editor, version=1) == old.article

    # Going back to the first content is a change too: a third version.
    third, outcome = library.publish(answer, team.editor)
    assert (outcome, third.current_version) == ("updated", 3)
    with pytest.raises(NotFound):
        library.version(second.id, 4, team.editor)
    assert library.check() == []


def test_the_library_keeps_no_patient_data(library: Library, team: Team, answer: Article) -> None:
    about_patient = answer.model_copy(
        update={"patient": PatientSummary(anc_per_uL=400, drugs=["Anastrozole", "Palbociclib"])}
    )
    record, _ = library.publish(about_patient, team.editor, drugs=["letrozole"])
    assert record.drugs == ["anastrozole", "letrozole", "palbociclib"]
    assert library.article(record.id, team.editor).patient is None


def test_a_stale_revision_is_refused_and_changes_nothing(
    library: Library, team: Team, answer: Article
) -> None:
    record, _ = library.publish(answer, team.editor)
    submitted = move(library, record, "submitted", team.editor)
    before = audit_count(library, team)
    with pytest.raises(Conflict, match=r"revision 2, not 1.*Read it again"):
        library.transition(record.id, "retracted", team.admin, record.revision)
    with pytest.raises(Conflict):
        library.comment(record.id, team.reviewer, "late", record.revision)
    with pytest.raises(Conflict):
        library.publish(retitled(answer, "New"), team.editor, expected_revision=record.revision)
    with pytest.raises(Conflict):
        library.publish(variant(answer, "new"), team.editor, expected_revision=3)
    assert library.get(record.id, team.editor) == submitted
    assert audit_count(library, team) == before

    updated, outcome = library.publish(
        retitled(answer, "New"), team.editor, expected_revision=submitted.revision
    )
    assert (outcome, updated.revision) == ("updated", 3)


# ---- the workflow ---------------------------------------------------------------------------


def test_every_allowed_and_every_forbidden_transition(
    library: Library, team: Team, answer: Article
) -> None:
    for n, (start, to) in enumerate((a, b) for a in STATUSES for b in STATUSES):
        record = bring_to(library, team, variant(answer, f"pair {n}"), start)
        roles = TRANSITIONS.get((start, to))
        if roles is None:
            with pytest.raises(InvalidTransition, match=f"cannot go from {start} to {to}"):
                move(library, record, to, team.admin)
            assert library.get(record.id, team.admin) == record
            continue
        for role in ROLES:
            if role not in roles:
                with pytest.raises(PermissionDenied, match=f"has the role {role}"):
                    move(library, record, to, team.of(role))
        assert library.get(record.id, team.admin) == record
        actor = next(team.of(r) for r in ("editor", "reviewer", "admin") if r in roles)
        moved = move(library, record, to, actor)
        assert (moved.status, moved.revision) == (to, record.revision + 1)
        if to == "submitted":
            assert moved.submitted_by == actor.id
        if to == "approved":
            assert moved.approved_version == moved.current_version
    assert library.check() == []


def test_the_author_cannot_approve(library: Library, team: Team, answer: Article) -> None:
    # An admin who published the version may not approve it...
    record, _ = library.publish(answer, team.admin)
    record = move(library, record, "submitted", team.editor)
    record = move(library, record, "under_review", team.reviewer)
    with pytest.raises(PermissionDenied, match="another reviewer must approve"):
        move(library, record, "approved", team.admin)
    # ...nor may the admin who submitted someone else's.
    other, _ = library.publish(variant(answer, "other"), team.editor)
    other = move(library, other, "submitted", team.admin)
    other = move(library, other, "under_review", team.reviewer)
    with pytest.raises(PermissionDenied, match="another reviewer must approve"):
        move(library, other, "approved", team.admin)
    assert move(library, record, "approved", team.reviewer).status == "approved"
    assert move(library, other, "approved", team.reviewer2).status == "approved"


def test_changed_content_sends_an_approved_article_back_to_review(
    library: Library, team: Team, answer: Article
) -> None:
    approved = bring_to(library, team, answer, "approved")
    assert library.get(approved.id) == approved

    changed, outcome = library.publish(retitled(answer, "Knowledge updated"), team.editor2)
    assert outcome == "updated"
    assert (changed.status, changed.review_note) == ("submitted", CHANGED_SINCE_APPROVAL)
    assert (changed.submitted_by, changed.approved_version) == (team.editor2.id, 1)
    last = library.audit(team.reviewer, changed.id)[-1]
    assert (last.action, last.status, last.version, last.note, last.actor) == (
        "new-version",
        "submitted",
        2,
        CHANGED_SINCE_APPROVAL,
        team.editor2.id,
    )
    with pytest.raises(NotFound):  # readers no longer see content nobody approved
        library.get(changed.id)

    review = move(library, changed, "under_review", team.reviewer)
    again, _ = library.publish(retitled(answer, "Updated twice"), team.editor)
    assert (again.status, again.review_note) == ("submitted", CHANGED_DURING_REVIEW)
    review = move(library, again, "under_review", team.reviewer)
    with pytest.raises(PermissionDenied):  # the publisher of the new version resubmitted it
        move(library, review, "approved", team.editor)
    reapproved = move(library, review, "approved", team.reviewer2)
    assert (reapproved.review_note, reapproved.approved_version) == (None, 3)
    assert library.article(reapproved.id).title == "Updated twice"

    library.publish(variant(answer, "draft"), team.editor)
    still, _ = library.publish(variant(answer, "draft", title="Changed"), team.editor)
    assert (still.status, still.review_note, still.current_version) == ("draft", None, 2)


# ---- access ---------------------------------------------------------------------------------


def test_readers_see_only_approved_articles(library: Library, team: Team, answer: Article) -> None:
    record, _ = library.publish(answer, team.editor, drugs=["anastrozole"])
    for viewer in (None, team.reader):
        with pytest.raises(NotFound):
            library.get(record.id, viewer)
        with pytest.raises(NotFound):
            library.by_slug(record.slug, viewer)
        with pytest.raises(NotFound):
            library.find(answer.question, answer.audience, viewer)
        with pytest.raises(NotFound):
            library.article(record.id, viewer)
        assert library.search("anastrozole", viewer=viewer) == []
        assert library.search(drug="anastrozole", viewer=viewer) == []
        assert library.search(status="draft", viewer=viewer) == []
    for viewer in (team.editor, team.reviewer, team.admin):
        assert library.get(record.id, viewer) == record
        assert library.search("anastrozole", viewer=viewer) == [record]

    approved = bring_to(library, team, variant(answer, "approved"), "approved")
    for viewer in (None, team.reader):
        assert library.get(approved.id, viewer) == approved
        assert library.by_slug(approved.slug, viewer) == approved
        assert library.article(approved.id, viewer).status == "approved"
        assert library.search("anastrozole", viewer=viewer) == [approved]
        with pytest.raises(PermissionDenied):
            library.article(approved.id, viewer, version=0)
    with pytest.raises(PermissionDenied):
        library.versions(approved.id, team.reader)
    with pytest.raises(PermissionDenied):
        library.comments(approved.id, team.reader)
    with pytest.raises(PermissionDenied):
        library.audit(team.reader)

    retracted = move(library, approved, "retracted", team.reviewer)
    with pytest.raises(NotFound):
        library.get(retracted.id, team.reader)


def test_every_write_checks_the_role(library: Library, team: Team, answer: Article) -> None:
    record, _ = library.publish(answer, team.editor)
    admin_token = library.create_token(team.admin)
    before = audit_count(library, team)
    refused: list[Callable[[], object]] = [
        lambda: library.publish(variant(answer, "x"), team.reader),
        lambda: library.publish(variant(answer, "x"), team.reviewer),
        lambda: library.publish(retitled(answer, "x"), team.reviewer),
        lambda: library.comment(record.id, team.reader, "hi", record.revision),
        lambda: library.add_user("eve", "admin", "a long password", actor=team.editor),
        lambda: library.add_user("eve", "reader", "a long password", actor=team.reviewer),
        lambda: library.add_user(
            "eve", "reader", "a long password"
        ),  # only the first user needs no admin
        lambda: library.create_token(team.editor, user=team.reviewer),
        lambda: library.revoke_token(team.editor, admin_token.id),
        lambda: library.users(team.editor),
        lambda: library.transition(record.id, "submitted", team.reader, record.revision),
        # Readers learn nothing about unpublished articles, not even which moves they allow.
        lambda: library.transition(record.id, "approved", team.reader, record.revision),
        lambda: library.transition("0" * 16, "approved", team.reader, 1),
        # A forged role is no use: the acting user is read from the database.
        lambda: library.add_user(
            "eve",
            "admin",
            "a long password",
            actor=team.reader.model_copy(update={"role": "admin"}),
        ),
        lambda: library.publish(
            variant(answer, "x"),
            User(id=999, name="ghost", role="admin", created=team.admin.created),
        ),
    ]
    for write in refused:
        with pytest.raises(PermissionDenied):
            write()
    assert audit_count(library, team) == before
    assert library.get(record.id, team.admin) == record
    with pytest.raises(NotFound):
        library.user("eve")


def test_comments_on_the_article_or_one_existing_statement(
    library: Library, team: Team, answer: Article
) -> None:
    record, _ = library.publish(answer, team.editor)
    statement = answer.sections[0].statements[0].id
    on_statement = library.comment(
        record.id, team.reviewer, "Cite the grading table.", record.revision, statement
    )
    assert (on_statement.statement_id, on_statement.version, on_statement.author) == (
        statement,
        1,
        team.reviewer.id,
    )
    record = library.get(record.id, team.editor)
    on_article = library.comment(record.id, team.editor, "Will do.", record.revision)
    assert on_article.statement_id is None
    record = library.get(record.id, team.editor)
    before = audit_count(library, team)
    with pytest.raises(Invalid, match="no statement 'no-such-statement'"):
        library.comment(record.id, team.reviewer, "?", record.revision, "no-such-statement")
    with pytest.raises(Invalid, match="needs some text"):
        library.comment(record.id, team.reviewer, "  ", record.revision)
    with pytest.raises(NotFound):
        library.comment("0" * 16, team.reviewer, "?", 1)
    assert audit_count(library, team) == before
    comments = library.comments(record.id, team.reviewer)
    assert [c.body for c in comments] == ["Cite the grading table.", "Will do."]

    # A statement dropped from the current version can no longer be commented on.
    without = answer.model_copy(update={"sections": answer.sections[1:]})
    record, _ = library.publish(without, team.editor)
    with pytest.raises(Invalid):
        library.comment(record.id, team.reviewer, "?", record.revision, statement)


def test_every_write_has_one_audit_row(library: Library, team: Team, answer: Article) -> None:
    entries = library.audit(team.admin)
    assert [(e.action, e.actor) for e in entries] == [("add-user", team.admin.id)] * 6
    n = len(entries)

    def expect(actor: User, action: str, version: int | None, revision: int | None) -> None:
        nonlocal n
        entries = library.audit(team.admin)
        assert len(entries) == n + 1, entries[n:]
        last = entries[-1]
        assert (last.actor, last.action, last.version, last.revision) == (
            actor.id,
            action,
            version,
            revision,
        )
        assert last.at.tzinfo is not None and last.at > entries[-2].at
        n += 1

    record, _ = library.publish(answer, team.editor)
    expect(team.editor, "create", 1, 1)
    library.publish(answer, team.editor)  # unchanged: not a write
    assert len(library.audit(team.admin)) == n
    record = move(library, record, "submitted", team.editor)
    expect(team.editor, "transition", 1, 2)
    record = move(library, record, "under_review", team.reviewer)
    expect(team.reviewer, "transition", 1, 3)
    library.comment(record.id, team.reviewer, "ok", record.revision)
    expect(team.reviewer, "comment", 1, 4)
    record = library.get(record.id, team.reviewer)
    record = move(library, record, "approved", team.reviewer)
    expect(team.reviewer, "transition", 1, 5)
    record, _ = library.publish(retitled(answer, "v2"), team.editor)
    expect(team.editor, "new-version", 2, 6)
    token = library.create_token(team.reviewer, label="cli")
    expect(team.reviewer, "create-token", None, None)
    library.revoke_token(team.reviewer, token.id)
    expect(team.reviewer, "revoke-token", None, None)
    library.add_user("newcomer", "reader", "a long password", actor=team.admin)
    expect(team.admin, "add-user", None, None)

    per_article = library.audit(team.editor, record.id)
    assert [e.revision for e in per_article] == list(range(1, record.revision + 1))
    assert [e.status for e in per_article] == [
        "draft",
        "submitted",
        "under_review",
        "under_review",
        "approved",
        "submitted",
    ]
    assert library.check() == []


def test_the_audit_log_is_append_only(library: Library, team: Team, answer: Article) -> None:
    library.publish(answer, team.editor)
    for sql in ("UPDATE audit SET note = 'rewritten'", "DELETE FROM audit"):
        with pytest.raises(Exception, match="append-only"), library.db.transaction() as tx:
            tx.execute(sql)
    with pytest.raises(Exception, match="append-only"), library.db.transaction() as tx:
        tx.execute("DELETE FROM versions")
    assert len(library.audit(team.admin)) == 7
    assert not any(name.startswith(("delete", "update")) for name in dir(library))


# ---- users, passwords, tokens -------------------------------------------------------------


def test_the_first_user_must_be_an_admin(library: Library) -> None:
    with pytest.raises(Invalid, match="must be an admin"):
        library.add_user("first", "editor", "a long password")
    admin = library.add_user("first", "admin", "a long password")
    with pytest.raises(PermissionDenied):
        library.add_user("second", "admin", "a long password")
    with pytest.raises(Conflict, match="exists already"):
        library.add_user("first", "reader", "a long password", actor=admin)
    assert [u.name for u in library.users(admin)] == ["first"]


def test_passwords_are_argon2_hashes(library: Library, team: Team) -> None:
    assert library.authenticate("editor", "editor-password") == team.editor
    for name, password in [("editor", "wrong"), ("nobody", "editor-password"), ("editor", "")]:
        with pytest.raises(PermissionDenied, match="wrong user name or password"):
            library.authenticate(name, password)
    with library.db.transaction("read") as tx:
        row = tx.one("SELECT password_hash FROM users WHERE name = ?", ("editor",))
    assert row is not None and row["password_hash"].startswith("$argon2id$")
    assert "editor-password" not in row["password_hash"]

    robot = library.add_user("robot", "editor", actor=team.admin)  # tokens only
    with pytest.raises(PermissionDenied):
        library.authenticate("robot", "")
    token = library.create_token(team.admin, user=robot, label="knowledge updates")
    assert library.user_for_token(token.secret) == robot


def test_tokens_are_random_shown_once_and_stored_hashed(library: Library, team: Team) -> None:
    first = library.create_token(team.editor, label="laptop")
    second = library.create_token(team.editor, label="server")
    assert first.secret != second.secret and len(first.secret) > 40
    assert library.user_for_token(first.secret) == team.editor
    with library.db.transaction("read") as tx:
        rows = tx.all("SELECT * FROM api_tokens ORDER BY id")
    assert [r["token_hash"] for r in rows] == [
        hashlib.sha256(t.secret.encode()).hexdigest() for t in (first, second)
    ]
    assert not any(t.secret in str(r) for r in rows for t in (first, second))
    listed = library.tokens(team.editor)
    assert [(t.id, t.label) for t in listed] == [(first.id, "laptop"), (second.id, "server")]
    assert not hasattr(listed[0], "secret")
    assert library.tokens(team.reviewer) == []
    assert len(library.tokens(team.admin)) == 2

    library.revoke_token(team.editor, first.id)
    with pytest.raises(PermissionDenied, match="unknown, revoked or expired"):
        library.user_for_token(first.secret)
    with pytest.raises(PermissionDenied, match="unknown, revoked or expired"):
        library.user_for_token("cbs_" + "x" * 43)
    assert library.user_for_token(second.secret) == team.editor
    library.revoke_token(team.admin, second.id)  # an admin may revoke anyone's
    with pytest.raises(PermissionDenied):
        library.user_for_token(second.secret)
    with pytest.raises(NotFound):
        library.revoke_token(team.admin, 12345)


# ---- search ---------------------------------------------------------------------------------


def test_search_by_text_drug_status_and_date(
    library: Library, team: Team, answer: Article, clock: Clock
) -> None:
    first_day = clock.today()
    anastrozole, _ = library.publish(answer, team.editor, drugs=["Anastrozole"])
    clock.advance(days=5)
    clozapine, _ = library.publish(
        variant(
            answer,
            "clozapine",
            title="Clozapine and 100% of the ANC",
            patient=PatientSummary(drugs=["Clozapine"]),
        ),
        team.editor,
    )
    clock.advance(days=5)
    approved = bring_to(
        library, team, variant(answer, "methotrexate", title="Methotrexate_toxicity"), "approved"
    )
    approved = library.get(approved.id, team.editor)
    editor = team.editor

    def ids(records: list[ArticleRecord]) -> list[str]:
        return [r.id for r in records]

    assert ids(library.search("CLOZAPINE anc", viewer=editor)) == [clozapine.id]
    assert ids(library.search("aromatase", viewer=editor)) == ids(
        [approved, clozapine, anastrozole]
    )  # newest first; the question is searched too
    assert library.search("100%", viewer=editor) == [clozapine]
    assert library.search("0%", viewer=editor) == [clozapine]
    assert library.search("%", viewer=editor) == [clozapine]  # a literal %, not a wildcard
    assert library.search("methotrexate_", viewer=editor) == [approved]
    assert library.search("a_t", viewer=editor) == []  # "anastrazole" would match a wildcard
    assert library.search(drug="clozapine", viewer=editor) == [clozapine]
    assert library.search(drug=" Anastrozole ", viewer=editor) == [anastrozole]
    assert library.search(status="approved", viewer=editor) == [approved]
    assert ids(library.search(status="draft", viewer=editor)) == ids([clozapine, anastrozole])
    assert library.search(
        since=first_day + timedelta(days=1), until=clock.today() - timedelta(days=1), viewer=editor
    ) == [clozapine]
    assert library.search(until=first_day, viewer=editor) == [anastrozole]
    assert library.search(since=clock.today(), viewer=editor) == [approved]
    assert library.search("aromatase", drug="anastrozole", status="draft", viewer=editor) == [
        anastrozole
    ]
    assert library.search("no such words", viewer=editor) == []
    assert len(library.search(viewer=editor, limit=2)) == 2
    with pytest.raises(Invalid):
        library.search(viewer=editor, limit=0)
    assert library.search("aromatase") == [approved]
