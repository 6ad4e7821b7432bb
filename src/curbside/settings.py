"""One Settings object; every field can be set by a CURBSIDE_ environment variable."""

from __future__ import annotations

from pathlib import Path

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
