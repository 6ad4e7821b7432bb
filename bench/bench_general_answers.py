"""Benchmark: what real consumer questions get, with and without the sourced tier.

../shared/data and ../shared/corpora are ingested lexically into a fresh CURBSIDE_HOME (or an
existing one given with --home), then the 446 questions of ../shared/eval/liveqa-train.jsonl
(subject line + message) are asked as a patient. Baseline, same run and same store: the engine
with the sourced tier switched off (the digest then answers as it did before issue 17).

Reports the coverage counts, the share answered (anything but `none`), and for sourced answers
how often the answer's title names an annotated focus (or a word of it): a rough check that the
answer is about what was asked, not a judgement of the answer.

    python bench/bench_general_answers.py [--home PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from curbside.engine import Engine
from curbside.general.vocabulary import normalize
from curbside.ingest.run import ingest
from curbside.models import Article
from curbside.retrieve.store import EvidenceStore
from curbside.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
LIVEQA = SHARED / "eval" / "liveqa-train.jsonl"


def names_focus(article: Article, foci: list[str]) -> bool:
    title = normalize(article.title)
    return any(f and (f in title or any(w in title for w in f.split() if len(w) > 4)) for f in foci)


def run(engine: Engine, rows: list[dict[str, object]]) -> tuple[Counter[str], int, list[float]]:
    counts: Counter[str] = Counter()
    on_focus = 0
    times = []
    for row in rows:
        subject, message = str(row["subject"]).strip(), str(row["message"])
        text = f"{subject}. {message}" if subject else message
        start = time.perf_counter()
        article = engine.ask(text[:1900], "patient")
        times.append(time.perf_counter() - start)
        counts[article.coverage] += 1
        if article.coverage == "sourced":
            subs = row["subquestions"]
            assert isinstance(subs, list)
            on_focus += names_focus(article, [normalize(s["focus"]) for s in subs])
    return counts, on_focus, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, help="an existing CURBSIDE_HOME with everything")
    args = parser.parse_args()
    rows = [json.loads(line) for line in LIVEQA.read_text(encoding="utf-8").splitlines() if line]
    with tempfile.TemporaryDirectory(prefix="curbside-liveqa-") as scratch:
        home = args.home or Path(scratch)
        if args.home is None:
            store = EvidenceStore(home / "evidence.sqlite")
            ingest([SHARED / "data", SHARED / "corpora"], store)
            store.close()
        settings = Settings(home=home, dense="off", publish=False)
        baseline = Engine(settings)
        baseline.__dict__["general"] = None  # the sourced tier off: the engine before issue 17
        results = {
            "without sourced tier": run(baseline, rows),
            "with sourced tier": run(Engine(settings), rows),
        }
    n = len(rows)
    print(f"LiveQA train: {n} consumer questions, asked as a patient, everything ingested")
    for name, (counts, on_focus, times) in results.items():
        answered = n - counts["none"]
        sourced = counts["sourced"]
        print(
            f"  {name:<21} answered {answered:3d} ({answered / n:.3f}): sourced {sourced}, "
            f"digest {counts['digest']}, curated {counts['curated']}, none {counts['none']}; "
            f"sourced naming an annotated focus {on_focus}/{sourced}; "
            f"median {statistics.median(times) * 1000:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
