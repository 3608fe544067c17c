"""Configuration of a sandbox: data size and seed, credentials, token lifetime,
clock, and the faults to inject.

Both are pydantic models so the same definitions validate CLI flags, fixture
arguments and the JSON bodies of the admin endpoints that change them at run
time.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from twentyfourseven.api.constants import AUDIENCE

from .limits import MAX_BODY_BYTES

# Every endpoint the counters and faults know, by a stable name.
Endpoint = Literal[
    "token",
    "list_orders",
    "create_order",
    "get_order",
    "update_order",
    "delete_order",
    "list_lines",
    "create_line",
    "get_line",
    "update_line",
    "delete_line",
    "list_customers",
    "get_customer",
    "list_products",
    "get_product",
    "list_product_categories",
    "get_product_category",
    "list_taxes",
    "get_tax",
    "list_accounts",
    "get_account",
    "list_currencies",
    "other",
]
API_ENDPOINTS: tuple[str, ...] = tuple(
    name for name in get_args(Endpoint) if name not in ("token", "other")
)

Rate = Annotated[float, Field(ge=0, le=1)]

DEFAULT_NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
MAX_ORDERS = 10_000_000  # base line IDs are order ID * 100; larger N would collide


class FaultConfig(BaseModel):
    """Faults injected into API responses; all off by default.

    Rates are probabilities per eligible request, drawn from one ``random.Random(seed)``
    in arrival order, so a sequential client sees the same faults on every run.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency_ms: float = Field(0, ge=0, description="fixed delay added to every response")
    jitter_ms: float = Field(0, ge=0, description="plus a uniform random delay up to this")
    rate_limit: float | None = Field(None, gt=0, description="requests per second (token bucket)")
    rate_limit_burst: int | None = Field(
        None, ge=1, description="bucket size; default max(1, rate)"
    )
    retry_after: bool = Field(True, description="send Retry-After with 429")
    error_500: Rate = 0
    error_502: Rate = 0
    error_503: Rate = 0
    drop_rate: Rate = Field(0, description="close the connection without a response")
    slow_rate: Rate = Field(0, description="answer only after slow_seconds")
    slow_seconds: float = Field(5.0, ge=0)
    malformed_rate: Rate = Field(0, description="200 with a truncated JSON body")
    invalid_record_rate: Rate = Field(
        0, description="share of orders served with a schema-violating field (stable per order)"
    )
    revoke_tokens_every: int | None = Field(
        None, ge=1, description="revoke all tokens every N-th API request (expiry mid-run)"
    )
    endpoints: list[Endpoint] | None = Field(
        None, description="endpoints the faults apply to; default every /v1 endpoint"
    )
    seed: int = 0

    def any_random(self) -> bool:
        """Whether a per-request random draw is needed at all (keeps the fast path fast)."""
        return any(
            (
                self.error_500,
                self.error_502,
                self.error_503,
                self.drop_rate,
                self.slow_rate,
                self.malformed_rate,
            )
        )


class RuntimeSettings(BaseModel):
    """Behaviour switches that the admin API may change while the sandbox runs."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    line_edit_bumps_modified: bool = Field(
        False,
        description="whether a change to lines alone bumps the order's modifiedAt",
    )
    token_expires_in: int = Field(3600, ge=1, description="expires_in announced with a token")
    token_lifetime: float | None = Field(
        None, gt=0, description="real validity in seconds; default token_expires_in"
    )
    tick: bool = Field(False, description="the sandbox clock follows wall time")
    max_page_size: int = Field(1000, ge=1)
    default_page_size: int = Field(100, ge=1)
    # Tests raise it to write records as large as a vendor might serve one (a 16 MiB memo).
    max_body_bytes: int = Field(
        MAX_BODY_BYTES, ge=1, description="largest request body accepted; beyond it a 413"
    )


class SandboxConfig(BaseModel):
    """Everything that determines a sandbox at start."""

    model_config = ConfigDict(extra="forbid")

    orders: int = Field(1000, ge=0, le=MAX_ORDERS)
    seed: int = 7
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"  # noqa: S105 - the published test credential
    organization_id: str = "sandbox-org"
    audience: str = AUDIENCE
    now: dt.datetime = Field(DEFAULT_NOW, description="sandbox clock at start; data ends here")
    history_days: int = Field(730, ge=1)
    settings: RuntimeSettings = Field(default_factory=RuntimeSettings)
    faults: FaultConfig = Field(default_factory=FaultConfig)
