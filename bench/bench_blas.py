"""Benchmark: numpy's BLAS threads (OpenBLAS's default, one per core, against one), idle and busy.

Each configuration runs in a fresh process, so that the thread count is set before numpy loads:
`default` leaves OpenBLAS to start a thread per core (Curbside before issue 19), `1` is
CURBSIDE_BLAS_THREADS=1 (the default now). Measured in each: MiniLM embedding of 64 passages of
about 80 words (passages per second, batch 4 as ingest embeds) and 60 dense queries over 10,000
random unit vectors (the question embedded, then the matrix product and top-10; p50 / p95 ms).
"Busy" runs one process spinning on a core for each core but one, as a second worker would. The
baseline is the `default` configuration measured in the same run and the same load.

    python bench/bench_blas.py [--loads idle busy]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSAGES = 64
QUERIES = 60
VECTORS = 10_000

PROBE = """
import json, random, statistics, sys, time
from pathlib import Path
from curbside.retrieve import Retriever
from curbside.settings import Settings
Retriever(Settings(home=Path(sys.argv[1]), dense="off"))  # applies CURBSIDE_BLAS_THREADS
import numpy as np
from curbside.retrieve.blas import blas_threads
from curbside.retrieve.embedding import load_embedder
words = Path(sys.argv[2]).read_text().split()
rng = random.Random(7)
texts = [" ".join(rng.choice(words) for _ in range(80)) for _ in range(int(sys.argv[3]))]
model = load_embedder()
model.embed(texts[:4])
start = time.perf_counter()
model.embed(texts)
per_s = len(texts) / (time.perf_counter() - start)
matrix = np.random.default_rng(1).standard_normal((int(sys.argv[5]), model.dim), np.float32)
matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
times = []
for n in range(int(sys.argv[4])):
    t0 = time.perf_counter()
    scores = matrix @ model.embed([texts[n % len(texts)][:200]])[0]
    top = np.argpartition(-scores, 9)[:10]
    top[np.argsort(-scores[top])]
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"threads": blas_threads(), "per_s": per_s, "p50": statistics.median(times),
                  "p95": times[int(0.95 * (len(times) - 1))]}))
"""


def _spin() -> None:  # pragma: no cover - runs in a child process
    while True:
        pass


def _measure(threads: str, home: str, text: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["CURBSIDE_BLAS_THREADS"] = "0" if threads == "default" else threads
    out = subprocess.run(
        [sys.executable, "-c", PROBE, home, text, str(PASSAGES), str(QUERIES), str(VECTORS)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", nargs="+", choices=("idle", "busy"), default=["idle", "busy"])
    args = parser.parse_args()
    import tempfile

    sample = ROOT.parent / "shared" / "data" / "fda_labels" / "Txt"
    text = " ".join(p.read_text() for p in sorted(sample.glob("*.txt"))[:40])
    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores available; load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory() as home:
        source = Path(home) / "words.txt"
        source.write_text(text)
        for load in args.loads:
            spinners = []
            if load == "busy":
                spinners = [multiprocessing.Process(target=_spin) for _ in range(cores - 1)]
                for s in spinners:
                    s.start()
                time.sleep(0.5)
            try:
                base = _measure("default", home, str(source))
                one = _measure("1", home, str(source))
            finally:
                for s in spinners:
                    s.terminate()
                    s.join()
            for name, r in (("default (baseline)", base), ("1", one)):
                print(
                    f"{load:>4} | threads {name:<18} ({r['threads']}) | embed "
                    f"{r['per_s']:6.1f} passages/s ({r['per_s'] / base['per_s']:.2f}x) | dense "
                    f"query at {VECTORS:,} p50 {r['p50']:6.1f} ms ({r['p50'] / base['p50']:.2f}x)"
                    f" p95 {r['p95']:7.1f} ms"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
