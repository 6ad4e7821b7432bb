"""BM25 over passages with tantivy: English stemming and stop words, filters by drug and kind.

The index is a derived file set under the data directory (`lexical/index`), kept up to date with
the evidence store's change log: passages added or deleted since the last entry it applied are
deleted from and added to the index (one small commit), so adding a file to a large store costs
about what that file holds. A full build (first use, or after damage) goes to a fresh folder that
is renamed into place, so a reader never sees half an index.

tantivy memory-maps its files. A file cut short after it was mapped would kill the process with
SIGBUS on the first read past its new end, so the index never maps files it has not checked: each
commit records the size of every file the index uses (and a digest of meta.json) in
`curbside-state.json`, and before opening or reloading, every size is compared; the reader is
never reloaded behind our back (tantivy's watcher thread is off: reload policy Manual). A
damaged index (a file truncated, missing or overwritten, meta.json corrupt or missing) is noticed
then, or when tantivy fails reading it: a warning is logged and the index is rebuilt from the
store, which holds all the data, and the search is answered from the new index.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import math
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import tantivy

from curbside.retrieve.store import EvidenceStore, StoredPassage

ANALYZER = "curbside_en"
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.,][0-9]+)?")
log = logging.getLogger(__name__)
T = TypeVar("T")


def _index_failure(exc: BaseException) -> bool:
    """Whether tantivy failed on the index files: it raises ValueError (or OSError) for a file
    it cannot read, and a panic in its Rust code arrives as pyo3's PanicException."""
    return isinstance(exc, ValueError | OSError) or type(exc).__name__ == "PanicException"


@dataclass(frozen=True)
class Filters:
    """Restrict a search to passages about some drugs or of some document kinds."""

    drugs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.drugs or self.kinds)


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    """The English analyzer (built once: it is asked for on every digest question)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("passage_id", stored=True, indexed=True, fast=True)
    builder.add_text_field("text", tokenizer_name=ANALYZER)
    builder.add_text_field("title", tokenizer_name=ANALYZER)
    builder.add_text_field("drugs", tokenizer_name="raw")
    builder.add_text_field("kind", tokenizer_name="raw")
    return builder.build()


def _document(p: StoredPassage) -> Any:
    # A question-answer pair's title is the question itself: leave it out of the index.
    title = "" if p.kind == "qa" else p.title
    return tantivy.Document(
        passage_id=p.id, text=p.text, title=title, drugs=list(p.drugs), kind=p.kind
    )


def query_words(text: str) -> list[str]:
    """The words of a question as plain tokens, safe to hand to the query parser."""
    return _WORD.findall(text)


STATE = "curbside-state.json"
INDEX, BUILDING = "index", "index.building"
# More changed passages than this are applied by building the index again (faster than deleting
# and adding each one).
REBUILD_OVER = 100_000
WRITER_HEAP = 64_000_000


class IndexDamaged(RuntimeError):
    """An index file is missing, or differs in size or content from what the last commit wrote."""


def _segment_files(folder: Path) -> list[str]:
    """The files meta.json's segments use (tantivy may leave others behind until it collects
    them; those are never read)."""
    meta = json.loads((folder / "meta.json").read_text())
    names: list[str] = []
    prefixes: dict[str, str | None] = {}
    for segment in meta["segments"]:
        deletes = segment.get("deletes")
        prefixes[segment["segment_id"].replace("-", "")] = (
            None if not deletes else f".{deletes['opstamp']}.del"
        )
    for path in folder.iterdir():
        prefix, dot, rest = path.name.partition(".")
        if prefix not in prefixes or not dot:
            continue
        if rest.endswith("del") and f".{rest}" != prefixes[prefix]:
            continue  # the deletes of an older commit
        names.append(path.name)
    return sorted(names)


def write_state(folder: Path, seq: int) -> None:
    """Record what the index in `folder` holds: the last change applied and its files' sizes."""
    meta = (folder / "meta.json").read_bytes()
    state = {
        "seq": seq,
        "meta_sha256": hashlib.sha256(meta).hexdigest(),
        "files": {name: (folder / name).stat().st_size for name in _segment_files(folder)},
    }
    tmp = folder / f"{STATE}.tmp"
    tmp.write_text(json.dumps(state))
    tmp.replace(folder / STATE)


def checked_state(folder: Path) -> int:
    """The last change the index in `folder` holds, after checking that every file it uses is
    there with the size it was written with; IndexDamaged otherwise. Nothing is mapped here."""
    try:
        state = json.loads((folder / STATE).read_text())
        meta = (folder / "meta.json").read_bytes()
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"cannot read its state: {exc}") from exc
    if hashlib.sha256(meta).hexdigest() != state.get("meta_sha256"):
        raise IndexDamaged("meta.json differs from the last commit")
    for name, size in state["files"].items():
        try:
            found = (folder / name).stat().st_size
        except OSError as exc:
            raise IndexDamaged(f"{name} is missing") from exc
        if found != size:
            raise IndexDamaged(f"{name} has {found} bytes, {size} were written")
    return int(state["seq"])


def _discard(path: Path) -> None:
    """Remove a folder of index files: renamed aside first (at once, even if a thread of tantivy
    still has a file in it open), then deleted."""
    if not path.exists():
        return
    aside = path.with_name(f"discarded-{uuid.uuid4().hex}")
    path.rename(aside)
    shutil.rmtree(aside, ignore_errors=True)


class TantivyIndex:
    """BM25 search over the store's passages."""

    def __init__(self, store: EvidenceStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._index: Any = None
        self._seq = -1  # the last change-log entry the open index holds
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.folder / INDEX

    def refresh(self) -> None:
        """Bring the index up to date with the store now rather than at the next search."""
        self._current()

    def _current(self) -> Any:
        latest = self.store.change_seq()
        if self._index is not None and self._seq >= latest:
            return self._index
        with self._lock:
            try:
                self._catch_up(latest)
            except BaseException as exc:
                if not (_index_failure(exc) or isinstance(exc, IndexDamaged)):
                    raise
                self._damaged(exc)
                self._catch_up(latest)
            return self._index

    @contextmanager
    def _files_locked(self, exclusive: bool) -> Iterator[None]:
        """Hold the index folder's lock: shared to check and map files, exclusive to change
        them (across processes, so that no one checks an index half-way through a commit)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _catch_up(self, latest: int) -> None:
        with self._files_locked(exclusive=False):
            if self.path.exists():
                seq = checked_state(self.path)  # before anything is mapped
                if self._index is None:
                    self._index = self._open()
                elif seq != self._seq:
                    self._index.reload()  # another process changed it
                self._seq = seq
        if self._index is not None and self._seq >= latest:
            return
        with self._files_locked(exclusive=True):
            if not self.path.exists():
                self._build()
                return
            seq = checked_state(self.path)
            if self._index is None:
                self._index = self._open()
            ids, last = self.store.changed_since(seq, vectors=False)
            if len(ids) > REBUILD_OVER:
                self._build()
                return
            if ids:
                self._apply(ids, last)
            elif last > seq:
                write_state(self.path, last)  # only vectors changed: nothing to index
            self._seq = checked_state(self.path)
            self._index.reload()

    def _open(self) -> Any:
        index = tantivy.Index.open(str(self.path))
        index.config_reader(reload_policy="Manual")
        index.register_tokenizer(ANALYZER, _analyzer())
        return index

    def _apply(self, ids: list[int], last: int) -> None:
        """Delete the changed passages from the index and add back those still in the store."""
        writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
        try:
            for pid in ids:
                writer.delete_documents_by_term("passage_id", pid)
            for passage in self.store.passages(ids):
                writer.add_document(_document(passage))
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        write_state(self.path, last)

    def _damaged(self, exc: BaseException) -> None:
        """Say that the index files cannot be read and drop them, to be built again."""
        log.warning(
            "the lexical index in %s is damaged (%s): rebuilding it from the evidence store",
            self.path,
            exc,
        )
        self._index, self._seq = None, -1
        with self._files_locked(exclusive=True):
            _discard(self.path)

    def _using(self, use: Callable[[Any], T]) -> T:
        """`use(index)`; if the index files fail on the way, rebuild the index and try again."""
        index = self._current()
        try:
            return use(index)
        except BaseException as exc:
            if not _index_failure(exc):
                raise
            with self._lock:
                self._damaged(exc)
            return use(self._current())

    def _build(self) -> None:
        """Index every passage in a fresh folder, then put it in place of the index."""
        building = self.folder / BUILDING
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        seq = self.store.change_seq()  # read first: what changes during the build comes later
        index = tantivy.Index(_schema(), path=str(building))
        index.config_reader(reload_policy="Manual")  # no watcher thread mapping files
        index.register_tokenizer(ANALYZER, _analyzer())
        writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
        for p in self.store.all_passages():
            writer.add_document(_document(p))
        writer.commit()
        writer.wait_merging_threads()
        del writer, index
        write_state(building, seq)
        self._index = None
        _discard(self.path)  # what is left of a damaged index
        building.rename(self.path)
        for old in self.folder.glob("generation-*"):  # the layout before the change log
            _discard(old)
        self._seq = checked_state(self.path)
        self._index = self._open()

    def term_weights(self, text: str) -> dict[str, float]:
        """BM25 inverse document frequency of each word of `text` over the passages held."""
        return self._using(lambda index: self._term_weights(index, text))

    def _term_weights(self, index: Any, text: str) -> dict[str, float]:
        searcher = index.searcher()
        total = max(searcher.num_docs, 1)
        analyzer = _analyzer()
        weights: dict[str, float] = {}
        for word in query_words(text):
            tokens = analyzer.analyze(word)
            if not tokens:
                continue  # a stop word
            df = searcher.doc_freq("text", tokens[0])
            weights[word.lower()] = math.log(1 + (total - df + 0.5) / (df + 0.5))
        return weights

    def search(self, text: str, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """(passage id, BM25 score), best first."""
        words = query_words(text)
        if not words or k <= 0:
            return []
        return self._using(lambda index: self._search(index, words, k, filters))

    def _search(
        self, index: Any, words: list[str], k: int, filters: Filters | None
    ) -> list[tuple[int, float]]:
        # Lower case: the parser reads AND, OR, NOT and IN as operators.
        query = index.parse_query(
            " ".join(words).lower(), ["text", "title"], field_boosts={"title": 0.5}
        )
        if filters:
            schema = index.schema
            clauses = [(tantivy.Occur.Must, query)]
            if filters.drugs:
                clauses.append(
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.term_set_query(schema, "drugs", list(filters.drugs)),
                    )
                )
            if filters.kinds:
                clauses.append(
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.term_set_query(schema, "kind", list(filters.kinds)),
                    )
                )
            query = tantivy.Query.boolean_query(clauses)
        searcher = index.searcher()
        hits = searcher.search(query, limit=k).hits
        return [
            (int(searcher.doc(address)["passage_id"][0]), float(score)) for score, address in hits
        ]
