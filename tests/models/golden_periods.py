"""A small hand-computed data set for the three period views and the accrual schedule.

Inserted straight into ``raw`` like ``golden.py``'s, with invoice dates and accruals; every
expected value in ``test_golden_periods.py`` was computed by hand from the period rule
(docs/architecture.md: a line with an accrual is recognized over its accrual's months, the
remainder cents to the earliest months; a line without one in its invoice month, or its
order month while not invoiced):

=====  ==========  ==========  ==========  =============================================
order  status      order date  invoiced    lines (quantity x price, tax %; accrual)
=====  ==========  ==========  ==========  =============================================
2001   Invoice     2025-01-28  2025-02-03  1 x 1000.00 25 %: the month after the order
2002   Invoice     2025-01-10  2025-01-10  1 x 1000.00 25 %; order accrual 2025-01, 12
2003   Confirmed   2025-03-15  -           1 x 200.00 25 %; credit -1 x 100.01 25 % with
                                           its own accrual 2025-04-17, 3 months
2004   Draft       2025-02-10  -           1 x 50.00 25 %; order accrual 2025-02, 2
2005   Invoice     2025-02-27  2025-03-02  deleted: 1 x 500.00 25 % (never counts)
=====  ==========  ==========  ==========  =============================================
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

from twentyfourseven.warehouse.schema import create_schema

RUN = "golden-periods"
EXTRACTED = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.UTC)
TAX_25 = (1, 1, Decimal(25))

ORDER_FIELDS = (
    "order_id", "status", "order_date", "invoice_date", "accrual_start_date", "accrual_length",
    "deleted_at",
)  # fmt: skip
ORDERS = [
    (2001, "Invoice", "2025-01-28", "2025-02-03", None, None, None),
    (2002, "Invoice", "2025-01-10", "2025-01-10", "2025-01-01", 12, None),
    (2003, "Confirmed", "2025-03-15", None, None, None, None),
    (2004, "Draft", "2025-02-10", None, "2025-02-01", 2, None),
    (2005, "Invoice", "2025-02-27", "2025-03-02", None, None, "2025-03-20"),
]

LINE_FIELDS = (
    "order_id", "line_number", "line_id", "quantity", "price", "accrual_start_date",
    "accrual_length",
)  # fmt: skip
LINES = [
    (2001, 1, 1, "1", "1000.00", None, None),
    (2002, 1, 1, "1", "1000.00", None, None),
    (2003, 1, 1, "1", "200.00", None, None),
    (2003, 2, 2, "-1", "100.01", "2025-04-17", 3),
    (2004, 1, 1, "1", "50.00", None, None),
    (2005, 1, 1, "1", "500.00", None, None),
]


def load_golden_periods(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``raw`` and ``ops`` tables and insert the period data set."""
    create_schema(con)
    con.executemany(
        f"INSERT INTO raw.sales_orders ({', '.join(ORDER_FIELDS)}, run_id, extracted_at) "
        f"VALUES ({', '.join('?' for _ in ORDER_FIELDS)}, ?, ?)",
        [[*row, RUN, EXTRACTED] for row in ORDERS],
    )
    con.executemany(
        f"INSERT INTO raw.sales_order_lines ({', '.join(LINE_FIELDS)}, line_type, tax_id, "
        f"tax_number, tax_rate, run_id, extracted_at) "
        f"VALUES ({', '.join('?' for _ in LINE_FIELDS)}, 'product', ?, ?, ?, ?, ?)",
        [
            [*row[:3], Decimal(row[3]), Decimal(row[4]), *row[5:], *TAX_25, RUN, EXTRACTED]
            for row in LINES
        ],
    )
