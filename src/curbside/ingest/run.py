"""`curbside ingest`: read files into the evidence store, idempotently, one bad file at a time.

The same file twice adds nothing (its SHA-256 is unchanged); a changed file replaces its passages;
a file that cannot be read is reported and the run goes on with the rest.

A run can be killed at any moment and started again. Each file is read in full before anything is
written, then stored in one SQLite transaction (`EvidenceStore.replace_file`) that also records its
SHA-256: a killed run leaves every file either stored whole or not at all, and the next run counts
the stored ones "unchanged" and adds the rest, with no passage lost or written twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from curbside.ingest.document import NothingToIngest, ReaderError, UnsupportedFile
from curbside.ingest.readers import read_file
from curbside.retrieve.store import EvidenceStore, file_sha

# Housekeeping files that sit beside data sets and are not evidence.
_HOUSEKEEPING = {"readme", "license", "licence", "sources", "kb_readme", "changelog", "notice"}
PROGRESS_EVERY_S = 2.0
# Bump when the readers change what they make of a file: every file is then read again.
READERS_VERSION = 4


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: int = 0  # files new to the store
    replaced: int = 0  # files whose content changed
    unchanged: int = 0
    removed: int = 0  # files gone from a folder that was ingested before
    passages: int = 0  # passages written
    skipped: list[str] = field(default_factory=list)  # files of no supported type
    empty: list[str] = field(default_factory=list)  # readable files with nothing to keep
    failed: list[str] = field(default_factory=list)  # "path: why" for files that could not be read

    @property
    def files(self) -> int:
        return self.added + self.replaced + self.unchanged


def eta(done: int, total: int, seconds: float) -> str:
    """ ", about 3 min 20 s left" from the rate so far ("" when done or nothing is done yet)."""
    if done <= 0 or done >= total or seconds <= 0:
        return ""
    left = round((total - done) * seconds / done)
    minutes, secs = divmod(left, 60)
    return f", about {minutes} min {secs} s left" if minutes else f", about {secs} s left"


def walk(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to ingest, and whether each was named directly (True) or found in a folder."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and child.stem.lower() not in _HOUSEKEEPING:
                    yield child, False
        else:
            yield path, True


def ingest(
    paths: list[Path],
    store: EvidenceStore,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Read every file under `paths` into `store` and report what happened to each."""
    report = IngestReport()
    files = list(walk(paths))
    start = last = time.monotonic()
    for n, (path, named) in enumerate(files, start=1):
        _ingest_one(path.resolve(), named, store, report)
        if progress and (time.monotonic() - last >= PROGRESS_EVERY_S or n == len(files)):
            left = eta(n, len(files), time.monotonic() - start)
            progress(f"{n}/{len(files)} files, {report.passages} passages{left}")
            last = time.monotonic()
    for path in paths:
        if path.is_dir():
            report.removed += store.remove_missing(
                path.resolve(), {str(f.resolve()) for f, _ in files}
            )
    return report


def _ingest_one(path: Path, named: bool, store: EvidenceStore, report: IngestReport) -> None:
    try:
        if not path.is_file():
            raise ReaderError(f"{path}: no such file")
        sha = f"{file_sha(path)}:v{READERS_VERSION}"
        before = store.file_sha(str(path))
        if before == sha:
            report.unchanged += 1
            return
        documents = read_file(path)
    except NothingToIngest:
        report.empty.append(str(path))
        return
    except UnsupportedFile as exc:
        if named:
            report.failed.append(str(exc))
        else:
            report.skipped.append(str(path))
        return
    except (ReaderError, OSError) as exc:
        report.failed.append(str(exc) if isinstance(exc, ReaderError) else f"{path}: {exc}")
        return
    report.passages += store.replace_file(str(path), sha, documents)
    if before is None:
        report.added += 1
    else:
        report.replaced += 1
