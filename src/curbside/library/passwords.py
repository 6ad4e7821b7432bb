"""Secrets: passwords hashed with argon2id, API tokens random and stored as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "cbs_"


def hash_password(hasher: PasswordHasher, password: str) -> str:
    """The argon2id hash (with its salt and parameters) to store for this password."""
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash. With no hash stored (a token-only user) a
    dummy hash is checked anyway, so that the time taken does not tell which users exist."""
    try:
        return hasher.verify(stored or _dummy(hasher), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMIES: dict[tuple[int, int, int], str] = {}


def _dummy(hasher: PasswordHasher) -> str:
    """A hash of a random password, made with the same cost as the hasher's."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMIES:
        _DUMMIES[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMIES[key]


def new_token() -> str:
    """A fresh API token secret: 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored for a token: its SHA-256, hex (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
