"""When a failed request may be sent again, and how long to wait first."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from . import constants

# Methods whose repetition cannot change the outcome (RFC 9110 §9.2.2). POST and
# PATCH are not among them: a POST that timed out may have created the order.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# The server refused before doing anything: safe to resend whatever the method.
RETRY_ANY_METHOD = frozenset({429, 503})
# The outcome is unknown: resend only what is idempotent.
RETRY_IDEMPOTENT_ONLY = frozenset({408, 500, 502, 504})


def is_retryable_status(status_code: int, *, idempotent: bool) -> bool:
    """Whether a response with this status may be retried."""
    return status_code in RETRY_ANY_METHOD or (idempotent and status_code in RETRY_IDEMPOTENT_ONLY)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date).

    Returns None when the header is absent or unreadable. The result may be zero
    or negative (a date in the past); :meth:`RetryPolicy.delay` decides what to do.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return (when - (now or datetime.now(UTC))).total_seconds()
    return seconds if math.isfinite(seconds) else None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in each delay."""

    max_attempts: int = constants.DEFAULT_MAX_ATTEMPTS
    backoff_base: float = constants.DEFAULT_BACKOFF_BASE
    backoff_max: float = constants.DEFAULT_BACKOFF_MAX
    retry_after_max: float = constants.RETRY_AFTER_MAX
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay after the ``attempt``-th failure (1-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait before the next attempt.

        A positive ``Retry-After`` is honoured up to ``retry_after_max``; zero,
        negative or unreadable values fall back to the jittered backoff, so a
        misbehaving server cannot make us hammer it or sleep for hours.
        """
        if retry_after is not None and retry_after > 0:
            return min(retry_after, self.retry_after_max)
        return self.backoff(attempt)
