"""Fixtures for the client-against-sandbox integration tests: real HTTP on loopback.

``make_client(**overrides)`` builds a :class:`TwentyFourSevenOfficeClient` pointed at
the module's sandbox with a fast retry policy (millisecond backoff, Retry-After
capped at a quarter second) and short timeouts, so faults cost little wall time.
Every client made is closed after the test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from twentyfourseven.api import RetryPolicy, TwentyFourSevenOfficeClient
from twentyfourseven.pipeline.load_summary import LoadSummary

from ..models.conftest import load_from_sandbox
from ..warehouse.conftest import query

RETRY_AFTER_MAX = 0.25
FAST_RETRY = RetryPolicy(
    max_attempts=8, backoff_base=0.01, backoff_max=0.1, retry_after_max=RETRY_AFTER_MAX
)
TIMEOUT = 5.0


@pytest.fixture
def make_client(sandbox) -> Iterator[Callable[..., TwentyFourSevenOfficeClient]]:
    made: list[TwentyFourSevenOfficeClient] = []

    def make(**overrides: Any) -> TwentyFourSevenOfficeClient:
        kwargs: dict[str, Any] = {
            **sandbox.client_kwargs(),
            "rate_limit": None,
            "max_concurrency": 4,
            "timeout": TIMEOUT,
            "retry": FAST_RETRY,
            **overrides,
        }
        client = TwentyFourSevenOfficeClient(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> TwentyFourSevenOfficeClient:
    return make_client()


def live_orders(sandbox) -> int:
    """How many orders exist in the sandbox right now (its own count)."""
    return sandbox.admin("GET", "/health")["orders"]


def wait_for_counters(sandbox, endpoint: str, requests: int, timeout: float = 5.0) -> int:
    """Poll until ``endpoint`` has counted ``requests`` (slow faults finish late); the count."""
    deadline = time.monotonic() + timeout
    while True:
        seen = sandbox.count(endpoint)
        if seen >= requests or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


class HandRuns:
    """The pipeline's steps (plan, extract every chunk, load; no Airflow) on one warehouse
    file, run by hand: run-1, run-2, …"""

    def __init__(self, sandbox: Any, folder: Path) -> None:
        self.sandbox = sandbox
        self.warehouse = folder / "warehouse.duckdb"
        self.staging = folder / "staging"
        self.runs = 0

    def run(self, settings_overrides: dict[str, Any] | None = None, **params: Any) -> LoadSummary:
        self.runs += 1
        return load_from_sandbox(
            self.sandbox,
            self.warehouse,
            self.staging,
            f"run-{self.runs}",
            settings_overrides=settings_overrides,
            **params,
        )

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        return query(self.warehouse, sql, params)
