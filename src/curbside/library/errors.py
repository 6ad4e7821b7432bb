"""What the article library raises: each error says what went wrong and what to do next."""

from __future__ import annotations


class LibraryError(Exception):
    """Any refusal or failure of the article library."""


class NotFound(LibraryError, LookupError):
    """No such article, version, user or token, or none this viewer may see."""


class Retracted(NotFound):
    """The article was retracted by the board: readers get this notice, never its content."""

    def __init__(self, article_id: str, on: str, reason: str | None) -> None:
        self.article_id, self.on, self.reason = article_id, on, reason
        why = f": {reason}" if reason else " (no reason was given)"
        super().__init__(f"this article was retracted by the medical advisory board on {on}{why}")


class PermissionDenied(LibraryError):
    """The acting user's role (or identity) does not allow this action."""


class Conflict(LibraryError):
    """The write was based on a stale revision, or collided with a concurrent write; nothing was
    changed. Read the article again and retry."""


class Invalid(LibraryError, ValueError):
    """The request itself is malformed: an unknown statement id, an empty comment, a bad name."""


class InvalidTransition(Invalid):
    """The workflow does not allow moving the article from its status to the one asked for."""


class SchemaTooNew(LibraryError):
    """The database was migrated by a newer Curbside than this one."""


class LibraryUnavailable(LibraryError):
    """The library's database cannot do the work now: unreachable, locked by another process for
    longer than the busy timeout, out of disk space, or read-only. Nothing was changed; the same
    request can succeed once the fault clears. Every backend raises this one error for these
    faults, so that no caller outside `curbside.library` needs to know the database driver."""
