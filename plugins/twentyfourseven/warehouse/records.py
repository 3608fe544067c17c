"""Flat warehouse rows from API records: one column list drives files, tables and reads.

Each resource's :class:`~twentyfourseven.api.resources.Column` list says how a value
is taken from a validated model and which DuckDB type holds it. The same lists
generate the staging files' fields, the ``raw`` tables' DDL and the ``columns=`` of
DuckDB's bulk reader, so they cannot drift apart.

Money and rates are written to staging files as decimal *strings* and cast to
``DECIMAL`` by DuckDB, which is exact; DuckDB's JSON reader would pass numbers
through binary floating point. A value that does not fit its ``DECIMAL`` type
(too many decimals, too many digits) is refused here, so it goes to quarantine
with the reason instead of being rounded silently. So is a line whose amount in the
base currency is beyond what the models' sums hold (:data:`AMOUNT_LIMIT`), and an order
or line whose accrual is longer than :data:`ACCRUAL_MONTHS_LIMIT` months.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, localcontext
from typing import Any

from twentyfourseven.api.payloads import SalesOrder, SalesOrderLine
from twentyfourseven.api.resources import LINE_COLUMNS, ORDER_COLUMNS, Column

# The models hold amounts as DECIMAL(38,2), 36 integer digits. In the order's currency a
# line's amount (quantity x price, before discount and tax) is below 10^24 by the column
# types; the currency rate (up to 10^9) could take it to 10^33 in the base currency, which
# one line holds but a sum of a few hundred does not. Below 10^24 in both currencies, with
# tax (at most 100 %) below 2 x 10^24, any 5 x 10^11 lines sum within DECIMAL(38,2), and
# the reports' percentages of sums up to 10^32 within DECIMAL(38,2) too.
AMOUNT_LIMIT = Decimal(10) ** 24
# The revenue schedule (marts.fct_revenue_schedule) has a row per month of a line's accrual;
# the API sets no maximum length, so an absurd one (a typo of 12000 for 12) would multiply a
# line into an endless schedule. A hundred years is beyond any real subscription.
ACCRUAL_MONTHS_LIMIT = 1200


class DoesNotFit(ValueError):
    """A value the warehouse cannot hold exactly."""


def _cell(column: Column, value: Any) -> Any:
    """``value`` as written to a staging file (JSON-ready), checked against its column."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return _fit_decimal(column, value)
    if column.sql_type == "BIGINT" and isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise DoesNotFit(f"{column.name} {value} is out of the 64-bit range")
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    return value


@functools.cache
def _decimal_limits(sql_type: str) -> tuple[int, int, Decimal]:
    width, scale = (int(n) for n in sql_type[8:-1].split(","))
    return scale, width - scale, Decimal(10) ** (width - scale)


def _fit_decimal(column: Column, value: Decimal) -> str:
    scale, integer_digits, ceiling = _decimal_limits(
        column.sql_type if column.decimal else "DECIMAL(38,18)"
    )
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise DoesNotFit(f"{column.name} {value} is not a finite number")
    # Trailing zeros (49.990000000) fit however many there are; only then normalize.
    kept = f"the warehouse keeps {column.sql_type}" if column.decimal else "not a decimal column"
    if -exponent > scale and -value.normalize().as_tuple().exponent > scale:  # type: ignore[operator]
        raise DoesNotFit(f"{column.name} {value} has more than {scale} decimal places ({kept})")
    if abs(value) >= ceiling:
        raise DoesNotFit(
            f"{column.name} {value} has more than {integer_digits} integer digits ({kept})"
        )
    return format(value, "f")


def record_row(columns: tuple[Column, ...], model: Any) -> dict[str, Any]:
    """The typed columns of a validated record; raises :class:`DoesNotFit`."""
    return {column.name: _cell(column, column.get(model)) for column in columns}


def _check_accrual(record: SalesOrder | SalesOrderLine) -> None:
    length = record.accrual.length if record.accrual is not None else None
    if length is not None and length > ACCRUAL_MONTHS_LIMIT:
        raise DoesNotFit(
            f"accrual length {length} months is beyond the warehouse's "
            f"{ACCRUAL_MONTHS_LIMIT} months (one schedule row per month)"
        )


def order_row(order: SalesOrder) -> dict[str, Any]:
    """The typed columns of an order header; raises :class:`DoesNotFit`."""
    _check_accrual(order)
    return record_row(ORDER_COLUMNS, order)


def line_row(line: SalesOrderLine, currency_rate: Decimal = Decimal(1)) -> dict[str, Any]:
    """The typed columns of a line of an order in a currency of ``currency_rate``.

    Raises :class:`DoesNotFit` for a value beyond its column or an amount in the base
    currency at or beyond :data:`AMOUNT_LIMIT` (quantity x price, or quantity x the line's
    cost price, the margin's cost, times the currency rate), or an accrual beyond
    :data:`ACCRUAL_MONTHS_LIMIT`.
    """
    _check_accrual(line)
    row = record_row(LINE_COLUMNS, line)
    quantity = line.quantity or 0
    # the amount and, for the margin, the cost at the line's own cost price
    for name, price in (("price", line.price or 0), ("cost price", line.cost_price or 0)):
        with localcontext() as context:
            context.prec = 80  # exact: 28 + 28 + 28 digits
            amount = quantity * price * currency_rate
        if abs(amount) >= AMOUNT_LIMIT:
            raise DoesNotFit(
                f"quantity x {name} x currency rate = {quantity} x {price} x {currency_rate} "
                f"= {amount:.6E} in the base currency; the warehouse holds line amounts "
                "below 10^24"
            )
    return row


def currency_rate(order: SalesOrder | None) -> Decimal:
    """The rate that converts an order's amounts to the base currency (1 when absent)."""
    if order is None or order.currency is None:
        return Decimal(1)
    return order.currency.rate
