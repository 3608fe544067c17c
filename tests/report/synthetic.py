"""A tiny hand-made warehouse for the dashboard's unit tests.

The ``ops`` tables come from the loader's own DDL; the report views are stand-in
tables with the documented columns (docs/data_dictionary.md) holding a few rows
chosen to catch mistakes: hostile strings in every text column the page shows,
and amounts whose exact sums a float cannot represent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb

from twentyfourseven.warehouse.schema import create_schema

EVIL = "<script>window.pwned=1</script><img src=x onerror=\"document.title='pwned'\">&amp;\"'"
EVIL_CUSTOMER = f"Evil {EVIL} AS"
EVIL_PRODUCT = f"Product {EVIL}"

# two months whose booked sum is 9,999,999,999,999,999.99: a float would print 1e16
BIG_A = Decimal("4999999999999999.99")
BIG_B = Decimal("5000000000000000.00")
BIG_SUM_TEXT = "9,999,999,999,999,999.99"

REPORT_TABLES = """
create schema if not exists reports;
create table reports.rpt_revenue_by_month (
    month date, booked_order_count bigint, booked_net_amount decimal(18,2),
    booked_tax_amount decimal(18,2), booked_total_amount decimal(18,2),
    pipeline_order_count bigint, pipeline_net_amount decimal(18,2));
create table reports.rpt_revenue_by_customer (
    month date, customer_id bigint, customer_name varchar, country_code varchar,
    booked_line_count bigint, booked_net_amount decimal(18,2),
    booked_tax_amount decimal(18,2), booked_total_amount decimal(18,2));
create table reports.rpt_revenue_by_product (
    month date, product_id bigint, product_number varchar, product_name varchar,
    booked_quantity decimal(18,6), booked_line_count bigint, booked_net_amount decimal(18,2));
create table reports.rpt_discounts_by_month (
    month date, line_count bigint, discounted_line_count bigint,
    discounted_line_share_pct decimal(18,2), gross_amount decimal(18,2),
    discount_amount decimal(18,2), net_amount decimal(18,2),
    effective_discount_rate_pct decimal(18,2));
create table reports.rpt_discount_bands (
    discount_band_order integer, discount_band varchar, line_count bigint,
    share_of_lines_pct decimal(18,2), gross_amount decimal(18,2),
    discount_amount decimal(18,2), net_amount decimal(18,2),
    share_of_discount_pct decimal(18,2));
create table reports.rpt_revenue_by_tax_code (
    month date, tax_id bigint, tax_number bigint, tax_rate decimal(9,6),
    booked_line_count bigint, booked_net_amount decimal(18,2),
    booked_tax_amount decimal(18,2), booked_total_amount decimal(18,2));
"""

JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
NOW = dt.datetime(2025, 2, 20, 12, 0, tzinfo=dt.UTC)
FINISHED = dt.datetime(2025, 2, 20, 10, 30, tzinfo=dt.UTC)


def build_synthetic(path: Path, *, reports: bool = True) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'UTC'")
        create_schema(con)
        if reports:
            _reports(con)
        _ops(con)
    finally:
        con.close()
    return path


def _reports(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(REPORT_TABLES)
    con.executemany(
        "insert into reports.rpt_revenue_by_month values (?, ?, ?, 0, 0, ?, ?)",
        [[JAN, 3, BIG_A, 1, Decimal("100.10")], [FEB, 4, BIG_B, 2, Decimal("200.20")]],
    )
    con.executemany(
        "insert into reports.rpt_revenue_by_customer values (?, ?, ?, ?, 1, ?, 0, ?)",
        [
            [JAN, 1, EVIL_CUSTOMER, "NO", Decimal("1000.05"), Decimal("1250.06")],
            [FEB, 1, EVIL_CUSTOMER, "NO", Decimal("2000.10"), Decimal("2500.13")],
            [FEB, 2, "Fjord & Fjell AS", "NO", Decimal("999.99"), Decimal("1249.99")],
            [FEB, 3, "Credit Only AS", "SE", Decimal("-50.00"), Decimal("-62.50")],
        ],
    )
    con.executemany(
        "insert into reports.rpt_revenue_by_product values (?, ?, ?, ?, 1, 1, ?)",
        [
            [JAN, 10, "P-1", EVIL_PRODUCT, Decimal("123.45")],
            [FEB, None, None, "(no product)", Decimal("10.00")],
        ],
    )
    con.executemany(
        "insert into reports.rpt_discounts_by_month values (?, 10, 2, 20, ?, ?, ?, ?)",
        [
            [JAN, Decimal("1000.00"), Decimal("50.00"), Decimal("950.00"), Decimal("5.00")],
            [FEB, Decimal("3000.00"), Decimal("300.01"), Decimal("2699.99"), Decimal("10.00")],
        ],
    )
    con.executemany(
        "insert into reports.rpt_discount_bands values (?, ?, ?, ?, 0, ?, 0, ?)",
        [
            [0, "0 %", 16, Decimal("80.00"), Decimal("0.00"), Decimal("0.00")],
            [1, f"band {EVIL}", 4, Decimal("20.00"), Decimal("350.01"), Decimal("100.00")],
        ],
    )
    con.executemany(
        "insert into reports.rpt_revenue_by_tax_code values (?, ?, ?, ?, 2, ?, ?, ?)",
        [
            [
                FEB,
                1,
                3,
                Decimal("25.000000"),
                Decimal("800.00"),
                Decimal("200.00"),
                Decimal("1000.00"),
            ],
            [FEB, 2, 5, Decimal("0.000000"), Decimal("100.00"), Decimal("0.00"), Decimal("100.00")],
        ],
    )


def _ops(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "insert into ops.watermark values ('sales_orders_modified_at', ?, ?, ?)",
        [FINISHED - dt.timedelta(minutes=5), f"run {EVIL}", FINISHED],
    )
    con.executemany(
        """
        insert into ops.runs (run_id, mode, started_at, finished_at, duration_seconds,
            orders_requested, orders_ok, orders_deleted, orders_not_found, orders_failed,
            orders_quarantined, lines_loaded)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            [
                "first",
                "full_refresh",
                FINISHED - dt.timedelta(hours=2),
                FINISHED - dt.timedelta(hours=1, minutes=59),
                61.5,
                10,
                10,
                0,
                None,  # recorded before not-found orders were counted apart
                0,
                0,
                30,
            ],
            [
                f"run {EVIL}",
                "incremental",
                FINISHED - dt.timedelta(minutes=1),
                FINISHED,
                4.25,
                5,
                1,
                0,
                1,
                2,
                1,
                7,
            ],
        ],
    )
    con.executemany(
        "insert into ops.failed_orders (order_id, run_id, failed_at) values (?, 'x', ?)",
        [[101, FINISHED], [102, FINISHED]],
    )
    con.executemany(
        """
        insert into ops.quarantine (run_id, order_id, kind, reason, quarantined_at,
            resolved_run_id)
        values ('x', ?, 'line', 'bad', ?, ?)
        """,
        [[201, FINISHED, None], [201, FINISHED, None], [202, FINISHED, "later"]],
    )
