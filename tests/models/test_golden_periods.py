"""The three period views and the accrual schedule on the hand-computed set of
``golden_periods.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import duckdb
import pytest

from twentyfourseven.warehouse.model_runner import build_models, data_tests, run_data_tests

from .conftest import by_first_column
from .golden_periods import load_golden_periods

D = Decimal
YEAR_OF_1000 = [D("83.34")] * 4 + [D("83.33")] * 8
YEAR_OF_250 = [D("20.84")] * 4 + [D("20.83")] * 8


@pytest.fixture(scope="module")
def periods() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    load_golden_periods(con)
    build_models(con)
    yield con
    con.close()


def month(number: int, year: int = 2025) -> dt.date:
    return dt.date(year, number, 1)


def schedule(con: duckdb.DuckDBPyConnection, order_id: int, line_id: int = 1) -> list[tuple]:
    return con.execute(
        "select month, net_amount, tax_amount, total_amount from marts.fct_revenue_schedule "
        "where order_id = ? and line_id = ? order by month_number",
        [order_id, line_id],
    ).fetchall()


def test_an_order_invoiced_the_month_after_is_in_each_view_where_it_should(periods):
    by_month = by_first_column(
        periods,
        "select month, booked_net_amount, invoiced_by_invoice_month_net_amount, "
        "invoiced_by_invoice_month_tax_amount, recognized_net_amount "
        "from reports.rpt_revenue_by_month",
    )
    # sales view: January holds 2001 and 2002 (order dates); the ledger: 2001 in February,
    # 2002 in January; recognized: 2001 in February (its invoice month), 2002 a twelfth a month
    assert by_month[month(1)] == (D("2000.00"), D("1000.00"), D("250.00"), D("83.34"))
    assert by_month[month(2)] == (D("0.00"), D("1000.00"), D("250.00"), D("1083.34"))
    # 2003 confirmed in March: 200.00 recognized in its order month, the credit line's
    # -100.01 from April over 3 months (-33.34, -33.34, -33.33); 2004 is pipeline, 2005 deleted
    assert by_month[month(3)] == (D("99.99"), D("0.00"), D("0.00"), D("283.34"))
    assert by_month[month(4)][3] == D("83.34") - D("33.34")
    assert by_month[month(5)][3] == D("83.33") - D("33.34")
    assert by_month[month(6)][3] == D("83.33") - D("33.33")
    assert [by_month[month(m)][3] for m in range(7, 13)] == [D("83.33")] * 6
    assert sorted(by_month) == [month(m) for m in range(1, 13)]
    # after March, the latest order month, only 2002's accrual runs on
    future = periods.execute(
        "select month from reports.rpt_revenue_by_month where is_future order by month"
    ).fetchall()
    assert future == [(month(m),) for m in range(4, 13)]
    orders = periods.execute(
        "select order_id, order_month, invoice_month from marts.fct_sales_orders "
        "where order_id in (2001, 2002) order by order_id"
    ).fetchall()
    assert orders == [(2001, month(1), month(2)), (2002, month(1), month(1))]


def test_the_vat_report_counts_invoiced_orders_by_invoice_month(periods):
    rows = periods.execute(
        "select invoice_month, tax_id, invoice_count, line_count, net_amount, tax_amount, "
        "total_amount from reports.rpt_vat_by_invoice_month"
    ).fetchall()
    # 2003 (confirmed, not invoiced) and 2005 (deleted) never count
    assert rows == [
        (month(1), 1, 1, 1, D("1000.00"), D("250.00"), D("1250.00")),
        (month(2), 1, 1, 1, D("1000.00"), D("250.00"), D("1250.00")),
    ]


def test_a_year_of_1000_recognizes_83_34_four_times_then_83_33(periods):
    rows = schedule(periods, 2002)
    assert [r[0] for r in rows] == [month(m) for m in range(1, 13)]
    assert [r[1] for r in rows] == YEAR_OF_1000
    assert [r[2] for r in rows] == YEAR_OF_250
    assert [r[3] for r in rows] == [n + t for n, t in zip(YEAR_OF_1000, YEAR_OF_250, strict=True)]
    assert sum(r[1] for r in rows) == D("1000.00")
    assert sum(r[3] for r in rows) == D("1250.00")


def test_a_line_accrual_overrides_the_order_month_and_a_credit_splits_symmetrically(periods):
    line = periods.execute(
        "select accrual_source, recognition_start_month, recognition_month_count, "
        "recognition_end_month from marts.fct_sales_order_lines where order_id = 2003 "
        "and line_id = 2"
    ).fetchone()
    assert line == ("line", month(4), 3, month(6))
    # -100.01 net, -25.00 tax (round(-100.01 x 25 %, 2) = -25.0025 → -25.00)
    assert schedule(periods, 2003, 2) == [
        (month(4), D("-33.34"), D("-8.34"), D("-41.68")),
        (month(5), D("-33.34"), D("-8.33"), D("-41.67")),
        (month(6), D("-33.33"), D("-8.33"), D("-41.66")),
    ]
    assert schedule(periods, 2003, 1) == [(month(3), D("200.00"), D("50.00"), D("250.00"))]
    sources = periods.execute(
        "select order_id, line_id, accrual_source from marts.fct_sales_order_lines "
        "order by order_id, line_id"
    ).fetchall()
    assert sources == [
        (2001, 1, None),
        (2002, 1, "order"),
        (2003, 1, None),
        (2003, 2, "line"),
        (2004, 1, "order"),
    ]


def test_the_data_tests_pass_on_the_period_set(periods):
    results = run_data_tests(periods)
    assert [result.name for result in results] == [test.name for test in data_tests()]
    assert "revenue_schedule_sums_to_lines" in [result.name for result in results]
    assert [result.describe() for result in results if not result.passed] == []
