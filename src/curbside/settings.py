"""One Settings object; every field can be set by a CURBSIDE_ environment variable."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from curbside.models import Audience


class Settings(BaseSettings):
    """Curbside's configuration (environment prefix CURBSIDE_)."""

    model_config = SettingsConfigDict(env_prefix="CURBSIDE_", extra="ignore")

    home: Path = Field(
        default=Path.home() / ".curbside",
        description="Data directory for indexes and the article library (CURBSIDE_HOME).",
    )
    packs: list[Path] = Field(
        default_factory=list,
        description=(
            "Extra knowledge pack files or folders loaded after the built-in packs "
            '(CURBSIDE_PACKS, a JSON list such as ["/srv/packs"]).'
        ),
    )
    audience: Audience = Field(
        default="physician", description="Reader assumed when none is given (CURBSIDE_AUDIENCE)."
    )
    dense: Literal["auto", "on", "off"] = Field(
        default="auto",
        description=(
            "Dense retrieval with the bundled all-MiniLM-L6-v2 (CURBSIDE_DENSE): 'auto' uses it "
            "when installed, 'on' fails without it, 'off' keeps retrieval lexical."
        ),
    )
    fusion: Literal["rrf", "convex"] = Field(
        default="rrf",
        description="How lexical and dense rankings are fused (CURBSIDE_FUSION).",
    )
    candidates: int = Field(
        default=100,
        ge=10,
        le=1000,
        description="Passages each retriever hands to fusion (CURBSIDE_CANDIDATES).",
    )
    blas_threads: int = Field(
        default=1,
        ge=0,
        le=256,
        description=(
            "Threads numpy's BLAS may use for embedding and dense search (CURBSIDE_BLAS_THREADS): "
            "1 by default, the fastest when other work keeps the other cores busy (a web "
            "server's workers, a shared machine); 0 leaves OpenBLAS's own choice."
        ),
    )
    strict: bool = Field(
        default=False,
        description=(
            "Drop statements that verification judged unsupported by their source, instead of "
            "showing them flagged (CURBSIDE_STRICT)."
        ),
    )

    library_url: str | None = Field(
        default=None,
        description=(
            "Article library database (CURBSIDE_LIBRARY_URL): unset for SQLite "
            "(library.sqlite under CURBSIDE_HOME), or postgresql://user@host:port/db."
        ),
    )
    publish: bool = Field(
        default=True,
        description=(
            "Store every answer as an article in the library and answer a question asked "
            "before from the stored article (CURBSIDE_PUBLISH)."
        ),
    )
    library_busy_timeout: float = Field(
        default=10.0,
        gt=0,
        description=(
            "Seconds a write waits for another process's lock on a SQLite library before the "
            "library is reported unavailable (CURBSIDE_LIBRARY_BUSY_TIMEOUT)."
        ),
    )
    library_connections: int = Field(
        default=32,
        ge=1,
        description="Library connections one server process uses at once "
        "(CURBSIDE_LIBRARY_CONNECTIONS).",
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "The address readers reach this server at, e.g. https://curbside.example.org "
            "(CURBSIDE_PUBLIC_URL): CDS Hooks card links start with it. Unset: "
            "http://127.0.0.1:8000. Never taken from the request's Host header."
        ),
    )
    login_rate: float = Field(
        default=1.0,
        ge=0,
        description="Sign-in attempts a second each client address may make on average "
        "(CURBSIDE_LOGIN_RATE), refused with 429 before any work; 0 turns it off.",
    )
    login_burst: int = Field(
        default=10,
        ge=1,
        description="Sign-in attempts a client may make at once before the sign-in rate "
        "applies (CURBSIDE_LOGIN_BURST).",
    )
    login_concurrency: int = Field(
        default=2,
        ge=1,
        description="Password checks (argon2, 64 MiB each) run at once per server process "
        "(CURBSIDE_LOGIN_CONCURRENCY).",
    )
    login_failures_per_account: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins to one account within the login window before its "
        "sign-ins are refused for a while (CURBSIDE_LOGIN_FAILURES_PER_ACCOUNT).",
    )
    login_failures_per_address: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one client address within the login window before "
        "its sign-ins are refused for a while (CURBSIDE_LOGIN_FAILURES_PER_ADDRESS).",
    )
    login_window: float = Field(
        default=900.0,
        gt=0,
        description="Seconds over which failed sign-ins are counted (CURBSIDE_LOGIN_WINDOW).",
    )
    drafts_per_client_hour: int = Field(
        default=60,
        ge=0,
        description="New questions one client address may add to the library as drafts in an "
        "hour; beyond it answers come unstored (CURBSIDE_DRAFTS_PER_CLIENT_HOUR).",
    )
    max_pending_drafts: int = Field(
        default=10_000,
        ge=0,
        description="Drafts the library may hold in all before new questions are answered "
        "unstored (CURBSIDE_MAX_PENDING_DRAFTS).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description=(
            "Largest request body the web app reads, in bytes (CURBSIDE_MAX_BODY_BYTES); a "
            "larger one is refused with 413."
        ),
    )
    rate_limit: float = Field(
        default=50.0,
        ge=0,
        description=(
            "Requests a second each client address may send to the web app on average "
            "(CURBSIDE_RATE_LIMIT); 0 turns the limit off. Over it: 429 with Retry-After."
        ),
    )
    rate_burst: int = Field(
        default=100,
        ge=1,
        description="Requests a client may send at once before the rate limit applies "
        "(CURBSIDE_RATE_BURST).",
    )

    @property
    def evidence_path(self) -> Path:
        """The SQLite file of ingested sources and passage vectors."""
        return self.home / "evidence.sqlite"

    @property
    def lexical_path(self) -> Path:
        """The folder of the BM25 index (rebuilt from the evidence store)."""
        return self.home / "lexical"
