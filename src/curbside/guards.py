"""Limits that keep hostile callers from costing other callers their service.

- `LoginGuard`: a password check (argon2, 64 MiB and tens of milliseconds each) runs at most
  `concurrent` at a time, and failed sign-ins are throttled per account and per client address:
  after `per_account` (or `per_address`) failures within `window` seconds, further attempts are
  refused without checking the password until the window moves on.
- `DraftQuota`: anonymous askers create new draft articles at most `per_client` an hour each,
  and while the library holds `pending` drafts in all, new questions are answered unstored.

Both count in this process's memory (each worker process counts for itself).
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class Throttled(Exception):
    """Refused for now: too many failed sign-ins, or too many at once; retry after a while."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class _Window:
    """Times of recent events per key, within a sliding window."""

    def __init__(self, window: float, clock: Callable[[], float]) -> None:
        self.window, self.clock = window, clock
        self._events: defaultdict[str, deque[float]] = defaultdict(deque)

    def count(self, key: str) -> tuple[int, float]:
        """Events of this key within the window, and seconds until the oldest leaves it."""
        now = self.clock()
        events = self._events.get(key)
        if not events:
            return 0, 0.0
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
            return 0, 0.0
        return len(events), events[0] + self.window - now

    def add(self, key: str) -> None:
        self._events[key].append(self.clock())

    def clear(self, key: str) -> None:
        self._events.pop(key, None)


class LoginGuard:
    """Bounded, throttled password checks."""

    def __init__(
        self,
        concurrent: int = 2,
        per_account: int = 5,
        per_address: int = 20,
        window: float = 900.0,
        wait: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account, self.per_address, self.wait = per_account, per_address, wait
        self.concurrent = concurrent
        self.queue = 4 * concurrent  # sign-ins that may wait for a check at once
        self._slots = threading.BoundedSemaphore(concurrent)
        self._failures = _Window(window, clock)
        self._lock = threading.Lock()
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop
        self._waiting = 0

    def check(self, name: str, address: str) -> None:
        """Throttled when this account or address failed too often lately."""
        with self._lock:
            for key, limit in ((f"user:{name.casefold()}", self.per_account),
                               (f"address:{address}", self.per_address)):  # fmt: skip
                failed, wait = self._failures.count(key)
                if failed >= limit:
                    raise Throttled(
                        f"too many failed sign-ins: wait {math.ceil(wait)} s and try again", wait
                    )

    async def run(self, name: str, address: str, check: Callable[[], T]) -> T:
        """Run a blocking password check on a worker thread once a check slot is free: a
        sign-in waits in the event loop, holding no thread, so that a flood of them leaves the
        server's threads to other requests. Throttled at once when the account or address is
        throttled, or when `queue` sign-ins wait already."""
        self.check(name, address)
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.concurrent)
        if self._waiting >= self.queue:
            raise Throttled("the server is busy checking passwords: try again shortly", 2.0)
        self._waiting += 1
        try:
            return await anyio.to_thread.run_sync(check, limiter=self._limiter)
        finally:
            self._waiting -= 1

    @contextmanager
    def attempt(self, name: str, address: str) -> Iterator[Callable[[bool], None]]:
        """Run one password check: Throttled before it when this account or address failed too
        often, or when no check slot frees up within `wait` seconds. The block reports the
        outcome by calling what it is given with True (signed in) or False (wrong password)."""
        account, client = f"user:{name.casefold()}", f"address:{address}"
        self.check(name, address)
        if not self._slots.acquire(timeout=self.wait):
            raise Throttled("the server is busy checking passwords: try again shortly", 2.0)
        try:

            def outcome(ok: bool) -> None:
                with self._lock:
                    if ok:
                        self._failures.clear(account)
                    else:
                        self._failures.add(account)
                        self._failures.add(client)

            yield outcome
        finally:
            self._slots.release()


class DraftQuota:
    """How many new drafts anonymous askers may create."""

    def __init__(
        self,
        per_client: int = 60,
        pending: int = 10_000,
        window: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_client, self.pending = per_client, pending
        self._created = _Window(window, clock)
        self._lock = threading.Lock()

    def refusal(self, client: str, pending_now: Callable[[], int]) -> str | None:
        """Why a new draft from this client may not be stored now (None: it may)."""
        with self._lock:
            made, _ = self._created.count(client)
        if made >= self.per_client:
            return f"this client has added {made} new questions to the library in the last hour"
        if pending_now() >= self.pending:
            return f"the library holds {self.pending} drafts waiting for review"
        return None

    def created(self, client: str) -> None:
        with self._lock:
            self._created.add(client)
