"""The comparison the reliability tests rely on (tests/truth.py) can fail: once a real
run of the pipeline's steps equals the truth, each kind of damage to a copy of the
warehouse is caught."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import pytest

from twentyfourseven.pipeline.steps import extract_step, load_step, plan_step, transform_step

from ..truth import assert_equals_truth, line_amounts, read_truth

SANDBOX_OPTIONS = {"orders": 60, "seed": 19}

# (what, SQL on a copy of the warehouse, what the failure names)
FIRST_ORDER = "(select min(order_id) from raw.sales_orders)"
FIRST_LINE = f"order_id = {FIRST_ORDER} and line_number = 1"
DAMAGE = [
    ("a header field no old check read", f"update raw.sales_orders set customer_id ="
     f" customer_id + 1 where order_id = {FIRST_ORDER}", "raw.sales_orders: 1 values differ"),
    ("the exchange rate", f"update raw.sales_orders set currency_rate = currency_rate * 2"
     f" where order_id = {FIRST_ORDER}", "currency_rate"),
    ("a line's cost price", "update raw.sales_order_lines set cost_price = coalesce(cost_price,"
     f" 0) + 0.0001 where {FIRST_LINE}", "cost_price"),
    ("the line order", "update raw.sales_order_lines set line_number = line_number + 1000"
     f" where {FIRST_LINE}", "line_number"),
    ("a lost line", f"delete from raw.sales_order_lines where {FIRST_LINE}",
     "raw.sales_order_lines: 1 missing"),
    ("an order tombstoned by mistake", "update raw.sales_orders set deleted_at = now()"
     f" where order_id = {FIRST_ORDER}", "raw.sales_orders: 1 missing"),
    ("an order upstream does not have", "insert into raw.sales_orders by name select"
     " * replace (order_id + 10000000 as order_id) from raw.sales_orders limit 1",
     "raw.sales_orders: 1 extra"),
    ("a fact line twice", "insert into marts.fct_sales_order_lines select *"
     " from marts.fct_sales_order_lines limit 1", "marts.fct_sales_order_lines: 1 duplicated"),
    ("a fact line a cent off", "update marts.fct_sales_order_lines set net_amount ="
     f" net_amount + 0.01 where {FIRST_LINE}", "net_amount"),
    ("a lost fact order", f"delete from marts.fct_sales_orders where order_id = {FIRST_ORDER}",
     "marts.fct_sales_orders: 1 missing"),
    ("an order's base amounts", "update marts.fct_sales_orders set total_amount_base ="
     f" total_amount_base - 0.01 where order_id = {FIRST_ORDER}", "total_amount_base"),
]  # fmt: skip


@pytest.fixture(scope="module")
def loaded(pipeline):
    # The DAG's steps in this process: the same warehouse as `airflow dags test` makes
    # (tests/e2e checks that), without its half-minute start.
    with pipeline.task_env() as settings:
        run_id = "manual__truth"
        for chunk in plan_step(run_id, {}, settings):
            extract_step(run_id, chunk, 1, settings)
        load_step(run_id, settings)
        transform_step(settings)
    truth = read_truth(pipeline.sandbox)
    assert truth.orders
    assert truth.lines
    return pipeline.settings.warehouse, truth


def _query(path):
    def query(sql):
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql).fetchall()

    return query


def test_a_real_run_equals_the_truth(loaded):
    warehouse, truth = loaded
    compared = assert_equals_truth(truth, _query(warehouse))
    assert compared.orders == len(truth.orders) == SANDBOX_OPTIONS["orders"]


@pytest.mark.parametrize(("what", "sql", "named"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_damage_is_caught(loaded, tmp_path, what, sql, named):
    warehouse, truth = loaded
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        assert con.execute(sql).fetchall() != [(0,)], f"{what}: the damage changed nothing"
    with pytest.raises(AssertionError, match=named):
        assert_equals_truth(truth, _query(copy))


def test_a_stale_order_must_still_be_live(loaded):
    """Between incremental runs an order deleted upstream is still live in the warehouse."""
    warehouse, truth = loaded
    gone = min(truth.orders)
    upstream = type(truth)({k: v for k, v in truth.orders.items() if k != gone},
                           {k: v for k, v in truth.lines.items() if k[0] != gone})  # fmt: skip
    with pytest.raises(AssertionError, match="1 extra"):
        assert_equals_truth(upstream, _query(warehouse))
    assert_equals_truth(upstream, _query(warehouse), stale={gone})


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "tax", "rate", "expected"),
    [
        # docs/architecture.md's example line: 99.98 gross, 89.982 net, 22.4955 tax.
        ("2", "49.99", "10", "25", "1", ("99.98", "10.00", "89.98", "22.50", "112.48")),
        # Credit line: half a cent rounds away from zero, downwards.
        ("-2", "49.99", "10", "25", "1", ("-99.98", "-10.00", "-89.98", "-22.50", "-112.48")),
        ("1", "0.125", "0", "0", "1", ("0.13", "0.00", "0.13", "0.00", "0.13")),
        ("1", "0.005", "0", "0", "10.5", ("0.01", "0.00", "0.01", "0.00", "0.01")),
    ],
)
def test_the_money_rules(quantity, price, discount, tax, rate, expected):
    line = {"quantity": Decimal(quantity), "price": Decimal(price),
            "discount_rate": Decimal(discount), "tax_rate": Decimal(tax)}  # fmt: skip
    amounts = line_amounts(line, Decimal(rate))
    names = ("gross_amount", "discount_amount", "net_amount", "tax_amount", "total_amount")
    assert tuple(amounts[n] for n in names) == tuple(Decimal(e) for e in expected)
    assert amounts["net_amount_base"] == (amounts["net_amount"] * Decimal(rate)).quantize(
        Decimal("0.01"), rounding="ROUND_HALF_UP"
    )
