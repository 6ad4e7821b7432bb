"""Benchmark: warm answer time and CLI cold start, each as a ratio to a baseline run here.

- Warm answer: median time of `Engine.ask` over the evaluation questions (20 rounds), against the
  same engine serialising an already-built article to JSON (the floor of any answer). Target: the
  median answer under 50 ms.
- Cold start: `curbside ask ... --format json` as a new process, against a bare `python -c pass`
  started the same way. Target: under 2 s of CPU time (wall time is printed too).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from curbside.engine import Engine
from curbside.evaluate import load_eval_file

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.yaml"
FALLBACK = [
    "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?",
    "How long to discontinue Anakinra in a patient with neutropenia and viral upper respiratory "
    "tract infection?",
]
ROUNDS = 20
COLD_RUNS = 5
WARM_TARGET_MS = 50.0
COLD_TARGET_S = 2.0


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def warm() -> tuple[float, float]:
    questions = (
        [q.question for q in load_eval_file(QUESTIONS).questions]
        if QUESTIONS.exists()
        else FALLBACK
    )
    engine = Engine()
    for q in questions:
        engine.ask(q)
    answer_times = []
    for _ in range(ROUNDS):
        for q in questions:
            start = time.perf_counter()
            engine.ask(q)
            answer_times.append((time.perf_counter() - start) * 1000)
    article = engine.ask(questions[0])
    baseline = _median_ms(article.model_dump_json, ROUNDS * len(questions))
    return statistics.median(answer_times), baseline


def cold() -> tuple[float, float, float, float]:
    """Median (wall, CPU) seconds of the cold CLI and of the bare interpreter. The target is on
    CPU time (user + system, from wait4): on a machine shared with other work, wall time
    measures the queue for the cores as much as Curbside."""
    exe = str(Path(sys.executable).parent / "curbside")
    command = [exe, "ask", FALLBACK[0], "--format", "json"]
    baseline_command = [sys.executable, "-c", "pass"]

    def run(cmd: list[str]) -> tuple[float, float]:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{cmd} failed")
        return time.perf_counter() - start, usage.ru_utime + usage.ru_stime

    run(command)  # warm the file cache and the knowledge cache
    cli = [run(command) for _ in range(COLD_RUNS)]
    bare = [run(baseline_command) for _ in range(COLD_RUNS)]
    return (
        statistics.median(w for w, _ in cli),
        statistics.median(c for _, c in cli),
        statistics.median(w for w, _ in bare),
        statistics.median(c for _, c in bare),
    )


def main() -> int:
    answer_ms, baseline_ms = warm()
    print(
        f"warm answer: median {answer_ms:.2f} ms (target < {WARM_TARGET_MS:.0f} ms, "
        f"{answer_ms / WARM_TARGET_MS:.3f} of target); baseline JSON dump {baseline_ms:.3f} ms; "
        f"ratio {answer_ms / baseline_ms:.1f}x"
    )
    cli_wall, cli_s, bare_wall, bare_s = cold()
    print(
        f"cold start: curbside ask CPU {cli_s:.3f} s (target < {COLD_TARGET_S:.0f} s, "
        f"{cli_s / COLD_TARGET_S:.3f} of target), wall {cli_wall:.3f} s; bare python CPU "
        f"{bare_s:.3f} s, wall {bare_wall:.3f} s; CPU ratio {cli_s / bare_s:.1f}x"
    )
    ok = answer_ms < WARM_TARGET_MS and cli_s < COLD_TARGET_S
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
