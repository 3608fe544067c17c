"""The warehouse's money rules written with :mod:`decimal`, to check the models against."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)  # half away from zero


def expected_amounts(
    quantity: Decimal, price: Decimal, discount: Decimal, tax: Decimal, rate: Decimal
) -> dict[str, Decimal]:
    """A line's amounts in both currencies, as marts.fct_sales_order_lines names them."""
    with localcontext() as context:
        context.prec = 80  # every product and quotient below is exact
        gross = _cents(quantity * price)
        net = _cents(quantity * price * (1 - discount / 100))
        tax_amount = _cents(net * tax / 100)
        gross_base, net_base, tax_base = (_cents(a * rate) for a in (gross, net, tax_amount))
        return {
            "gross_amount": gross,
            "discount_amount": gross - net,
            "net_amount": net,
            "tax_amount": tax_amount,
            "total_amount": net + tax_amount,
            "gross_amount_base": gross_base,
            "discount_amount_base": gross_base - net_base,
            "net_amount_base": net_base,
            "tax_amount_base": tax_base,
            "total_amount_base": net_base + tax_base,
        }


def expected_cost(
    quantity: Decimal,
    rate: Decimal,
    net: dict[str, Decimal],
    line_cost_price: Decimal | None = None,
    product_cost_price: Decimal | None = None,
) -> dict[str, Decimal | str | None]:
    """A line's cost and margin, as marts.fct_sales_order_lines names them: from the line's
    cost price (order currency) when it has one, else the product's (base currency); ``net``
    is the line's :func:`expected_amounts`."""
    with localcontext() as context:
        context.prec = 80
        if line_cost_price is not None:
            source: str | None = "line"
            cost: Decimal | None = _cents(quantity * line_cost_price)
            cost_base = _cents(cost * rate)
        elif product_cost_price is not None:
            source = "product"
            cost_base = _cents(quantity * product_cost_price)
            cost = _cents(cost_base / rate)
        else:
            source = cost = cost_base = None
        return {
            "cost_price_source": source,
            "cost_amount": cost,
            "margin_amount": None if cost is None else net["net_amount"] - cost,
            "cost_amount_base": cost_base,
            "margin_amount_base": None if cost_base is None else net["net_amount_base"] - cost_base,
        }
