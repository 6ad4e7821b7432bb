"""BM25 over passages with tantivy: English stemming and stop words, filters by drug and kind.

The index is a derived file set under the data directory, rebuilt from the evidence store when
the store's passage generation moves (a full build of 10,000 passages takes well under a second).
Each build goes to a fresh folder that is renamed into place, so a reader never sees half an index.
A damaged index (a segment file truncated or overwritten, meta.json corrupt or missing) is noticed
when it is opened or searched: a warning is logged and the index is rebuilt from the store, which
holds all the data, and the search is answered from the new index.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
from collections.abc import Callable, Iterable
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


def query_words(text: str) -> list[str]:
    """The words of a question as plain tokens, safe to hand to the query parser."""
    return _WORD.findall(text)


class TantivyIndex:
    """BM25 search over the store's passages."""

    def __init__(self, store: EvidenceStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._index: Any = None
        self._generation = -1

    def refresh(self) -> None:
        """Bring the index up to date with the store now rather than at the next search."""
        self._current()

    def _current(self) -> Any:
        generation = self.store.generation()
        if self._index is not None and self._generation == generation:
            return self._index
        target = self.folder / f"generation-{generation}"
        try:
            index = self._open(target)
        except BaseException as exc:
            if not _index_failure(exc):
                raise
            self._damaged(target, exc)
            index = self._open(target)
        self._index, self._generation = index, generation
        for old in self.folder.glob("generation-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
        return index

    def _open(self, target: Path) -> Any:
        """The index in `target`, built first when it has none."""
        if not (target / "meta.json").is_file():
            if target.exists():
                self._damaged(target, FileNotFoundError("meta.json is missing"))
            self._build(target, self.store.all_passages())
        index = tantivy.Index.open(str(target))
        index.register_tokenizer(ANALYZER, _analyzer())
        return index

    def _damaged(self, target: Path, exc: BaseException) -> None:
        """Say that the index files cannot be read and drop them, to be built again."""
        log.warning(
            "the lexical index in %s is damaged (%s): rebuilding it from the evidence store",
            target,
            exc,
        )
        self._index, self._generation = None, -1
        shutil.rmtree(target, ignore_errors=True)

    def _using(self, use: Callable[[Any], T]) -> T:
        """`use(index)`; if the index files fail on the way, rebuild the index and try again."""
        index = self._current()
        try:
            return use(index)
        except BaseException as exc:
            if not _index_failure(exc):
                raise
            self._damaged(self.folder / f"generation-{self._generation}", exc)
            return use(self._current())

    def _build(self, target: Path, passages: Iterable[StoredPassage]) -> None:
        building = target.with_name(target.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        index = tantivy.Index(_schema(), path=str(building))
        index.register_tokenizer(ANALYZER, _analyzer())
        writer = index.writer(heap_size=64_000_000, num_threads=1)
        for p in passages:
            # A question-answer pair's title is the question itself: leave it out of the index.
            title = "" if p.kind == "qa" else p.title
            writer.add_document(
                tantivy.Document(
                    passage_id=p.id, text=p.text, title=title, drugs=list(p.drugs), kind=p.kind
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        shutil.rmtree(target, ignore_errors=True)  # what is left of a damaged index
        building.rename(target)

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
