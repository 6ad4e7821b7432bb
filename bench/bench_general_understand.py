"""Benchmark: focus and question type of real consumer questions (TREC LiveQA medical, train).

../shared/eval/liveqa-train.jsonl holds 446 questions sent to the US National Library of Medicine,
each annotated with its subquestions' focus and type. Curbside's general-question reader
(``curbside.general``: question sentences, focus vocabulary built from ../shared/data and
../shared/corpora, type cues from ``general/questions.yaml``) is compared, in the same run, with a
simple keyword baseline: the type of the first of ten keywords found (else "information"), and
the longest content word as the focus.

A type is right when it is one of the annotated types (names mapped to MedQuAD's: "Cause" ->
"causes"). A focus is right when it equals an annotated focus after normalisation (exact), or
when one contains the other (lenient: "parkinson disease" for "parkinson's").

    python bench/bench_general_understand.py
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from curbside.general.candidates import build
from curbside.general.focus import FocusVocabulary
from curbside.general.question import understand_general
from curbside.general.vocabulary import normalize, vocabulary
from curbside.retrieve.terms import STOPWORDS
from general_corpus import SHARED, load

LIVEQA = SHARED / "eval" / "liveqa-train.jsonl"
_KEYWORDS = [
    ("side effect", "side effects"),
    ("dose", "dosage"),
    ("treat", "treatment"),
    ("cure", "treatment"),
    ("cause", "causes"),
    ("symptom", "symptoms"),
    ("diagnos", "exams and tests"),
    ("prevent", "prevention"),
    ("inherit", "inheritance"),
    ("risk", "susceptibility"),
]


def baseline(text: str) -> tuple[str, str]:
    lower = text.lower()
    qtype = next((t for word, t in _KEYWORDS if word in lower), "information")
    words = [w for w in re.findall(r"[a-z][a-z'-]+", lower) if w not in STOPWORDS]
    return qtype, max(words, key=len) if words else ""


def focus_right(predicted: str, gold: list[str]) -> tuple[bool, bool]:
    p = normalize(predicted)
    golds = [normalize(g) for g in gold if g.strip()]
    exact = bool(p) and p in golds
    lenient = bool(p) and any(p in g or g in p for g in golds)
    return exact, lenient


def main() -> int:
    corpus = load()
    vocab = vocabulary()
    foci = FocusVocabulary()
    start = time.perf_counter()
    candidates = build(corpus.documents, vocab, foci)
    for name in corpus.drugs:
        foci.add(f"drug:{normalize(name)}", [name], kind="drug")
    built = time.perf_counter() - start
    rows = [json.loads(line) for line in LIVEQA.read_text(encoding="utf-8").splitlines() if line]
    tally = {k: [0, 0, 0, 0] for k in ("curbside", "baseline")}  # type, exact, lenient, found
    times: list[float] = []
    for row in rows:
        text = f"{row['subject']}\n{row['message']}" if row["subject"].strip() else row["message"]
        gold_types = {vocab.canonical(s["type"]) for s in row["subquestions"]}
        gold_foci = [s["focus"] for s in row["subquestions"]]
        t0 = time.perf_counter()
        question = understand_general(text, foci, vocab)
        times.append(time.perf_counter() - t0)
        predictions = {
            "curbside": (question.qtype, question.focus.text if question.focus else ""),
            "baseline": baseline(text),
        }
        for name, (qtype, focus) in predictions.items():
            exact, lenient = focus_right(focus, gold_foci)
            tally[name][0] += qtype in gold_types
            tally[name][1] += exact
            tally[name][2] += lenient
            tally[name][3] += bool(focus)
    n = len(rows)
    print(
        f"LiveQA train: {n} questions; corpus read in {corpus.seconds:.1f} s "
        f"({len(corpus.documents)} documents), {len(candidates)} held answers and "
        f"{len(foci.names)} focus names built in {built:.1f} s; "
        f"median {sorted(times)[n // 2] * 1000:.2f} ms per question"
    )
    print(f"  {'reader':<9} {'type':>6} {'focus exact':>12} {'focus lenient':>14} {'found':>6}")
    for name, (t, e, le, f) in tally.items():
        print(f"  {name:<9} {t / n:6.3f} {e / n:12.3f} {le / n:14.3f} {f / n:6.3f}")
    ratio = tally["curbside"][2] / max(tally["baseline"][2], 1)
    print(f"  focus (lenient) curbside / baseline: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
