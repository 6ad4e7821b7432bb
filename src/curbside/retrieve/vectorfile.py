"""Passage vectors on disk: int8 rows with a scale each, memory-mapped, appended as passages change.

A folder per model holds `vectors.i8` (rows x dim int8, 384 bytes a row for MiniLM, a quarter of
float32), `scales.f32` (each row's scale: the row is int8 x scale), `ids.i64`
(the passage id of each row; -1 once the passage is deleted or replaced), `lists.i32` (the cluster
of each row, for the approximate search of large stores; empty while there is none), and
`state.json`: how many rows, the width, the last change-log entry applied and the cluster
centroids' file. Rows are only ever appended, and a deleted passage's id is overwritten with -1
in place, so a process that mapped the files earlier keeps reading valid (if slightly old) data;
anything rewritten (a compaction, new clusters) goes to new files renamed into place.

No file is mapped before its size is checked against the state: a file cut short under a live
mapping would kill the process with SIGBUS on the next read. A size that differs (a damaged file,
or an append that a crash interrupted before the state was written) raises VectorFileDamaged, and
the caller rebuilds the folder from the evidence store.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

VECTORS, SCALES, IDS, LISTS, CENTROIDS, STATE = (
    "vectors.i8",
    "scales.f32",
    "ids.i64",
    "lists.i32",
    "centroids.f32",
    "state.json",
)


class VectorFileDamaged(RuntimeError):
    """A vector file is missing, or its size is not what the state says."""


@dataclass(frozen=True)
class VectorState:
    rows: int
    dim: int
    seq: int  # the last change-log entry applied
    lists: int  # clusters (0: none, exact search)
    clustered: int = 0  # the first rows, stored in cluster order (the rest were appended)

    def sizes(self) -> dict[str, int]:
        sizes = {VECTORS: self.rows * self.dim, SCALES: self.rows * 4, IDS: self.rows * 8}
        if self.lists:
            sizes[LISTS] = self.rows * 4
            sizes[CENTROIDS] = self.lists * self.dim * 4
        return sizes


def read_state(folder: Path) -> VectorState:
    """The folder's state, after checking every file's size; nothing is mapped here."""
    try:
        raw = json.loads((folder / STATE).read_text())
        state = VectorState(
            int(raw["rows"]),
            int(raw["dim"]),
            int(raw["seq"]),
            int(raw["lists"]),
            int(raw.get("clustered", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VectorFileDamaged(f"cannot read {folder / STATE}: {exc}") from exc
    for name, size in state.sizes().items():
        try:
            found = (folder / name).stat().st_size
        except OSError as exc:
            raise VectorFileDamaged(f"{folder / name} is missing") from exc
        if found != size:
            raise VectorFileDamaged(f"{folder / name} has {found} bytes, the state says {size}")
    return state


def write_state(folder: Path, state: VectorState) -> None:
    tmp = folder / f"{STATE}.tmp"
    tmp.write_text(
        json.dumps(
            {
                "rows": state.rows,
                "dim": state.dim,
                "seq": state.seq,
                "lists": state.lists,
                "clustered": state.clustered,
            }
        )
    )
    tmp.replace(folder / STATE)


@dataclass
class Mapped:
    """The files of one state, mapped read-only (ids writable for deletions in place)."""

    state: VectorState
    vectors: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]
    ids: npt.NDArray[np.int64]
    lists: npt.NDArray[np.int32] | None
    centroids: npt.NDArray[np.float32] | None


def _map(path: Path, dtype: Any, shape: tuple[int, ...]) -> Any:
    import numpy as np

    if shape[0] == 0:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=shape)


def map_files(folder: Path, state: VectorState) -> Mapped:
    """Map the files of `state` (whose sizes `read_state` has just checked)."""
    import numpy as np

    lists = centroids = None
    if state.lists:
        lists = _map(folder / LISTS, np.int32, (state.rows,))
        centroids = np.fromfile(folder / CENTROIDS, dtype=np.float32).reshape(
            state.lists, state.dim
        )
    return Mapped(
        state,
        _map(folder / VECTORS, np.int8, (state.rows, state.dim)),
        _map(folder / SCALES, np.float32, (state.rows,)),
        _map(folder / IDS, np.int64, (state.rows,)),
        lists,
        centroids,
    )


def append(
    folder: Path,
    state: VectorState,
    ids: npt.NDArray[np.int64],
    vectors: npt.NDArray[np.float32],
    lists: npt.NDArray[np.int32] | None,
) -> VectorState:
    """Append rows to the files (the state is written by the caller, after)."""
    quantized, scales = quantize(vectors)
    with (folder / VECTORS).open("ab") as out:
        out.write(quantized.tobytes())
    with (folder / SCALES).open("ab") as out:
        out.write(scales.tobytes())
    with (folder / IDS).open("ab") as out:
        out.write(ids.tobytes())
    if state.lists:
        assert lists is not None
        with (folder / LISTS).open("ab") as out:
            out.write(lists.tobytes())
    return VectorState(state.rows + len(ids), state.dim, state.seq, state.lists, state.clustered)


def quantize(vectors: npt.NDArray[np.float32]) -> tuple[Any, Any]:
    """int8 rows and their scales: each row's largest component becomes +-127."""
    import numpy as np

    scales = np.abs(vectors).max(axis=1).astype(np.float32) / 127
    scales[scales == 0] = 1
    quantized = np.rint(vectors / scales[:, None]).astype(np.int8)
    return quantized, scales


def decode(blob: bytes, dim: int) -> Any:
    """A vector stored in the evidence store: float16 (now) or float32 (before issue 19)."""
    import numpy as np

    dtype = np.float16 if len(blob) == dim * 2 else np.float32
    return np.frombuffer(blob, dtype=dtype).astype(np.float32)


@contextmanager
def locked(folder: Path, exclusive: bool) -> Iterator[None]:
    """The folder's lock across processes: shared to check and map files, exclusive to change
    them, so that no one checks sizes half-way through an append."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with folder.with_name(folder.name + ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def delete_rows(folder: Path, rows: list[int]) -> None:
    """Mark rows deleted (passage id -1), in place: a mapped reader sees it at once."""
    import numpy as np

    minus_one = np.array([-1], dtype=np.int64).tobytes()
    with (folder / IDS).open("r+b") as out:
        for row in sorted(rows):
            out.seek(row * 8)
            out.write(minus_one)
