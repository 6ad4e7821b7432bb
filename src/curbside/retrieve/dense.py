"""Dense search over passage vectors kept in memory-mapped int8 files (`vectorfile`).

The files follow the evidence store's change log: passages added, deleted or given a vector since
the last entry applied are appended or marked deleted, so adding a file to a store of a million
passages touches only that file's rows. Nothing is loaded before the first dense search.

Up to `exact_rows` live rows the search is exact: the rows, scaled back to float32, are held in
memory (50,000 rows: 77 MB) and scored with one matrix product. Beyond that it is approximate
(an inverted file): the rows are grouped into about sqrt(rows) clusters by spherical k-means, and
a query scores only the rows of the `probe` clusters whose centroids are nearest to it, read
from the mapped file; recall against exact search is measured in bench/bench_scale.py.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curbside.retrieve.embedding import Embedder
from curbside.retrieve.store import EvidenceStore
from curbside.retrieve.vectorfile import (
    CENTROIDS,
    IDS,
    LISTS,
    SCALES,
    VECTORS,
    Mapped,
    VectorFileDamaged,
    VectorState,
    append,
    decode,
    delete_rows,
    locked,
    map_files,
    read_state,
    write_state,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

EMBED_BATCH = 256  # texts per call to the embedder (progress is reported between calls)
EXACT_ROWS = 50_000  # above this many rows, search the nearest clusters only
PROBE_SHARE = 32  # probe one cluster in this many (at least MIN_PROBE)
MIN_PROBE = 8
BUILD_CHUNK = 65_536  # rows read, scaled or assigned to clusters at a time
REBUILD_OVER = 200_000  # more changed passages than this: build the files again
log = logging.getLogger(__name__)


@dataclass
class _View:
    """What a search needs from one state of the files, derived once per state."""

    files: Mapped
    live: int
    exact: tuple[Any, Any] | None  # (ids, float32 rows) of live rows, for exact search
    bounds: Any  # cluster c's rows stored in cluster order: bounds[c] to bounds[c + 1]
    tail: Any  # rows appended since, sorted by cluster
    tail_starts: Any  # where each cluster's appended rows begin in `tail`
    by_id: Any  # rows sorted by passage id (filters, deletions)


class DenseIndex:
    """Cosine search over unit vectors, following the store's change log."""

    def __init__(
        self,
        store: EvidenceStore,
        embedder: Embedder,
        folder: Path | None = None,
        exact_rows: int = EXACT_ROWS,
        probe: int | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.folder = folder or store.path.parent / "dense" / embedder.name
        self.exact_rows = exact_rows
        self.probe = probe
        self._view: _View | None = None
        self._lock = threading.Lock()

    # -- writing -------------------------------------------------------------------------------

    def embed_missing(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Embed every stored passage that has no vector yet; returns how many texts."""
        import numpy as np

        todo = self.store.unembedded(self.embedder.name)
        for at in range(0, len(todo), EMBED_BATCH):
            chunk = todo[at : at + EMBED_BATCH]
            vectors = self.embedder.embed([text for _, text in chunk]).astype(np.float16)
            self.store.add_vectors(
                self.embedder.name,
                [(sha, v.tobytes()) for (sha, _), v in zip(chunk, vectors, strict=True)],
            )
            if progress:
                progress(min(at + EMBED_BATCH, len(todo)), len(todo))
        return len(todo)

    def refresh(self) -> None:
        """Bring the vector files up to date with the store now rather than at the next search."""
        self._current()

    def _current(self) -> _View:
        latest = self.store.change_seq()
        view = self._view
        if view is not None and view.files.state.seq >= latest:
            return view
        with self._lock:
            try:
                return self._catch_up(latest)
            except VectorFileDamaged as exc:
                log.warning(
                    "the dense vectors in %s are damaged (%s): rebuilding them from the "
                    "evidence store",
                    self.folder,
                    exc,
                )
                self._view = None
                with locked(self.folder, exclusive=True):
                    _discard(self.folder)
                return self._catch_up(latest)

    def _catch_up(self, latest: int) -> _View:
        with locked(self.folder, exclusive=False):
            if self.folder.exists():
                state = read_state(self.folder)  # sizes checked before anything is mapped
                if state.seq >= latest:
                    return self._use(state)
        with locked(self.folder, exclusive=True):
            if not self.folder.exists():
                self._build()
            else:
                state = read_state(self.folder)
                ids, last = self.store.changed_since(state.seq)
                if len(ids) > REBUILD_OVER or self._needs_clusters(state, len(ids)):
                    self._build()
                elif ids:
                    self._apply(state, ids, last)
            return self._use(read_state(self.folder))

    def _needs_clusters(self, state: VectorState, adding: int) -> bool:
        """Whether the clusters must be made (or made again: the rows have grown fourfold)."""
        rows = state.rows + adding
        if rows <= self.exact_rows:
            return False
        return state.lists == 0 or math.isqrt(rows) > 2 * state.lists

    def _apply(self, state: VectorState, ids: list[int], last: int) -> None:
        """Mark the changed passages' rows deleted and append those that have a vector now."""
        import numpy as np

        files = map_files(self.folder, state)
        by_id = np.argsort(files.ids, kind="stable")
        wanted = np.array(sorted(ids), dtype=np.int64)
        at = np.searchsorted(files.ids[by_id], wanted)
        rows: list[int] = []
        for pid, start in zip(wanted, at, strict=True):
            while start < len(by_id) and files.ids[by_id[start]] == pid:
                rows.append(int(by_id[start]))
                start += 1
        delete_rows(self.folder, rows)
        found = self.store.vectors_of(self.embedder.name, ids)
        if found:
            vectors = np.stack([decode(blob, state.dim) for _, blob in found])
            lists = None
            if state.lists:
                assert files.centroids is not None
                lists = _assign(vectors, files.centroids)
            new_ids = np.array([pid for pid, _ in found], dtype=np.int64)
            state = append(self.folder, state, new_ids, vectors, lists)
        write_state(
            self.folder, VectorState(state.rows, state.dim, last, state.lists, state.clustered)
        )

    def _build(self) -> None:
        """Write every stored vector to fresh files (clustered when there are many), then put
        them in place of the old ones."""
        import numpy as np

        building = self.folder.with_name(self.folder.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        dim = self.embedder.dim
        seq = self.store.change_seq()  # read first: what changes during the build comes later
        state = VectorState(0, dim, seq, 0)
        for name in ("vectors.i8", "scales.f32", "ids.i64"):
            (building / name).touch()
        batch_ids: list[int] = []
        batch: list[Any] = []
        for pid, blob in self.store.vectors(self.embedder.name):
            batch_ids.append(pid)
            batch.append(decode(blob, dim))
            if len(batch) == BUILD_CHUNK:
                state = append(building, state, np.array(batch_ids), np.stack(batch), None)
                batch_ids, batch = [], []
        if batch:
            state = append(building, state, np.array(batch_ids), np.stack(batch), None)
        if state.rows > self.exact_rows:
            state = _cluster(building, state)
        write_state(building, state)
        self._view = None
        _discard(self.folder)
        building.rename(self.folder)

    # -- reading -------------------------------------------------------------------------------

    def _use(self, state: VectorState) -> _View:
        import numpy as np

        view = self._view
        if view is not None and view.files.state == state:
            return view
        files = map_files(self.folder, state)
        ids = np.array(files.ids)  # a copy: deletions by another process must not move it
        live = int((ids >= 0).sum())
        exact = bounds = tail = tail_starts = None
        if state.lists == 0 or live <= self.exact_rows:
            keep = np.flatnonzero(ids >= 0)
            matrix = files.vectors[keep].astype(np.float32) * files.scales[keep][:, None]
            exact = (ids[keep], matrix)
        else:
            assert files.lists is not None
            every = np.arange(state.lists + 1)
            bounds = np.searchsorted(files.lists[: state.clustered], every)
            appended = files.lists[state.clustered :]
            tail = state.clustered + np.argsort(appended, kind="stable")
            tail_starts = np.searchsorted(appended[tail - state.clustered], every)
        files.ids = ids
        by_id = np.argsort(ids, kind="stable")
        view = _View(files, live, exact, bounds, tail, tail_starts, by_id)
        self._view = view
        return view

    def size(self) -> int:
        return self._current().live

    def search(self, text: str, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, cosine similarity), best first, among `allowed` ids when given."""
        import numpy as np

        view = self._current()
        if k <= 0 or view.live == 0:
            return []
        query = self.embedder.embed([text])[0].astype(np.float32)
        if view.exact is not None:
            ids, matrix = view.exact
            if allowed is not None:
                keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
                ids, matrix = ids[keep], matrix[keep]
            return _top(ids, matrix @ query, k)
        files = view.files
        if allowed is not None and len(allowed) <= self.exact_rows:
            rows = _rows_of(view, allowed)
            if rows.shape[0] == 0:
                return []
            scores = (files.vectors[rows].astype(np.float32) @ query) * files.scales[rows]
            return _top(files.ids[rows], scores, k)
        assert files.centroids is not None
        lists = files.centroids.shape[0]
        probe = min(lists, self.probe or max(MIN_PROBE, lists // PROBE_SHARE))
        ids_parts: list[Any] = []
        score_parts: list[Any] = []
        for c in np.argpartition(-(files.centroids @ query), probe - 1)[:probe]:
            start, end = view.bounds[c], view.bounds[c + 1]  # one slice of the files
            ids_parts.append(files.ids[start:end])
            score_parts.append(
                (files.vectors[start:end].astype(np.float32) @ query) * files.scales[start:end]
            )
            added = view.tail[view.tail_starts[c] : view.tail_starts[c + 1]]
            if added.shape[0]:
                ids_parts.append(files.ids[added])
                score_parts.append(
                    (files.vectors[added].astype(np.float32) @ query) * files.scales[added]
                )
        ids = np.concatenate(ids_parts)
        scores = np.concatenate(score_parts)
        scores[ids < 0] = -np.inf
        if allowed is not None:
            keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            ids, scores = ids[keep], scores[keep]
        return _top(ids, scores, k)

    def exact_search(self, text: str, k: int) -> list[tuple[int, float]]:
        """Exact top-k over every live row, read in chunks (to measure approximate recall)."""
        import numpy as np

        view = self._current()
        query = self.embedder.embed([text])[0].astype(np.float32)
        files = view.files
        best_ids: list[Any] = []
        best_scores: list[Any] = []
        for at in range(0, files.state.rows, BUILD_CHUNK):
            part = slice(at, at + BUILD_CHUNK)
            scores = (files.vectors[part].astype(np.float32) @ query) * files.scales[part]
            scores[files.ids[part] < 0] = -np.inf
            for pid, score in _top(files.ids[part], scores, k):
                best_ids.append(pid)
                best_scores.append(score)
        return _top(np.array(best_ids), np.array(best_scores), k)


def _top(ids: npt.NDArray[np.int64], scores: Any, k: int) -> list[tuple[int, float]]:
    import numpy as np

    k = min(k, scores.shape[0])
    if k == 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top])]
    return [(int(ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


def _rows_of(view: _View, wanted: set[int]) -> Any:
    """Live rows holding these passage ids."""
    import numpy as np

    ids = view.files.ids
    sorted_ids = ids[view.by_id]
    pids = np.fromiter(wanted, dtype=np.int64, count=len(wanted))
    at = np.searchsorted(sorted_ids, pids)
    at = at[at < len(sorted_ids)]
    rows = view.by_id[at]
    return np.sort(rows[np.isin(ids[rows], pids) & (ids[rows] >= 0)])


def _assign(vectors: Any, centroids: Any) -> Any:
    import numpy as np

    return np.argmax(vectors @ centroids.T, axis=1).astype(np.int32)


def _cluster(folder: Path, state: VectorState, iterations: int = 10) -> VectorState:
    """Spherical k-means on a sample (64 rows a cluster), then every row assigned to its nearest
    centroid; writes the centroids and the rows' clusters."""
    import numpy as np

    files = map_files(folder, state)
    lists = max(1, math.isqrt(state.rows))
    rng = np.random.default_rng(19)
    sample_rows = np.sort(rng.choice(state.rows, min(state.rows, 64 * lists), replace=False))
    sample = files.vectors[sample_rows].astype(np.float32) * files.scales[sample_rows][:, None]
    centroids = sample[rng.choice(sample.shape[0], lists, replace=False)].copy()
    for _ in range(iterations):
        nearest = _assign(sample, centroids)
        order = np.argsort(nearest, kind="stable")
        counts = np.bincount(nearest, minlength=lists)
        sums = np.zeros_like(centroids)
        used = np.flatnonzero(counts)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[used]
        sums[used] = np.add.reduceat(sample[order], starts, axis=0)
        empty = counts == 0  # an empty cluster starts again from a random row
        sums[empty] = sample[rng.choice(sample.shape[0], int(empty.sum()))]
        centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    centroids = centroids.astype(np.float32)
    assigned = np.empty(state.rows, dtype=np.int32)
    for at in range(0, state.rows, BUILD_CHUNK):
        part = slice(at, at + BUILD_CHUNK)
        rows = files.vectors[part].astype(np.float32) * files.scales[part][:, None]
        assigned[part] = _assign(rows, centroids)
    # Rows stored in cluster order: a probed cluster is then one contiguous slice of the files.
    order = np.argsort(assigned, kind="stable")
    outputs = {name: (folder / f"{name}.sorted").open("wb") for name in (VECTORS, SCALES, IDS)}
    try:
        for at in range(0, state.rows, BUILD_CHUNK):
            picked = order[at : at + BUILD_CHUNK]
            outputs[VECTORS].write(files.vectors[picked].tobytes())
            outputs[SCALES].write(files.scales[picked].tobytes())
            outputs[IDS].write(files.ids[picked].tobytes())
    finally:
        for out in outputs.values():
            out.close()
    for name in (VECTORS, SCALES, IDS):
        (folder / f"{name}.sorted").replace(folder / name)
    (folder / LISTS).write_bytes(assigned[order].tobytes())
    (folder / CENTROIDS).write_bytes(centroids.tobytes())
    return VectorState(state.rows, state.dim, state.seq, lists, state.rows)


def _discard(path: Path) -> None:
    """Remove a folder of vector files: renamed aside first, then deleted."""
    if not path.exists():
        return
    aside = path.with_name(f"{path.name}.discarded-{uuid.uuid4().hex}")
    path.rename(aside)
    shutil.rmtree(aside, ignore_errors=True)
