"""One request budget shared by every thread of a client."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces requests evenly at no more than ``rate`` per second across threads.

    Each caller reserves the next free slot under a lock and sleeps outside it,
    so concurrency never raises the rate, and a budget of R is spent at R rather
    than in bursts that a server's limiter would answer with 429. ``rate=None``
    means no limit, but :meth:`pause` still holds callers back.
    """

    def __init__(
        self,
        rate: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"rate limit must be positive requests/second, got {rate!r}")
        self.rate = rate
        self._interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0

    def acquire(self) -> float:
        """Wait for this caller's slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (the server asked us to, with a 429)."""
        with self._lock:
            self._next_slot = max(self._next_slot, self._clock() + seconds)
