"""The warehouse's money rules (``marts.fct_sales_order_lines``), on lines as served.

The sandbox computes order-level ``netAmount``, ``taxAmount`` and
``grossAmount`` with exactly the rules the warehouse reconciles with, so a
reconciliation failure always means a pipeline bug (or an injected fault),
never a rounding disagreement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Exact for every line the warehouse holds (quantity and price within 10^12 with 16 decimals,
# rates to 16): the default 28 digits would round a product of two such numbers.
EXACT = Context(prec=80, rounding=ROUND_HALF_UP)


def round2(value: Decimal) -> Decimal:
    """Round half away from zero to two decimals (ROUND_HALF_UP is symmetric for Decimal)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    gross: Decimal
    net: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


def _dec(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


def line_amounts(line: Mapping[str, Any]) -> LineAmounts:
    """Amounts of one line (wire field names), in the order's currency."""
    with localcontext(EXACT):
        return _line_amounts(line)


def _line_amounts(line: Mapping[str, Any]) -> LineAmounts:
    quantity = _dec(line.get("quantity"))
    price = _dec(line.get("price"))
    discount_rate = _dec(line.get("discountRate"))
    tax_rate = _dec((line.get("tax") or {}).get("rate"))
    gross = round2(quantity * price)
    net = round2(quantity * price * (1 - discount_rate / HUNDRED))
    tax = round2(net * tax_rate / HUNDRED)
    return LineAmounts(gross=gross, net=net, discount=gross - net, tax=tax, total=net + tax)


def order_totals(lines: Iterable[Mapping[str, Any]]) -> dict[str, Decimal]:
    """``netAmount``, ``taxAmount`` and ``grossAmount`` (net + tax) of an order's lines."""
    net = tax = ZERO
    with localcontext(EXACT):
        for line in lines:
            amounts = line_amounts(line)
            net += amounts.net
            tax += amounts.tax
        # Quantize so an order without lines still serialises as 0.00, like the others.
        net, tax = net.quantize(CENT), tax.quantize(CENT)
        return {"netAmount": net, "taxAmount": tax, "grossAmount": net + tax}
