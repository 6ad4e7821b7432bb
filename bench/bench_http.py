"""Benchmark: the web API under load, as a ratio to a baseline run here.

../shared/data is ingested (dense off) into a temporary CURBSIDE_HOME; the app is started with
uvicorn in a subprocess on loopback (publishing on, SQLite library, and the per-client rate limit
off, since every client here is one address), once per worker count; then
32 concurrent clients drive `GET /api/ask?q=...` over the curated evaluation questions (rotating)
for 60 seconds, with `wrk` when /usr/bin/wrk exists, else an asyncio httpx client pool in a
separate process. Baseline: `GET /api/health` driven the same way against the same server.

Reports requests/s, p50/p99 latency, errors (none allowed) and the server's resident memory
(VmRSS from /proc, summed over the uvicorn process and its workers) at rest and under load
(peak). Targets: over 200 requests/s with p99 under 250 ms. Exit status 1 when a target is missed.

Each backend (`--backends sqlite postgresql`; PostgreSQL in a fresh schema of
CURBSIDE_BENCH_POSTGRES, default postgresql://root@127.0.0.1:5432/test) and worker count also
gets: a write check (32 threads post new questions and review comments; every acknowledged write
must then be in the library, whose invariants must hold: "lost writes" counts those missing), and
the ask load again while 100 clients flood /login with wrong passwords (throttling as configured
by default), reporting /api/ask's p99 during the flood and the sign-ins' statuses.

    python bench/bench_http.py [--duration S] [--connections N] [--workers 1 2]
                               [--backends sqlite postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from curbside.evaluate import load_eval_file
from curbside.ingest.run import ingest
from curbside.knowledge.base import KnowledgeBase
from curbside.library import open_library
from curbside.library.system import system_user
from curbside.models import AUDIENCES
from curbside.retrieve import Retriever
from curbside.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.yaml"
WRK = Path("/usr/bin/wrk")
POSTGRES = os.environ.get("CURBSIDE_BENCH_POSTGRES", "postgresql://root@127.0.0.1:5432/test")
FLOOD_CLIENTS = 100
PASSWORD = "the editor's long password"
RPS_TARGET = 200.0
P99_TARGET_MS = 250.0

# wrk script: rotate over the paths in $BENCH_PATHS (one per line) and print a JSON summary.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    rss_peak_mib: float = 0.0
    cpu_ms: float = 0.0  # server CPU time per request

    def row(self, name: str) -> str:
        return (
            f"  {name:<8} {self.rps:8.1f} req/s  p50 {self.p50_ms:7.2f} ms  "
            f"p99 {self.p99_ms:7.2f} ms  errors {self.errors}  ({self.requests:,} requests; "
            f"server CPU {self.cpu_ms:.2f} ms a request; RSS peak {self.rss_peak_mib:,.0f} MiB)"
        )


def curated_paths() -> list[str]:
    questions = load_eval_file(QUESTIONS).questions
    return [f"/api/ask?q={quote(q.question)}" for q in questions if q.expect.coverage == "curated"]


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending += [int(c) for c in task.read_text().split()]
            except OSError:
                continue
    return found


def tree_rss_mib(pid: int) -> float:
    """VmRSS of a process and all its descendants, in MiB."""
    total_kib = 0
    for current in tree(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and all its descendants, in seconds."""
    ticks = 0
    for current in tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """The peak of `tree_rss_mib(pid)`, sampled every 200 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, tree_rss_mib(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def drive_wrk(base: str, paths: list[str], duration: int, connections: int) -> Load:
    with tempfile.TemporaryDirectory(prefix="curbside-wrk-") as folder:
        script, listing = Path(folder) / "rotate.lua", Path(folder) / "paths.txt"
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        command = [
            str(WRK), "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
            "-s", str(script), base,
        ]  # fmt: skip
        env = {**os.environ, "BENCH_PATHS": str(listing)}
        out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    return Load(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
        requests=data["requests"],
    )


async def _client_pool(base: str, paths: list[str], duration: int, connections: int) -> Load:
    times: list[float] = []
    errors = 0
    rotation = itertools.cycle(paths)
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await client.get(next(rotation))
                    errors += response.status_code >= 400
                except httpx.HTTPError:
                    errors += 1
                times.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    ordered = sorted(times)
    return Load(
        rps=len(times) / elapsed,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[int(0.99 * (len(ordered) - 1))] * 1000,
        errors=errors,
        requests=len(times),
    )


def drive_httpx(base: str, paths: list[str], duration: int, connections: int) -> Load:
    """The httpx client pool, in a separate process so that it does not share this one's GIL."""
    command = [
        sys.executable, __file__, "--client", base, "--duration", str(duration),
        "--connections", str(connections), "--paths", json.dumps(paths),
    ]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return Load(**json.loads(out.strip().splitlines()[-1]))


def drive(base: str, paths: list[str], duration: int, connections: int, server: int) -> Load:
    driver = drive_wrk if WRK.exists() else drive_httpx
    cpu = tree_cpu_seconds(server)
    with RssSampler(server) as sampler:
        load = driver(base, paths, duration, connections)
    load.rss_peak_mib = sampler.peak
    load.cpu_ms = 1000 * (tree_cpu_seconds(server) - cpu) / max(load.requests, 1)
    return load


def start_server(
    home: Path, port: int, workers: int, library_url: str | None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CURBSIDE_LIBRARY_URL": library_url or "",
        "CURBSIDE_HOME": str(home),
        "CURBSIDE_DENSE": "off",
        "CURBSIDE_PUBLISH": "true",
        # Every client here is one loopback address: the per-client rate limit and draft quota
        # are off (the login throttle stays as configured: the flood is what it is for).
        "CURBSIDE_RATE_LIMIT": "0",
        "CURBSIDE_DRAFTS_PER_CLIENT_HOUR": "1000000",
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "curbside.web.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("server did not start within 60 s")


@dataclass
class Run:
    """One server's figures: the baseline, the ask load, writes, and ask during a login flood."""

    health: Load
    ask: Load
    rest_mib: float
    writes: int = 0  # acknowledged writes
    lost: int = 0  # acknowledged writes not found afterwards
    write_errors: int = 0  # 5xx answers to writes
    flood: Load | None = None
    logins: dict[int, int] | None = None  # status -> count during the flood


def prepare_library(url: str | None, home: Path) -> str:
    """An editor with a password (for the flood) and a token (for the writes)."""
    library = open_library(url, home)
    try:
        operator = system_user(library)
        editor = library.add_user("editor", "editor", PASSWORD, actor=operator)
        return library.create_token(operator, user=editor).secret
    finally:
        library.close()


def check_writes(base: str, url: str | None, home: Path, token: str) -> tuple[int, int, int]:
    """New questions and comments from 32 threads; (acknowledged, lost, 5xx)."""
    drugs = sorted(d.name for d in KnowledgeBase.load().drugs.values())[:16]
    asks = [(f"Neutropenia caused by {d}: what to do?", a) for d in drugs for a in AUDIENCES[:4]]
    stored: set[str] = set()
    comments: dict[int, str] = {}
    errors = 0
    lock = threading.Lock()

    def ask(item: tuple[str, str]) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=60) as client:
            response = client.post("/api/ask", json={"question": item[0], "audience": item[1]})
            with lock:
                errors += response.status_code >= 500
                if response.status_code == 200 and response.json().get("article_id"):
                    stored.add(response.json()["article_id"])
                    if len(stored) % 4 == 0:  # and a comment on some of them
                        article = response.json()["article_id"]
                        note = client.post(
                            f"/api/articles/{article}/comments",
                            json={"text": "bench"},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        errors += note.status_code >= 500
                        if note.status_code == 201:
                            comments[note.json()["id"]] = article

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(ask, asks))
    library = open_library(url, home, migrate_schema=False)
    try:
        viewer = system_user(library)
        found = {r.id for r in library.search(viewer=viewer, limit=500)}
        seen = {c.id for a in set(comments.values()) for c in library.comments(a, viewer)}
        lost = len(stored - found) + len(set(comments) - seen)
        if library.check():
            lost += 1
    finally:
        library.close()
    return len(stored) + len(comments), lost, errors


def login_flood(base: str, stop: threading.Event, statuses: dict[int, int]) -> None:
    """FLOOD_CLIENTS clients posting wrong passwords until `stop` is set."""

    def one() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while not stop.is_set():
                try:
                    code = client.post(
                        "/login", data={"username": "editor", "password": "wrong guess!"}
                    ).status_code
                except httpx.HTTPError:
                    code = 0
                statuses[code] = statuses.get(code, 0) + 1

    threads = [threading.Thread(target=one, daemon=True) for _ in range(FLOOD_CLIENTS)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join()


def run_workers(
    home: Path, workers: int, duration: int, connections: int, port: int, url: str | None
) -> Run:
    token = prepare_library(url, home)
    server = start_server(home, port, workers, url)
    try:
        base = f"http://127.0.0.1:{port}"
        paths = curated_paths()
        for path in paths:  # publish every answer once, and warm each worker a little
            for _ in range(workers * 4):
                httpx.get(base + path, timeout=30).raise_for_status()
        time.sleep(1)
        rest = tree_rss_mib(server.pid)
        health = drive(base, ["/api/health"], duration, connections, server.pid)
        ask = drive(base, paths, duration, connections, server.pid)
        run = Run(health, ask, rest)
        run.writes, run.lost, run.write_errors = check_writes(base, url, home, token)
        stop, logins = threading.Event(), dict[int, int]()
        flooder = threading.Thread(target=login_flood, args=(base, stop, logins))
        flooder.start()
        time.sleep(1)  # the flood is on
        try:
            run.flood = drive(base, paths, duration, connections, server.pid)
        finally:
            stop.set()
            flooder.join()
        run.logins = logins
    finally:
        server.terminate()
        server.wait(timeout=30)
    return run


def postgres_schema() -> tuple[str, str]:
    """A fresh schema in the benchmark's PostgreSQL database: (its URL, its name)."""
    import uuid

    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{POSTGRES}?options=-csearch_path%3D{schema}&application_name={schema}", schema


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (schema,),
        )
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def client_main(args: argparse.Namespace) -> int:
    paths: list[str] = json.loads(args.paths)
    load = asyncio.run(_client_pool(args.client, paths, args.duration, args.connections))
    print(json.dumps(load.__dict__))
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds per load (60)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        return client_main(args)
    print(
        f"client: {'wrk' if WRK.exists() else 'httpx pool'}, {args.connections} connections, "
        f"{args.duration} s per load; {os.cpu_count()} CPUs"
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="curbside-bench-http-") as folder:
        home = Path(folder)
        retriever = Retriever(Settings(home=home, dense="off"))
        report = ingest([DATA], retriever.store)
        retriever.lexical.refresh()
        print(f"ingested {report.passages:,} passages")
        for backend in args.backends:
            for workers in args.workers:
                for leftover in home.glob("library.sqlite*"):
                    leftover.unlink()  # a fresh library for each server
                schema = None
                url = None
                if backend == "postgresql":
                    url, schema = postgres_schema()
                try:
                    run = run_workers(
                        home,
                        workers,
                        args.duration,
                        args.connections,
                        args.port or free_port(),
                        url,
                    )
                finally:
                    if schema:
                        drop_schema(schema)
                ok = print_run(backend, workers, run) and ok
    return 0 if ok else 1


def print_run(backend: str, workers: int, run: Run) -> bool:
    """Print one server's figures; whether the targets were met."""
    health, ask, rest = run.health, run.ask, run.rest_mib
    print(f"\n{backend}, uvicorn --workers {workers}: server RSS at rest {rest:,.0f} MiB")
    print(health.row("health"))
    print(ask.row("ask"))
    print(
        f"  ratio ask/health: throughput {ask.rps / health.rps:.3f}x, "
        f"p50 {ask.p50_ms / health.p50_ms:.1f}x, p99 {ask.p99_ms / health.p99_ms:.1f}x, "
        f"CPU a request {ask.cpu_ms / health.cpu_ms:.1f}x"
    )
    print(f"  writes: {run.writes} acknowledged, {run.lost} lost, {run.write_errors} server errors")
    if run.flood is not None:
        print(run.flood.row("ask+flood"))
        print(f"  login statuses during the flood: {dict(sorted((run.logins or {}).items()))}")
    met = ask.rps > RPS_TARGET and ask.p99_ms < P99_TARGET_MS and ask.errors == 0
    met = met and run.lost == 0 and run.write_errors == 0
    print(
        f"  {'PASS' if met else 'MISS'}: {ask.rps:.1f} req/s (target > {RPS_TARGET:.0f}, "
        f"{ask.rps / RPS_TARGET:.2f} of target), p99 {ask.p99_ms:.1f} ms "
        f"(target < {P99_TARGET_MS:.0f}, {ask.p99_ms / P99_TARGET_MS:.2f} of target), "
        f"errors {ask.errors + health.errors}"
    )
    return met


if __name__ == "__main__":
    raise SystemExit(main())
