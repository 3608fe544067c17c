"""A subscription entered through the API as a user would: one line of 1,000.00 with a
12-month accrual, invoiced the month after the order was taken. Read back from the sandbox
over HTTP, loaded and modelled, it is recognized 83.34 four times then 83.33 eight times
(the remainder cents to the earliest months), its months sum to the line, and each period
view of rpt_revenue_by_month counts it where it belongs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import httpx
import pytest

from twentyfourseven.warehouse.model_runner import build_models

from .conftest import load_from_sandbox

ORDER_DATE = "2025-03-20"  # taken in March
INVOICE_DATE = "2025-04-02"  # invoiced in April
ACCRUAL = {"startDate": "2025-05-01", "length": 12}  # recognized May 2025 to April 2026
CUSTOMER = {"id": 10042, "name": "Havbris Elektro AS", "countryCode": "NO"}


@pytest.fixture(scope="module")
def subscription(
    sandbox_factory, tmp_path_factory
) -> Iterator[tuple[duckdb.DuckDBPyConnection, int]]:
    sandbox = sandbox_factory(orders=20, seed=16)
    with httpx.Client(
        base_url=sandbox.base_url, headers=sandbox.auth_headers(), timeout=10.0
    ) as api:
        created = api.post(
            "/salesorders",
            json={"customer": CUSTOMER, "date": ORDER_DATE, "currency": {"code": "NOK"}},
        )
        assert created.status_code == 200, created.text
        order_id = created.json()["id"]
        line = api.post(
            f"/salesorders/{order_id}/lines",
            json={
                "type": "product",
                "description": "Support subscription, 12 months",
                "quantity": 1,
                "price": 1000,
                "accrual": ACCRUAL,
            },
        )
        assert line.status_code == 200, line.text
        invoiced = api.patch(
            f"/salesorders/{order_id}",
            json={"status": "Invoice", "invoice": {"date": INVOICE_DATE}},
        )
        assert invoiced.status_code == 200, invoiced.text
    folder = tmp_path_factory.mktemp("subscription")
    warehouse = folder / "warehouse.duckdb"
    load_from_sandbox(sandbox, warehouse, folder / "staging", "manual__subscription")
    con = duckdb.connect(str(warehouse))
    build_models(con)
    yield con, order_id
    con.close()


def test_a_year_of_1000_is_recognized_83_34_four_times_then_83_33(subscription):
    con, order_id = subscription
    months = con.execute(
        "select month, net_amount from marts.fct_revenue_schedule where order_id = ?"
        " order by month",
        [order_id],
    ).fetchall()
    first = dt.date(2025, 5, 1)
    assert [month for month, _ in months] == [
        dt.date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1)
        for n in range(12)
    ]
    assert [net for _, net in months] == [Decimal("83.34")] * 4 + [Decimal("83.33")] * 8
    assert sum(net for _, net in months) == Decimal("1000.00")


def test_each_period_view_counts_it_in_its_own_month(subscription):
    con, order_id = subscription
    line = con.execute(
        "select order_month, invoice_month, status_category, net_amount_base"
        " from marts.fct_sales_order_lines where order_id = ?",
        [order_id],
    ).fetchall()
    march, april, may = dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 5, 1)
    assert line == [(march, april, "invoiced", Decimal("1000.00"))]
    # Each view's figure for the month, summed from the facts: the subscription is in the
    # order month's booked revenue, the invoice month's ledger revenue and, from May, the
    # recognized revenue; the report shows exactly those sums.
    (booked_march,) = con.execute(
        "select sum(net_amount_base) from marts.fct_sales_order_lines"
        " where is_booked and order_month = ?",
        [march],
    ).fetchone()
    (ledger_april,) = con.execute(
        "select sum(net_amount_base) from marts.fct_sales_order_lines"
        " where status_category = 'invoiced' and invoice_month = ?",
        [april],
    ).fetchone()
    (recognized_may,) = con.execute(
        "select sum(net_amount_base) from marts.fct_revenue_schedule where is_booked and month = ?",
        [may],
    ).fetchone()
    report = {
        month: (booked, ledger, recognized)
        for month, booked, ledger, recognized in con.execute(
            "select month, booked_net_amount, invoiced_by_invoice_month_net_amount,"
            " recognized_net_amount from reports.rpt_revenue_by_month"
        ).fetchall()
    }
    assert report[march][0] == booked_march >= Decimal("1000.00")
    assert report[april][1] == ledger_april >= Decimal("1000.00")
    assert report[may][2] == recognized_may >= Decimal("83.34")
