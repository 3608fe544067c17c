"""The models on a warehouse loaded from the sandbox the way the DAG loads it, and the
analysts' example queries (docs/queries) on it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from twentyfourseven.warehouse.model_runner import SQL_DIR, data_tests, model_files

QUERIES = sorted((Path(__file__).resolve().parents[2] / "docs" / "queries").glob("*.sql"))


@pytest.fixture(scope="module")
def warehouse(sandbox_db) -> duckdb.DuckDBPyConnection:
    return sandbox_db


def test_all_models_build_and_all_data_tests_pass(sandbox_warehouse):
    _, summary = sandbox_warehouse
    assert [m.path for m in summary.models] == model_files(SQL_DIR)
    assert [t.test for t in summary.tests] == data_tests(SQL_DIR)
    assert [t.describe() for t in summary.failed_tests] == []
    assert summary.build_seconds < 10
    print(f"\n{summary.describe()}")


def test_the_warehouse_has_what_the_models_must_handle(warehouse):
    """Deleted orders, foreign currencies, text and credit lines, every status category."""
    deleted, foreign = warehouse.execute(
        "select count(deleted_at), count(*) filter (where currency_rate <> 1) from raw.sales_orders"
    ).fetchone()
    assert deleted > 0
    assert foreign > 0
    text, credit = warehouse.execute(
        "select count(*) filter (where is_text_line), count(*) filter (where is_credit_line) "
        "from marts.fct_sales_order_lines"
    ).fetchone()
    assert text > 0
    assert credit > 0
    categories = {
        row[0]
        for row in warehouse.execute(
            "select distinct status_category from marts.fct_sales_orders"
        ).fetchall()
    }
    assert categories == {"invoiced", "confirmed", "pipeline", "inactive"}


def test_deleted_orders_never_count(warehouse):
    live = warehouse.execute(
        "select count(*) from raw.sales_orders where deleted_at is null"
    ).fetchone()
    assert warehouse.execute("select count(*) from marts.fct_sales_orders").fetchone() == live
    leaked = warehouse.execute(
        "select count(*) from marts.fct_sales_order_lines l "
        "join raw.sales_orders o using (order_id) where o.deleted_at is not null"
    ).fetchone()
    assert leaked == (0,)


def test_the_reports_add_up_to_the_facts(warehouse):
    booked = warehouse.execute(
        "select sum(net_amount_base), sum(tax_amount_base) from marts.fct_sales_order_lines "
        "where is_booked"
    ).fetchone()
    by_month = warehouse.execute(
        "select sum(booked_net_amount), sum(booked_tax_amount) from reports.rpt_revenue_by_month"
    ).fetchone()
    assert by_month == booked
    for report in ("customer", "product", "account", "tax_code"):
        total = warehouse.execute(
            f"select sum(booked_net_amount) from reports.rpt_revenue_by_{report}"
        ).fetchone()
        assert total[0] == booked[0], report
    discount = warehouse.execute(
        "select sum(discount_amount_base) from marts.fct_sales_order_lines where is_booked"
    ).fetchone()
    assert (
        warehouse.execute(
            "select sum(discount_amount) from reports.rpt_discounts_by_month"
        ).fetchone()
        == discount
    )
    assert (
        warehouse.execute("select sum(discount_amount) from reports.rpt_discount_bands").fetchone()
        == discount
    )
    # the API's order amounts agree with the lines to the cent
    differences = warehouse.execute("select count(*) from reports.rpt_order_reconciliation")
    assert differences.fetchone() == (0,)


def test_there_are_seven_example_queries():
    assert len(QUERIES) == 7


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_the_example_queries_answer(warehouse, query):
    cursor = warehouse.execute(query.read_text(encoding="utf-8"))
    result = cursor.fetchall()
    assert result, f"{query.name} returned no rows"
    assert all(value is not None for value in result[0][:2])
    types = [str(d[1]) for d in cursor.description]
    assert not any(t in ("DOUBLE", "FLOAT") for t in types), types
