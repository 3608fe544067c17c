"""The documented filters of ``GET /salesorders``, as one value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from .payloads import SalesOrderStatus


def query_timestamp(value: dt.datetime | dt.date | str) -> str:
    """ISO 8601 for a query parameter; naive datetimes are taken as UTC."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class SalesOrderQuery:
    """Filters for listing sales orders; every field is optional.

    ``modified_from``/``modified_to`` and ``created_from``/``created_to`` are
    date-times; ``date``, ``date_from``, ``date_to`` are the order date.
    """

    modified_from: dt.datetime | str | None = None
    modified_to: dt.datetime | str | None = None
    created_from: dt.datetime | str | None = None
    created_to: dt.datetime | str | None = None
    date: dt.date | str | None = None
    date_from: dt.date | str | None = None
    date_to: dt.date | str | None = None
    status: SalesOrderStatus | str | None = None
    customer_id: int | str | None = None
    invoice_number: int | str | None = None

    def __post_init__(self) -> None:
        if self.status is None:
            return
        status = SalesOrderStatus(self.status)  # an unknown status fails before any request
        if status is SalesOrderStatus.INACTIVE:  # orders carry it; the filter's enum lacks it
            raise ValueError("the API's status filter does not accept Inactive")
        object.__setattr__(self, "status", status)

    def params(self) -> dict[str, Any]:
        """Query parameters with the API's (camelCase) names; unset filters left out."""
        params: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None:
                continue
            wire = spec.name.split("_")[0] + "".join(p.title() for p in spec.name.split("_")[1:])
            params[wire] = (
                value.value if isinstance(value, SalesOrderStatus) else query_timestamp(value)
            )
        return params
