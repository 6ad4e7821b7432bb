"""Benchmark: finding the held answer a new question entails, MedQuAD held out by document.

All MedQuAD collections in ../shared/data and ../shared/corpora (about 16,000 answered pairs).
A tenth of the XML documents (chosen with a fixed seed) is held out: the questions of their
pairs are the queries, and their own question text is never in the index (the pair keeps its
answer, its document's focus annotations and its question type, which is how a source page is
organised: a page about a focus with one section per kind of question). Every answer of every
document stays in the index. The right answer is the query's own pair (or a pair of the same
document asking the very same question: MedQuAD splits long answers into several pairs).

Systems, over the same answers in one run:
- bm25s: plain bm25s (English stop words, no stemming) over the answers;
- entailment: Curbside's general tier (``curbside.general``: focus + compatible type, then the
  weighted similarity of the question to the held question and answer), its ranking then filled
  up to ten with bm25s's;
- entailment alone: only the entailed candidates (a sourced answer is given only from these).

Reports MRR@10, recall@1 and recall@10, the ratio to bm25s (goal: MRR@10 >= 1.5x bm25s), and the
share of queries for which any held answer is entailed.

    python bench/bench_entailment.py [--limit N] [--share 0.1]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from curbside.general.candidates import Candidate, build
from curbside.general.entail import EntailmentIndex
from curbside.general.focus import FocusVocabulary
from curbside.general.question import understand_general
from curbside.general.vocabulary import normalize, vocabulary
from general_corpus import SHARED, load

K = 10
SEED = 17
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def idf(texts: list[str]) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({w.lower() for w in _WORD.findall(text)})
    n = len(texts)
    return {w: math.log(1 + (n - df + 0.5) / (df + 0.5)) for w, df in counts.items()}


def scores(ranked: list[list[str]], wanted: list[set[str]]) -> tuple[float, float, float]:
    r1 = r10 = mrr = 0.0
    for docs, targets in zip(ranked, wanted, strict=True):
        rank = next((n for n, d in enumerate(docs[:K], start=1) if d in targets), None)
        if rank is not None:
            r1 += rank == 1
            r10 += 1
            mrr += 1 / rank
    n = len(ranked)
    return r1 / n, r10 / n, mrr / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="queries at most (0: all)")
    parser.add_argument("--share", type=float, default=0.1, help="share of documents held out")
    args = parser.parse_args()
    corpus = load([SHARED / "data" / "medquad", SHARED / "corpora" / "medquad"])
    pairs = [d for d in corpus.documents if "qtype" in d.meta]
    files = sorted({d.path for d in pairs})
    held_out = set(random.Random(SEED).sample(files, round(args.share * len(files))))
    queries: list[tuple[str, set[str]]] = []
    by_question: dict[tuple[str, str], set[str]] = {}
    for doc in pairs:
        by_question.setdefault((doc.path, normalize(doc.title)), set()).add(doc.key)
    for doc in pairs:
        if doc.path in held_out:
            queries.append((doc.title, by_question[doc.path, normalize(doc.title)]))
    if args.limit:
        queries = random.Random(SEED).sample(queries, min(args.limit, len(queries)))
    # The index: every answer; held-out pairs without their question text.
    hidden = [
        replace(d, title="", meta={**d.meta, "question": ""}) if d.path in held_out else d
        for d in pairs
    ]
    vocab = vocabulary()
    foci = FocusVocabulary()
    start = time.perf_counter()
    candidates = build(hidden, vocab, foci)
    index = EntailmentIndex(candidates, vocab)
    keys = [d.key for d in pairs]
    answers = [corpus.answers[k] for k in keys]
    weights = idf(answers)
    built = time.perf_counter() - start

    import bm25s

    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenize(answers, stopwords="en", show_progress=False), show_progress=False)

    def plain(question: str) -> list[str]:
        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
        found, _ = bm25.retrieve(tokens, k=K, show_progress=False)
        return [keys[int(i)] for i in found[0]]

    def texts(chosen: Sequence[Candidate]) -> dict[int, str]:
        return {n: corpus.answers[c.document_key] for n, c in enumerate(chosen)}

    ranked: dict[str, list[list[str]]] = {"bm25s": [], "entailment": [], "entailment alone": []}
    times: dict[str, list[float]] = {name: [] for name in ranked}
    entailed = 0
    for question, _ in queries:
        t0 = time.perf_counter()
        baseline = plain(question)
        t1 = time.perf_counter()
        understood = understand_general(question, foci, vocab)
        matches = index.rank(understood, texts, weights, "patient", k=K)
        own = [m.candidate.document_key for m in matches]
        t2 = time.perf_counter()
        entailed += bool(own)
        ranked["bm25s"].append(baseline)
        ranked["entailment alone"].append(own)
        ranked["entailment"].append((own + [k for k in baseline if k not in own])[:K])
        times["bm25s"].append(t1 - t0)
        times["entailment alone"].append(t2 - t1)
        times["entailment"].append(t2 - t0)
    wanted = [targets for _, targets in queries]
    print(
        f"MedQuAD held out by document: {len(held_out)} of {len(files)} documents, "
        f"{len(queries)} queries over {len(pairs)} answers; corpus read in {corpus.seconds:.1f} s, "
        f"{len(candidates)} candidates built in {built:.1f} s; "
        f"a held answer is entailed for {entailed / len(queries):.3f} of the queries"
    )
    base = scores(ranked["bm25s"], wanted)
    for name, lists in ranked.items():
        r1, r10, mrr = scores(lists, wanted)
        median = statistics.median(times[name]) * 1000
        print(
            f"  {name:<17} MRR@10 {mrr:.3f} ({mrr / base[2]:.2f}x)  R@1 {r1:.3f}  "
            f"R@10 {r10:.3f}  median {median:.2f} ms"
        )
    goal = scores(ranked["entailment"], wanted)[2] >= 1.5 * base[2]
    print(f"  goal MRR@10 >= 1.5x bm25s: {'met' if goal else 'missed'}")
    return 0 if goal else 1


if __name__ == "__main__":
    raise SystemExit(main())
