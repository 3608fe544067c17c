"""Warehouse rows: values that fit their DECIMAL columns pass exactly; others are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from twentyfourseven.api.payloads import SalesOrder, SalesOrderLine
from twentyfourseven.warehouse.records import DoesNotFit, currency_rate, line_row, order_row

from ..builders import line_body, order_body


@pytest.mark.parametrize(
    ("price", "written"),
    [
        (Decimal("49.99"), "49.99"),
        (Decimal("49.990000000"), "49.990000000"),  # trailing zeros fit
        (Decimal("-0.000001"), "-0.000001"),
        (Decimal("1E+3"), "1000"),
        (Decimal("999999999999.999999"), "999999999999.999999"),
    ],
)
def test_values_that_fit_are_written_exactly(price, written):
    assert line_row(SalesOrderLine.model_validate(line_body(1, price=price)))["price"] == written


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        (Decimal("1.1234567"), "price 1.1234567 has more than 6 decimal places"),
        (Decimal("1000000000000"), "price 1000000000000 has more than 12 integer digits"),
        (Decimal("-1E+12"), "price -1E+12 has more than 12 integer digits"),
    ],
)
def test_values_that_do_not_fit_are_refused_with_the_reason(price, reason):
    with pytest.raises(DoesNotFit, match=reason.replace("+", r"\+")):
        line_row(SalesOrderLine.model_validate(line_body(1, price=price)))


def test_nested_fields_become_columns():
    row = line_row(SalesOrderLine.model_validate(line_body(7)))
    assert row["tax_rate"] == "25"
    assert (row["account_number"], row["account_name"], row["product_id"]) == (3000, "Sales", 101)


@pytest.mark.parametrize(
    ("quantity", "price", "rate"),
    [
        (Decimal("999999999999.999999"), Decimal("999999999999.999999"), Decimal(1)),
        (Decimal("-999999"), Decimal("999999999.999999"), Decimal(1_000_000_000)),
        (Decimal("999999999999.999999"), Decimal("999999999999.999999"), Decimal("1E-10")),
    ],
)
def test_line_amounts_below_the_limit_in_the_base_currency_are_written(quantity, price, rate):
    line = SalesOrderLine.model_validate(line_body(1, quantity=quantity, price=price))
    assert line_row(line, rate)["quantity"] == format(quantity, "f")


@pytest.mark.parametrize(
    ("quantity", "price", "rate"),
    [
        (Decimal("999999999999.999999"), Decimal("999999999999.999999"), Decimal(2)),
        (Decimal(-1000000), Decimal(1000000000), Decimal(1_000_000_000)),  # exactly 10^24
    ],
)
def test_line_amounts_at_the_limit_in_the_base_currency_are_refused(quantity, price, rate):
    line = SalesOrderLine.model_validate(line_body(1, quantity=quantity, price=price))
    with pytest.raises(DoesNotFit, match=r"quantity x price x currency rate = .* below 10\^24"):
        line_row(line, rate)


def test_an_order_without_a_currency_converts_at_1():
    order = SalesOrder.model_validate(order_body(1))
    assert currency_rate(order) == 1
    assert order_row(order)["currency_rate"] is None
