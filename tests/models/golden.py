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
