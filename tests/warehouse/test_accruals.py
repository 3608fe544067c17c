"""Accruals through the real load: kept on orders and lines, added to a warehouse created
before them, and an absurd length quarantined with the reason."""

from __future__ import annotations

import datetime as dt

import duckdb

from twentyfourseven.pipeline.load import load_run
from twentyfourseven.warehouse.records import ACCRUAL_MONTHS_LIMIT
from twentyfourseven.warehouse.schema import create_schema

from ..builders import line_body
from .conftest import ok, stage_run

ACCRUAL_COLUMNS = ("accrual_start_date", "accrual_length")


def _accrual(length: int, start: str = "2025-01-01") -> dict[str, object]:
    return {"accrual": {"startDate": start, "length": length}}


def test_an_older_warehouse_gains_the_accrual_columns_and_loads_them(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:  # as a warehouse from before the accruals
        create_schema(con)
        for table in ("sales_orders", "sales_order_lines"):
            for column in ACCRUAL_COLUMNS:
                con.execute(f"alter table raw.{table} drop column {column}")
        con.execute(
            "insert into raw.sales_orders (order_id, status, run_id, extracted_at) "
            "values (1, 'Invoice', 'old', now())"
        )
    # line 3's accrual was reset (the API's empty object): none
    lines = [line_body(1, **_accrual(6, "2025-03-01")), line_body(2), line_body(3, accrual={})]
    load_run(
        warehouse,
        stage_run(tmp_path / "staging", "new", [[ok(2, lines, **_accrual(12))]]),
    )
    with duckdb.connect(str(warehouse)) as con:
        orders = con.execute(
            "select order_id, accrual_start_date, accrual_length from raw.sales_orders "
            "order by order_id"
        ).fetchall()
        order_lines = con.execute(
            "select line_id, accrual_start_date, accrual_length from raw.sales_order_lines "
            "order by line_id"
        ).fetchall()
    assert orders == [(1, None, None), (2, dt.date(2025, 1, 1), 12)]
    assert order_lines == [(1, dt.date(2025, 3, 1), 6), (2, None, None), (3, None, None)]


def test_an_accrual_beyond_the_limit_is_quarantined_with_the_reason(tmp_path):
    too_long = ACCRUAL_MONTHS_LIMIT + 1
    chunks = [
        [
            ok(11, [line_body(1)], **_accrual(too_long)),
            ok(12, [line_body(1, **_accrual(too_long))]),
            ok(13, [line_body(1, **_accrual(ACCRUAL_MONTHS_LIMIT))]),
        ]
    ]
    warehouse = tmp_path / "warehouse.duckdb"
    load_run(warehouse, stage_run(tmp_path / "staging", "absurd", chunks))
    with duckdb.connect(str(warehouse)) as con:
        quarantined = con.execute(
            "select order_id, kind, record_id, reason from ops.quarantine order by order_id"
        ).fetchall()
        loaded = con.execute("select order_id from raw.sales_orders").fetchall()
    assert [row[:3] for row in quarantined] == [(11, "order", 11), (12, "line", 1)]
    assert all(
        f"accrual length {too_long} months" in row[3] and str(ACCRUAL_MONTHS_LIMIT) in row[3]
        for row in quarantined
    )
    assert loaded == [(13,)]
