"""Benchmark: ingest, index size, query time, memory and adding a file as the corpus grows.

Synthetic passages of about 80 words are cut from the sentences of the real corpora in
../shared/data (read with Curbside's own readers), shuffled so that each passage is new text, and
stored 10,000 at a time (one file each, the core of `curbside ingest`); the BM25 index is built
from them. With --dense each passage also gets a synthetic unit vector (384 wide, float16 in the
store as `curbside ingest` writes them): embedding a million passages with MiniLM would take 8-14
hours here. The vectors are drawn around 2,000 random topic directions (a passage is at cosine
about 0.75 to its topic), so that, as with real text, near neighbours exist. Then:

- 200 MedQuAD and PubMedQA questions searched with BM25 (p50 / p95 ms);
- with --dense, 200 dense queries (a stored vector plus noise: the search without the question's
  embedding, whose MiniLM cost is measured separately and printed), their recall@10 against an
  exact scan of every row, the time of the first dense search in a fresh index (files mapped, no
  matrix loaded), and RSS (VmRSS now, VmHWM peak) after all of it;
- adding one file of 10 passages (stored, indexed, embedded) and the time for the next search to
  see it: the lexical index and vector files are updated from the change log.

Baseline in the same run: the BM25 query median at the smallest size. Targets: 1M passages with
BM25 median under 50 ms and RSS under 2 GB; with --dense, RSS under 1 GB, dense p50 under 30 ms
and adding a file under 2 s (issue 19).

With --dense-only the passages are short labels and BM25 is left out: the dense figures alone,
quicker (the BM25 build of a million passages takes minutes).

    python bench/bench_scale.py [--sizes 10000 100000 1000000] [--dense | --dense-only]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from curbside.ingest.chunking import split_sentences
from curbside.ingest.document import Document, Passage
from curbside.ingest.readers import read_file
from curbside.retrieve import Retriever
from curbside.retrieve.blas import limit_blas_threads
from curbside.retrieve.dense import DenseIndex
from curbside.retrieve.embedding import MODEL_NAME
from curbside.retrieve.store import EvidenceStore, text_sha
from curbside.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
WORDS = 80
PER_FILE = 10_000
QUERIES = 200
DIM, TOPICS, NOISE = 384, 2_000, 0.045
TARGET_MS, TARGET_RSS_MB = 50.0, 2048.0
DENSE_RSS_MB, DENSE_MS, ADD_S = 1024.0, 30.0, 2.0


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
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


class Vectors:
    """Synthetic unit vectors around random topics; also the 'embedder' of the dense queries."""

    name = MODEL_NAME
    dim = DIM

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        topics = self.rng.standard_normal((TOPICS, DIM)).astype(np.float32)
        self.topics = topics / np.linalg.norm(topics, axis=1, keepdims=True)
        self.queries: dict[str, Any] = {}

    def draw(self, count: int) -> Any:
        rows = self.topics[self.rng.integers(0, TOPICS, count)]
        rows = rows + NOISE * self.rng.standard_normal((count, DIM)).astype(np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def near(self, vector: Any) -> Any:
        noisy = vector + 0.5 * NOISE * self.rng.standard_normal(DIM).astype(np.float32)
        return (noisy / np.linalg.norm(noisy)).astype(np.float32)

    def embed(self, texts: list[str]) -> Any:
        return np.stack([self.queries[t] for t in texts])


def store_vectors(store: EvidenceStore, texts: list[str], vectors: Vectors) -> None:
    drawn = vectors.draw(len(texts)).astype(np.float16)
    store.add_vectors(
        MODEL_NAME, [(text_sha(t), v.tobytes()) for t, v in zip(texts, drawn, strict=True)]
    )


def run(
    size: int, sentences: list[str], questions: list[str], dense: bool, lexical: bool = True
) -> dict[str, float]:
    rng = random.Random(size)
    vectors = Vectors(size)
    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="curbside-scale-") as home:
        settings = Settings(home=Path(home), dense="off", publish=False)
        retriever = Retriever(settings)
        store = retriever.store
        start = time.perf_counter()
        for at in range(0, size, PER_FILE):
            count = min(PER_FILE, size - at)
            chunk = (
                passages(sentences, count, rng)
                if lexical
                else [f"passage {at + n}" for n in range(count)]
            )
            doc = Document(
                key=f"synthetic:{at}",
                kind="document",
                title=f"Synthetic passages {at}",
                passages=[Passage(t, "", 0, len(t)) for t in chunk],
            )
            store.replace_file(f"/synthetic/{at}.txt", f"sha-{at}", [doc])
            if dense:
                store_vectors(store, chunk, vectors)
        result["store_s"] = time.perf_counter() - start
        times = [0.0]
        t0 = time.perf_counter()
        if lexical:
            retriever.lexical.refresh()
            chosen = rng.sample(questions, min(QUERIES, len(questions)))
            times = []
            for q in chosen:
                t1 = time.perf_counter()
                retriever.search(q, k=10, mode="lexical")
                times.append((time.perf_counter() - t1) * 1000)
            times.sort()
        result["index_s"] = time.perf_counter() - t0
        result["per_s"] = size / (result["store_s"] + result["index_s"])
        result |= {
            "sqlite_mb": (Path(home) / "evidence.sqlite").stat().st_size / 1e6,
            "index_mb": folder_mb(Path(home) / "lexical"),
            "p50": statistics.median(times),
            "p95": times[int(0.95 * (len(times) - 1))],
        }
        index: DenseIndex | None = None
        if dense:
            t0 = time.perf_counter()
            DenseIndex(store, vectors).refresh()  # the files built (clusters above 50,000)
            result["dense_build_s"] = time.perf_counter() - t0
            result["dense_mb"] = folder_mb(Path(home) / "dense")
            index = DenseIndex(store, vectors)  # a fresh process's view: nothing loaded yet
            result |= dense_queries(index, store, vectors, size, rng)
        result |= add_file(retriever, index, vectors, sentences, rng, lexical)
        result["rss"] = status_mb("VmRSS")
        result["peak"] = status_mb("VmHWM")
        store.close()
    return result


def dense_queries(
    index: DenseIndex, store: EvidenceStore, vectors: Vectors, size: int, rng: random.Random
) -> dict[str, float]:
    picks = [rng.randrange(1, size + 1) for _ in range(QUERIES)]
    found = dict(store.vectors_of(MODEL_NAME, picks))
    for n, pid in enumerate(picks):
        blob = found[pid]
        vectors.queries[f"q{n}"] = vectors.near(np.frombuffer(blob, np.float16).astype(np.float32))
    t0 = time.perf_counter()
    index.search("q0", 10)
    first = time.perf_counter() - t0
    times, recall = [], []
    for n in range(QUERIES):
        t0 = time.perf_counter()
        got = index.search(f"q{n}", 10)
        times.append((time.perf_counter() - t0) * 1000)
        if n < 50:  # the exact scan reads every row: 50 of them are enough
            exact = {pid for pid, _ in index.exact_search(f"q{n}", 10)}
            recall.append(len(exact & {pid for pid, _ in got}) / len(exact))
    times.sort()
    return {
        "dense_first_s": first,
        "dense_p50": statistics.median(times),
        "dense_p95": times[int(0.95 * (len(times) - 1))],
        "recall": statistics.mean(recall),
    }


def add_file(
    retriever: Retriever,
    index: DenseIndex | None,
    vectors: Vectors,
    sentences: list[str],
    rng: random.Random,
    lexical: bool = True,
) -> dict[str, float]:
    """One more file of 10 passages: stored (with vectors), then searched until found."""
    texts = passages(sentences, 10, rng)
    doc = Document(
        key="synthetic:added",
        kind="document",
        title="Added",
        passages=[Passage(t, "", 0, len(t)) for t in texts],
    )
    t0 = time.perf_counter()
    retriever.store.replace_file("/synthetic/added.txt", "sha-added", [doc])
    if index is not None:
        store_vectors(retriever.store, texts, vectors)
    stored = time.perf_counter() - t0
    out = {"add_store_s": stored, "add_lexical_s": 0.0}
    if lexical:
        retriever.lexical.refresh()
        out["add_lexical_s"] = time.perf_counter() - t0 - stored
        hits = retriever.lexical.search(texts[0], 1)
        assert hits and retriever.store.passages([hits[0][0]])[0].text == texts[0]
    if index is not None:
        t1 = time.perf_counter()
        index.refresh()
        out["add_dense_s"] = time.perf_counter() - t1
        added = hashlib.sha256(texts[0].encode()).hexdigest()
        row = retriever.store.db.execute(
            "SELECT p.id, v.vector FROM passages p JOIN vectors v ON v.text_sha = p.text_sha "
            "WHERE p.text_sha = ?",
            (added,),
        ).fetchone()
        vectors.queries["added"] = np.frombuffer(row[1], np.float16).astype(np.float32)
        assert index.search("added", 1)[0][0] == row[0]
    out["add_s"] = time.perf_counter() - t0
    return out


def minilm_query_ms(questions: list[str]) -> float | None:
    """Median time to embed one question with MiniLM (the part of a dense query not above)."""
    try:
        from curbside.retrieve.embedding import load_embedder

        model = load_embedder()
    except Exception:
        return None
    model.embed(questions[:2])
    times = []
    for q in questions[:50]:
        t0 = time.perf_counter()
        model.embed([q])
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dense", action="store_true", help="synthetic vectors and dense search")
    parser.add_argument("--dense-only", action="store_true", help="dense search, no BM25")
    args = parser.parse_args()
    args.dense = args.dense or args.dense_only
    limit_blas_threads(Settings().blas_threads)  # before numpy's first product
    sentences, questions = corpus()
    print(
        f"{len(sentences):,} sentences, {len(questions):,} questions; RSS "
        f"{status_mb('VmRSS'):.0f} MB"
    )
    base: float | None = None
    worst: dict[str, float] = {}
    for size in args.sizes:
        r = run(size, sentences, questions, args.dense, lexical=not args.dense_only)
        base = base or r["p50"]
        print(
            f"{size:>9,} passages: ingest {r['per_s']:,.0f}/s (store {r['store_s']:.1f} s, "
            f"index {r['index_s']:.1f} s); sqlite {r['sqlite_mb']:.0f} MB, index "
            f"{r['index_mb']:.0f} MB; BM25 p50 {r['p50']:.2f} ms p95 {r['p95']:.2f} ms "
            f"({r['p50'] / (base or 1):.1f}x the smallest); add a file {r['add_s']:.2f} s (store "
            f"{r['add_store_s']:.2f}, lexical {r['add_lexical_s']:.2f}"
            + (f", dense {r['add_dense_s']:.2f}" if "add_dense_s" in r else "")
            + f" s); RSS {r['rss']:.0f} MB (peak {r['peak']:.0f} MB)"
        )
        if args.dense:
            print(
                f"{'':>9}  dense: files {r['dense_mb']:.0f} MB built in {r['dense_build_s']:.1f}"
                f" s; first search {r['dense_first_s']:.2f} s; p50 {r['dense_p50']:.2f} ms p95 "
                f"{r['dense_p95']:.2f} ms; recall@10 vs exact {r['recall']:.3f}"
            )
        worst = r
    met = worst["p50"] < TARGET_MS and worst["rss"] < TARGET_RSS_MB
    print(
        f"largest: BM25 median {worst['p50']:.2f} ms (target < {TARGET_MS:.0f}), RSS "
        f"{worst['rss']:.0f} MB (target < {TARGET_RSS_MB:.0f}): {'met' if met else 'MISSED'}"
    )
    if args.dense:
        query_ms = minilm_query_ms(questions)
        if query_ms is not None:
            print(f"MiniLM embedding of one question: median {query_ms:.1f} ms (add to dense p50)")
        dense_met = (
            worst["rss"] < DENSE_RSS_MB
            and worst["dense_p50"] + (query_ms or 0) < DENSE_MS
            and worst["add_s"] < ADD_S
        )
        print(
            f"largest, dense: RSS {worst['rss']:.0f} MB (< {DENSE_RSS_MB:.0f}), dense p50 with "
            f"the question embedded {worst['dense_p50'] + (query_ms or 0):.1f} ms "
            f"(< {DENSE_MS:.0f}), add a file {worst['add_s']:.2f} s (< {ADD_S:.0f}): "
            f"{'met' if dense_met else 'MISSED'}"
        )
        met = met and dense_met
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
