"""Benchmark: the CPU time of a cold `curbside` command, as a ratio to `python -c pass`.

Each command runs as a new process, several times, interleaved with the baseline so that both see
the same load; the figure is the median user + system CPU time of the process (from wait4), which
moves less than wall time on a busy machine. Commands: `ask` (curated answer, JSON, SQLite
library), `ask --patient` (a patient file), `search --mode lexical` and `search` (hybrid: loads
MiniLM) over a small ingested folder. Also listed: which heavy modules each one imported.
With --before DIR (a source tree of an older Curbside, e.g. `git archive ec9632e src | tar -x -C
DIR`), every command also runs on that code, interleaved in the same run.

Target (issue 19): cold `curbside ask` CPU <= 20x the baseline and < 0.5 s, reported; the exit
status fails when a command imports a module it does not need (FHIR models, psycopg, numpy or the
model's packages for `ask` and a lexical search), and on the target too with --strict.

    python bench/bench_startup.py [--runs 7] [--strict] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
QUESTION = "What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?"
HEAVY = ("fhir.resources", "psycopg", "numpy", "tokenizers", "safetensors", "yaml", "tantivy")
TARGET_RATIO, TARGET_S = 20.0, 0.5
# Runs a command in-process and reports the heavy modules it imported (stderr, last line).
PROBE = (
    "import json, sys\n"
    "from curbside.cli import main\n"
    "code = main(sys.argv[1:])\n"
    f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
    "print(json.dumps(heavy), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def cpu_of(command: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of `command`."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{command} exited {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


def heavy_modules(args: list[str], env: dict[str, str]) -> list[str]:
    """The heavy modules a command imported (run in-process by a small probe)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stderr.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--strict", action="store_true", help="fail when the target is missed")
    parser.add_argument("--before", type=Path, help="an older source tree (its src folder)")
    args = parser.parse_args()
    trees = {"now": ROOT / "src"}
    if args.before:
        trees["before"] = args.before.resolve()
    cli = [sys.executable, "-m", "curbside.cli"]
    with tempfile.TemporaryDirectory(prefix="curbside-startup-") as home:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        patient = Path(home) / "patient.yaml"
        patient.write_text("age: 64\nanc: 0.4 x10^9/L\nmedications: [ribociclib]\n")
        sources = Path(home) / "sources"
        sources.mkdir()
        for path in sorted((DATA / "fda_labels" / "Txt").glob("*.txt"))[:6]:
            shutil.copy(path, sources / path.name)
        envs: dict[str, dict[str, str]] = {}
        for name, src in trees.items():  # a data folder each, ingested by that code
            data = Path(home) / f"home-{name}"
            envs[name] = {**env, "PYTHONPATH": str(src), "CURBSIDE_HOME": str(data)}
            subprocess.run(
                [*cli, "ingest", str(sources)], env=envs[name], capture_output=True, check=True
            )
        commands = {
            "ask": ["ask", QUESTION, "--format", "json"],
            "ask --patient": ["ask", "Next steps?", "--patient", str(patient), "--format", "json"],
            "search --mode lexical": ["search", "neutropenia", "--mode", "lexical"],
            "search (hybrid)": ["search", "neutropenia"],
        }
        for tree_env in envs.values():  # warm the file cache and the knowledge cache
            for cmd in commands.values():
                cpu_of([*cli, *cmd], tree_env)
        baseline: list[float] = []
        cpu: dict[tuple[str, str], list[float]] = {}
        start = time.perf_counter()
        for _ in range(args.runs):
            for name, cmd in commands.items():
                for tree, tree_env in envs.items():
                    baseline.append(cpu_of([sys.executable, "-c", "pass"], env))
                    cpu.setdefault((name, tree), []).append(cpu_of([*cli, *cmd], tree_env))
        base = statistics.median(baseline)
        print(
            f"{args.runs} runs each, interleaved, in {time.perf_counter() - start:.0f} s; load "
            f"average {os.getloadavg()[0]:.2f}; baseline `python -c pass` CPU "
            f"{base * 1000:.1f} ms (median of {len(baseline)})"
        )
        met, lean = True, True
        for name, cmd in commands.items():
            for tree, tree_env in envs.items():
                median = statistics.median(cpu[(name, tree)])
                heavy = heavy_modules(cmd, tree_env)
                print(
                    f"{tree:<6} {name:<22} CPU {median * 1000:7.1f} ms  {median / base:5.1f}x "
                    f"baseline  heavy modules: {', '.join(heavy) or 'none'}"
                )
                if tree != "now":
                    continue
                if name != "search (hybrid)":
                    lean = lean and not set(heavy) & {"fhir.resources", "psycopg", "numpy"}
                if name == "ask":
                    met = median / base <= TARGET_RATIO and median < TARGET_S
        print(
            f"target: ask <= {TARGET_RATIO:.0f}x baseline and < {TARGET_S} s: "
            f"{'met' if met else 'MISSED'}; no unneeded heavy module: {'yes' if lean else 'NO'}"
        )
    return 0 if lean and (met or not args.strict) else 1


if __name__ == "__main__":
    sys.exit(main())
