"""The sandbox clock: frozen at the configured start unless advanced or ticking.

A frozen clock makes timestamps of changes reproducible; the change simulator
moves it forward explicitly. With ``tick`` it follows wall time from the start.
"""

from __future__ import annotations

import time


class SandboxClock:
    """Epoch seconds as the sandbox sees them."""

    def __init__(self, start: int, *, tick: bool = False) -> None:
        self.start = start
        self._offset = 0
        self._tick = tick
        self._t0 = time.monotonic()

    def now(self) -> int:
        elapsed = int(time.monotonic() - self._t0) if self._tick else 0
        return self.start + self._offset + elapsed

    def advance(self, seconds: int) -> int:
        """Move the clock forward (never back) and return the new time."""
        self._offset += max(0, int(seconds))
        return self.now()

    def set_tick(self, tick: bool) -> None:
        """Switch between frozen and wall-time following, without a jump."""
        current = self.now()
        self._tick = tick
        self._t0 = time.monotonic()
        self._offset = current - self.start

    def reset(self) -> None:
        self._offset = 0
        self._t0 = time.monotonic()
