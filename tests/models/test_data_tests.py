"""Each kind of data test fails when one row is corrupted, and names the test and rows.

Every case starts from the golden warehouse (where all data tests pass), corrupts
one row, in ``raw`` (then rebuilds the models) or in a built model, and expects
exactly the data test of that kind to fail.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from twentyfourseven.warehouse.model_runner import (
    DataTestError,
    build_models,
    run_data_tests,
    run_models,
)

# (data test, SQL that corrupts one row, rebuild the models afterwards?)
CORRUPTIONS = {
    "keys_unique": (
        "insert into marts.fct_sales_orders select * from marts.fct_sales_orders "
        "where order_id = 1001",
        False,
    ),
    "keys_not_null": (
        "update marts.fct_sales_order_lines set line_id = null where order_id = 1001 "
        "and line_id = 2",
        False,
    ),
    "keys_reference": (
        "delete from marts.dim_accounts where account_id = 103200",
        False,
    ),
    "line_gross_minus_discount_equals_net": (
        "update marts.fct_sales_order_lines set net_amount = net_amount + 0.01, "
        "total_amount = total_amount + 0.01 where order_id = 1001 and line_id = 1",
        False,
    ),
    "line_net_plus_tax_equals_total": (
        "update marts.fct_sales_order_lines set total_amount = total_amount - 0.01 "
        "where order_id = 1001 and line_id = 3",
        False,
    ),
    "rates_within_0_and_100": (
        # a line with net amount 0, so no amount changes with it
        "update raw.sales_order_lines set tax_rate = 150 where order_id = 1007 and line_id = 1",
        True,
    ),
    "no_floating_point_columns": (
        "create or replace view reports.rpt_bad as select 1.5::double as net_amount",
        False,
    ),
    "discount_shares_tie_to_discount_bands": (
        "create table main.ranked_before as select * from reports.base_discounts_ranked; "
        "create or replace view reports.base_discounts_ranked as select * replace "
        "(share_of_all_discount_pct + 1 as share_of_all_discount_pct) from main.ranked_before",
        False,
    ),
    "revenue_schedule_sums_to_lines": (
        # a cent more in a line's month (net and total, so each row still adds up)
        "create table main.schedule_before as select * from marts.fct_revenue_schedule; "
        "create or replace view marts.fct_revenue_schedule as select * replace ("
        "net_amount + (order_id = 1001 and line_id = 1)::integer * 0.01 as net_amount, "
        "total_amount + (order_id = 1001 and line_id = 1)::integer * 0.01 as total_amount) "
        "from main.schedule_before",
        False,
    ),
    "accepted_values": (
        "update raw.sales_orders set status = 'Archived' where order_id = 1002",
        True,
    ),
}


def test_every_data_test_has_a_corruption_case():
    from twentyfourseven.warehouse.model_runner import data_tests

    assert sorted(test.name for test in data_tests()) == sorted(CORRUPTIONS)


@pytest.mark.parametrize("test_name", sorted(CORRUPTIONS))
def test_a_corrupted_row_fails_its_data_test(fresh_golden, test_name):
    corruption, rebuild = CORRUPTIONS[test_name]
    fresh_golden.execute(corruption)
    if rebuild:
        build_models(fresh_golden)
    failed = [result for result in run_data_tests(fresh_golden) if not result.passed]
    assert [result.name for result in failed] == [test_name]
    (result,) = failed
    assert result.error is None, result.error
    assert result.rows >= 1
    assert len(result.sample) == min(result.rows, 10)
    assert result.describe().startswith(f"{result.test.shown}: {result.rows} offending row(s)")
    assert result.test.shown in (
        f"sql/tests/{test_name}.sql",
        f"{test_name} (derived from the column annotations)",
    )


def test_run_models_raises_with_the_offending_rows(fresh_golden):
    fresh_golden.execute(
        "update raw.sales_order_lines set tax_rate = 150 where order_id = 1007 and line_id = 1"
    )
    with pytest.raises(DataTestError) as raised:
        run_models(fresh_golden)
    message = str(raised.value)
    assert "sql/tests/rates_within_0_and_100.sql" in message
    assert "1007" in message
    assert "150.000000" in message
    assert [f.name for f in raised.value.failures] == ["rates_within_0_and_100"]


def test_api_amounts_that_disagree_with_the_lines_are_reported_not_failed(fresh_golden):
    # The API's order amounts are the vendor's data: however far off, the run publishes and
    # rpt_order_reconciliation says by how much, and whether rounding could explain it.
    fresh_golden.execute("update raw.sales_orders set net_amount = 154.93 where order_id = 1001")
    fresh_golden.execute("update raw.sales_orders set tax_amount = 1.98 where order_id = 1007")
    fresh_golden.execute(
        "update raw.sales_orders set net_amount = -999999999999.999999, "
        "gross_amount = 999999999999.999999 where order_id = 1002"
    )
    summary = run_models(fresh_golden)
    assert summary.failed_tests == []
    listed = fresh_golden.execute(
        "select order_id, line_count, largest_difference, tolerance, is_beyond_tolerance "
        "from reports.rpt_order_reconciliation order by order_id"
    ).fetchall()
    (net_1002,) = fresh_golden.execute(
        "select net_amount from marts.fct_sales_orders where order_id = 1002"
    ).fetchone()
    assert listed == [
        (1001, 3, Decimal("0.01"), Decimal("0.015"), False),  # 154.93 - 154.92 on three lines
        (1002, 2, Decimal("999999999999.999999") + net_1002, Decimal("0.01"), True),
        (1007, 2, Decimal("0.02"), Decimal("0.01"), True),  # 1.98 - 1.96 on two lines
    ]


def test_shares_are_of_all_booked_discount_when_a_credit_line_carries_one(fresh_golden):
    # customer 503's one discounted line turned into a credit: its discount total is -5.00, so
    # it leaves the ranking, and all booked discount falls to 66.99 - 5.00 = 61.99
    fresh_golden.execute(
        "update raw.sales_order_lines set quantity = -quantity "
        "where order_id = 1005 and line_id = 1"
    )
    build_models(fresh_golden)
    assert [r.name for r in run_data_tests(fresh_golden) if not r.passed] == []
    [(total,)] = fresh_golden.sql(
        "select sum(discount_amount) from reports.rpt_discount_bands"
    ).fetchall()
    assert total == Decimal("61.99")
    shares = fresh_golden.sql(
        "select customer_id, discount_amount, share_of_all_discount_pct "
        "from reports.rpt_discount_top_customers"
    ).fetchall()
    # 66.99 / 61.99: more than all of it, as the credit offsets part of the discount
    assert shares == [(501, Decimal("66.99"), Decimal("108.07"))]
