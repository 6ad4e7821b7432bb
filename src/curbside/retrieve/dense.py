"""Dense search: passage vectors from the store in one matrix, exact dot-product top-k."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from curbside.retrieve.embedding import Embedder
from curbside.retrieve.store import EvidenceStore

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

EMBED_BATCH = 256  # texts per call to the embedder (progress is reported between calls)


class DenseIndex:
    """Cosine search over unit vectors; reloads the matrix when the store changes."""

    def __init__(self, store: EvidenceStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._ids: npt.NDArray[np.int64] | None = None
        self._matrix: npt.NDArray[np.float32] | None = None
        self._version: tuple[int, int] = (-1, -1)

    def embed_missing(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Embed every stored passage that has no vector yet; returns how many texts."""
        import numpy as np

        todo = self.store.unembedded(self.embedder.name)
        for at in range(0, len(todo), EMBED_BATCH):
            chunk = todo[at : at + EMBED_BATCH]
            vectors = self.embedder.embed([text for _, text in chunk]).astype(np.float32)
            self.store.add_vectors(
                self.embedder.name,
                [(sha, v.tobytes()) for (sha, _), v in zip(chunk, vectors, strict=True)],
            )
            if progress:
                progress(min(at + EMBED_BATCH, len(todo)), len(todo))
        return len(todo)

    def _load(self) -> tuple[Any, Any]:
        import numpy as np

        version = (self.store.generation("passages"), self.store.generation("vectors"))
        if self._matrix is None or version != self._version:
            ids: list[int] = []
            blobs: list[bytes] = []
            for pid, blob in self.store.vectors(self.embedder.name):
                ids.append(pid)
                blobs.append(blob)
            self._ids = np.array(ids, dtype=np.int64)
            self._matrix = (
                np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(
                    len(ids), self.embedder.dim
                )
                if ids
                else np.zeros((0, self.embedder.dim), dtype=np.float32)
            )
            self._version = version
        return self._ids, self._matrix

    def size(self) -> int:
        return int(self._load()[0].shape[0])

    def search(self, text: str, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(passage id, cosine similarity), best first, among `allowed` ids when given."""
        import numpy as np

        ids, matrix = self._load()
        if k <= 0 or ids.shape[0] == 0:
            return []
        if allowed is not None:
            keep = np.isin(ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            ids, matrix = ids[keep], matrix[keep]
            if ids.shape[0] == 0:
                return []
        scores = matrix @ self.embedder.embed([text])[0]
        k = min(k, scores.shape[0])
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(ids[i]), float(scores[i])) for i in top]
