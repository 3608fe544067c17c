"""Warehouse rows: values that fit their DECIMAL columns pass exactly; others are refused."""

from __future__ import annotations

import re
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
        (Decimal("1.1234567"), "1.1234567"),
        (Decimal("0.3333333333"), "0.3333333333"),  # 10 decimals
        (Decimal("-999999999999.9999999999999999"), "-999999999999.9999999999999999"),
        (Decimal("1E-16"), "0.0000000000000001"),
        (Decimal("0.12345678901234560000"), "0.12345678901234560000"),
    ],
)
def test_values_that_fit_are_written_exactly(price, written):
    assert line_row(SalesOrderLine.model_validate(line_body(1, price=price)))["price"] == written


@pytest.mark.parametrize(
    ("price", "micros"),
    [
        (Decimal("49.99"), 49_990_000),
        (Decimal("-0.000001"), -1),
        (Decimal("999999999999.999999"), 999_999_999_999_999_999),
        (Decimal("49.990000000"), 49_990_000),
        (Decimal("1.1234567"), None),  # 7 decimals: the models' exact path
        (Decimal("0.3333333333"), None),
    ],
)
def test_values_of_up_to_6_decimals_are_also_written_in_millionths(price, micros):
    assert line_row(SalesOrderLine.model_validate(line_body(1, price=price)))["price_e6"] == micros


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        (
            Decimal("1.12345678901234567"),
            "price 1.12345678901234567 has more than 16 decimal places "
            "(the warehouse keeps DECIMAL(28,16))",
        ),
        (
            Decimal("1000000000000"),
            "price 1000000000000 has more than 12 integer digits "
            "(the warehouse keeps DECIMAL(28,16))",
        ),
        (Decimal("-1E+12"), "price -1E+12 has more than 12 integer digits"),
    ],
)
def test_values_that_do_not_fit_are_refused_with_the_reason(price, reason):
    with pytest.raises(DoesNotFit, match=re.escape(reason)):
        line_row(SalesOrderLine.model_validate(line_body(1, price=price)))


@pytest.mark.parametrize(
    ("field", "body", "reason"),
    [
        ("quantity", {"quantity": Decimal("0.33333333333333333")}, "more than 16 decimal places"),
        ("discount_rate", {"discountRate": Decimal("1E-17")}, "more than 16 decimal places"),
        (
            "tax_rate",
            {"tax": {"rate": Decimal("25.00000000000000001")}},
            r"\(the warehouse keeps DECIMAL\(19,16\)\)",
        ),
    ],
)
def test_every_decimal_field_names_itself_and_its_limit(field, body, reason):
    line = SalesOrderLine.model_validate({**line_body(1), **body})
    with pytest.raises(DoesNotFit, match=f"^{field} .*{reason}"):
        line_row(line)


def test_an_exchange_rate_of_16_decimals_fits_and_of_17_does_not():
    fits = SalesOrder.model_validate(
        order_body(1, currency={"code": "EUR", "rate": Decimal("11.1234567890123456")})
    )
    assert order_row(fits)["currency_rate"] == "11.1234567890123456"
    assert order_row(fits)["currency_rate_e10"] is None  # more than 10 decimals
    short = SalesOrder.model_validate(
        order_body(1, currency={"code": "EUR", "rate": Decimal("11.1234567891")})
    )
    assert order_row(short)["currency_rate_e10"] == 111_234_567_891
    beyond = SalesOrder.model_validate(
        order_body(1, currency={"code": "EUR", "rate": Decimal("11.12345678901234567")})
    )
    with pytest.raises(DoesNotFit, match=r"^currency_rate .* more than 16 decimal places"):
        order_row(beyond)


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


def test_a_cost_at_the_limit_in_the_base_currency_is_refused():
    # the margin's cost: quantity x the line's cost price, bounded as the amount is
    line = SalesOrderLine.model_validate(
        line_body(1, quantity=Decimal(10**6), price=Decimal(1), costPrice=Decimal(10**9))
    )
    assert line_row(line, Decimal(1))["cost_price"] == "1000000000"
    with pytest.raises(DoesNotFit, match=r"quantity x cost price x currency rate = .* 10\^24"):
        line_row(line, Decimal(1_000_000_000))


def test_an_order_without_a_currency_converts_at_1():
    order = SalesOrder.model_validate(order_body(1))
    assert currency_rate(order) == 1
    assert order_row(order)["currency_rate"] is None
