"""The library's own account: the operator identity that publishes answers and runs the local
administration commands (`curbside users ...`). It is the library's first user, an admin without
a password, so nobody can sign in as it; people are added by it and act with their own tokens."""

from __future__ import annotations

from curbside.library.errors import LibraryError, LibraryUnavailable, NotFound
from curbside.library.model import User
from curbside.library.store import Library

SYSTEM_USER = "curbside"


def system_user(library: Library) -> User:
    """The operator account, created as the first user of an empty library."""
    try:
        return library.user(SYSTEM_USER)
    except NotFound:
        pass
    try:
        return library.add_user(SYSTEM_USER, "admin")
    except LibraryUnavailable:
        raise
    except LibraryError as exc:
        raise LibraryError(
            f"this library has users but no '{SYSTEM_USER}' account to publish with: {exc}"
        ) from exc
