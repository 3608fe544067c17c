"""marts.fct_revenue_schedule's split, as a property over any line it may be given.

Hypothesis draws batches of lines (accrual lengths 1 to 120 months, positive and negative
amounts with odd cents, amounts up to the 10^24 the load admits); each batch is put into
``marts.fct_sales_order_lines`` of a built warehouse and the real model files are run on it.
For every line and amount: the months sum exactly to the line's amount, there is one row per
month, consecutive from the start month, every part is the amount divided by the months
truncated toward zero or one cent further from zero, and the parts one cent further come
first (the remainder cents go to the earliest months).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twentyfourseven.warehouse.model_runner import SQL_DIR, build_models
from twentyfourseven.warehouse.schema import create_schema

# the model: the months of the lines spread over two or more, then the view with all lines
SCHEDULE_SQL = "\n;\n".join(
    (SQL_DIR / "marts" / name).read_text(encoding="utf-8")
    for name in ("base_revenue_schedule_spread.sql", "fct_revenue_schedule.sql")
)
# the totals as marts.fct_sales_order_lines has them, then the model
TOTALS_AND_SCHEDULE = (
    "update marts.fct_sales_order_lines set total_amount = net_amount + tax_amount, "
    "total_amount_base = net_amount_base + tax_amount_base; " + SCHEDULE_SQL
)
CENT = Decimal("0.01")
LIMIT_CENTS = 10**26  # 10^24 in currency units, records.AMOUNT_LIMIT

cents = st.one_of(
    st.integers(-100_000, 100_000),  # small, odd cents: most remainders
    st.integers(-(10**12), 10**12),
    st.integers(-LIMIT_CENTS + 1, LIMIT_CENTS - 1),  # beyond BIGINT's cents
)
line = st.tuples(
    st.integers(1, 120),  # months
    cents,  # net
    cents,  # tax
    cents,  # net, base currency
    cents,  # tax, base currency
    st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)),
)


@pytest.fixture(scope="module")
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_schema(con)
    build_models(con)
    yield con
    con.close()


def _month(start: dt.date, index: int) -> dt.date:
    months = start.year * 12 + start.month - 1 + index
    return dt.date(months // 12, months % 12 + 1, 1)


def _check_split(total: Decimal, parts: list[Decimal]) -> None:
    months = len(parts)
    total_cents = int(total / CENT)
    base = abs(total_cents) // months  # truncated toward zero, in magnitude
    remainder = abs(total_cents) % months
    sign = -1 if total_cents < 0 else 1
    expected = [sign * (base + (1 if k < remainder else 0)) * CENT for k in range(months)]
    assert sum(parts) == total
    assert parts == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(line, min_size=1, max_size=25))
def test_the_months_of_a_line_sum_exactly_to_it(warehouse, lines):
    con = warehouse
    con.execute("delete from marts.fct_sales_order_lines")
    con.executemany(
        "insert into marts.fct_sales_order_lines by name select ? as order_id, 1 as line_id, "
        "true as is_booked, ? as recognition_month_count, ?::date as recognition_start_month, "
        "?::decimal(38, 2) as net_amount, ?::decimal(38, 2) as tax_amount, "
        "?::decimal(38, 2) as net_amount_base, ?::decimal(38, 2) as tax_amount_base",
        [
            [n, months, start.replace(day=1), *(Decimal(c) * CENT for c in amounts)]
            for n, (months, *amounts, start) in enumerate(lines)
        ],
    )
    con.execute(TOTALS_AND_SCHEDULE)
    rows = con.execute(
        "select order_id, month_number, month, month_count, net_amount, tax_amount, "
        "total_amount, net_amount_base, tax_amount_base, total_amount_base "
        "from marts.fct_revenue_schedule order by order_id, month_number"
    ).fetchall()
    by_line: dict[int, list[tuple]] = {}
    for row in rows:
        by_line.setdefault(row[0], []).append(row)
    assert sorted(by_line) == list(range(len(lines)))
    for n, (months, net, tax, net_base, tax_base, start) in enumerate(lines):
        schedule = by_line[n]
        assert [r[1] for r in schedule] == list(range(1, months + 1))
        assert [r[2] for r in schedule] == [_month(start, k) for k in range(months)]
        assert {r[3] for r in schedule} == {months}
        for column, amount in ((4, net), (5, tax), (7, net_base), (8, tax_base)):
            _check_split(Decimal(amount) * CENT, [r[column] for r in schedule])
        assert all(r[6] == r[4] + r[5] and r[9] == r[7] + r[8] for r in schedule)


def test_a_year_of_1000_is_83_34_four_times_then_83_33(warehouse):
    """The documented example, and its credit line: the remainder to the earliest months."""
    con = warehouse
    con.execute("delete from marts.fct_sales_order_lines")
    con.execute(
        "insert into marts.fct_sales_order_lines by name select order_id, 1 as line_id, "
        "12 as recognition_month_count, date '2025-01-01' as recognition_start_month, "
        "amount as net_amount, 0.00 as tax_amount, amount as net_amount_base, "
        "0.00 as tax_amount_base from (values (1, 1000.00), (2, -1000.00)) as t(order_id, amount)"
    )
    con.execute(TOTALS_AND_SCHEDULE)
    parts = con.execute(
        "select order_id, list(net_amount order by month_number) "
        "from marts.fct_revenue_schedule group by order_id order by order_id"
    ).fetchall()
    year = [Decimal("83.34")] * 4 + [Decimal("83.33")] * 8
    assert parts == [(1, year), (2, [-part for part in year])]
