"""numpy's BLAS runs one thread per process unless CURBSIDE_BLAS_THREADS says otherwise, whether
numpy was loaded before the retriever (threadpoolctl) or after it (the environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
if sys.argv[1] == "numpy-first":
    import numpy
from pathlib import Path
from curbside.retrieve import Retriever
from curbside.settings import Settings
Retriever(Settings(home=Path(sys.argv[2]), dense="off"))
import numpy
from curbside.retrieve.blas import blas_threads
print(json.dumps(blas_threads()))
"""


def _threads(order: str, home: Path, **env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, order, str(home)],
        env={**clean, "OPENBLAS_NUM_THREADS": "2", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(json.loads(out.stdout))


@pytest.mark.parametrize("order", ["numpy-first", "numpy-later"])
def test_one_blas_thread_by_default_and_as_configured(order: str, tmp_path: Path) -> None:
    assert _threads(order, tmp_path) == 1
    assert _threads(order, tmp_path, CURBSIDE_BLAS_THREADS="2") == 2
    # 0 leaves the library's own choice: here the OPENBLAS_NUM_THREADS=2 the probe starts with.
    assert _threads(order, tmp_path, CURBSIDE_BLAS_THREADS="0") == 2
