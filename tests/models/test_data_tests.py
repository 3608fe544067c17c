"""Each kind of data test fails when one row is corrupted, and names the file and rows.

Every case starts from the golden warehouse (where all data tests pass), corrupts
one row, in ``raw`` (then rebuilds the models) or in a built model, and expects
exactly the data test of that kind to fail.
"""

from __future__ import annotations

import pytest

from twentyfourseven.warehouse.models import (
    DataTestError,
    build_models,
    run_data_tests,
    run_models,
)

# (data test file, SQL that corrupts one row, rebuild the models afterwards?)
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
    "lines_belong_to_orders": (
        "delete from raw.sales_orders where order_id = 1003",
        True,
    ),
    "keys_reference_dimensions": (
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
    "order_amounts_reconcile": (
        "update raw.sales_orders set net_amount = net_amount + 0.02 where order_id = 1001",
        True,
    ),
    "accepted_values": (
        "update raw.sales_orders set status = 'Archived' where order_id = 1002",
        True,
    ),
}


def test_every_data_test_has_a_corruption_case():
    from twentyfourseven.warehouse.models import SQL_DIR, data_test_files

    assert sorted(path.stem for path in data_test_files(SQL_DIR)) == sorted(CORRUPTIONS)


@pytest.mark.parametrize("test_name", sorted(CORRUPTIONS))
def test_a_corrupted_row_fails_its_data_test(fresh_golden, test_name):
    corruption, rebuild = CORRUPTIONS[test_name]
    fresh_golden.execute(corruption)
    if rebuild:
        build_models(fresh_golden)
    failed = [result for result in run_data_tests(fresh_golden) if not result.passed]
    assert [result.path.stem for result in failed] == [test_name]
    (result,) = failed
    assert result.error is None, result.error
    assert result.rows >= 1
    assert len(result.sample) == min(result.rows, 10)
    assert f"sql/tests/{test_name}.sql" in result.describe()


def test_run_models_raises_with_the_offending_rows(fresh_golden):
    fresh_golden.execute("update raw.sales_orders set net_amount = 999.99 where order_id = 1001")
    with pytest.raises(DataTestError) as raised:
        run_models(fresh_golden)
    message = str(raised.value)
    assert "sql/tests/order_amounts_reconcile.sql" in message
    assert "1001" in message
    assert "845.070000" in message  # 999.99 - 154.92
    assert [f.path.stem for f in raised.value.failures] == ["order_amounts_reconcile"]


def test_a_difference_within_tolerance_is_listed_but_passes(fresh_golden):
    # two lines: tolerance 0.01; 1007 already differs by 0.01 in tax
    fresh_golden.execute("update raw.sales_orders set net_amount = 154.93 where order_id = 1001")
    summary = run_models(fresh_golden)  # 0.01 on three lines (tolerance 0.015): passes
    assert summary.failed_tests == []
    listed = fresh_golden.execute(
        "select order_id from reports.rpt_order_reconciliation order by order_id"
    ).fetchall()
    assert listed == [(1001,), (1007,)]
    fresh_golden.execute("update raw.sales_orders set tax_amount = 1.98 where order_id = 1007")
    with pytest.raises(DataTestError, match="order_amounts_reconcile"):
        run_models(fresh_golden)  # 0.02 on two lines (tolerance 0.01): fails
