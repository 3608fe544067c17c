"""Warehouse rows: values that fit their DECIMAL columns pass exactly; others are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from twentyfourseven.api.models import SalesOrderLine
from twentyfourseven.warehouse.records import DoesNotFit, line_row

from ..builders import line_body


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
