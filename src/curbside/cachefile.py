"""Caches under CURBSIDE_HOME/cache: one file per key, written whole or not at all."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def write_cache(path: Path, text: str, prefix: str) -> None:
    """Write `path` atomically and remove the older files of the same `prefix` beside it. A
    cache that cannot be written is only logged: the caller loads from source next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        for old in path.parent.glob(f"{prefix}*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("could not write the cache %s: %s", path, exc)
