"""The incremental build on the golden warehouse (warehouse/incremental.py): the changed
orders' rows are replaced and nothing else moves; the data tests narrow to them, but test
everything after a run whose tests failed; a changed digest rebuilds; and the SQL text the
runner narrows keeps comments, literals and aliases."""

from __future__ import annotations

import duckdb

from twentyfourseven.warehouse.model_graph import narrowed
from twentyfourseven.warehouse.model_runner import run_models

FACTS = ("marts.fct_sales_order_lines", "marts.fct_sales_orders")
# every model headed `-- incremental: order_id`: the facts and the accrual schedule's months
INCREMENTAL = (*FACTS, "marts.base_revenue_schedule_spread")


def _change(con: duckdb.DuckDBPyConnection, sql: str, order_id: int) -> None:
    """An edit of raw as a load makes it: the order recorded as changed."""
    con.execute(sql, [order_id])
    con.execute("insert or replace into ops.changed_orders values (?, 'test-run')", [order_id])


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    return con.execute(f"select * from {relation} order by all").fetchall()


def _first_order(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select min(order_id) from marts.fct_sales_order_lines").fetchone()
    assert row is not None
    return int(row[0])


def test_an_incremental_build_equals_a_full_one_and_touches_the_changed_orders_only(
    fresh_golden,
):
    con = fresh_golden
    run_models(con)  # a full build on record
    order = _first_order(con)
    before = {fact: _rows(con, fact) for fact in FACTS}
    _change(con, "update raw.sales_order_lines set price = price + 1 where order_id = ?", order)
    summary = run_models(con, incremental=True)
    assert {m.relation: m.how for m in summary.models if m.how} == {
        model: "updated: 1 changed orders" for model in INCREMENTAL
    }
    assert summary.tests_narrowed
    assert con.execute("select count(*) from ops.changed_orders").fetchone() == (0,)
    updated = {fact: _rows(con, fact) for fact in FACTS}
    for fact in FACTS:
        assert updated[fact] != before[fact]  # the change arrived
        assert [r for r in updated[fact] if r[0] != order] == [
            r for r in before[fact] if r[0] != order
        ]
    schedule = _rows(con, INCREMENTAL[2])
    run_models(con)  # everything from scratch
    assert {fact: _rows(con, fact) for fact in FACTS} == updated
    assert _rows(con, INCREMENTAL[2]) == schedule


def test_a_run_after_failed_tests_tests_everything(fresh_golden):
    con = fresh_golden
    run_models(con)
    order = _first_order(con)
    _change(con, "update raw.sales_order_lines set tax_rate = 150 where order_id = ?", order)
    failed = run_models(con, incremental=True, raise_on_failure=False)
    assert "rates_within_0_and_100" in {t.name for t in failed.failed_tests}
    assert failed.tests_narrowed
    # The next run changes another order only: the broken one is still tested.
    other = con.execute(
        "select min(order_id) from marts.fct_sales_order_lines where order_id <> ?", [order]
    ).fetchone()
    assert other is not None
    _change(con, "update raw.sales_order_lines set price = price where order_id = ?", other[0])
    again = run_models(con, incremental=True, raise_on_failure=False)
    assert not again.tests_narrowed
    assert "rates_within_0_and_100" in {t.name for t in again.failed_tests}


def test_a_run_after_one_without_tests_tests_everything(fresh_golden):
    con = fresh_golden
    run_models(con)
    order = _first_order(con)
    _change(con, "update raw.sales_order_lines set price = price + 1 where order_id = ?", order)
    run_models(con, incremental=True, tests=False)  # its orders leave the queue untested
    _change(con, "update raw.sales_order_lines set price = price where order_id = ?", order)
    assert not run_models(con, incremental=True).tests_narrowed
    _change(con, "update raw.sales_order_lines set price = price where order_id = ?", order)
    assert run_models(con, incremental=True).tests_narrowed  # tested whole once: narrow again


def test_a_changed_digest_rebuilds_whole(fresh_golden):
    con = fresh_golden
    run_models(con)
    con.execute("update ops.model_state set digest = 'an older release' where name = ?", [FACTS[0]])
    _change(con, "update raw.sales_order_lines set price = price where order_id = ?", 1)
    summary = run_models(con, incremental=True)
    how = {m.relation: m.how for m in summary.models if m.how}
    assert how[FACTS[0]].startswith("rebuilt: its SQL")
    assert not summary.tests_narrowed


def test_narrowed_sql_keeps_comments_literals_and_aliases():
    sql = (
        "-- reads marts.fct_x\nselect 'marts.fct_x' as label from marts.fct_x\n"
        "union all select m.a from marts.fct_x as m join marts.dim_y as d on m.a = d.a"
    )
    out = narrowed(sql, {"marts.fct_x"}, "order_id", "select order_id from changed")
    subquery = "(select * from marts.fct_x where order_id in (select order_id from changed))"
    assert out == (
        "-- reads marts.fct_x\nselect 'marts.fct_x' as label from "
        f"{subquery} as fct_x\nunion all select m.a from {subquery} as m "
        "join marts.dim_y as d on m.a = d.a"
    )
