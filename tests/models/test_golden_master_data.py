"""The master-data models on the golden orders with the golden master data beside them
(``golden.load_master_data``): dimensions named as 24SevenOffice names them, fallback rows
for what the master data lacks, the category tree with its broken links, the category at
the time of the sale against today's, and the gross margin to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

from twentyfourseven.warehouse.model_runner import build_models, run_data_tests

from .golden import load_golden, load_master_data
from .test_golden import one, rows

D = Decimal


def test_dimensions_take_the_master_datas_names_and_flag_the_fallbacks(golden_master):
    products = rows(
        golden_master,
        "select product_id, product_name, cost_price, category_path, is_from_master_data "
        "from marts.dim_products order by product_id",
    )
    assert [tuple(r.values()) for r in products] == [
        (101, "Leather handbag", D("20.00"), "Accessories > Bags > Handbags", True),
        (102, "Wallet", D("5.00"), "Orphan", True),
        # not in the master data: from the lines, its ordinary line's description
        (103, "Silk scarves with intricate floral patterns.", None, None, False),
    ]
    customers = rows(
        golden_master,
        "select customer_id, customer_name, customer_type, country_code, is_supplier, "
        "is_from_master_data from marts.dim_customers order by customer_id",
    )
    assert [tuple(r.values()) for r in customers] == [
        (501, "Nordlys Holding AS", "company", "NO", True, True),
        (502, "Anna Berg", "person", "DE", False, True),
        (503, "Fjord Consulting AS", "unknown", "NO", None, False),  # its latest snapshot
    ]
    taxes = rows(
        golden_master,
        "select tax_id, tax_number, tax_name, tax_rate, is_from_master_data, is_deleted "
        "from marts.dim_tax_codes order by tax_id",
    )
    assert [tuple(r.values()) for r in taxes] == [
        (1, 1, "Utgående mva, høy sats", D("25"), True, False),
        (2, 31, "Utgående mva, middels sats", D("15"), True, False),
        (3, 33, "Utgående mva, lav sats", D("12"), True, False),
        (5, 52, None, D("0"), False, False),  # from the lines
        (7, 7, "Old code", D("10"), True, True),  # deleted upstream: its last values
        (9, None, None, None, False, False),  # only account 300000 names it
    ]
    accounts = rows(
        golden_master,
        "select account_id, account_number, account_name, tax_number, tax_name, "
        "is_from_master_data from marts.dim_accounts order by account_id",
    )
    assert [tuple(r.values()) for r in accounts] == [
        (103200, 3200, "Salgsinntekt, utenfor avgiftsområdet", None, None, False),
        (200001, 1500, "Kundefordringer", 1, "Utgående mva, høy sats", True),
        (300000, 3000, "Salgsinntekt, avgiftspliktig", None, None, True),
    ]
    currencies = rows(
        golden_master,
        "select currency_code, currency_rate, is_from_master_data, order_count "
        "from marts.dim_currencies order by currency_code",
    )
    assert [tuple(r.values()) for r in currencies] == [
        ("EUR", D("11.4"), True, 1),  # the master data's rate; the order kept its own 11.5
        ("NOK", D("1"), True, 4),
    ]


def test_the_category_tree_reports_cycles_and_missing_parents(golden_master):
    categories = rows(
        golden_master,
        "select category_id, category_depth, category_path, category_level_1, "
        "category_level_2, category_level_3, path_problem "
        "from marts.dim_product_categories order by category_id",
    )
    assert [tuple(r.values()) for r in categories] == [
        (10, 1, "Accessories", "Accessories", None, None, None),
        (11, 2, "Accessories > Bags", "Accessories", "Bags", None, None),
        (12, 3, "Accessories > Bags > Handbags", "Accessories", "Bags", "Handbags", None),
        (13, 2, "Accessories > Small leather goods", "Accessories", "Small leather goods", None,
         None),
        (20, 2, "Loop B > Loop A", "Loop B", "Loop A", None, "cycle"),
        (21, 2, "Loop A > Loop B", "Loop A", "Loop B", None, "cycle"),
        (30, 1, "Orphan", "Orphan", None, None, "missing parent"),
    ]  # fmt: skip


def test_a_category_the_master_data_lacks_keeps_its_products(fresh_golden):
    load_master_data(fresh_golden)
    fresh_golden.execute("delete from raw.product_categories where category_id = 30")
    build_models(fresh_golden)
    assert one(
        fresh_golden,
        "select category_id, category_name, is_from_master_data from marts.dim_product_categories "
        "where category_id = 30",
    ) == {"category_id": 30, "category_name": None, "is_from_master_data": False}
    assert [r.describe() for r in run_data_tests(fresh_golden) if not r.passed] == []
    assert one(
        fresh_golden,
        "select sum(booked_net_amount) as net from reports.rpt_revenue_by_category "
        "where category_id = 30",
    ) == {"net": D("95.00")}


def test_lines_carry_the_category_at_the_sale_and_today(golden_master):
    lines = rows(
        golden_master,
        "select order_id, line_id, category_id, sale_category_id "
        "from marts.fct_sales_order_lines where product_id = 101 order by order_id, line_id",
    )
    assert [tuple(r.values()) for r in lines] == [
        (1001, 1, 12, 13),  # sold in January, before the move on 2025-02-01
        (1002, 1, 12, 12),
        (1003, 2, 12, 12),
        (1006, 1, 12, 13),
        (1007, 2, 12, 12),
    ]


def test_the_category_reports_at_the_sale_and_today(golden_master):
    query = (
        "select category_level, category_id, category_name, booked_net_amount "
        "from reports.{} where month = '2025-01-01' order by category_level, category_id"
    )
    at_sale = rows(golden_master, query.format("rpt_revenue_by_category"))
    assert [tuple(r.values()) for r in at_sale] == [
        (1, 10, "Accessories", D("89.98")),
        (1, None, "(no category)", D("64.94")),  # a text line and product 103
        (2, 13, "Small leather goods", D("89.98")),
    ]
    today = rows(golden_master, query.format("rpt_revenue_by_category_today"))
    assert [tuple(r.values()) for r in today] == [
        (1, 10, "Accessories", D("89.98")),
        (1, None, "(no category)", D("64.94")),
        (2, 11, "Bags", D("89.98")),
        (3, 12, "Handbags", D("89.98")),
    ]
    # level 1 adds up to every booked line
    for report in ("rpt_revenue_by_category", "rpt_revenue_by_category_today"):
        total = golden_master.execute(
            f"select sum(booked_net_amount), sum(booked_discount_amount) from reports.{report} "
            "where category_level = 1"
        ).fetchone()
        assert (
            total
            == golden_master.execute(
                "select sum(net_amount_base), sum(discount_amount_base) "
                "from marts.fct_sales_order_lines where is_booked"
            ).fetchone()
        )


def test_gross_margin_per_line_in_both_currencies(golden_master):
    margins = rows(
        golden_master,
        "select order_id, line_id, cost_price_source, cost_amount, margin_amount, "
        "cost_amount_base, margin_amount_base from marts.fct_sales_order_lines "
        "where order_id in (1001, 1002, 1007) order by order_id, line_id",
    )
    assert [tuple(r.values()) for r in margins] == [
        # the line's own cost price: 2 x 30.00; net 89.98
        (1001, 1, "line", D("60.00"), D("29.98"), D("60.00"), D("29.98")),
        (1001, 2, None, None, None, None, None),  # a text line: no cost known
        (1001, 3, None, None, None, None, None),  # product 103 is not in the master data
        # EUR at 11.5, the product's cost at the sale (20.00, base currency): 3 x 20.00 = 60.00
        # NOK = 5.2173… → 5.22 EUR; net 59.85 EUR, 688.28 NOK
        (1002, 1, "product", D("5.22"), D("54.63"), D("60.00"), D("628.28")),
        (1002, 2, None, None, None, None, None),
        # 100 % discount: net 0, cost 2 x 5.00
        (1007, 1, "product", D("10.00"), D("-10.00"), D("10.00"), D("-10.00")),
        # after the move: 3 x 20.00 against a net of 16.32
        (1007, 2, "product", D("60.00"), D("-43.68"), D("60.00"), D("-43.68")),
    ]
    # sold before the move on 2025-02-01, at the cost price then (18.00)
    assert one(
        golden_master,
        "select cost_amount_base from marts.fct_sales_order_lines "
        "where order_id = 1006 and line_id = 1",
    ) == {"cost_amount_base": D("18.00")}


def test_the_margin_report_sums_booked_lines(golden_master):
    by_month = rows(
        golden_master,
        "select month, sum(line_count) as lines, sum(uncosted_line_count) as uncosted, "
        "sum(net_amount_base) as net, sum(cost_amount_base) as cost, "
        "sum(margin_amount_base) as margin from reports.rpt_gross_margin "
        "group by month order by month",
    )
    assert [tuple(r.values()) for r in by_month] == [
        (dt.date(2024, 1, 1), 1, 0, D("95.00"), D("50.00"), D("45.00")),
        (dt.date(2025, 1, 1), 3, 2, D("89.98"), D("60.00"), D("29.98")),
        (dt.date(2025, 2, 1), 4, 1, D("704.60"), D("130.00"), D("574.60")),
    ]
    eur = one(
        golden_master,
        "select net_amount, cost_amount, margin_amount, margin_pct, category_level_1 "
        "from reports.rpt_gross_margin where currency_code = 'EUR' and product_id = 101",
    )
    assert eur == {
        "net_amount": D("59.85"),
        "cost_amount": D("5.22"),
        "margin_amount": D("54.63"),
        "margin_pct": D("91.28"),  # 628.28 x 100 / 688.28
        "category_level_1": "Accessories",
    }


def test_the_fallback_report_shows_what_the_master_data_lacks(golden_master):
    fallbacks = rows(
        golden_master,
        "select dimension, dimension_id, reason, uses from reports.rpt_dimension_fallbacks",
    )
    assert sorted(tuple(r.values()) for r in fallbacks) == [
        ("account", "103200", "not in master data", 2),
        ("customer", "503", "not in master data", 2),
        ("product", "103", "not in master data", 2),
        ("tax_code", "5", "not in master data", 2),
        ("tax_code", "7", "deleted upstream", 0),
        ("tax_code", "9", "not in master data", 0),
    ]


def test_names_reach_the_reports(golden_master):
    tax = rows(
        golden_master,
        "select distinct tax_number, tax_name from reports.rpt_revenue_by_tax_code order by 1",
    )
    assert [tuple(r.values()) for r in tax] == [
        (1, "Utgående mva, høy sats"),
        (31, "Utgående mva, middels sats"),
        (33, "Utgående mva, lav sats"),
        (52, None),
    ]
    countries = rows(
        golden_master,
        "select country_code, customer_type, sum(booked_net_amount) as net "
        "from reports.rpt_revenue_by_customer_country group by all order by all",
    )
    assert [tuple(r.values()) for r in countries] == [
        ("DE", "person", D("228.39")),
        ("NO", "company", D("171.24")),  # 1001 and 1007
        ("NO", "unknown", D("95.00")),
    ]


def test_the_data_tests_pass_with_master_data(golden_master):
    assert [r.describe() for r in run_data_tests(golden_master) if not r.passed] == []


def test_a_fact_key_without_any_dimension_row_fails(fresh_golden):
    """Fallback rows never fail a run; a key with no dimension row at all does."""
    load_master_data(fresh_golden)
    build_models(fresh_golden)
    fresh_golden.execute("delete from marts.dim_products where product_id = 103")
    failed = {r.name: r for r in run_data_tests(fresh_golden) if not r.passed}
    assert list(failed) == ["keys_reference"]
    assert ("marts.fct_sales_order_lines", "product_id") in {
        row[:2] for row in failed["keys_reference"].sample
    }


def test_the_models_build_on_a_warehouse_without_master_data():
    con = duckdb.connect()
    load_golden(con)  # the raw master tables exist, empty
    build_models(con)
    flags = con.execute(
        "select count(*) filter (where is_from_master_data), count(*) from marts.dim_products"
    ).fetchone()
    assert flags == (0, 3)
    con.close()
