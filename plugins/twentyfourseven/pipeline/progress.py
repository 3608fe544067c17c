"""Progress of long work, as log lines an operator can read: done of total, rate, ETA."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


def format_elapsed(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


class Progress:
    """Counts units of work and logs ``label: done/total (pct), rate/s, ETA`` now and then.

    A line is logged at most every ``interval`` seconds and at the end, so a task
    reading a million orders writes a readable log, not a million lines.
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        unit: str = "orders",
        logger: logging.Logger | None = None,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._log = logger or logging.getLogger(__name__)
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_logged = self._started

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self._clock()
        if now - self._last_logged >= self._interval or self.done == self.total:
            self._last_logged = now
            self._log.info("%s", self.describe(now))

    def describe(self, now: float | None = None) -> str:
        elapsed = (now if now is not None else self._clock()) - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total is None:  # a listing: how many come is known only at its end
            return f"{self.label}: {self.done} {self.unit} so far, {rate:.1f} {self.unit}/s"
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        text = f"{self.label}: {self.done}/{self.total} {self.unit}{share}"
        text += f", {rate:.1f} {self.unit}/s"
        if 0 < self.done < self.total and rate > 0:
            text += f", ETA {format_elapsed((self.total - self.done) / rate)}"
        elif self.done >= self.total:
            text += f", done in {format_elapsed(elapsed)}"
        return text


def bar(done: int, total: int, width: int = 30) -> str:
    """``[#########-----]  300/500`` for a terminal."""
    filled = width * done // total if total else width
    return f"[{'#' * filled}{'-' * (width - filled)}] {done:>{len(str(total))}}/{total}"
