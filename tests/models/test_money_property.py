"""marts.fct_sales_order_lines against Python's Decimal on a few thousand random lines.

The model computes the money rules of docs/architecture.md in integers: a fast path in
BIGINT/HUGEINT for lines whose values have at most 6 decimals (exchange rates 10), and an
exact path on split HUGEINT products for the others (values of up to 16 decimals). This
checks every amount, cost and margin, to the cent, against the rules written with
:mod:`decimal` and ROUND_HALF_UP (half away from zero), on both paths: negative quantities,
0 and 100 % discounts, 6-decimal prices and rates, exact half-cent ties, 10-decimal exchange
rates, amounts large enough to take the HUGEINT branches, and the full ranges the load
accepts: quantities and prices of 12 integer digits and 16 decimals, discount and tax rates
of 16 decimals, rates from 10^-10 to 10^9, up to the largest amount in the base currency the
load lets through (records.AMOUNT_LIMIT); cost prices on the line (order currency) or only
on the product (base currency).
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

from .money import expected_amounts, expected_cost

LINES = 3000
SEED = 20250305
EXTRACTED = dt.datetime(2025, 3, 5, 12, 0, tzinfo=dt.UTC)
BIGINT_MAX = 2**63 - 1
HUGEINT_MAX = 2**127 - 1
COST_COLUMNS = (
    "cost_price_source",
    "cost_amount",
    "margin_amount",
    "cost_amount_base",
    "margin_amount_base",
)

Line = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]


def _decimal(rng: random.Random, whole_digits: int, decimals: int) -> Decimal:
    return Decimal(rng.randrange(10 ** (whole_digits + decimals))).scaleb(-decimals)


def _long(rng: random.Random, whole_digits: int) -> Decimal:
    """A value with 7 to 16 decimals (the last one not 0): beyond the fast path."""
    decimals = rng.randrange(7, 17)
    return _decimal(rng, whole_digits, decimals - 1).scaleb(-1) + Decimal(
        rng.randrange(1, 10)
    ).scaleb(-decimals)


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
            _long(rng, 2) + Decimal("1E-16"),  # 11-16 decimals: the exact path
            _long(rng, 0) or Decimal("1E-10"),
        )
    )


def _extreme_line(rng: random.Random) -> Line:
    """A line anywhere in the load's ranges whose base amount is below AMOUNT_LIMIT."""
    while True:
        digits = (12, 12, 11, 9, 6, 3, 0)  # the largest most often
        quantity = _decimal(rng, rng.choice(digits), rng.choice((6, 16))) * rng.choice((1, -1))
        price = _decimal(rng, rng.choice(digits), rng.randrange(17)) * rng.choice((1, 1, -1))
        rate = _rate(rng)
        if abs(quantity * price * rate) < AMOUNT_LIMIT:
            discount = rng.choice(
                (Decimal(0), Decimal(100), _decimal(rng, 2, 6), _decimal(rng, 2, 16))
            )
            tax = rng.choice((Decimal(100), Decimal(25), _decimal(rng, 2, 6), _long(rng, 2)))
            return quantity, price, discount, tax, rate


def _line(rng: random.Random) -> Line:
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
    elif kind < 0.6:  # a third, as a float would print it, at a price of 8 decimals
        quantity = rng.choice((Decimal("0.3333333333333333"), Decimal("0.3333333333")))
        price = _decimal(rng, 4, 8)
    else:
        quantity = _decimal(rng, 3, rng.choice((0, 0, 2, 6, 10, 16)))
        price = _decimal(rng, 5, rng.choice((2, 2, 4, 6, 9, 16)))
    if rng.random() < 0.15:
        quantity = -quantity  # credit line
    discount = rng.choice(
        (Decimal(0), Decimal(0), Decimal(100), Decimal("12.5"), _decimal(rng, 2, 6), _long(rng, 2))
    )
    tax = rng.choice(
        (Decimal(25), Decimal(15), Decimal(12), Decimal(0), _decimal(rng, 2, 6), _long(rng, 2))
    )
    rate = rng.choice(
        (
            Decimal(1),
            Decimal("11.5"),
            _decimal(rng, 2, 10),
            _decimal(rng, 0, 10),
            # a rate of 16 decimals takes ordinary lines, ties included, to the exact path
            Decimal("1.0000000000000001"),
            _long(rng, 2) + Decimal("1E-16"),
        )
    )
    return quantity, price, discount, tax, rate or Decimal(1)


def _costs(rng: random.Random, line: Line) -> tuple[Decimal | None, Decimal | None]:
    """(the line's cost price, the product's): either, neither, or a long one; the cost in
    the base currency below AMOUNT_LIMIT, as the load requires of the line's."""
    quantity, price, *_, rate = line
    kind = rng.random()
    if kind < 0.2:
        return None, None
    cost = abs(price) * rng.choice((Decimal("0.5"), Decimal("0.7"), Decimal(1)))
    cost = cost.quantize(Decimal(1).scaleb(-rng.choice((2, 6, 16)))) or Decimal("0.01")
    with localcontext() as context:
        context.prec = 80
        if abs(quantity * cost * rate) >= AMOUNT_LIMIT or abs(quantity * cost) >= AMOUNT_LIMIT:
            return None, None
    return (cost, None) if kind < 0.6 else (None, cost)


@pytest.fixture(scope="module")
def random_lines() -> tuple[duckdb.DuckDBPyConnection, list[Line], list[tuple]]:
    rng = random.Random(SEED)
    lines = [_line(rng) for _ in range(LINES)]
    costs = [_costs(rng, line) for line in lines]
    con = duckdb.connect()
    create_schema(con)
    con.executemany(
        "insert into raw.sales_orders (order_id, status, order_date, currency_code, "
        "currency_rate, run_id, extracted_at) values (?, 'Invoice', '2025-01-15', 'EUR', ?, "
        "'property', ?)",
        [[order_id, line[4], EXTRACTED] for order_id, line in enumerate(lines, start=1)],
    )
    # Each line has a product of its own (its order's ID), with the product's cost price.
    con.executemany(
        "insert into raw.sales_order_lines (order_id, line_number, line_id, line_type, "
        "product_id, quantity, price, discount_rate, tax_rate, cost_price, run_id, "
        "extracted_at) values (?, 1, 1, 'product', ?, ?, ?, ?, ?, ?, 'property', ?)",
        [
            [order_id, order_id, *line[:4], cost[0], EXTRACTED]
            for order_id, (line, cost) in enumerate(zip(lines, costs, strict=True), start=1)
        ],
    )
    con.executemany(
        "insert into raw.products (product_id, cost_price, run_id, extracted_at) "
        "values (?, ?, 'property', ?)",
        [[order_id, cost[1], EXTRACTED] for order_id, cost in enumerate(costs, start=1)],
    )
    build_models(con)
    yield con, lines, costs
    con.close()


def test_every_amount_matches_decimal_round_half_up(random_lines):
    con, lines, costs = random_lines
    columns = [*expected_amounts(*lines[0]), *COST_COLUMNS]
    cursor = con.execute(
        f"select order_id, {', '.join(columns)} from marts.fct_sales_order_lines order by order_id"
    )
    found = cursor.fetchall()
    assert len(found) == len(lines)
    wrong = []
    for (order_id, *amounts), line, cost in zip(found, lines, costs, strict=True):
        expected = expected_amounts(*line)
        expected |= expected_cost(line[0], line[4], expected, *cost)
        actual = dict(zip(columns, amounts, strict=True))
        if actual != expected:
            wrong.append((order_id, line, cost, actual, expected))
    assert wrong == [], wrong[:3]


def test_the_sample_reaches_every_branch(random_lines):
    con, lines, costs = random_lines
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
    # the exact path: values beyond 6 decimals (the rate beyond 10), with ties and large
    # amounts among them, and both sources of cost
    (exact,) = con.execute(
        "select count(*) from marts.fct_sales_order_lines "
        "where quantity_e6 is null or price_e6 is null or discount_rate_e6 is null "
        "or tax_rate_e6 is null "
        "or exchange_rate * 10000000000 <> trunc(exchange_rate * 10000000000)"
    ).fetchone()
    assert exact > 1000
    on_exact_path = [
        i
        for i, (q, p, d, t, r) in enumerate(lines)
        if any(-v.normalize().as_tuple().exponent > 6 for v in (q, p, d, t))  # type: ignore[operator]
        or -r.normalize().as_tuple().exponent > 10  # type: ignore[operator]
    ]
    assert sum(ties[i] % 1 == Decimal("0.5") for i in on_exact_path) > 30
    assert sum(abs(lines[i][0] * lines[i][1]) > 10**18 for i in on_exact_path) > 30
    assert sum(costs[i][0] is not None for i in on_exact_path) > 100
    assert sum(costs[i][1] is not None for i in on_exact_path) > 100


def test_the_data_tests_pass_on_random_lines(random_lines):
    con, *_ = random_lines
    assert [r.describe() for r in run_data_tests(con) if not r.passed] == []


def test_the_line_data_tests_catch_a_tie_rounded_to_even(fresh_golden):
    # 1003 line 2: tax 42.50 x 15 % = 6.375, a tie: 6.38 away from zero, 6.37 toward it
    fresh_golden.execute(
        "update marts.fct_sales_order_lines set tax_amount = 6.37, total_amount = 48.87 "
        "where order_id = 1003 and line_id = 2"
    )
    failed = [r.name for r in run_data_tests(fresh_golden) if not r.passed]
    assert failed == ["line_net_plus_tax_equals_total"]


def test_the_line_data_tests_catch_a_wrong_cent_on_a_long_decimal_line(random_lines):
    # a line of the exact path (a quantity of more than 6 decimals, no discount, no tax), one
    # cent off in its net amount, its discount and total following
    con, lines, _ = random_lines
    order_id = next(
        i
        for i, (q, p, d, t, _) in enumerate(lines, start=1)
        if -q.normalize().as_tuple().exponent > 6 and abs(q * p) > 1 and d == t == 0  # type: ignore[operator]
    )
    con.execute("begin")
    try:
        con.execute(
            "update marts.fct_sales_order_lines set net_amount = net_amount + 0.01, "
            "discount_amount = discount_amount - 0.01, total_amount = total_amount + 0.01 "
            "where order_id = ?",
            [order_id],
        )
        failed = [r.name for r in run_data_tests(con) if not r.passed]
    finally:
        con.execute("rollback")
    assert failed == ["line_gross_minus_discount_equals_net"]
