"""marts.fct_sales_order_lines against Python's Decimal on a few thousand random lines.

The model computes the money rules of docs/architecture.md in integers (BIGINT where the products
fit, HUGEINT where they do not); this checks every amount, to the cent, against the rules
written with :mod:`decimal` and ROUND_HALF_UP (half away from zero): negative quantities,
0 and 100 % discounts, 6-decimal prices and rates, exact half-cent ties, 10-decimal exchange
rates, amounts large enough to take the HUGEINT branches, and the full ranges the load
accepts: quantities and prices of 12 integer digits, rates from 10^-10 to 10^9, up to the
largest amount in the base currency the load lets through (records.AMOUNT_LIMIT).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal, localcontext

import duckdb
import pytest

from twentyfourseven.warehouse.model_runner import build_models, run_data_tests
from twentyfourseven.warehouse.records import AMOUNT_LIMIT
from twentyfourseven.warehouse.schema import create_schema

from .money import expected_amounts

LINES = 3000
SEED = 20250305
EXTRACTED = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)
BIGINT_MAX = 2**63 - 1
HUGEINT_MAX = 2**127 - 1


def _decimal(rng: random.Random, whole_digits: int, decimals: int) -> Decimal:
    return Decimal(rng.randrange(10 ** (whole_digits + decimals))).scaleb(-decimals)


def _rate(rng: random.Random) -> Decimal:
    return rng.choice(
        (
            Decimal(1),
            Decimal("11.5"),
            _decimal(rng, 2, 10),
            _decimal(rng, 0, 10) or Decimal("1E-10"),
            Decimal("1E-10"),
            Decimal(1_000_000_000),
            _decimal(rng, 9, 10) or Decimal(1),
        )
    )


def _extreme_line(rng: random.Random) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """A line anywhere in the load's ranges whose base amount is below AMOUNT_LIMIT."""
    while True:
        digits = (12, 12, 11, 9, 6, 3, 0)  # the largest most often
        quantity = _decimal(rng, rng.choice(digits), 6) * rng.choice((1, -1))
        price = _decimal(rng, rng.choice(digits), rng.randrange(7)) * rng.choice((1, 1, -1))
        rate = _rate(rng)
        if abs(quantity * price * rate) < AMOUNT_LIMIT:
            discount = rng.choice((Decimal(0), Decimal(100), _decimal(rng, 2, 6)))
            tax = rng.choice((Decimal(100), Decimal(25), _decimal(rng, 2, 6)))
            return quantity, price, discount, tax, rate


def _line(rng: random.Random) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """(quantity, price, discount_rate, tax_rate, exchange_rate)"""
    kind = rng.random()
    if kind < 0.15:  # the whole accepted range, up to 10^24 in either currency
        return _extreme_line(rng)
    if kind < 0.3:  # large: quantity x price beyond 9.2 million (the HUGEINT branches)
        quantity = _decimal(rng, 6, rng.choice((0, 3, 6)))
        price = _decimal(rng, 7, rng.choice((2, 6)))
    elif kind < 0.5:  # half-cent ties: a price with a 5 in the third decimal
        quantity = Decimal(rng.randrange(1, 50))
        price = Decimal(rng.randrange(1, 100_000)).scaleb(-2) + Decimal("0.005")
    else:
        quantity = _decimal(rng, 3, rng.choice((0, 0, 2, 6)))
        price = _decimal(rng, 5, rng.choice((2, 2, 4, 6)))
    if rng.random() < 0.15:
        quantity = -quantity  # credit line
    discount = rng.choice(
        (Decimal(0), Decimal(0), Decimal(100), Decimal("12.5"), _decimal(rng, 2, 6))
    )
    tax = rng.choice((Decimal(25), Decimal(15), Decimal(12), Decimal(0), _decimal(rng, 2, 6)))
    rate = rng.choice((Decimal(1), Decimal("11.5"), _decimal(rng, 2, 10), _decimal(rng, 0, 10)))
    return quantity, price, discount, tax, rate


@pytest.fixture(scope="module")
def random_lines() -> tuple[duckdb.DuckDBPyConnection, list[tuple]]:
    rng = random.Random(SEED)
    lines = [_line(rng) for _ in range(LINES)]
    con = duckdb.connect()
    create_schema(con)
    con.executemany(
        "insert into raw.sales_orders (order_id, status, order_date, currency_code, "
        "currency_rate, run_id, extracted_at) values (?, 'Invoice', '2025-01-15', 'EUR', ?, "
        "'property', ?)",
        [[order_id, line[4], EXTRACTED] for order_id, line in enumerate(lines, start=1)],
    )
    con.executemany(
        "insert into raw.sales_order_lines (order_id, line_number, line_id, line_type, "
        "quantity, price, discount_rate, tax_rate, run_id, extracted_at) "
        "values (?, 1, 1, 'product', ?, ?, ?, ?, 'property', ?)",
        [[order_id, *line[:4], EXTRACTED] for order_id, line in enumerate(lines, start=1)],
    )
    build_models(con)
    yield con, lines
    con.close()


def test_every_amount_matches_decimal_round_half_up(random_lines):
    con, lines = random_lines
    columns = list(expected_amounts(*lines[0]))
    cursor = con.execute(
        f"select order_id, {', '.join(columns)} from marts.fct_sales_order_lines order by order_id"
    )
    found = cursor.fetchall()
    assert len(found) == len(lines)
    wrong = []
    for (order_id, *amounts), line in zip(found, lines, strict=True):
        expected = expected_amounts(*line)
        actual = dict(zip(columns, amounts, strict=True))
        if actual != expected:
            wrong.append((order_id, line, actual, expected))
    assert wrong == [], wrong[:3]


def test_the_sample_reaches_every_branch(random_lines):
    _, lines = random_lines
    products = [q * p * 10**12 for q, p, *_ in lines]
    assert sum(abs(x) > BIGINT_MAX for x in products) > 100  # HUGEINT gross and net
    assert sum(abs(x) <= BIGINT_MAX for x in products) > 1000  # BIGINT gross and net
    assert sum(q < 0 for q, *_ in lines) > 100
    assert sum(d == 100 for _, _, d, *_ in lines) > 100
    ties = [q * p * 100 for q, p, *_ in lines]
    assert sum(t % 1 == Decimal("0.5") for t in ties) > 100  # half-cent ties in gross
    with localcontext() as context:
        context.prec = 80
        # net: gross_e12 x kept_rate_e6 beyond HUGEINT (split in the model)
        net_products = [q * p * (100 - d) * 10**18 for q, p, d, *_ in lines]
        assert sum(abs(x) > HUGEINT_MAX for x in net_products) > 50
        # base cents beyond BIGINT, and the limit of both currencies nearly reached
        base = [abs(q * p * r) for q, p, _, _, r in lines]
        assert sum(b * 100 > BIGINT_MAX for b in base) > 100
        assert sum(b > AMOUNT_LIMIT / 1000 for b in base) > 20
    assert sum(r == 1_000_000_000 for *_, r in lines) > 20


def test_the_data_tests_pass_on_random_lines(random_lines):
    con, _ = random_lines
    assert [r.describe() for r in run_data_tests(con) if not r.passed] == []


def test_the_line_data_tests_catch_a_tie_rounded_to_even(fresh_golden):
    # 1003 line 2: tax 42.50 x 15 % = 6.375, a tie: 6.38 away from zero, 6.37 toward it
    fresh_golden.execute(
        "update marts.fct_sales_order_lines set tax_amount = 6.37, total_amount = 48.87 "
        "where order_id = 1003 and line_id = 2"
    )
    failed = [r.name for r in run_data_tests(fresh_golden) if not r.passed]
    assert failed == ["line_net_plus_tax_equals_total"]
