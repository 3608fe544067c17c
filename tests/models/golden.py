"""A small hand-computed data set for the SQL models, inserted straight into ``raw``.

Order 1001 carries the three lines of the documentation page's example
(``reference/002_*.txt``): 2 x 49.99 with 10 % discount, 5 x 4.99 (a text line)
and 1 x 39.99, all at 25 % tax. The others add what the rules must survive: a
foreign-currency order with a credit line (negative quantity) and half-cent
ties in the conversion, a 100 % discount, a pipeline order, an inactive order,
an order without API amounts or currency, and a deleted order that must never
count. Every expected value in ``test_golden.py`` was computed by hand from
docs/architecture.md's rules (rounding half away from zero to cents):

========  ==========  =====  ===================================================
order     status      month  lines (quantity x price, discount %, tax %)
========  ==========  =====  ===================================================
1001      Invoice     25-01  2 x 49.99 10 % 25 %; text 5 x 4.99; 1 x 39.99 25 %
1002      Confirmed   25-02  EUR at 11.5: 3 x 19.95 0 %; credit -1 x 39.99 0 %
1003      Draft       25-02  4 x 12.50 100 % 25 %; 1.5 x 33.33 15 % 15 %
1004      Invoice     25-01  deleted: 10 x 100.00 25 %
1005      Invoice     24-01  no currency, no API amounts: 10 x 10.00 5 % 25 %
1006      Inactive    25-01  1 x 1000.00 25 %
1007      AdvanceInv  25-02  2 x 25.00 100 % 25 %; 3 x 7.77 30 % 12 % (API tax +0.01)
========  ==========  =====  ===================================================
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

from twentyfourseven.warehouse.schema import create_schema

RUN = "golden-run"
EXTRACTED = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)

ACCOUNT = (200001, 1500, "Accounts Receivable")  # as in the documentation's example
ACCOUNT_EXPORT = (103200, 3200, "Salgsinntekt, utenfor avgiftsområdet")
TAX_25 = (1, 1, "25")  # (tax_id, tax_number, rate) as in the documentation's example
TAX_15 = (2, 31, "15")
TAX_12 = (3, 33, "12")
TAX_0 = (5, 52, "0")

ORDER_FIELDS = (
    "order_id", "status", "order_date", "modified_at", "customer_id", "customer_name",
    "customer_country_code", "currency_code", "currency_rate",
    "net_amount", "tax_amount", "gross_amount", "deleted_at",
)  # fmt: skip

ORDERS = [
    (1001, "Invoice", "2025-01-15", "2025-01-16", 501, "Nordlys AS", "NO", "NOK", "1",
     "154.92", "38.74", "193.66", None),
    (1002, "Confirmed", "2025-02-10", "2025-02-11", 502, "Berg GmbH", "DE", "EUR", "11.5",
     "19.86", "0", "19.86", None),
    (1003, "Draft", "2025-02-20", "2025-02-21", 501, "Nordlys Handel AS", "NO", "NOK", "1",
     "42.50", "6.38", "48.88", None),
    (1004, "Invoice", "2025-01-20", "2025-03-01", 502, "Berg Old GmbH", "DE", "NOK", "1",
     "1000.00", "250.00", "1250.00", "2025-03-02"),
    (1005, "Invoice", "2024-01-15", "2024-01-16", 503, "Fjord Consulting AS", "NO", None, None,
     None, None, None, None),
    (1006, "Inactive", "2025-01-05", "2025-01-06", 503, "Fjord Consulting AS", "NO", "NOK", "1",
     "1000.00", "250.00", "1250.00", None),
    (1007, "AdvanceInvoice", "2025-02-25", "2025-02-26", 501, "Nordlys Handel AS", "NO", "NOK",
     "1", "16.32", "1.97", "18.29", None),
]  # fmt: skip

LINE_FIELDS = (
    "order_id", "line_number", "line_id", "line_type", "description", "product_id",
    "quantity", "price", "discount_rate", "tax_id", "tax_number", "tax_rate",
    "account_id", "account_number", "account_name",
)  # fmt: skip


def _line(order, number, line_id, kind, text, product, qty, price, disc, tax, account=ACCOUNT):
    return (order, number, line_id, kind, text, product, qty, price, disc, *tax, *account)


LINES = [
    # the documentation page's three lines
    _line(1001, 1, 1, "product", "Leather handbag with adjustable strap.", 101,
          "2", "49.99", "10", TAX_25),
    _line(1001, 2, 2, "text", "Customized gift wrapping service.", None,
          "5", "4.99", "0", TAX_25),
    _line(1001, 3, 3, "product", "Silk scarves with intricate floral patterns.", 103,
          "1", "39.99", "0", TAX_25),
    # foreign currency, with a credit line
    _line(1002, 1, 1, "product", "Leather handbag", 101, "3", "19.95", "0", TAX_0,
          ACCOUNT_EXPORT),
    _line(1002, 2, 2, "product", "Kreditering: Silk scarves", 103, "-1", "39.99", "0", TAX_0,
          ACCOUNT_EXPORT),
    # pipeline
    _line(1003, 1, 1, "product", "Wallet", 102, "4", "12.50", "100", TAX_25),
    _line(1003, 2, 2, "product", "Leather handbag", 101, "1.5", "33.33", "15", TAX_15),
    # deleted order: must never count
    _line(1004, 1, 1, "product", "Wallet", 102, "10", "100.00", "0", TAX_25),
    # no currency, no API amounts, a year before
    _line(1005, 1, 1, "product", "Wallet", 102, "10", "10.00", "5", TAX_25),
    # inactive
    _line(1006, 1, 1, "product", "Leather handbag", 101, "1", "1000.00", "0", TAX_25),
    # 100 % discount and a 30 % discount, booked
    _line(1007, 1, 1, "product", "Wallet, free sample", 102, "2", "25.00", "100", TAX_25),
    _line(1007, 2, 2, "product", "Leather handbag", 101, "3", "7.77", "30", TAX_12),
]  # fmt: skip


def _value(field: str, value: object) -> object:
    if value is None:
        return None
    if field in ("quantity", "price", "discount_rate", "tax_rate", "currency_rate") or field in (
        "net_amount",
        "tax_amount",
        "gross_amount",
    ):
        return Decimal(str(value))
    return value


def load_golden(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``raw`` and ``ops`` tables and insert the golden data set."""
    create_schema(con)
    columns = ", ".join(ORDER_FIELDS)
    marks = ", ".join("?" for _ in ORDER_FIELDS)
    con.executemany(
        f"INSERT INTO raw.sales_orders ({columns}, run_id, extracted_at, deleted_run_id) "
        f"VALUES ({marks}, ?, ?, ?)",
        [
            [
                *(_value(f, v) for f, v in zip(ORDER_FIELDS, row, strict=True)),
                RUN,
                EXTRACTED,
                RUN if row[-1] else None,
            ]
            for row in ORDERS
        ],
    )
    columns = ", ".join(LINE_FIELDS)
    marks = ", ".join("?" for _ in LINE_FIELDS)
    con.executemany(
        f"INSERT INTO raw.sales_order_lines ({columns}, run_id, extracted_at) "
        f"VALUES ({marks}, ?, ?)",
        [
            [*(_value(f, v) for f, v in zip(LINE_FIELDS, row, strict=True)), RUN, EXTRACTED]
            for row in LINES
        ],
    )


# --- master data ---------------------------------------------------------------------
#
# The golden orders with master data beside them (``load_master_data``): names as
# 24SevenOffice holds them, a category tree three levels deep with a cycle and a missing
# parent, a product moved between categories on 2025-02-01 (its cost price raised), and
# records the master data lacks (product 103, customer 503, tax code 5, account 103200)
# or has deleted (tax code 7), so the fallback rows are exercised.
#
#   10 Accessories ─┬─ 11 Bags ── 12 Handbags      product 101 from 2025-02-01 (cost 20)
#                   └─ 13 Small leather goods      product 101 before (cost 18)
#   20 Loop A ⇄ 21 Loop B (a cycle)                30 Orphan → 99 (missing): product 102
MOVED_AT = "2025-02-01 00:00:00+00"

CATEGORIES = [  # (category_id, name, parent_id)
    (10, "Accessories", None),
    (11, "Bags", 10),
    (12, "Handbags", 11),
    (13, "Small leather goods", 10),
    (20, "Loop A", 21),
    (21, "Loop B", 20),
    (30, "Orphan", 99),
]

PRODUCT_FIELDS = (
    "product_id", "product_number", "name", "product_type", "status", "unit_name",
    "cost_price", "sales_price", "category_id",
)  # fmt: skip
PRODUCTS = [
    (101, "P-101", "Leather handbag", "Goods", "Active", "pcs", "20.00", "49.99", 12),
    (102, "P-102", "Wallet", "Goods", "Active", "pcs", "5.00", "12.50", 30),
]
# (product_id, valid_from, valid_to, name, cost_price, category_id)
PRODUCT_VERSIONS = [
    (101, "1900-01-01 00:00:00+00", MOVED_AT, "Handbag", "18.00", 13),
    (101, MOVED_AT, None, "Leather handbag", "20.00", 12),
    (102, "1900-01-01 00:00:00+00", None, "Wallet", "5.00", 30),
]

CUSTOMER_FIELDS = (
    "customer_id", "name", "is_company", "is_supplier", "organization_number", "first_name",
    "last_name", "city", "country_code",
)  # fmt: skip
CUSTOMERS = [
    (501, "Nordlys Holding AS", True, True, "987654321", None, None, "Oslo", "NO"),
    (502, "Anna Berg", False, False, None, "Anna", "Berg", "Berlin", "DE"),
]

# (tax_id, tax_number, name, rate, deleted)
TAX_CODES = [
    (1, 1, "Utgående mva, høy sats", "25", False),
    (2, 31, "Utgående mva, middels sats", "15", False),
    (3, 33, "Utgående mva, lav sats", "12", False),
    (7, 7, "Old code", "10", True),
]
# (account_id, account_number, name, tax_id): 300000 names tax code 9, which nothing else has
ACCOUNTS = [
    (200001, 1500, "Kundefordringer", 1),
    (300000, 3000, "Salgsinntekt, avgiftspliktig", 9),
]
CURRENCIES = [("NOK", "1"), ("EUR", "11.4")]

# the line 1001/1 gives its own cost price (order currency)
LINE_COST = (1001, 1, "30.00")


def load_master_data(con: duckdb.DuckDBPyConnection) -> None:
    """Insert the master data above beside the golden orders (after :func:`load_golden`)."""
    stamp = [RUN, EXTRACTED]
    con.executemany(
        "INSERT INTO raw.product_categories (category_id, name, parent_id, run_id, extracted_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [[*row, *stamp] for row in CATEGORIES],
    )
    columns = ", ".join(PRODUCT_FIELDS)
    marks = ", ".join("?" for _ in PRODUCT_FIELDS)
    con.executemany(
        f"INSERT INTO raw.products ({columns}, run_id, extracted_at) VALUES ({marks}, ?, ?)",
        [[*(_decimal(v) for v in row), *stamp] for row in PRODUCTS],
    )
    con.executemany(
        "INSERT INTO raw.products_history (product_id, valid_from, valid_to, name, cost_price, "
        "category_id, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[*(_decimal(v) for v in row), RUN] for row in PRODUCT_VERSIONS],
    )
    columns = ", ".join(CUSTOMER_FIELDS)
    marks = ", ".join("?" for _ in CUSTOMER_FIELDS)
    con.executemany(
        f"INSERT INTO raw.customers ({columns}, run_id, extracted_at) VALUES ({marks}, ?, ?)",
        [[*row, *stamp] for row in CUSTOMERS],
    )
    con.executemany(
        f"INSERT INTO raw.customers_history ({columns}, valid_from, run_id) "
        f"VALUES ({marks}, '1900-01-01 00:00:00+00', ?)",
        [[*row, RUN] for row in CUSTOMERS],
    )
    con.executemany(
        "INSERT INTO raw.tax_codes (tax_id, tax_number, name, rate, run_id, extracted_at, "
        "deleted_at, deleted_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [tax_id, number, name, Decimal(rate), *stamp, EXTRACTED if gone else None,
             RUN if gone else None]
            for tax_id, number, name, rate, gone in TAX_CODES
        ],
    )  # fmt: skip
    con.executemany(
        "INSERT INTO raw.accounts (account_id, account_number, name, tax_id, run_id, "
        "extracted_at) VALUES (?, ?, ?, ?, ?, ?)",
        [[*row, *stamp] for row in ACCOUNTS],
    )
    con.executemany(
        "INSERT INTO raw.currencies (currency_code, rate, run_id, extracted_at) "
        "VALUES (?, ?, ?, ?)",
        [[code, Decimal(rate), *stamp] for code, rate in CURRENCIES],
    )
    order_id, line_id, cost = LINE_COST
    con.execute(
        "UPDATE raw.sales_order_lines SET cost_price = ? WHERE order_id = ? AND line_id = ?",
        [Decimal(cost), order_id, line_id],
    )


def _decimal(value: object) -> object:
    """Prices given as text become ``Decimal``; anything else stays as it is."""
    if isinstance(value, str) and value.replace(".", "", 1).isdigit() and "." in value:
        return Decimal(value)
    return value
