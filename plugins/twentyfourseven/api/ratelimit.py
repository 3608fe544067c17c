"""One request budget shared by every thread of a client."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Spaces requests evenly at no more than ``rate`` per second across threads.

    Each caller reserves the next free slot under a lock and sleeps outside it,
    so concurrency never raises the rate. A slot a late caller missed is not
    lost: up to ``burst - 1`` missed slots are caught up at once, so a budget of
    R is spent at R even when threads wake late, while any window of T seconds
    still holds at most ``R*T + burst`` requests (what a server's token bucket of
    that burst admits). ``burst`` is capped at one second's budget; ``burst=1``
    never catches up. ``rate=None`` means no limit, but :meth:`pause` still holds
    callers back.
    """

    def __init__(
        self,
        rate: float | None,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError(f"rate limit must be positive requests/second, got {rate!r}")
        if burst < 1:
            raise ValueError(f"rate burst must be at least 1 request, got {burst!r}")
        self.rate = rate
        self._interval = 1.0 / rate if rate else 0.0
        self.burst = max(1, min(burst, int(rate))) if rate else 1
        self._catch_up = (self.burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = -float("inf")

    def acquire(self) -> float:
        """Wait for this caller's slot; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now - self._catch_up, self._next_slot)
            self._next_slot = slot + self._interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
            return wait
        return 0.0

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (the server asked us to, with a 429)."""
        with self._lock:
            self._next_slot = max(self._next_slot, self._clock() + seconds)
