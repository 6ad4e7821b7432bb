"""Benchmark: ingesting all of ../shared/data and ../shared/corpora, lexical and dense.

Lexical: `curbside ingest --no-embed` of both folders into a fresh CURBSIDE_HOME (wall and CPU
time, store and index size). Dense: embedding every passage with the product's numpy MiniLM
would take most of an hour on 2 cores, so a random sample of passages (fixed seed) is embedded
and the time for all of them is extrapolated; the baseline is the lexical ingest of the same
run.

    python bench/bench_general_ingest.py [--sample 512]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from curbside.ingest.run import ingest
from curbside.retrieve.embedding import EmbedderUnavailable, load_embedder
from curbside.retrieve.lexical import TantivyIndex
from curbside.retrieve.store import EvidenceStore

SHARED = Path(__file__).resolve().parents[2] / "shared"


def size(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=512, help="passages embedded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="curbside-ingest-") as home:
        store = EvidenceStore(Path(home) / "evidence.sqlite")
        cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime, time.perf_counter()
        report = ingest([SHARED / "data", SHARED / "corpora"], store)
        read = time.perf_counter() - wall0
        TantivyIndex(store, Path(home) / "lexical").refresh()
        wall = time.perf_counter() - wall0
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
        counts = store.counts()
        print(
            f"lexical: {report.files} files ({len(report.empty)} with nothing to keep, "
            f"{len(report.failed)} unreadable), {counts['documents']} documents, "
            f"{counts['passages']} passages in {wall:.1f} s wall ({read:.1f} s reading and "
            f"storing, {wall - read:.1f} s BM25 index), {cpu:.1f} s CPU; "
            f"{counts['passages'] / wall:.0f} passages/s; store "
            f"{size(Path(home) / 'evidence.sqlite') / 1e6:.0f} MB, index "
            f"{size(Path(home) / 'lexical') / 1e6:.0f} MB"
        )
        try:
            embedder = load_embedder()
        except EmbedderUnavailable as exc:
            print(f"dense: not measured ({exc})")
            return 0
        texts = [p.text for p in store.all_passages()]
        sample = random.Random(17).sample(texts, min(args.sample, len(texts)))
        start = time.perf_counter()
        embedder.embed(sample)
        seconds = time.perf_counter() - start
        rate = len(sample) / seconds
        print(
            f"dense (numpy MiniLM): {len(sample)} passages in {seconds:.1f} s = {rate:.1f} "
            f"passages/s; all {len(texts)} passages: about {len(texts) / rate / 60:.0f} min "
            f"({len(texts) / rate / wall:.0f}x the lexical ingest)"
        )
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
