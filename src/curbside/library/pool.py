"""Library connections for a server: one per request, taken and given back by the thread that
uses it, never shared by two threads at once.

The pool migrates the schema once, when it is made; connections opened afterwards only connect
(opening one takes no write lock). A connection given back is kept for the next request when it
is healthy and in no transaction, and closed otherwise, so a request that failed half-way never
leaves a connection 'idle in transaction' for the next one. At most `size` connections are in use
at once; a request that waits longer than `wait` for one finds the library unavailable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher

from curbside.library.backend import utcnow
from curbside.library.connect import open_library
from curbside.library.errors import LibraryUnavailable
from curbside.library.store import Library

POOL_SIZE = 32  # connections in use at once (a server has 40 worker threads by default)
POOL_WAIT = 10.0  # seconds a request waits for a free connection


class LibraryPool:
    """Connections to one library, handed out one request at a time."""

    def __init__(
        self,
        url: str | None,
        home: Path,
        *,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = utcnow,
        busy_timeout: float = 30.0,
        size: int = POOL_SIZE,
        wait: float = POOL_WAIT,
    ) -> None:
        self.url, self.home = url, home
        self.hasher, self.clock, self.busy_timeout = hasher, clock, busy_timeout
        self.wait = wait
        self._idle: list[Library] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._closed = False
        first = self._open(migrate_schema=True)  # raises LibraryUnavailable: no pool
        self._idle.append(first)
        self.dialect = first.db.dialect

    def _open(self, migrate_schema: bool = False) -> Library:
        return open_library(
            self.url,
            self.home,
            hasher=self.hasher,
            clock=self.clock,
            migrate_schema=migrate_schema,
            busy_timeout=self.busy_timeout,
        )

    @contextmanager
    def connection(self) -> Iterator[Library]:
        """A library connection for this request alone; given back when the block ends."""
        if not self._slots.acquire(timeout=self.wait):
            raise LibraryUnavailable(
                f"every library connection has been busy for {self.wait:.0f} s; try again"
            )
        try:
            library = self._take()
            try:
                yield library
            finally:
                self._give_back(library)
        finally:
            self._slots.release()

    def _take(self) -> Library:
        while True:
            with self._lock:
                library = self._idle.pop() if self._idle else None
            if library is None:
                return self._open()
            if library.db.reusable():
                return library
            library.close()  # closed or broken by the server since: open another

    def _give_back(self, library: Library) -> None:
        library.before_commit = None
        keep = library.db.reusable()
        if keep:
            with self._lock:
                keep = not self._closed
                if keep:
                    self._idle.append(library)
        if not keep:
            library.close()

    def close(self) -> None:
        """Close the idle connections; those in use are closed when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for library in idle:
            library.close()
