"""The three period views and the revenue schedule on the warehouse loaded from the sandbox
(after changes that edit accruals), checked against the orders as the API sent them.

The expected views are computed here in Python from the ``payload`` JSON of each order and
line (order date, invoice date, accrual) and the lines' base-currency amounts, with the
period rule of docs/architecture.md, so the SQL is checked by a second implementation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

import duckdb
import pytest

from .conftest import by_first_column

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def warehouse(sandbox_db) -> duckdb.DuckDBPyConnection:
    return sandbox_db


def _month(day: str | None, plus: int = 0) -> dt.date | None:
    if day is None:
        return None
    date = dt.date.fromisoformat(day)
    months = date.year * 12 + date.month - 1 + plus
    return dt.date(months // 12, months % 12 + 1, 1)


def _accrual(payload: dict) -> tuple[str, int] | None:
    accrual = payload.get("accrual") or {}
    if accrual.get("length") is None:
        return None
    return accrual["startDate"], accrual["length"]


def _split(amount: Decimal, months: int) -> list[Decimal]:
    cents = int(amount / CENT)
    base, remainder = divmod(abs(cents), months)
    sign = -1 if cents < 0 else 1
    return [sign * (base + (k < remainder)) * CENT for k in range(months)]


@pytest.fixture(scope="module")
def expected(warehouse) -> dict[str, dict[dt.date, Decimal]]:
    """Booked net by order month, invoiced net by invoice month and recognized net by month,
    from the API's JSON of the live orders and lines."""
    orders = {
        order_id: json.loads(payload)
        for order_id, payload in warehouse.execute(
            "select order_id, payload from raw.sales_orders where deleted_at is null"
        ).fetchall()
    }
    views: dict[str, dict[dt.date, Decimal]] = {
        name: defaultdict(Decimal) for name in ("order", "invoice", "recognized")
    }
    for order_id, payload, net_base in warehouse.execute(
        "select l.order_id, l.payload, f.net_amount_base from raw.sales_order_lines l "
        "join marts.fct_sales_order_lines f using (order_id, line_id)"
    ).fetchall():
        order, line = orders[order_id], json.loads(payload)
        status = order.get("status")
        invoice_date = (order.get("invoice") or {}).get("date")
        invoiced = status in ("Invoice", "AdvanceInvoice")
        if status in ("Invoice", "AdvanceInvoice", "Confirmed"):
            views["order"][_month(order["date"])] += net_base
            accrual = _accrual(line) or _accrual(order)
            if accrual is not None:
                start, length = accrual
                for k, part in enumerate(_split(net_base, length)):
                    views["recognized"][_month(start, k)] += part
            else:
                month = _month(invoice_date) if invoiced and invoice_date else _month(order["date"])
                views["recognized"][month] += net_base
        if invoiced and invoice_date:
            views["invoice"][_month(invoice_date)] += net_base
    return views


def test_the_sandbox_has_what_the_period_views_must_handle(warehouse):
    late, order_accruals, line_accruals = warehouse.execute(
        "select count(*) filter (where invoice_month > order_month), "
        "(select count(*) from raw.sales_orders where accrual_length is not null), "
        "(select count(*) from raw.sales_order_lines where accrual_length is not null) "
        "from marts.fct_sales_orders where status_category = 'invoiced'"
    ).fetchone()
    assert late >= 5  # orders invoiced in the month after they were taken
    assert order_accruals >= 3
    assert line_accruals >= 5
    sources = dict(
        warehouse.execute(
            "select accrual_source, count(*) from marts.fct_sales_order_lines group by all"
        ).fetchall()
    )
    assert sources.keys() == {None, "line", "order"}


def test_each_view_of_rpt_revenue_by_month_matches_the_api_json(warehouse, expected):
    rows = warehouse.execute(
        "select month, booked_net_amount, invoiced_by_invoice_month_net_amount, "
        "recognized_net_amount from reports.rpt_revenue_by_month"
    ).fetchall()
    months = {row[0] for row in rows}
    for index, view in enumerate(("order", "invoice", "recognized"), start=1):
        found = {row[0]: row[index] for row in rows if row[index] != 0}
        wanted = {month: amount for month, amount in expected[view].items() if amount != 0}
        assert found == wanted, view
        assert set(expected[view]) <= months, view


def test_the_period_views_tie_out(warehouse):
    booked, recognized, invoiced_by_order_month, by_invoice_month = warehouse.execute(
        "select sum(booked_net_amount), sum(recognized_net_amount), sum(invoiced_net_amount), "
        "sum(invoiced_by_invoice_month_net_amount) from reports.rpt_revenue_by_month"
    ).fetchone()
    assert recognized == booked  # every booked order has a date: all of it is recognized
    assert by_invoice_month == invoiced_by_order_month  # every invoice has a date
    vat = by_first_column(
        warehouse,
        "select invoice_month, sum(net_amount), sum(tax_amount) "
        "from reports.rpt_vat_by_invoice_month group by all",
    )
    ledger = by_first_column(
        warehouse,
        "select month, invoiced_by_invoice_month_net_amount, "
        "invoiced_by_invoice_month_tax_amount from reports.rpt_revenue_by_month "
        "where invoiced_order_count > 0",
    )
    assert vat == ledger


def test_the_schedule_sums_exactly_to_every_line(warehouse):
    lines = {
        (row[0], row[1]): row[2:]
        for row in warehouse.execute(
            "select order_id, line_id, recognition_month_count, net_amount, tax_amount, "
            "net_amount_base, tax_amount_base from marts.fct_sales_order_lines"
        ).fetchall()
    }
    sums: dict[tuple[int, int], list] = {}
    for order_id, line_id, net, tax, net_base, tax_base in warehouse.execute(
        "select order_id, line_id, net_amount, tax_amount, net_amount_base, tax_amount_base "
        "from marts.fct_revenue_schedule"
    ).fetchall():
        found = sums.setdefault((order_id, line_id), [0, 0, 0, 0, 0])
        for index, value in enumerate((1, net, tax, net_base, tax_base)):
            found[index] += value
    assert sums.keys() == lines.keys()
    assert {key: tuple(found) for key, found in sums.items()} == lines
    assert any(months > 1 for months, *_ in lines.values())
