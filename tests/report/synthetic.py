"""A tiny hand-made warehouse for the dashboard's unit tests.

The ``raw`` and ``ops`` tables come from the loader's own DDL and the models are
built over them by the real runner, so every relation has the columns and types
production has. The eight report views the page reads are then swapped for tables
of the very same columns and types (:func:`_stand_in`) holding a few rows chosen
to catch mistakes, which no raw data could produce through the models: hostile
strings in every text column the page shows (a discount band's label included),
and amounts whose exact sums a float cannot represent. A row naming a column the
model no longer has fails to insert; a column the page reads but the model lacks
is missing here as in production.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from twentyfourseven.warehouse.model_runner import build_models
from twentyfourseven.warehouse.schema import create_schema

EVIL = "<script>window.pwned=1</script><img src=x onerror=\"document.title='pwned'\">&amp;\"'"
EVIL_CUSTOMER = f"Evil {EVIL} AS"
EVIL_PRODUCT = f"Product {EVIL}"
EVIL_CATEGORY = f"Category {EVIL}"

# two months whose booked sum is 9,999,999,999,999,999.99: a float would print 1e16
BIG_A = Decimal("4999999999999999.99")
BIG_B = Decimal("5000000000000000.00")
BIG_SUM_TEXT = "9,999,999,999,999,999.99"

JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
NOW = dt.datetime(2025, 2, 20, 12, 0, tzinfo=dt.UTC)
FINISHED = dt.datetime(2025, 2, 20, 10, 30, tzinfo=dt.UTC)


def build_synthetic(path: Path, *, reports: bool = True) -> Path:
    """The warehouse file at ``path``; without ``reports`` no model is built."""
    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'UTC'")
        create_schema(con)
        if reports:
            build_models(con)
            _reports(con)
        _ops(con)
    finally:
        con.close()
    return path


def _stand_in(con: duckdb.DuckDBPyConnection, relation: str, rows: list[dict[str, Any]]) -> None:
    """Replace the model ``relation`` by a table of its columns and types holding ``rows``
    (a column a row leaves out is null)."""
    columns = con.execute(f"describe {relation}").fetchall()
    kind = con.execute(
        "select table_type from information_schema.tables"
        " where table_schema || '.' || table_name = ?",
        [relation],
    ).fetchone()
    assert kind, f"the models did not create {relation}"
    con.execute(f"drop {'view' if kind[0] == 'VIEW' else 'table'} {relation}")
    con.execute(f"create table {relation} ({', '.join(f'{c[0]} {c[1]}' for c in columns)})")
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"insert into {relation} ({names}) values ({marks})", list(row.values()))


def _rows(names: str, *values: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Rows as dicts from a list of column names and a tuple of values a row."""
    columns = names.split()
    return [dict(zip(columns, row, strict=True)) for row in values]


def _reports(con: duckdb.DuckDBPyConnection) -> None:
    _stand_in(
        con,
        "reports.rpt_revenue_by_month",
        _rows(
            "month booked_order_count booked_net_amount booked_tax_amount booked_total_amount"
            " pipeline_order_count pipeline_net_amount is_future",
            (JAN, 3, BIG_A, 0, 0, 1, Decimal("100.10"), False),
            (FEB, 4, BIG_B, 0, 0, 2, Decimal("200.20"), False),
        ),
    )
    _stand_in(
        con,
        "reports.rpt_revenue_by_customer",
        _rows(
            "month customer_id customer_name country_code booked_line_count booked_net_amount"
            " booked_tax_amount booked_total_amount",
            (JAN, 1, EVIL_CUSTOMER, "NO", 1, Decimal("1000.05"), 0, Decimal("1250.06")),
            (FEB, 1, EVIL_CUSTOMER, "NO", 1, Decimal("2000.10"), 0, Decimal("2500.13")),
            (FEB, 2, "Fjord & Fjell AS", "NO", 1, Decimal("999.99"), 0, Decimal("1249.99")),
            (FEB, 3, "Credit Only AS", "SE", 1, Decimal("-50.00"), 0, Decimal("-62.50")),
        ),
    )
    _stand_in(
        con,
        "reports.rpt_revenue_by_product",
        _rows(
            "month product_id product_number product_name booked_quantity booked_line_count"
            " booked_net_amount",
            (JAN, 10, "P-1", EVIL_PRODUCT, 1, 1, Decimal("123.45")),
            (FEB, None, None, "(no product)", 1, 1, Decimal("10.00")),
        ),
    )
    _stand_in(
        con,
        "reports.rpt_discounts_by_month",
        _rows(
            "month line_count discounted_line_count discounted_line_share_pct gross_amount"
            " discount_amount net_amount effective_discount_rate_pct",
            (JAN, 10, 2, 20, Decimal("1000.00"), Decimal("50.00"), Decimal("950.00"), 5),
            (FEB, 10, 2, 20, Decimal("3000.00"), Decimal("300.01"), Decimal("2699.99"), 10),
        ),
    )
    _stand_in(
        con,
        "reports.rpt_discount_bands",
        _rows(
            "discount_band_order discount_band line_count share_of_lines_pct gross_amount"
            " discount_amount net_amount share_of_discount_pct",
            (0, "0 %", 16, Decimal("80.00"), 0, Decimal("0.00"), 0, Decimal("0.00")),
            (1, f"band {EVIL}", 4, Decimal("20.00"), 0, Decimal("350.01"), 0, Decimal("100.00")),
        ),
    )
    _stand_in(
        con,
        "reports.rpt_revenue_by_tax_code",
        _rows(
            "month tax_id tax_number tax_name tax_rate booked_line_count booked_net_amount"
            " booked_tax_amount booked_total_amount",
            (FEB, 1, 3, f"Tax {EVIL}", Decimal("25.000000"), 2, Decimal("800.00"),
             Decimal("200.00"), 1000),
            (FEB, 2, 5, None, Decimal("0.000000"), 2, Decimal("100.00"), Decimal("0.00"), 100),
        ),
    )  # fmt: skip
    _stand_in(
        con,
        "reports.rpt_revenue_by_category",
        _rows(
            "month category_level category_id category_name booked_line_count"
            " booked_net_amount booked_discount_amount",
            (JAN, 1, 7, EVIL_CATEGORY, 2, Decimal("600.05"), Decimal("10.00")),
            (FEB, 1, 7, EVIL_CATEGORY, 1, Decimal("400.05"), Decimal("0.01")),
            (FEB, 2, 8, "Not a top level", 1, Decimal("999.00"), Decimal("0.00")),
            (FEB, 1, None, "(no category)", 1, Decimal("10.00"), Decimal("0.00")),
        ),
    )
    _stand_in(
        con,
        "reports.rpt_gross_margin",
        _rows(
            "month customer_id product_id line_count uncosted_line_count net_amount_base"
            " cost_amount_base margin_amount_base",
            (JAN, 1, 10, 2, 0, Decimal("1000.00"), Decimal("600.00"), Decimal("400.00")),
            (FEB, 1, 10, 1, 1, Decimal("300.00"), Decimal("100.01"), Decimal("199.99")),
            (FEB, 2, 11, 1, 0, Decimal("100.00"), Decimal("50.00"), Decimal("50.00")),
        ),
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
