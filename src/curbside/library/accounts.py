"""Users, passwords and API tokens, and what every write of the library shares: the acting user
read again from the database, the one audit row, the before-commit hook."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Self

from argon2 import PasswordHasher

from curbside.library.backend import Database, Transaction, utcnow
from curbside.library.errors import Conflict, Invalid, NotFound, PermissionDenied
from curbside.library.migrations import migrate
from curbside.library.model import ApiToken, AuditAction, NewToken, Role, User
from curbside.library.passwords import hash_password, new_token, token_digest, verify_password
from curbside.library.workflow import allowed, require
from curbside.models import ReviewStatus

USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD = 12  # characters
TOKEN_DAYS = 90  # an API token's life unless another is asked for
TOKEN_COLUMNS = "id, user_id, label, created, revoked, expires"


def check_name(name: str) -> str:
    """A user name as stored: 1-64 letters, digits, '.', '_' or '-', starting with a letter or
    digit (no spaces or control characters: names appear in logs and the audit)."""
    if not USER_NAME.fullmatch(name):
        raise Invalid(
            f"{name!r} is not a user name: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> None:
    """Invalid for a password shorter than MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"a password needs at least {MIN_PASSWORD} characters")


class Accounts:
    """The users of one library database, migrated to the latest schema when opened.

    `before_commit`, when set, is called with the action's name inside every write transaction
    just before it commits (tests use it to kill a writer mid-transaction).
    """

    def __init__(
        self,
        db: Database,
        *,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = utcnow,
        migrate_schema: bool = True,
    ) -> None:
        self.db = db
        self.hasher = hasher or PasswordHasher()
        self.clock = clock
        self.before_commit: Callable[[str], None] | None = None
        if migrate_schema:  # a pool migrates once, at start-up, not on every connection
            migrate(db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_user(
        self, name: str, role: Role, password: str | None = None, *, actor: User | None = None
    ) -> User:
        """Add a user (admins only). The very first user of a library is added with no actor
        and must be an admin. A user without a password signs in with API tokens only."""
        name = check_name(name.strip())
        if password is not None:
            check_password(password)
        password_hash = hash_password(self.hasher, password) if password else None
        now = self.clock()
        with self.db.transaction() as tx:
            if actor is None:
                if tx.one("SELECT id FROM users LIMIT 1") is not None:
                    raise PermissionDenied(
                        "adding a user needs an admin; only the first user is added without one"
                    )
                if role != "admin":
                    raise Invalid("the first user of a library must be an admin")
            else:
                acting = self._user(tx, actor)
                require(acting.name, acting.role, "manage-users")
            if tx.one("SELECT id FROM users WHERE name = ?", (name,)) is not None:
                raise Conflict(f"a user named {name!r} exists already")
            row = tx.one(
                "INSERT INTO users (name, role, password_hash, created) VALUES (?, ?, ?, ?) "
                "RETURNING id, name, role, created",
                (name, role, password_hash, now),
            )
            assert row is not None
            user = User.model_validate(row)
            by = actor.id if actor else user.id
            self._audit(tx, now, by, "add-user", note=f"{name} as {role}")
            self._before_commit("add-user")
        return user

    def user(self, name: str) -> User:
        """The user of this name (NotFound)."""
        with self.db.transaction("read") as tx:
            row = tx.one("SELECT id, name, role, created FROM users WHERE name = ?", (name,))
        if row is None:
            raise NotFound(f"no user named {name!r}")
        return User.model_validate(row)

    def users(self, actor: User) -> list[User]:
        """Every user, by name (admins only)."""
        with self.db.transaction("read") as tx:
            acting = self._user(tx, actor)
            require(acting.name, acting.role, "manage-users")
            rows = tx.all("SELECT id, name, role, created FROM users ORDER BY name")
        return [User.model_validate(r) for r in rows]

    def authenticate(self, name: str, password: str) -> User:
        """The user, when the password is theirs; PermissionDenied otherwise (without saying
        whether the name exists)."""
        with self.db.transaction("read") as tx:
            row = tx.one(
                "SELECT id, name, role, created, password_hash FROM users WHERE name = ?", (name,)
            )
        stored = row["password_hash"] if row else None
        if not verify_password(self.hasher, stored, password) or row is None:
            raise PermissionDenied("wrong user name or password")
        return User.model_validate(row)

    def create_token(
        self,
        actor: User,
        *,
        user: User | None = None,
        label: str = "",
        lifetime: timedelta | None = timedelta(days=TOKEN_DAYS),
    ) -> NewToken:
        """A new API token for the actor (or, for an admin, for another user), good for
        `lifetime` (None: until revoked). The secret is in the result only: the library keeps
        its SHA-256."""
        secret = new_token()
        now = self.clock()
        expires = None if lifetime is None else now + lifetime
        with self.db.transaction() as tx:
            acting = self._user(tx, actor)
            owner = acting if user is None else self._user(tx, user)
            if owner.id != acting.id:
                require(acting.name, acting.role, "manage-users")
            row = tx.one(
                "INSERT INTO api_tokens (user_id, label, token_hash, created, expires) "
                f"VALUES (?, ?, ?, ?, ?) RETURNING {TOKEN_COLUMNS}",
                (owner.id, label, token_digest(secret), now, expires),
            )
            assert row is not None
            note = f"token {row['id']} for {owner.name}"
            self._audit(tx, now, acting.id, "create-token", note=note)
            self._before_commit("create-token")
        return NewToken.model_validate({**row, "secret": secret})

    def tokens(self, actor: User) -> list[ApiToken]:
        """The actor's tokens; an admin sees everyone's."""
        with self.db.transaction("read") as tx:
            acting = self._user(tx, actor)
            sql = f"SELECT {TOKEN_COLUMNS} FROM api_tokens"
            if allowed(acting.role, "manage-users"):
                rows = tx.all(sql + " ORDER BY id")
            else:
                rows = tx.all(sql + " WHERE user_id = ? ORDER BY id", (acting.id,))
        return [ApiToken.model_validate(r) for r in rows]

    def revoke_token(self, actor: User, token_id: int) -> None:
        """Revoke one of the actor's tokens (an admin may revoke anyone's)."""
        now = self.clock()
        with self.db.transaction() as tx:
            acting = self._user(tx, actor)
            row = tx.one("SELECT user_id, revoked FROM api_tokens WHERE id = ?", (token_id,))
            if row is None:
                raise NotFound(f"no token {token_id}")
            if row["user_id"] != acting.id:
                require(acting.name, acting.role, "manage-users")
            if row["revoked"] is not None:
                return
            tx.execute("UPDATE api_tokens SET revoked = ? WHERE id = ?", (now, token_id))
            self._audit(tx, now, acting.id, "revoke-token", note=f"token {token_id}")
            self._before_commit("revoke-token")

    def revoke_session(self, token: str) -> None:
        """Revoke the token with this secret (signing out): whoever holds a token may end it.
        Nothing happens for an unknown or already revoked one."""
        now = self.clock()
        with self.db.transaction() as tx:
            row = tx.one(
                "SELECT id, user_id FROM api_tokens WHERE token_hash = ? AND revoked IS NULL",
                (token_digest(token),),
            )
            if row is None:
                return
            tx.execute("UPDATE api_tokens SET revoked = ? WHERE id = ?", (now, row["id"]))
            note = f"token {row['id']} (signed out)"
            self._audit(tx, now, row["user_id"], "revoke-token", note=note)
            self._before_commit("revoke-token")

    def user_for_token(self, token: str) -> User:
        """The user an API token acts as; PermissionDenied for an unknown, revoked or expired
        token."""
        with self.db.transaction("read") as tx:
            row = tx.one(
                "SELECT u.id, u.name, u.role, u.created FROM api_tokens t "
                "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked IS NULL "
                "AND (t.expires IS NULL OR t.expires > ?)",
                (token_digest(token), self.clock()),
            )
        if row is None:
            raise PermissionDenied("unknown, revoked or expired API token")
        return User.model_validate(row)

    # ---- shared by every write ---------------------------------------------------------------

    def _before_commit(self, action: str) -> None:
        if self.before_commit is not None:
            self.before_commit(action)

    def _user(self, tx: Transaction, user: User) -> User:
        """The user as stored now (a role changed since the object was read counts)."""
        row = tx.one("SELECT id, name, role, created FROM users WHERE id = ?", (user.id,))
        if row is None or row["name"] != user.name:
            raise PermissionDenied(f"no user {user.name!r} (id {user.id}) in this library")
        return User.model_validate(row)

    def _audit(
        self,
        tx: Transaction,
        at: datetime,
        actor: int,
        action: AuditAction,
        article_id: str | None = None,
        version: int | None = None,
        revision: int | None = None,
        status: ReviewStatus | None = None,
        note: str | None = None,
    ) -> None:
        """Append one row to the audit log (the library never updates or deletes one)."""
        tx.execute(
            "INSERT INTO audit (at, actor, action, article_id, version, revision, status, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, actor, action, article_id, version, revision, status, note),
        )
