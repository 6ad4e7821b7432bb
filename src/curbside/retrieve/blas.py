"""How many threads numpy's BLAS (OpenBLAS) may use: one per process by default.

OpenBLAS starts a thread per core. On a two-core machine whose other core is busy (another
worker, another process) two threads are 3-6x slower than one: each matrix product waits for the
thread that cannot run (bench/RESULTS.md). The limit is set in the environment before numpy is
first imported; once numpy is loaded, threadpoolctl changes the running pool.
"""

from __future__ import annotations

import os
import sys

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads(threads: int) -> str:
    """Let numpy's BLAS use at most `threads` threads (0: leave its own choice); returns how."""
    if threads <= 0:
        return "unchanged"
    if "numpy" not in sys.modules:
        for name in THREAD_VARIABLES:
            os.environ[name] = str(threads)
        return "environment"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - installed with the dense extra
        return "unchanged"
    threadpool_limits(limits=threads, user_api="blas")
    return "threadpoolctl"


def blas_threads() -> int | None:
    """The threads numpy's BLAS will use now (None when numpy or threadpoolctl is missing)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return None
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return int(pools[0]["num_threads"]) if pools else None
