"""Benchmark: ingest throughput, index size and query time as the corpus grows (10k, 100k, 1M).

Synthetic passages of about 80 words are cut from the sentences of the real corpora in
../shared/data (read with Curbside's own readers), shuffled so that each passage is new text.
For each size the passages are stored in the evidence store (the core of `curbside ingest`,
one transaction per 10,000 passages as one file each) and the BM25 index is built; then 200
questions from MedQuAD and PubMedQA are searched. Baseline in the same run: the query time at the
smallest size, so the ratios show how query time grows with the corpus. Resident memory (RSS) is
read from /proc. Targets: 1M passages with query median under 50 ms and RSS under 2 GB.

    python bench/bench_scale.py [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from curbside.ingest.chunking import split_sentences
from curbside.ingest.document import Document, Passage
from curbside.ingest.readers import read_file
from curbside.retrieve import Retriever
from curbside.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
WORDS = 80
PER_FILE = 10_000
QUERIES = 200
TARGET_MS, TARGET_RSS_MB = 50.0, 2048.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def corpus() -> tuple[list[str], list[str]]:
    """Sentences of the shared corpora, and questions (document titles) to search with."""
    sentences: list[str] = []
    questions: list[str] = []
    for folder in ("medquad", "pubmedqa", "nci_pdq", "fda_labels"):
        for path in sorted((DATA / folder).rglob("*")):
            if path.suffix not in {".xml", ".json", ".md", ".txt"} or path.stem.isupper():
                continue
            try:
                documents = read_file(path)
            except ValueError:
                continue
            for doc in documents:
                if doc.kind in ("qa", "abstract"):
                    questions.append(doc.title)
                for p in doc.passages:
                    sentences += [p.text[a:b] for a, b in split_sentences(p.text)]
    return sentences, questions


def passages(sentences: list[str], count: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        words: list[str] = []
        while len(words) < WORDS:
            words += rng.choice(sentences).split()
        out.append(" ".join(words[:WORDS]))
    return out


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def run(size: int, sentences: list[str], questions: list[str]) -> dict[str, float]:
    rng = random.Random(size)
    texts = passages(sentences, size, rng)
    with tempfile.TemporaryDirectory(prefix="curbside-scale-") as home:
        settings = Settings(home=Path(home), dense="off", publish=False)
        retriever = Retriever(settings)
        start = time.perf_counter()
        for at in range(0, size, PER_FILE):
            chunk = texts[at : at + PER_FILE]
            doc = Document(
                key=f"synthetic:{at}",
                kind="document",
                title=f"Synthetic passages {at}",
                passages=[Passage(t, "", 0, len(t)) for t in chunk],
            )
            retriever.store.replace_file(f"/synthetic/{at}.txt", f"sha-{at}", [doc])
        stored = time.perf_counter() - start
        retriever.lexical.refresh()
        built = time.perf_counter() - start - stored
        chosen = rng.sample(questions, min(QUERIES, len(questions)))
        times = []
        for q in chosen:
            t0 = time.perf_counter()
            retriever.search(q, k=10, mode="lexical")
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        result = {
            "store_s": stored,
            "index_s": built,
            "per_s": size / (stored + built),
            "sqlite_mb": (Path(home) / "evidence.sqlite").stat().st_size / 1e6,
            "index_mb": folder_mb(Path(home) / "lexical"),
            "p50": statistics.median(times),
            "p95": times[int(0.95 * (len(times) - 1))],
            "rss": rss_mb(),
        }
        retriever.store.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    sentences, questions = corpus()
    print(f"{len(sentences):,} sentences, {len(questions):,} questions; RSS {rss_mb():.0f} MB")
    base: float | None = None
    worst: dict[str, float] = {}
    for size in args.sizes:
        r = run(size, sentences, questions)
        base = base or r["p50"]
        print(
            f"{size:>9,} passages: ingest {r['per_s']:,.0f}/s (store {r['store_s']:.1f} s, "
            f"index {r['index_s']:.1f} s); sqlite {r['sqlite_mb']:.0f} MB, index "
            f"{r['index_mb']:.0f} MB; query p50 {r['p50']:.2f} ms p95 {r['p95']:.2f} ms "
            f"({r['p50'] / base:.1f}x the smallest); RSS {r['rss']:.0f} MB"
        )
        worst = r
    met = worst["p50"] < TARGET_MS and worst["rss"] < TARGET_RSS_MB
    print(
        f"largest: query median {worst['p50']:.2f} ms (target < {TARGET_MS:.0f}), RSS "
        f"{worst['rss']:.0f} MB (target < {TARGET_RSS_MB:.0f}): {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
