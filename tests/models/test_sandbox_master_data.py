"""The master-data models on the sandbox warehouse (``sandbox_warehouse``: orders and
master data loaded twice, with products renamed and moved upstream in between): every
record an order or line references has a dimension row, the marts carry the master data's
names, and a moved product's old sales keep their old category "at the time" while
"today" shows the new one. No count here depends on the sandbox's generated data."""

from __future__ import annotations

import duckdb
import pytest

# (dimension, its key, the staging relation and column that reference it)
REFERENCES = [
    ("marts.dim_products", "product_id", "staging.stg_sales_order_lines", "product_id"),
    ("marts.dim_tax_codes", "tax_id", "staging.stg_sales_order_lines", "tax_id"),
    ("marts.dim_accounts", "account_id", "staging.stg_sales_order_lines", "account_id"),
    ("marts.dim_customers", "customer_id", "staging.stg_sales_orders", "customer_id"),
    ("marts.dim_currencies", "currency_code", "staging.stg_sales_orders", "currency_code"),
]

# (dimension, key, its name column, the raw table, that table's name column)
NAMES = [
    ("marts.dim_products", "product_id", "product_name", "raw.products", "name"),
    ("marts.dim_customers", "customer_id", "customer_name", "raw.customers", "name"),
    ("marts.dim_tax_codes", "tax_id", "tax_name", "raw.tax_codes", "name"),
    ("marts.dim_accounts", "account_id", "account_name", "raw.accounts", "name"),
    ("marts.dim_product_categories", "category_id", "category_name", "raw.product_categories",
     "name"),
]  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(sandbox_db) -> duckdb.DuckDBPyConnection:
    return sandbox_db


def test_the_models_build_and_test_clean_with_master_data(sandbox_warehouse):
    _, summary = sandbox_warehouse
    assert [t.describe() for t in summary.failed_tests] == []


@pytest.mark.parametrize(
    ("dimension", "key", "source", "column"), REFERENCES, ids=[r[0] for r in REFERENCES]
)
def test_every_referenced_record_has_a_dimension_row(warehouse, dimension, key, source, column):
    referenced, missing = warehouse.execute(
        f"select count(distinct s.{column}), count(distinct s.{column}) filter "
        f"(where d.{key} is null) from {source} s left join {dimension} d on s.{column} = d.{key} "
        f"where s.{column} is not null"
    ).fetchone()
    assert referenced > 0
    assert missing == 0


@pytest.mark.parametrize(
    ("dimension", "key", "name", "raw", "raw_name"), NAMES, ids=[n[0] for n in NAMES]
)
def test_the_marts_carry_the_master_datas_names(warehouse, dimension, key, name, raw, raw_name):
    from_master, differing = warehouse.execute(
        f"select count(*), count(*) filter (where d.{name} is distinct from r.{raw_name}) "
        f"from {dimension} d join {raw} r on d.{key} = r.{key} where d.is_from_master_data"
    ).fetchone()
    assert from_master > 0
    assert differing == 0
    # a row not flagged as a fallback is one the master data has
    unflagged = warehouse.execute(
        f"select count(*) from {dimension} d anti join {raw} r on d.{key} = r.{key} "
        "where d.is_from_master_data"
    ).fetchone()
    assert unflagged == (0,)


def test_the_fallback_report_lists_exactly_the_rows_not_backed_by_master_data(warehouse):
    reported = warehouse.execute(
        "select dimension, count(*) from reports.rpt_dimension_fallbacks group by all"
    ).fetchall()
    flagged = []
    for dimension, table in (
        ("product", "dim_products"),
        ("customer", "dim_customers"),
        ("tax_code", "dim_tax_codes"),
        ("account", "dim_accounts"),
        ("currency", "dim_currencies"),
        ("product_category", "dim_product_categories"),
    ):
        n = warehouse.execute(
            f"select count(*) from marts.{table} where not is_from_master_data or is_deleted"
        ).fetchone()[0]
        if n:
            flagged.append((dimension, n))
    assert sorted(reported) == sorted(flagged)


def _moved_products(warehouse) -> list[tuple]:
    """(product_id, old category, new category, when it moved) of each product moved
    between the runs, with booked lines sold before the move."""
    return warehouse.execute(
        """
        with versions as (
            select product_id, category_id, valid_from,
                lead(category_id) over (partition by product_id order by valid_from) as next_id,
                lead(valid_from) over (partition by product_id order by valid_from) as moved_at
            from staging.stg_products_history
        )
        select distinct v.product_id, v.category_id, v.next_id, v.moved_at
        from versions v
        join marts.fct_sales_order_lines l on l.product_id = v.product_id
        where v.next_id is distinct from v.category_id and v.moved_at is not null
            and v.category_id is not null and v.next_id is not null
            and l.is_booked and l.order_date < v.moved_at::date
        order by v.product_id
        """
    ).fetchall()


def test_renamed_products_show_their_new_name_and_keep_the_old_in_their_history(warehouse):
    renamed = warehouse.execute(
        """
        select v.product_id from marts.dim_product_versions v
        join marts.dim_products p using (product_id)
        where not v.is_current and v.product_name <> p.product_name
        """
    ).fetchall()
    assert renamed  # the change simulation renamed some


def test_old_sales_keep_the_old_category_at_the_time_and_show_the_new_one_today(warehouse):
    moved = _moved_products(warehouse)
    assert moved, "the change simulation moved no product with earlier booked sales"
    for product_id, old, new, moved_at in moved:
        lines = warehouse.execute(
            "select distinct sale_category_id, category_id from marts.fct_sales_order_lines "
            "where product_id = ? and order_date < ?::date",
            [product_id, moved_at],
        ).fetchall()
        assert lines == [(old, new)], product_id
        # the margin report (at the time of the sale) files the old sales under the old one
        filed = warehouse.execute(
            "select distinct category_id from reports.rpt_gross_margin "
            "where product_id = ? and month < date_trunc('month', ?::date)",
            [product_id, moved_at],
        ).fetchall()
        assert filed in ([], [(old,)]), product_id
    product_id, old, new, moved_at = moved[0]
    month = warehouse.execute(
        "select min(order_month) from marts.fct_sales_order_lines "
        "where product_id = ? and is_booked and order_date < ?::date",
        [product_id, moved_at],
    ).fetchone()[0]
    at_sale = _category_rows(warehouse, "rpt_revenue_by_category", month)
    today = _category_rows(warehouse, "rpt_revenue_by_category_today", month)
    assert old in at_sale
    assert new in today
    # the product's sales of that month move from the old category to the new one
    net = warehouse.execute(
        "select sum(net_amount_base) from marts.fct_sales_order_lines "
        "where product_id = ? and is_booked and order_month = ?",
        [product_id, month],
    ).fetchone()[0]
    if net:
        assert at_sale[old] != today.get(old) or at_sale.get(new) != today[new]


def _category_rows(warehouse, report: str, month) -> dict:
    """The report's booked net amount by category, in one month (each at its own level)."""
    return dict(
        warehouse.execute(
            f"select category_id, booked_net_amount from reports.{report} "
            "where month = ? and category_id is not null",
            [month],
        ).fetchall()
    )


def test_the_category_levels_each_add_up_to_their_lines(warehouse):
    for report in ("rpt_revenue_by_category", "rpt_revenue_by_category_today"):
        level_1 = warehouse.execute(
            f"select sum(booked_net_amount) from reports.{report} where category_level = 1"
        ).fetchone()
        assert (
            level_1
            == warehouse.execute(
                "select sum(net_amount_base) from marts.fct_sales_order_lines where is_booked"
            ).fetchone()
        )
