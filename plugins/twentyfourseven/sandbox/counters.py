"""Per-endpoint request counters, so tests and benchmarks can count API calls.

Every request to the token endpoint and under ``/v1`` is counted once, by
endpoint and by final status code (``"dropped"`` for a connection closed without
an answer); injected faults are also counted by kind. Admin calls are not counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any


class RequestCounters:
    """Counts kept in plain dicts: the event loop is the only writer."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._requests: Counter[str] = Counter()
        self._statuses: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._faults: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def record(self, endpoint: str, status: int | str) -> None:
        self._requests[endpoint] += 1
        self._statuses[endpoint][str(status)] += 1

    def record_fault(self, endpoint: str, kind: str) -> None:
        self._faults[endpoint][kind] += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"total", "endpoints": {name: {"requests", "statuses", "faults"}}, "statuses"}``."""
        statuses: Counter[str] = Counter()
        for per_endpoint in self._statuses.values():
            statuses.update(per_endpoint)
        return {
            "total": sum(self._requests.values()),
            "statuses": dict(statuses),
            "endpoints": {
                name: {
                    "requests": count,
                    "statuses": dict(self._statuses[name]),
                    "faults": dict(self._faults.get(name, {})),
                }
                for name, count in sorted(self._requests.items())
            },
        }
