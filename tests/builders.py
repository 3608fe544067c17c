"""Records as the API sends them, and bulk-reader outcomes built from them, for tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twentyfourseven.api import OrderOutcome, OutcomeStatus
from twentyfourseven.api.models import SalesOrderExtended, SalesOrderLine, dumps_json, parse_json


def order_body(order_id: int, **fields: Any) -> dict[str, Any]:
    return {"id": order_id, "status": "Invoice", "netAmount": 100.10, **fields}


def line_body(line_id: int, **fields: Any) -> dict[str, Any]:
    """The first line of the documentation page's example (2 at 49.99, 10 % off, 25 % tax)."""
    return {
        "id": line_id,
        "type": "product",
        "product": {"id": 101},
        "description": "Leather handbag",
        "quantity": 2,
        "price": 49.99,
        "discountRate": 10,
        "tax": {"id": 1, "number": 1, "rate": 25},
        "account": {"id": 200001, "number": 3000, "name": "Sales"},
        **fields,
    }


def exact(value: Any) -> Any:
    """JSON as the API would send it, decimals parsed exactly."""
    return parse_json(dumps_json(value))


def ok(order_id: int, lines: Iterable[dict], header: dict[str, Any]) -> OrderOutcome:
    """A successful read of ``header`` and ``lines``."""
    raw_header = exact(header)
    raw_lines = exact(list(lines))
    return OrderOutcome(
        order_id,
        OutcomeStatus.OK,
        header=SalesOrderExtended.model_validate(raw_header),
        lines=tuple(SalesOrderLine.model_validate(r) for r in raw_lines),
        raw_header=raw_header,
        raw_lines=raw_lines,
    )


# One batch of upstream changes between soak runs: what the sandbox's change simulation
# does to 5 % of orders and a few % of lines, modifiedAt bumped for line edits.
SOAK_CHANGES = {
    "advance_seconds": 3600,
    "edit_orders": 0.05,
    "add_orders": 0.03,
    "delete_orders": 0.01,
    "edit_lines": 0.03,
    "add_lines": 0.02,
    "delete_lines": 0.02,
    "line_edit_bumps_modified": True,
}
