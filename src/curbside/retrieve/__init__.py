"""Stage 2, retrieve: hybrid search (BM25 + dense, fused) over the passages of ingested sources."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from curbside.models import Query
from curbside.retrieve.blas import limit_blas_threads
from curbside.retrieve.dense import DenseIndex
from curbside.retrieve.embedding import EmbedderUnavailable, lazy_embedder
from curbside.retrieve.fusion import convex, rrf
from curbside.retrieve.lexical import Filters, TantivyIndex
from curbside.retrieve.store import EvidenceStore, StoredPassage
from curbside.settings import Settings

SearchMode = Literal["hybrid", "lexical", "dense"]
# Convex fusion: the dense share of the mixed score.
DENSE_WEIGHT = 0.5


# Words by which a question asks for one kind of source.
_KIND_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"\b(?:label|labelling|labeling|prescribing information|package insert)\b"),
        "drug-label",
    ),
    (re.compile(r"\bctcae\b|\bcommon terminology criteria\b"), "grading-criteria"),
)


def filters_for(query: Query, drug_names: list[str]) -> Filters:
    """Restrict a search to the drugs a question names and the source kind it asks for."""
    kinds = tuple(kind for pattern, kind in _KIND_WORDS if pattern.search(query.normalized))
    return Filters(drugs=tuple(name.lower() for name in drug_names), kinds=kinds)


@dataclass(frozen=True)
class Hit:
    """One passage found, with its fused score and its rank in each retriever (1-based)."""

    passage: StoredPassage
    score: float
    lexical_rank: int | None
    dense_rank: int | None
    dense_score: float | None  # cosine similarity to the question, when dense ran


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    mode: SearchMode  # what actually ran
    note: str | None  # why retrieval is not hybrid, when it is not


class Retriever:
    """Searches the evidence store; dense search joins in when its model and vectors are there."""

    def __init__(self, settings: Settings, store: EvidenceStore | None = None) -> None:
        self.settings = settings
        limit_blas_threads(settings.blas_threads)  # before numpy loads, when it has not yet
        self.store = store or EvidenceStore(settings.evidence_path)
        self.lexical = TantivyIndex(self.store, settings.lexical_path)
        self.dense: DenseIndex | None = None
        self.dense_note: str | None = None
        if settings.dense == "off":
            self.dense_note = "dense retrieval is off (CURBSIDE_DENSE=off)"
        else:
            try:
                self.dense = DenseIndex(self.store, lazy_embedder())
            except EmbedderUnavailable as exc:
                if settings.dense == "on":
                    raise
                self.dense_note = f"dense retrieval unavailable: {exc}"

    def search(
        self,
        text: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: SearchMode = "hybrid",
    ) -> SearchResult:
        """The `k` best passages for `text`, filtered by drug and document kind when given."""
        pool = max(k, self.settings.candidates)
        dense, note = self._dense_ready(mode)
        # Without dense vectors every mode falls back to BM25 (and the note says why).
        use_lexical = mode != "dense" or dense is None
        lexical = self.lexical.search(text, pool, filters) if use_lexical else []
        semantic: list[tuple[int, float]] = []
        if dense is not None:
            allowed = self.store.passage_ids(filters.drugs, filters.kinds) if filters else None
            semantic = dense.search(text, pool, allowed)
        if dense is None:
            ran: SearchMode = "lexical"
            fused = lexical
        elif mode == "dense":
            ran, fused = "dense", semantic
        else:
            ran = "hybrid"
            if self.settings.fusion == "rrf":
                fused = rrf([lexical, semantic])
            else:
                fused = convex([lexical, semantic], [1 - DENSE_WEIGHT, DENSE_WEIGHT])
        top = fused[:k]
        lexical_rank = {pid: n for n, (pid, _) in enumerate(lexical, start=1)}
        dense_rank = {pid: n for n, (pid, _) in enumerate(semantic, start=1)}
        dense_score = dict(semantic)
        by_id = {p.id: p for p in self.store.passages(pid for pid, _ in top)}
        hits = [
            Hit(by_id[pid], score, lexical_rank.get(pid), dense_rank.get(pid), dense_score.get(pid))
            for pid, score in top
            if pid in by_id
        ]
        return SearchResult(hits, ran, note)

    def _dense_ready(self, mode: SearchMode) -> tuple[DenseIndex | None, str | None]:
        if mode == "lexical":
            return None, None
        if self.dense is None:
            return None, self.dense_note
        if self.dense.size() == 0:
            return None, "no passage has a vector yet: run `curbside ingest` with dense on"
        return self.dense, None
