"""A flood of wrong-password sign-ins through the real server neither blows up its memory nor
stalls other callers: password checks run two at a time, so the server's peak memory stays
bounded and questions keep being answered quickly while the flood runs."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from tests.http_server import serve

from curbside.library import open_library
from curbside.library.system import system_user

LOGINS = 60
QUESTION = "What is the management of neutropenia caused by anastrozole?"


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_login_flood_keeps_memory_bounded_and_questions_answered(tmp_path: Path) -> None:
    library = open_library(None, tmp_path)  # the default argon2 cost: 64 MiB a check
    library.add_user("ed", "editor", "a long enough password", actor=system_user(library))
    library.close()
    env = {
        # Throttles off for this test: what is measured is the bound on concurrent checks.
        "CURBSIDE_LOGIN_FAILURES_PER_ACCOUNT": "100000",
        "CURBSIDE_LOGIN_FAILURES_PER_ADDRESS": "100000",
        "CURBSIDE_LOGIN_RATE": "0",
    }
    with serve(tmp_path, env) as server:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            assert client.get("/api/ask", params={"q": QUESTION}).status_code == 200
        before = _peak_rss_mb(server.process.pid)
        flooding = threading.Event()
        latencies: list[float] = []
        statuses: list[int] = []

        def ask_meanwhile() -> None:
            with httpx.Client(base_url=server.base, timeout=60) as client:
                while flooding.is_set():
                    started = time.perf_counter()
                    response = client.get("/api/ask", params={"q": QUESTION})
                    latencies.append(time.perf_counter() - started)
                    statuses.append(response.status_code)

        def login(_: int) -> int:
            with httpx.Client(base_url=server.base, timeout=60) as client:
                data = {"username": "ed", "password": "not the password", "next": "/review"}
                return client.post("/login", data=data).status_code

        flooding.set()
        askers = [threading.Thread(target=ask_meanwhile) for _ in range(2)]
        for asker in askers:
            asker.start()
        with ThreadPoolExecutor(LOGINS) as pool:
            codes = list(pool.map(login, range(LOGINS)))
        flooding.clear()
        for asker in askers:
            asker.join()
        peak = _peak_rss_mb(server.process.pid)

    assert set(codes) <= {401, 429} and codes.count(401) >= 10, codes
    assert statuses and set(statuses) == {200}
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    assert p99 < 2.0, f"ask p99 {p99:.2f} s during the flood ({len(latencies)} asks)"
    # Two checks at 64 MiB at a time; unbounded, 40 worker threads would take 2.5 GiB.
    assert peak - before < 400, f"peak memory grew {peak - before:.0f} MB (from {before:.0f})"
