"""Short-lived references to a patient's situation, so that a CDS Hooks card can link to the full
article without putting the patient's values or medicines in the link: the link carries an
opaque random token, and the question and record it stands for stay in this server's memory for
`TTL` seconds. They are never written anywhere.

The memory is the process's own: behind several worker processes, a link is answered by the
process that made it only when the EHR's browser lands there; elsewhere it reads as expired and
the card can be opened again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

from curbside.patient.model import PatientData

TTL = 15 * 60.0  # seconds a card's link stays good
KEPT = 2000  # situations held at most (the oldest go first)


class Situation(NamedTuple):
    question: str
    record: PatientData


class Situations:
    """Situations by token, each kept for `ttl` seconds."""

    def __init__(
        self, ttl: float = TTL, size: int = KEPT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._items: OrderedDict[str, tuple[float, Situation]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, question: str, record: PatientData) -> str:
        """A new token for this situation."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._items[token] = (self.clock() + self.ttl, Situation(question, record))
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return token

    def get(self, token: str) -> Situation | None:
        """The situation, while its token is good."""
        with self._lock:
            item = self._items.get(token)
            if item is None:
                return None
            if item[0] < self.clock():
                del self._items[token]
                return None
            return item[1]
