"""The models on the hand-computed data set of ``golden.py``: every amount to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

D = Decimal


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> dict[str, Any]:
    (row,) = rows(con, sql, *params)
    return row


AMOUNTS = "gross_amount, discount_amount, net_amount, tax_amount, total_amount"
BASE = (
    "gross_amount_base, discount_amount_base, net_amount_base, tax_amount_base, total_amount_base"
)


def line(con, order_id: int, line_id: int, columns: str = AMOUNTS) -> tuple:
    return con.execute(
        f"select {columns} from marts.fct_sales_order_lines where order_id = ? and line_id = ?",
        [order_id, line_id],
    ).fetchone()


def test_the_documentation_example_lines(golden):
    # 2 x 49.99 = 99.98; x 0.9 = 89.982 → 89.98; tax 22.495 → 22.50 (half away from zero)
    assert line(golden, 1001, 1) == (D("99.98"), D("10.00"), D("89.98"), D("22.50"), D("112.48"))
    # text line 5 x 4.99 = 24.95; tax 6.2375 → 6.24
    assert line(golden, 1001, 2) == (D("24.95"), D("0.00"), D("24.95"), D("6.24"), D("31.19"))
    # 1 x 39.99; tax 9.9975 → 10.00
    assert line(golden, 1001, 3) == (D("39.99"), D("0.00"), D("39.99"), D("10.00"), D("49.99"))
    flags = rows(
        golden,
        "select line_id, is_text_line, product_id from marts.fct_sales_order_lines "
        "where order_id = 1001 order by line_id",
    )
    assert [(r["is_text_line"], r["product_id"]) for r in flags] == [
        (False, 101),
        (True, None),
        (False, 103),
    ]
    order = one(
        golden, f"select {AMOUNTS}, line_count from marts.fct_sales_orders where order_id = 1001"
    )
    assert order == {
        "gross_amount": D("164.92"),
        "discount_amount": D("10.00"),
        "net_amount": D("154.92"),
        "tax_amount": D("38.74"),
        "total_amount": D("193.66"),
        "line_count": 3,
    }


def test_fractional_quantity_and_ties_round_half_away_from_zero(golden):
    # 1.5 x 33.33 = 49.995 → 50.00; x 0.85 = 42.49575 → 42.50; tax 15 % 6.375 → 6.38
    assert line(golden, 1003, 2) == (D("50.00"), D("7.50"), D("42.50"), D("6.38"), D("48.88"))
    # 3 x 7.77 = 23.31; x 0.7 = 16.317 → 16.32; tax 12 % 1.9584 → 1.96
    assert line(golden, 1007, 2) == (D("23.31"), D("6.99"), D("16.32"), D("1.96"), D("18.28"))


def test_full_discount(golden):
    assert line(golden, 1003, 1) == (D("50.00"), D("50.00"), D("0.00"), D("0.00"), D("0.00"))
    assert line(golden, 1007, 1, "discount_band, discount_band_order, is_discounted") == (
        "100 %",
        5,
        True,
    )


def test_foreign_currency_and_credit_line(golden):
    # EUR at 11.5: 59.85 x 11.5 = 688.275 → 688.28; credit -39.99 x 11.5 = -459.885 → -459.89
    assert line(golden, 1002, 1) == (D("59.85"), D("0.00"), D("59.85"), D("0.00"), D("59.85"))
    assert line(golden, 1002, 1, BASE) == (
        D("688.28"),
        D("0.00"),
        D("688.28"),
        D("0.00"),
        D("688.28"),
    )
    assert line(golden, 1002, 2) == (D("-39.99"), D("0.00"), D("-39.99"), D("0.00"), D("-39.99"))
    assert line(golden, 1002, 2, BASE + ", is_credit_line") == (
        D("-459.89"),
        D("0.00"),
        D("-459.89"),
        D("0.00"),
        D("-459.89"),
        True,
    )
    order = one(golden, "select * from marts.fct_sales_orders where order_id = 1002")
    assert (order["currency_code"], order["exchange_rate"]) == ("EUR", D("11.5"))
    assert (order["net_amount"], order["net_amount_base"]) == (D("19.86"), D("228.39"))
    assert order["status_category"] == "confirmed"
    # no currency given: the base currency, rate 1
    assert line(golden, 1005, 1, "exchange_rate, net_amount, net_amount_base") == (
        D(1),
        D("95.00"),
        D("95.00"),
    )


def test_deleted_orders_never_count(golden):
    for relation in (
        "marts.fct_sales_order_lines",
        "marts.fct_sales_orders",
        "reports.rpt_order_reconciliation",
    ):
        found = golden.execute(f"select count(*) from {relation} where order_id = 1004").fetchone()
        assert found == (0,), relation
    january = one(golden, "select * from reports.rpt_revenue_by_month where month = '2025-01-01'")
    assert january["booked_net_amount"] == D("154.92")  # not + 1000.00 of the deleted order
    # the customer keeps the name from its live order, not the deleted order's later one
    customer = one(golden, "select * from marts.dim_customers where customer_id = 502")
    assert (customer["customer_name"], customer["order_count"]) == ("Berg GmbH", 1)
    # staging still shows the order, flagged
    assert one(golden, "select is_deleted from staging.stg_sales_orders where order_id = 1004") == {
        "is_deleted": True
    }


def test_revenue_by_month(golden):
    months = rows(golden, "select * from reports.rpt_revenue_by_month order by month")
    assert [m["month"] for m in months] == [dt.date(2024, m, 1) for m in range(1, 13)] + [
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
    ]
    by_month = {m["month"]: m for m in months}
    jan24, jan25, feb25 = (
        by_month[dt.date(2024, 1, 1)],
        by_month[dt.date(2025, 1, 1)],
        by_month[dt.date(2025, 2, 1)],
    )
    assert (jan24["booked_net_amount"], jan24["booked_tax_amount"]) == (D("95.00"), D("23.75"))
    # January 2025: order 1001 only (1006 is inactive, 1004 deleted)
    assert {k: jan25[k] for k in ("booked_order_count", "booked_net_amount", "booked_tax_amount",
                                  "booked_total_amount", "invoiced_net_amount",
                                  "confirmed_net_amount", "pipeline_net_amount")} == {
        "booked_order_count": 1,
        "booked_net_amount": D("154.92"),
        "booked_tax_amount": D("38.74"),
        "booked_total_amount": D("193.66"),
        "invoiced_net_amount": D("154.92"),
        "confirmed_net_amount": D("0.00"),
        "pipeline_net_amount": D("0.00"),
    }  # fmt: skip
    # year over year: 154.92 - 95.00 = 59.92, 63.07 % of 95.00; month before was 0: no percent
    assert (jan25["booked_net_yoy_change"], jan25["booked_net_yoy_change_pct"]) == (
        D("59.92"),
        D("63.07"),
    )
    assert (jan25["booked_net_mom_change"], jan25["booked_net_mom_change_pct"]) == (
        D("154.92"),
        None,
    )
    # February 2025: 1002 (EUR, 228.39 in NOK) + 1007 (16.32) booked; 1003 pipeline
    assert {k: feb25[k] for k in ("booked_order_count", "booked_net_amount", "booked_tax_amount",
                                  "booked_total_amount", "invoiced_net_amount",
                                  "confirmed_net_amount", "pipeline_order_count",
                                  "pipeline_net_amount", "pipeline_tax_amount",
                                  "pipeline_total_amount")} == {
        "booked_order_count": 2,
        "booked_net_amount": D("244.71"),
        "booked_tax_amount": D("1.96"),
        "booked_total_amount": D("246.67"),
        "invoiced_net_amount": D("16.32"),
        "confirmed_net_amount": D("228.39"),
        "pipeline_order_count": 1,
        "pipeline_net_amount": D("42.50"),
        "pipeline_tax_amount": D("6.38"),
        "pipeline_total_amount": D("48.88"),
    }  # fmt: skip
    # 244.71 - 154.92 = 89.79 = 57.96 % of 154.92
    assert (feb25["booked_net_mom_change"], feb25["booked_net_mom_change_pct"]) == (
        D("89.79"),
        D("57.96"),
    )
    assert (feb25["pipeline_net_mom_change"], feb25["pipeline_net_mom_change_pct"]) == (
        D("42.50"),
        None,
    )
    # February 2024 fell from 95.00 to 0: -100 %
    assert by_month[dt.date(2024, 2, 1)]["booked_net_mom_change_pct"] == D("-100.00")


def test_revenue_by_customer_product_account_tax_code_and_currency(golden):
    customers = rows(
        golden,
        "select month, customer_id, customer_name, booked_net_amount, pipeline_net_amount "
        "from reports.rpt_revenue_by_customer order by month, customer_id",
    )
    assert [tuple(r.values()) for r in customers] == [
        (dt.date(2024, 1, 1), 503, "Fjord Consulting AS", D("95.00"), D("0.00")),
        (dt.date(2025, 1, 1), 501, "Nordlys Handel AS", D("154.92"), D("0.00")),
        (dt.date(2025, 2, 1), 501, "Nordlys Handel AS", D("16.32"), D("42.50")),
        (dt.date(2025, 2, 1), 502, "Berg GmbH", D("228.39"), D("0.00")),
    ]
    products = rows(
        golden,
        "select product_id, product_name, booked_quantity, booked_net_amount "
        "from reports.rpt_revenue_by_product where month = '2025-01-01' order by product_id",
    )
    assert [tuple(r.values()) for r in products] == [
        (101, "Leather handbag", D("2"), D("89.98")),
        (103, "Silk scarves with intricate floral patterns.", D("1"), D("39.99")),
        (None, "(no product)", D("5"), D("24.95")),  # the text line
    ]
    # any period: first quarter of 2025, by account
    accounts = rows(
        golden,
        "select account_number, sum(booked_net_amount) as net, sum(booked_tax_amount) as tax "
        "from reports.rpt_revenue_by_account where month between '2025-01-01' and '2025-03-01' "
        "group by account_number order by account_number",
    )
    assert [tuple(r.values()) for r in accounts] == [
        (1500, D("171.24"), D("40.70")),  # 1001 (154.92, 38.74) + 1007 (16.32, 1.96)
        (3200, D("228.39"), D("0.00")),  # 1002 in NOK
    ]
    tax_codes = rows(
        golden,
        "select tax_number, tax_rate, booked_net_amount, booked_tax_amount, pipeline_tax_amount "
        "from reports.rpt_revenue_by_tax_code where month = '2025-02-01' order by tax_number",
    )
    assert [tuple(r.values()) for r in tax_codes] == [
        (1, D("25"), D("0.00"), D("0.00"), D("0.00")),  # 1007 line 1 (100 %) and 1003 line 1
        (31, D("15"), D("0.00"), D("0.00"), D("6.38")),
        (33, D("12"), D("16.32"), D("1.96"), D("0.00")),
        (52, D("0"), D("228.39"), D("0.00"), D("0.00")),
    ]
    currencies = rows(
        golden,
        "select currency_code, booked_net_amount_in_currency, booked_net_amount, "
        "pipeline_net_amount from reports.rpt_revenue_by_currency where month = '2025-02-01' "
        "order by currency_code",
    )
    assert [tuple(r.values()) for r in currencies] == [
        ("EUR", D("19.86"), D("228.39"), D("0.00")),
        ("NOK", D("16.32"), D("16.32"), D("42.50")),
    ]


def test_discounts(golden):
    by_month = rows(
        golden,
        "select month, line_count, discounted_line_count, discounted_line_share_pct, "
        "gross_amount, discount_amount, net_amount, effective_discount_rate_pct "
        "from reports.rpt_discounts_by_month order by month",
    )
    assert [tuple(r.values()) for r in by_month] == [
        (dt.date(2024, 1, 1), 1, 1, D("100.00"), D("100.00"), D("5.00"), D("95.00"), D("5.00")),
        # 10.00 of 164.92 = 6.0635 %
        (dt.date(2025, 1, 1), 3, 1, D("33.33"), D("164.92"), D("10.00"), D("154.92"), D("6.06")),
        # 688.28 - 459.89 + 50.00 + 23.31 = 301.70 gross; 50.00 + 6.99 = 56.99 off: 18.89 %
        (dt.date(2025, 2, 1), 4, 2, D("50.00"), D("301.70"), D("56.99"), D("244.71"), D("18.89")),
    ]
    bands = rows(
        golden,
        "select discount_band, line_count, share_of_lines_pct, gross_amount, discount_amount, "
        "share_of_discount_pct from reports.rpt_discount_bands order by discount_band_order",
    )
    assert [tuple(r.values()) for r in bands] == [
        ("0 %", 4, D("50.00"), D("293.33"), D("0.00"), D("0.00")),
        ("0-10 %", 2, D("25.00"), D("199.98"), D("15.00"), D("20.84")),
        ("10-25 %", 0, D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("25-50 %", 1, D("12.50"), D("23.31"), D("6.99"), D("9.71")),
        ("50-<100 %", 0, D("0.00"), D("0.00"), D("0.00"), D("0.00")),
        ("100 %", 1, D("12.50"), D("50.00"), D("50.00"), D("69.45")),
    ]
    top_customers = rows(
        golden,
        "select discount_rank, customer_id, discount_amount, gross_amount, "
        "effective_discount_rate_pct, share_of_all_discount_pct "
        "from reports.rpt_discount_top_customers",
    )
    assert [tuple(r.values()) for r in top_customers] == [
        (1, 501, D("66.99"), D("238.23"), D("28.12"), D("93.05")),
        (2, 503, D("5.00"), D("100.00"), D("5.00"), D("6.95")),
    ]
    top_products = rows(
        golden,
        "select discount_rank, product_id, discount_amount from reports.rpt_discount_top_products",
    )
    assert [tuple(r.values()) for r in top_products] == [(1, 102, D("55.00")), (2, 101, D("16.99"))]
    by_customer = rows(
        golden,
        "select customer_id, discount_amount, effective_discount_rate_pct "
        "from reports.rpt_discounts_by_customer where month = '2025-02-01' order by customer_id",
    )
    assert [tuple(r.values()) for r in by_customer] == [
        (501, D("56.99"), D("77.74")),  # 56.99 of 73.31
        (502, D("0.00"), D("0.00")),
    ]
    by_product = rows(
        golden,
        "select month, product_id, discount_amount from reports.rpt_discounts_by_product "
        "where product_id = 102 order by month",
    )
    assert [tuple(r.values()) for r in by_product] == [
        (dt.date(2024, 1, 1), 102, D("5.00")),
        (dt.date(2025, 2, 1), 102, D("50.00")),
    ]


def test_reconciliation_lists_differences(golden):
    listed = rows(golden, "select * from reports.rpt_order_reconciliation")
    differences = [
        (r["order_id"], r["tax_amount_difference"], r["total_amount_difference"]) for r in listed
    ]
    assert differences == [(1007, D("0.01"), D("0.01"))]
    order = one(
        golden, "select is_reconciled, net_amount_difference from marts.fct_sales_orders "
        "where order_id = 1005",
    )  # fmt: skip
    assert order == {"is_reconciled": True, "net_amount_difference": None}  # no API amounts


def test_dimensions_keep_latest_values(golden):
    """Without master data (the golden set has none) every dimension row comes from the
    orders, flagged as such."""
    customer = one(golden, "select * from marts.dim_customers where customer_id = 501")
    assert customer["customer_name"] == "Nordlys Handel AS"  # 1007, modified last
    assert (customer["order_count"], customer["first_order_date"]) == (3, dt.date(2025, 1, 15))
    assert rows(golden, "select * from marts.dim_tax_codes order by tax_id")[0] == {
        "tax_id": 1,
        "tax_number": 1,
        "tax_name": None,
        "tax_rate": D("25"),
        "is_from_master_data": False,
        "is_deleted": False,
        "line_count": 7,  # 1001 x 3, 1003, 1005, 1006, 1007; not the deleted 1004
        "first_order_date": dt.date(2024, 1, 15),
        "last_order_date": dt.date(2025, 2, 25),
    }
    accounts = rows(
        golden, "select account_id, account_number, account_name from marts.dim_accounts"
    )
    assert sorted(tuple(r.values()) for r in accounts) == [
        (103200, 3200, "Salgsinntekt, utenfor avgiftsområdet"),
        (200001, 1500, "Accounts Receivable"),
    ]
    # 103 is named after its ordinary line, not the later credit line of order 1002
    assert one(golden, "select product_name from marts.dim_products where product_id = 103") == {
        "product_name": "Silk scarves with intricate floral patterns."
    }


def test_the_data_tests_pass_on_the_golden_set(golden):
    from twentyfourseven.warehouse.model_runner import data_tests, run_data_tests

    results = run_data_tests(golden)
    assert len(results) == len(data_tests()) >= 8
    assert [r.describe() for r in results if not r.passed] == []
