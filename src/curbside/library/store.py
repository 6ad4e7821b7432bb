"""The article library: the one `Library` service that holds all the rules (versions, workflow,
access, audit, optimistic concurrency) over any backend of the storage protocol (`Database`).

Backends only run SQL (see `curbside.library.backend`). Every write is one transaction that

1. reloads the acting user and checks the role (`PermissionDenied`),
2. loads the article and compares the revision the caller read (`Conflict` when stale),
3. moves the revision on with a compare-and-set (`... WHERE revision = ?`), so that of two
   writers racing from the same revision exactly one wins and the other gets `Conflict`,
4. writes the change and exactly one audit row, then commits.

A process killed anywhere in between leaves the database as it was before the write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from curbside.library.accounts import Accounts
from curbside.library.backend import Param, Row, Transaction
from curbside.library.content import (
    article_id,
    base_slug,
    content_hash,
    drug_names,
    search_terms,
    search_text,
    statement_ids,
    stored_form,
)
from curbside.library.errors import Conflict, Invalid, NotFound, PermissionDenied, Retracted
from curbside.library.model import (
    ArticleRecord,
    AuditEntry,
    Comment,
    PublishOutcome,
    User,
    Version,
)
from curbside.library.workflow import (
    PUBLISHED,
    after_new_version,
    allowed,
    check_transition,
    require,
)
from curbside.models import Article, Audience, ReviewStatus
from curbside.understand import normalize

PUBLISH_ATTEMPTS = 5  # a publish that states no revision retries this often on a collision
ARTICLE_UPDATES = frozenset(
    {
        "status",
        "current_version",
        "approved_version",
        "submitted_by",
        "review_note",
        "title",
        "search_text",
        "last_updated",
    }
)


class Library(Accounts):
    """The article library over one database connection (one `Library` per thread or process):
    users and tokens (see `Accounts`), articles with their versions, workflow, comments, audit
    log and search."""

    # ---- writing articles -------------------------------------------------------------------

    def publish(
        self,
        article: Article,
        actor: User,
        drugs: Sequence[str] = (),
        expected_revision: int | None = None,
    ) -> tuple[ArticleRecord, PublishOutcome]:
        """Store an answer in the library (editors and admins).

        A question (normalised) and audience seen for the first time makes a new draft article
        ('created'); the same content as the current version changes nothing ('unchanged');
        other content becomes the next version ('updated'), sending an approved article back to
        review. `drugs` are recorded for search with those of `article.patient`. With
        `expected_revision` (0 for an article expected not to exist yet) a stale read raises
        `Conflict`; without it, a collision with a concurrent write is retried.
        """
        for _ in range(PUBLISH_ATTEMPTS - 1):
            try:
                return self._publish(article, actor, drugs, expected_revision)
            except Conflict:
                if expected_revision is not None:
                    raise
        return self._publish(article, actor, drugs, expected_revision)

    def _publish(
        self,
        article: Article,
        actor: User,
        drugs: Sequence[str],
        expected_revision: int | None,
    ) -> tuple[ArticleRecord, PublishOutcome]:
        key = article_id(article.question, article.audience)
        digest = content_hash(article)
        unchanged = self._unchanged(key, digest, actor, expected_revision)
        if unchanged is not None:
            return unchanged, "unchanged"
        names = drug_names(article, drugs)
        now = self.clock()
        day = now.date()
        with self.db.transaction() as tx:
            acting = self._user(tx, actor)
            require(acting.name, acting.role, "publish")
            row = tx.one("SELECT * FROM articles WHERE id = ?", (key,))
            if row is None:
                if expected_revision:
                    raise Conflict(
                        f"article {key} does not exist, but revision {expected_revision} was "
                        "expected"
                    )
                self._create(tx, key, article, digest, names, acting, now)
                outcome: PublishOutcome = "created"
            else:
                self._check_revision(row, expected_revision)
                current = tx.one(
                    "SELECT content_hash FROM versions WHERE article_id = ? AND n = ?",
                    (key, row["current_version"]),
                )
                if current is not None and current["content_hash"] == digest:
                    return self._record(tx, row), "unchanged"
                n = row["current_version"] + 1
                status, note = after_new_version(row["status"])
                changes: dict[str, Param] = {
                    "status": status,
                    "current_version": n,
                    "title": article.title,
                    "search_text": search_text(article),
                    "last_updated": day,
                }
                if note:
                    changes |= {"review_note": note, "submitted_by": acting.id}
                revision = self._bump(tx, row, now, changes)
                self._add_version(tx, key, n, article, digest, status, acting, now)
                self._add_drugs(tx, key, names)
                self._audit(tx, now, acting.id, "new-version", key, n, revision, status, note)
                outcome = "updated"
            record = self._record(tx, self._article_row(tx, key))
            self._before_commit("publish")
        return record, outcome

    def _unchanged(
        self, key: str, digest: str, actor: User, expected_revision: int | None
    ) -> ArticleRecord | None:
        """The stored record when the article is already stored with this content: the common
        case, answered in a read transaction so that repeat questions never queue for the
        write lock. None when a write is needed (or the revision check must fail in one)."""
        with self.db.transaction("read") as tx:
            acting = self._user(tx, actor)
            require(acting.name, acting.role, "publish")
            row = tx.one("SELECT * FROM articles WHERE id = ?", (key,))
            if row is None or (
                expected_revision is not None and row["revision"] != expected_revision
            ):
                return None
            current = tx.one(
                "SELECT content_hash FROM versions WHERE article_id = ? AND n = ?",
                (key, row["current_version"]),
            )
            if current is None or current["content_hash"] != digest:
                return None
            return self._record(tx, row)

    def _create(
        self,
        tx: Transaction,
        key: str,
        article: Article,
        digest: str,
        names: list[str],
        actor: User,
        now: datetime,
    ) -> None:
        """Insert a new article with its first version (status draft, revision 1)."""
        slug = base_slug(article.question, article.audience)
        if tx.one("SELECT id FROM articles WHERE slug = ?", (slug,)) is not None:
            slug = f"{slug}-{key[:8]}"
        changed = tx.execute(
            "INSERT INTO articles (id, slug, question, normalized, audience, title, status, "
            "current_version, revision, created, updated, last_updated, search_text) "
            "VALUES (?, ?, ?, ?, ?, ?, 'draft', 1, 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                key,
                slug,
                article.question.strip(),
                normalize(article.question),
                article.audience,
                article.title,
                now,
                now,
                now.date(),
                search_text(article),
            ),
        )
        if not changed:
            raise Conflict(f"article {key} was created by a concurrent write; read it again")
        self._add_version(tx, key, 1, article, digest, "draft", actor, now)
        self._add_drugs(tx, key, names)
        self._audit(tx, now, actor.id, "create", key, 1, 1, "draft")

    def _add_version(
        self,
        tx: Transaction,
        key: str,
        n: int,
        article: Article,
        digest: str,
        status: ReviewStatus,
        actor: User,
        now: datetime,
    ) -> None:
        stored = stored_form(article, status, now.date())
        tx.execute(
            "INSERT INTO versions (article_id, n, content_hash, article, author, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key, n, digest, stored.model_dump_json(), actor.id, now),
        )

    def _add_drugs(self, tx: Transaction, key: str, names: list[str]) -> None:
        for name in names:
            tx.execute(
                "INSERT INTO article_drugs (article_id, drug) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (key, name),
            )

    def transition(
        self,
        article_id: str,
        to: ReviewStatus,
        actor: User,
        expected_revision: int,
        note: str | None = None,
    ) -> ArticleRecord:
        """Move the article to another status, as the workflow table allows (see
        `curbside.library.workflow`); `note` goes into the audit log."""
        now = self.clock()
        with self.db.transaction() as tx:
            acting = self._user(tx, actor)
            require(acting.name, acting.role, "transition")
            row = self._article_row(tx, article_id)
            self._check_revision(row, expected_revision)
            check_transition(row["status"], to, acting.name, acting.role)
            changes: dict[str, Param] = {"status": to}
            if to == "submitted":
                changes["submitted_by"] = acting.id
            if to == PUBLISHED:
                author = tx.one(
                    "SELECT author FROM versions WHERE article_id = ? AND n = ?",
                    (article_id, row["current_version"]),
                )
                if acting.id in {row["submitted_by"], author and author["author"]}:
                    raise PermissionDenied(
                        f"{acting.name} wrote or submitted version {row['current_version']} "
                        f"of article {article_id}: another reviewer must approve it"
                    )
                changes |= {"approved_version": row["current_version"], "review_note": None}
            revision = self._bump(tx, row, now, changes)
            version = row["current_version"]
            self._audit(tx, now, acting.id, "transition", article_id, version, revision, to, note)
            record = self._record(tx, self._article_row(tx, article_id))
            self._before_commit("transition")
        return record

    def comment(
        self,
        article_id: str,
        actor: User,
        body: str,
        expected_revision: int,
        statement_id: str | None = None,
    ) -> Comment:
        """Comment on the article, or on one statement (by its id, which must be in the current
        version). A comment is a write: it states the revision read and moves it on."""
        body = body.strip()
        if not body:
            raise Invalid("a comment needs some text")
        now = self.clock()
        with self.db.transaction() as tx:
            acting = self._user(tx, actor)
            require(acting.name, acting.role, "comment")
            row = self._article_row(tx, article_id)
            self._check_revision(row, expected_revision)
            version = row["current_version"]
            if statement_id is not None:
                current = self._version(tx, article_id, version)
                if statement_id not in statement_ids(current.article):
                    raise Invalid(
                        f"version {version} of article {article_id} has no statement "
                        f"{statement_id!r}"
                    )
            revision = self._bump(tx, row, now, {})
            created = tx.one(
                "INSERT INTO comments (article_id, version, statement_id, author, body, created) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
                (article_id, version, statement_id, acting.id, body, now),
            )
            assert created is not None
            target = f"statement {statement_id}" if statement_id else "the article"
            note = f"comment {created['id']} on {target}"
            self._audit(
                tx, now, acting.id, "comment", article_id, version, revision, row["status"], note
            )
            self._before_commit("comment")
        return Comment.model_validate(created)

    # ---- reading articles -------------------------------------------------------------------

    def get(self, article_id: str, viewer: User | None = None) -> ArticleRecord:
        """The article's record. Readers and anonymous callers (viewer None) see approved
        articles only; anything else is NotFound for them."""
        return self._find("id", article_id, viewer)

    def by_slug(self, slug: str, viewer: User | None = None) -> ArticleRecord:
        """The article with this slug (visibility as `get`)."""
        return self._find("slug", slug, viewer)

    def find(self, question: str, audience: Audience, viewer: User | None = None) -> ArticleRecord:
        """The article answering this question for this audience (visibility as `get`)."""
        return self._find("id", article_id(question, audience), viewer)

    def article(
        self, article_id: str, viewer: User | None = None, version: int | None = None
    ) -> Article:
        """The article's content: the current version with its live status by default; an
        older version (`version=n`) for users who may see history."""
        with self.db.transaction("read") as tx:
            record = self._visible(tx, "id", article_id, viewer)
            if version is None or version == record.current_version:
                stored = self._version(tx, article_id, record.current_version).article
                return stored.model_copy(update={"status": record.status})
            self._require_history(tx, viewer)
            return self._version(tx, article_id, version).article

    def revision(self, article_id: str) -> int | None:
        """The article's current revision, None when there is no such article: one small query
        that tells whether a copy read earlier is still current (every write raises it)."""
        with self.db.transaction("statement") as tx:
            row = tx.one("SELECT revision FROM articles WHERE id = ?", (article_id,))
        return None if row is None else int(row["revision"])

    def count(self, status: ReviewStatus) -> int:
        """How many articles are in this status (e.g. drafts waiting)."""
        with self.db.transaction("statement") as tx:
            row = tx.one("SELECT COUNT(*) AS n FROM articles WHERE status = ?", (status,))
        return int(row["n"]) if row else 0

    def versions(self, article_id: str, viewer: User) -> list[Version]:
        """Every version of the article, oldest first (not for readers)."""
        with self.db.transaction("read") as tx:
            self._require_history(tx, viewer)
            self._article_row(tx, article_id)
            rows = tx.all("SELECT * FROM versions WHERE article_id = ? ORDER BY n", (article_id,))
        return [_version(r) for r in rows]

    def version(self, article_id: str, n: int, viewer: User) -> Version:
        """Version n of the article (not for readers)."""
        with self.db.transaction("read") as tx:
            self._require_history(tx, viewer)
            return self._version(tx, article_id, n)

    def comments(self, article_id: str, viewer: User) -> list[Comment]:
        """The article's comments, oldest first (not for readers)."""
        with self.db.transaction("read") as tx:
            self._require_history(tx, viewer)
            rows = tx.all("SELECT * FROM comments WHERE article_id = ? ORDER BY id", (article_id,))
        return [Comment.model_validate(r) for r in rows]

    def audit(self, viewer: User, article_id: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first: one article's or, with no id, everything (not for
        readers)."""
        sql = "SELECT a.*, u.name AS actor_name FROM audit a JOIN users u ON u.id = a.actor"
        with self.db.transaction("read") as tx:
            self._require_history(tx, viewer)
            if article_id is None:
                rows = tx.all(sql + " ORDER BY a.id")
            else:
                rows = tx.all(sql + " WHERE a.article_id = ? ORDER BY a.id", (article_id,))
        return [AuditEntry.model_validate(r) for r in rows]

    def search(
        self,
        text: str | None = None,
        *,
        drug: str | None = None,
        status: ReviewStatus | None = None,
        since: date | None = None,
        until: date | None = None,
        viewer: User | None = None,
        limit: int = 50,
    ) -> list[ArticleRecord]:
        """Articles whose question, title or bottom line contain every word of `text`, about
        `drug`, in `status`, whose current version is dated within [since, until]; newest first.
        Readers and anonymous callers find approved articles only."""
        if limit < 1:
            raise Invalid(f"a search returns at least one article, not {limit}")
        where: list[str] = []
        params: list[Param] = []
        for term in search_terms(text or ""):
            where.append("search_text LIKE ? ESCAPE '\\'")
            params.append(f"%{_escape_like(term)}%")
        if drug:
            where.append("id IN (SELECT article_id FROM article_drugs WHERE drug = ?)")
            params.append(drug.strip().casefold())
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if since is not None:
            where.append("last_updated >= ?")
            params.append(since)
        if until is not None:
            where.append("last_updated <= ?")
            params.append(until)
        with self.db.transaction("read") as tx:
            if not self._sees_unpublished(tx, viewer):
                where.append("status = ?")
                params.append(PUBLISHED)
            sql = "SELECT * FROM articles"
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY last_updated DESC, updated DESC, id LIMIT ?"
            rows = tx.all(sql, [*params, limit])
            return self._records(tx, rows)

    # ---- checks -----------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Invariants every committed state keeps, as a list of violations (empty when sound):
        versions numbered 1..current without gaps, the current version present and dated as the
        article, and one audit row per revision, the last one at the article's revision."""
        problems: list[str] = []
        with self.db.transaction("read") as tx:
            articles = tx.all("SELECT * FROM articles ORDER BY id")
            for row in articles:
                record = ArticleRecord.model_validate({**row, "drugs": []})
                key, current = record.id, record.current_version
                numbers = [
                    r["n"]
                    for r in tx.all(
                        "SELECT n FROM versions WHERE article_id = ? ORDER BY n", (key,)
                    )
                ]
                if numbers != list(range(1, current + 1)):
                    problems.append(f"{key}: versions {numbers}, current is {current}")
                else:
                    latest = self._version(tx, key, current)
                    if latest.article.last_updated != record.last_updated:
                        problems.append(f"{key}: dated unlike its current version")
                audit = tx.all(
                    "SELECT revision, version FROM audit WHERE article_id = ? ORDER BY id",
                    (key,),
                )
                revisions = [r["revision"] for r in audit]
                if revisions != list(range(1, record.revision + 1)):
                    problems.append(
                        f"{key}: audit revisions {revisions}, article revision {record.revision}"
                    )
                elif audit[-1]["version"] != current:
                    problems.append(f"{key}: last audit row names version {audit[-1]['version']}")
        return problems

    # ---- helpers ----------------------------------------------------------------------------

    def _sees_unpublished(self, tx: Transaction, viewer: User | None) -> bool:
        return viewer is not None and allowed(self._user(tx, viewer).role, "read-unpublished")

    def _require_history(self, tx: Transaction, viewer: User | None) -> None:
        if viewer is None:
            raise PermissionDenied("anonymous readers see published articles only, no history")
        acting = self._user(tx, viewer)
        require(acting.name, acting.role, "read-unpublished")

    def _article_row(self, tx: Transaction, article_id: str) -> Row:
        row = tx.one("SELECT * FROM articles WHERE id = ?", (article_id,))
        if row is None:
            raise NotFound(f"no article {article_id}")
        return row

    def _find(
        self, column: Literal["id", "slug"], value: str, viewer: User | None
    ) -> ArticleRecord:
        with self.db.transaction("read") as tx:
            return self._visible(tx, column, value, viewer)

    def _visible(
        self, tx: Transaction, column: Literal["id", "slug"], value: str, viewer: User | None
    ) -> ArticleRecord:
        row = tx.one(f"SELECT * FROM articles WHERE {column} = ?", (value,))
        if row is None or (row["status"] != PUBLISHED and not self._sees_unpublished(tx, viewer)):
            if row is not None and row["status"] == "retracted":
                raise self._retracted(tx, row["id"])
            raise NotFound(f"no published article with {column} {value!r}")
        return self._record(tx, row)

    def _retracted(self, tx: Transaction, article_id: str) -> Retracted:
        """The retraction notice: when, and the reason the board gave."""
        row = tx.one(
            "SELECT at, note FROM audit WHERE article_id = ? AND action = 'transition' "
            "AND status = 'retracted' ORDER BY id DESC LIMIT 1",
            (article_id,),
        )
        on = str(row["at"])[:10] if row else "an unknown date"
        return Retracted(article_id, on, row["note"] if row else None)

    def check_not_retracted(self, record: ArticleRecord) -> None:
        """Retracted (the notice) when the article is retracted: its content goes to nobody
        who asks a question."""
        if record.status == "retracted":
            with self.db.transaction("read") as tx:
                raise self._retracted(tx, record.id)

    def _version(self, tx: Transaction, article_id: str, n: int) -> Version:
        row = tx.one("SELECT * FROM versions WHERE article_id = ? AND n = ?", (article_id, n))
        if row is None:
            raise NotFound(f"article {article_id} has no version {n}")
        return _version(row)

    def _record(self, tx: Transaction, row: Row) -> ArticleRecord:
        return self._records(tx, [row])[0]

    def _records(self, tx: Transaction, rows: list[Row]) -> list[ArticleRecord]:
        """Records with their drugs (one query for all)."""
        drugs: dict[str, list[str]] = {r["id"]: [] for r in rows}
        if rows:
            marks = ", ".join("?" for _ in rows)
            for d in tx.all(
                f"SELECT article_id, drug FROM article_drugs WHERE article_id IN ({marks}) "
                "ORDER BY drug",
                [r["id"] for r in rows],
            ):
                drugs[d["article_id"]].append(d["drug"])
        return [ArticleRecord.model_validate({**r, "drugs": drugs[r["id"]]}) for r in rows]

    @staticmethod
    def _check_revision(row: Row, expected: int | None) -> None:
        if expected is not None and row["revision"] != expected:
            raise Conflict(_stale(row["id"], row["revision"], expected))

    def _bump(self, tx: Transaction, row: Row, now: datetime, changes: dict[str, Param]) -> int:
        """Compare-and-set: move the article from the revision read to the next, with the
        changes; Conflict (and nothing written) when someone else moved it first."""
        unknown = set(changes) - ARTICLE_UPDATES
        assert not unknown, f"not an updatable article column: {unknown}"
        sets = "".join(f", {column} = ?" for column in changes)
        changed = tx.execute(
            f"UPDATE articles SET revision = revision + 1, updated = ?{sets} "
            "WHERE id = ? AND revision = ?",
            [now, *changes.values(), row["id"], row["revision"]],
        )
        if changed != 1:
            now_at = tx.one("SELECT revision FROM articles WHERE id = ?", (row["id"],))
            actual = now_at["revision"] if now_at else "deleted"
            raise Conflict(_stale(row["id"], actual, row["revision"]))
        return int(row["revision"]) + 1


def _version(row: Row) -> Version:
    return Version.model_validate({**row, "article": Article.model_validate_json(row["article"])})


def _stale(article_id: str, actual: object, expected: object) -> str:
    return (
        f"article {article_id} is at revision {actual}, not {expected}: it was changed since "
        "you read it; nothing was written. Read it again and retry."
    )


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
