"""Retry-After parsing, backoff bounds, the shared rate budget and the token cache."""

from __future__ import annotations

import bisect
import itertools
import random
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from twentyfourseven.api.auth import AccessToken, TokenCache, renewal_delay
from twentyfourseven.api.ratelimit import RateLimiter
from twentyfourseven.api.retry import RetryPolicy, is_retryable_status, parse_retry_after

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", -3.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), -30.0),
        (
            "Wed, 21 Oct 2015 07:28:00",
            (datetime(2015, 10, 21, 7, 28, tzinfo=UTC) - NOW).total_seconds(),
        ),
        ("soon", None),
        ("", None),
        (None, None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header, expected):
    assert parse_retry_after(header, now=NOW) == expected


def test_delay_honours_positive_retry_after_and_caps_absurd_values():
    policy = RetryPolicy(retry_after_max=120, rng=random.Random(1))
    assert policy.delay(1, 7.0) == 7.0
    assert policy.delay(1, 10**9) == 120
    assert policy.delay(1, 86400 * 365) == 120


@pytest.mark.parametrize("retry_after", [0.0, -30.0, None])
def test_zero_negative_or_missing_retry_after_falls_back_to_bounded_backoff(retry_after):
    policy = RetryPolicy(backoff_base=0.5, backoff_max=30, rng=random.Random(2))
    for attempt in range(1, 12):
        delay = policy.delay(attempt, retry_after)
        assert 0 <= delay <= min(30, 0.5 * 2 ** (attempt - 1))


def test_backoff_is_jittered_not_fixed():
    policy = RetryPolicy(rng=random.Random(3))
    assert len({round(policy.backoff(4), 6) for _ in range(20)}) > 10


@pytest.mark.parametrize(
    ("status", "idempotent", "expected"),
    [
        (429, False, True),
        (503, False, True),
        (429, True, True),
        (502, False, False),
        (500, False, False),
        (504, False, False),
        (408, False, False),
        (502, True, True),
        (500, True, True),
        (504, True, True),
        (408, True, True),
        (400, True, False),
        (404, True, False),
        (501, True, False),
    ],
)
def test_which_statuses_are_retried(status, idempotent, expected):
    assert is_retryable_status(status, idempotent=idempotent) is expected


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_requests_at_the_budget():
    clock = FakeClock()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(9):
        limiter.acquire()
    # 9 requests at 4/s: the first at once, the ninth 2 s later.
    assert clock.now - start == pytest.approx(2.0)


def test_rate_limiter_pause_holds_back_the_next_caller():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(5)
    assert limiter.acquire() == pytest.approx(5.0)


def test_rate_limiter_shared_by_threads_never_exceeds_the_budget():
    clock = FakeClock()
    lock = threading.Lock()

    def sleep(seconds: float) -> None:  # record the slot each thread was given
        with lock:
            clock.slept.append(seconds)

    limiter = RateLimiter(10, clock=clock, sleep=sleep)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slots = sorted([0.0, *clock.slept])
    assert len(slots) == 50
    assert all(b - a == pytest.approx(0.1) for a, b in itertools.pairwise(slots))


def test_rate_limiter_catches_up_missed_slots_within_its_burst():
    clock = FakeClock()
    limiter = RateLimiter(10, burst=4, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 10.0  # every thread woke late: a hundred slots went by unused
    waits = [limiter.acquire() for _ in range(6)]
    # Only burst - 1 = 3 missed slots are made up (plus the current one), then it spaces again.
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4] == pytest.approx(0.1)


def test_rate_limiter_never_exceeds_rate_times_window_plus_burst():
    clock = FakeClock()
    limiter = RateLimiter(20, burst=5, clock=clock, sleep=clock.sleep)
    sent = []
    for step in range(400):
        if step % 7 == 0:
            clock.now += 0.4  # callers arrive late now and then
        limiter.acquire()
        sent.append(clock.now)
    for window in (0.05, 0.5, 1.0, 3.0):
        most = max(bisect.bisect_right(sent, t + window) - i for i, t in enumerate(sent))
        assert most <= 20 * window + 5, (window, most)


def test_rate_limiter_burst_is_capped_at_one_seconds_budget():
    assert RateLimiter(3, burst=8).burst == 3
    assert RateLimiter(0.5, burst=8).burst == 1
    assert RateLimiter(None, burst=8).burst == 1
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(10, burst=0)


def test_rate_limiter_rejects_a_non_positive_budget():
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
    assert RateLimiter(None).acquire() == 0


def test_token_cache_renews_before_expiry():
    clock = FakeClock()
    issued = iter(["a", "b", "c"])
    cache = TokenCache(lambda: AccessToken(next(issued), 3600), clock=clock)
    assert cache.get() == "a"
    clock.now += 3600 - 61
    assert cache.get() == "a"
    clock.now += 2  # inside the last minute: renewed before the server would refuse it
    assert cache.get() == "b"


def test_short_lived_tokens_renew_at_ninety_percent():
    assert renewal_delay(3600) == 3540
    assert renewal_delay(10) == pytest.approx(9.0)
    assert renewal_delay(0) == 0


def test_invalidate_ignores_a_token_already_replaced():
    issued = iter(["a", "b", "c"])
    cache = TokenCache(lambda: AccessToken(next(issued), 3600))
    assert cache.get() == "a"
    cache.invalidate("a")
    assert cache.get() == "b"
    cache.invalidate("a")  # a late 401 for the old token
    assert cache.get() == "b"


def test_token_cache_repr_and_token_repr_hide_the_value():
    token = AccessToken("very-secret-token", 60)
    cache = TokenCache(lambda: token)
    cache.get()
    assert "very-secret-token" not in repr(token)
    assert "very-secret-token" not in repr(cache)
