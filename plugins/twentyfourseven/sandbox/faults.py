"""Fault injection: latency, rate limiting, 5xx, dropped connections, slow and
malformed responses, schema-violating records and tokens dying mid-run.

Random faults draw from one ``random.Random(config.seed)`` per eligible request, in
arrival order, so a sequential client meets the same faults on every run. For
exact tests, *scripted* faults (``POST /_sandbox/faults/script``) fire on the
next matching requests regardless of rates. Invalid records are a property of
the order (a hash of seed and ID), so the same orders are invalid on every read.
"""

from __future__ import annotations

import copy
import math
import random
import time
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .config import API_ENDPOINTS, Endpoint, FaultConfig
from .determinism import SALT_INVALID, SALT_INVALID_MASTER, mix, unit

FaultKind = Literal["429", "500", "502", "503", "drop", "slow", "malformed", "revoke_tokens"]


class ScriptedFault(BaseModel):
    """Fire ``kind`` on the next ``count`` requests to ``endpoint`` (any API endpoint if None)."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    endpoint: Endpoint | None = None
    count: int = Field(1, ge=1)
    retry_after: float | None = Field(None, ge=0, description="for 429 and 503")


@dataclass(slots=True)
class Decision:
    """What to do with one request; ``kind`` None means answer normally."""

    kind: str | None = None
    delay: float = 0.0
    retry_after: float | None = None


class TokenBucket:
    """``rate`` requests per second with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def take(self) -> float | None:
        """None if the request may pass, otherwise the seconds until it could."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return (1 - self._tokens) / self.rate


_RANDOM_KINDS = (
    ("500", "error_500"),
    ("502", "error_502"),
    ("503", "error_503"),
    ("drop", "drop_rate"),
    ("slow", "slow_rate"),
    ("malformed", "malformed_rate"),
)


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject."""

    def __init__(self, config: FaultConfig) -> None:
        self.configure(config)

    def configure(self, config: FaultConfig) -> None:
        """Replace the configuration; restarts the random stream and the rate bucket."""
        self.config = config
        self._rng = random.Random(config.seed)  # noqa: S311 - reproducible faults
        self._script: list[ScriptedFault] = []
        self._api_requests = 0
        self._bucket = (
            TokenBucket(
                config.rate_limit, config.rate_limit_burst or max(1, int(config.rate_limit))
            )
            if config.rate_limit
            else None
        )
        self._endpoints = frozenset(config.endpoints or API_ENDPOINTS)
        self._random = config.any_random()
        self._latency = config.latency_ms > 0 or config.jitter_ms > 0

    def add_script(self, faults: list[ScriptedFault]) -> None:
        self._script.extend(f.model_copy() for f in faults)

    def pending_script(self) -> list[dict[str, Any]]:
        return [f.model_dump() for f in self._script]

    def applies(self, endpoint: str) -> bool:
        """Whether random faults, latency and the rate limit apply to ``endpoint``."""
        return endpoint in self._endpoints

    def decide(self, endpoint: str) -> Decision:
        decision = Decision()
        scripted = self._take_scripted(endpoint)
        if scripted is not None:
            decision.kind = scripted.kind
            decision.retry_after = scripted.retry_after
            if scripted.kind == "slow":
                decision.delay = self.config.slow_seconds
            return decision
        if not self.applies(endpoint):
            return decision
        config = self.config
        if self._latency:
            decision.delay = (
                config.latency_ms / 1000 + self._rng.uniform(0, config.jitter_ms) / 1000
            )
        if config.revoke_tokens_every:
            self._api_requests += 1
            if self._api_requests % config.revoke_tokens_every == 0:
                decision.kind = "revoke_tokens"
                return decision
        if self._bucket is not None:
            wait = self._bucket.take()
            if wait is not None:
                decision.kind = "429"
                decision.retry_after = math.ceil(wait) if config.retry_after else None
                return decision
        if self._random:
            draw = self._rng.random()
            bound = 0.0
            for kind, field in _RANDOM_KINDS:
                bound += getattr(config, field)
                if draw < bound:
                    decision.kind = kind
                    if kind == "slow":
                        decision.delay += config.slow_seconds
                    break
        return decision

    def _take_scripted(self, endpoint: str) -> ScriptedFault | None:
        for n, fault in enumerate(self._script):
            if fault.endpoint is None and endpoint not in API_ENDPOINTS:
                continue
            if fault.endpoint is None or fault.endpoint == endpoint:
                fault.count -= 1
                if fault.count == 0:
                    del self._script[n]
                return fault
        return None

    # --- schema-violating records -----------------------------------------------

    def invalid_kind(self, order_id: int) -> int | None:
        """Which violation order ``order_id`` carries (0, 1, 2), or None if it is clean."""
        rate = self.config.invalid_record_rate
        if not rate or unit(self.config.seed, SALT_INVALID, order_id) >= rate:
            return None
        return mix(self.config.seed, SALT_INVALID + 1, order_id) % 3

    def corrupt_order(self, body: dict[str, Any], has_lines: bool) -> dict[str, Any]:
        """The order body, broken if the order is chosen: customer.countryCode "NOR" (maxLength 2).

        Orders chosen for a line violation but without lines get this one instead.
        """
        kind = self.invalid_kind(body["id"])
        if kind is None or (kind in (0, 1) and has_lines):
            return body
        body = dict(body)
        body["customer"] = {**(body.get("customer") or {}), "countryCode": "NOR"}
        return body

    def corrupt_lines(self, order_id: int, lines: Any) -> Any:
        """The lines, with the first one broken if the order is chosen.

        Kind 0: ``discountRate`` 150 (maximum 100); kind 1: ``description`` ""
        (minLength 1). A *missing* description is valid per the official document,
        so it would not be a violation.
        """
        kind = self.invalid_kind(order_id)
        if kind not in (0, 1) or not lines:
            return lines
        lines = [copy.copy(line) for line in lines]
        if kind == 0:
            lines[0]["discountRate"] = 150
        else:
            lines[0]["description"] = ""
        return lines

    def corrupt_record(self, resource: str, record: dict[str, Any]) -> dict[str, Any]:
        """The master record, broken if it is chosen (stable per record, like orders):
        a customer's visit address gets ``countryCode`` "NOR" (maxLength 2), a product
        ``status`` "expired" (not in the enum); other lists are never broken."""
        salt, breaks = _MASTER_BREAKS.get(resource, (0, None))
        rate = self.config.invalid_record_rate
        if breaks is None or not rate:
            return record
        if unit(self.config.seed, SALT_INVALID_MASTER, salt, record["id"]) >= rate:
            return record
        return breaks(record)


def _foreign_visit(record: dict[str, Any]) -> dict[str, Any]:
    address = record["address"]
    return {**record, "address": {**address, "visit": {**address["visit"], "countryCode": "NOR"}}}


# How a chosen master record breaks the official schema, by list: (salt, break).
_MASTER_BREAKS: dict[str, tuple[int, Any]] = {
    "customers": (1, _foreign_visit),  # visit countryCode "NOR" (maxLength 2)
    "products": (2, lambda r: {**r, "status": "expired"}),  # not in the enum
}
