"""A real Curbside server for tests: uvicorn in its own process on a free loopback port, its
access log written to a file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and the file its log (access log included) goes to."""

    base: str
    log: Path
    process: subprocess.Popen[bytes]


@contextmanager
def serve(
    home: Path, env: Mapping[str, str], workers: int = 1, logs: Path | None = None
) -> Iterator[Server]:
    """Run `uvicorn curbside.web.app:create_app` with CURBSIDE_HOME=home and these variables
    (publishing on, no rate limit, lexical retrieval unless given); its log goes to a file in
    `logs` (default: home); stopped afterwards."""
    port = free_port()
    log = (logs or home) / f"server-{port}.log"
    full = {
        **os.environ,
        "CURBSIDE_HOME": str(home),
        "CURBSIDE_PUBLISH": "true",
        "CURBSIDE_RATE_LIMIT": "0",
        "CURBSIDE_DENSE": "off",
        **env,
    }
    command = [
        sys.executable, "-m", "uvicorn", "curbside.web.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "info",
        "--workers", str(workers),
    ]  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=full, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", log, process)
    try:
        _wait(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(server: Server) -> None:
    for _ in range(600):
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited: {server.log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{server.base}/api/health", timeout=1).status_code in (200, 503):
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError(f"{server.base} did not start: {server.log.read_text(errors='replace')}")
