"""Extreme but valid records, through the real load path, then every model and data test.

Each record below passes the API models and fits the ``raw`` columns (quantity and price
up to 999,999,999,999.999999, currency rates from 10^-10 to 10^9, credit lines, 0 and
100 % discounts and taxes, 6-decimal rates, order amounts that disagree with the lines).
The transform must hold all of them, to the cent, and no data test may fail because of
them: such an order is reported, never a reason to stop publishing every other order. The
one line whose amount in the base currency is beyond what the models hold is refused at
the load, with the reason, and only its order is held back.

The same kind of orders also go through the whole pipeline from the sandbox over HTTP;
and orders the API models allow with odd headers (no status, a total beyond one line's
column) load and pass too.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

import duckdb
import httpx
import pytest

from twentyfourseven.api.payloads import dumps_json, parse_json
from twentyfourseven.pipeline.load import load_run
from twentyfourseven.warehouse.model_runner import run_models
from twentyfourseven.warehouse.schema import create_schema

from ..builders import line_body, ok, order_body
from ..warehouse.conftest import stage_run
from .conftest import load_from_sandbox
from .money import expected_amounts

D = Decimal
MAX = D("999999999999.999999")  # the largest quantity or price of at most 6 decimals
MAX16 = D("999999999999.9999999999999999")  # the largest raw holds (DECIMAL(28,16))
RATE_MIN, RATE_MAX = D("1E-10"), D(1_000_000_000)  # the currency rates the API model accepts
AMOUNTS = (
    "gross_amount",
    "discount_amount",
    "net_amount",
    "tax_amount",
    "total_amount",
    "gross_amount_base",
    "discount_amount_base",
    "net_amount_base",
    "tax_amount_base",
    "total_amount_base",
)

# order_id: (status, order date, currency rate, header amounts, lines as
# (quantity, price, discount %, tax %)); every line is product 101
ORDERS: dict[int, tuple[str, str, Decimal, dict[str, Decimal], list[tuple]]] = {
    # one cent in January: February's change in percent is about 10^28
    1: ("Invoice", "2025-01-15", D(1), {}, [(D(1), D("0.01"), D(0), D(0))]),
    # the largest lines in the base currency itself, a dozen of them on one order
    2: (
        "Invoice",
        "2025-02-03",
        D(1),
        {"netAmount": D("100.10")},
        [
            (MAX, MAX, D("33.333333"), D("99.999999")),
            (-MAX, MAX, D(0), D(25)),
            (MAX, -MAX, D("0.000001"), D(100)),
            (MAX, MAX, D(100), D(100)),
            *[(MAX, MAX, D(0), D(100))] * 8,
        ],
    ),
    # the smallest rate: the base amounts all but vanish
    3: ("Confirmed", "2025-02-04", RATE_MIN, {}, [(MAX, MAX, D("12.5"), D(25))]),
    # the largest rate, with the line just below the limit in the base currency
    4: (
        "Draft",
        "2025-02-05",
        RATE_MAX,
        {},
        [(D("999999"), D("999999999.999999"), D("0.5"), D(25)), (D("-0.000001"), MAX, D(0), D(25))],
    ),
    # a long rate and half-cent ties at 10^17
    5: (
        "Invoice",
        "2025-02-06",
        D("123456789.0123456789"),
        {},
        [(D("100000"), D("1000000000.000005"), D(0), D(0)), (D("12.5"), D("0.01"), D(0), D(15))],
    ),
    # small amounts at the largest rate, a zero tax and a zero quantity among them
    9: (
        "Invoice",
        "2025-02-09",
        RATE_MAX,
        {},
        [
            (D(1), D("0.01"), D(0), D(0)),
            (D(0), D(5), D(0), D(25)),
            (D(3), D("0.333333"), D(0), D(0)),
        ],
    ),
    # more decimals than 6: a third at 10 decimals and a price of 8 (see
    # test_a_third_at_a_price_of_8_decimals_gets_its_cents), the largest values of 16
    # decimals, the smallest steps, at a rate of 16 decimals
    10: (
        "Invoice",
        "2025-02-10",
        D("0.9871234567890123"),
        {},
        [
            (D("0.3333333333"), D("1234.56789012"), D(0), D(25)),
            (MAX16, MAX16, D("33.3333333333333333"), D("99.9999999999999999")),
            (-MAX16, D("1E-16"), D("99.9999999999999999"), D("1E-16")),
            (D("0.3333333333333333"), D("2.9999999999999999"), D("12.5"), D("25.5555555555555555")),
        ],
    ),
    # the API's own amounts disagree with the lines, beyond any rounding
    7: (
        "Invoice",
        "2025-02-07",
        D(1),
        {"netAmount": -MAX, "grossAmount": MAX, "taxAmount": D("0.000001")},
        [(D(2), D("49.99"), D(10), D(25))],
    ),
}
# 2 x 10^24 in the base currency: more than the models hold (see records.AMOUNT_LIMIT)
TOO_LARGE = ("Invoice", "2025-02-08", D(2), {}, [(MAX, MAX, D(0), D(25))])
TOO_LARGE_ID = 6
# the same line at a rate small enough to hold: loaded
AT_RATE_ONE = 8


def _outcome(order_id: int, status: str, date: str, rate: Decimal, header: dict, lines: list):
    bodies = [
        line_body(
            line_id,
            quantity=quantity,
            price=price,
            discountRate=discount,
            tax={"id": 1, "number": 1, "rate": tax},
        )
        for line_id, (quantity, price, discount, tax) in enumerate(lines, start=1)
    ]
    header = {"netAmount": None} | header  # no API amounts unless the case gives them
    body = order_body(
        order_id, status=status, date=date, currency={"code": "XTS", "rate": rate}, **header
    )
    return ok(order_id, bodies, body)


@pytest.fixture(scope="module")
def extreme(tmp_path_factory) -> Path:
    """A warehouse loaded with ORDERS, TOO_LARGE and AT_RATE_ONE; models not yet built."""
    folder = tmp_path_factory.mktemp("extreme")
    outcomes = [_outcome(order_id, *order) for order_id, order in ORDERS.items()]
    outcomes.append(_outcome(TOO_LARGE_ID, *TOO_LARGE))
    status, date, _, header, lines = TOO_LARGE
    outcomes.append(_outcome(AT_RATE_ONE, status, date, D(1), header, lines))
    run = stage_run(folder / "staging", "extreme", [outcomes])
    load_run(folder / "warehouse.duckdb", run)
    return folder / "warehouse.duckdb"


@pytest.fixture(scope="module")
def built(extreme) -> duckdb.DuckDBPyConnection:
    summary = run_models(extreme, raise_on_failure=False)
    assert [t.describe() for t in summary.failed_tests] == []
    con = duckdb.connect(str(extreme), read_only=True)
    yield con
    con.close()


def _expected_lines() -> dict[tuple[int, int], dict[str, Decimal]]:
    orders = {**ORDERS, AT_RATE_ONE: (*TOO_LARGE[:2], D(1), *TOO_LARGE[3:])}
    return {
        (order_id, line_id): expected_amounts(*line, rate)
        for order_id, (_, _, rate, _, lines) in orders.items()
        for line_id, line in enumerate(lines, start=1)
    }


def test_every_line_holds_its_amounts_to_the_cent(built):
    found = built.execute(
        f"select order_id, line_id, {', '.join(AMOUNTS)} from marts.fct_sales_order_lines"
    ).fetchall()
    actual = {(o, i): dict(zip(AMOUNTS, amounts, strict=True)) for o, i, *amounts in found}
    assert actual == _expected_lines()


def test_a_third_at_a_price_of_8_decimals_gets_its_cents(built):
    # 0.3333333333 x 1234.56789012 = 411.522629998847736996: net 411.52, tax 25 % 102.88;
    # in the base currency 411.52 x 0.9871234567890123 = 406.2210449378… → 406.22
    row = built.execute(
        "select quantity, price, net_amount, tax_amount, total_amount, net_amount_base "
        "from marts.fct_sales_order_lines where order_id = 10 and line_id = 1"
    ).fetchone()
    assert row == (
        D("0.3333333333"),
        D("1234.56789012"),
        D("411.52"),
        D("102.88"),
        D("514.40"),
        D("406.22"),
    )


def test_orders_sum_their_lines_and_months_sum_their_orders(built):
    expected: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(AMOUNTS, D(0)))
    for (order_id, _), amounts in _expected_lines().items():
        for name, value in amounts.items():
            expected[order_id][name] += value
    found = built.execute(f"select order_id, {', '.join(AMOUNTS)} from marts.fct_sales_orders")
    actual = {order_id: dict(zip(AMOUNTS, a, strict=True)) for order_id, *a in found.fetchall()}
    assert actual == expected
    booked = [o for o, (status, *_) in ORDERS.items() if status != "Draft" and o != 1]
    booked.append(AT_RATE_ONE)
    february = sum(expected[o]["net_amount_base"] for o in booked)
    january = expected[1]["net_amount_base"]
    row = built.execute(
        "select booked_net_amount, booked_net_mom_change, booked_net_mom_change_pct "
        "from reports.rpt_revenue_by_month where month = '2025-02-01'"
    ).fetchone()
    with localcontext() as context:
        context.prec = 80
        change_pct = ((february - january) * 100 / january).quantize(D("0.01"), ROUND_HALF_EVEN)
    assert row == (february, february - january, change_pct)


def test_quantities_sum_beyond_one_line(built):
    quantity = built.execute(
        "select booked_quantity from reports.rpt_revenue_by_product "
        "where product_id = 101 and month = '2025-02-01'"
    ).fetchone()
    booked = [o for o, (status, *_) in ORDERS.items() if status != "Draft"]
    lines = [ORDERS[o][4] for o in booked if o != 1] + [TOO_LARGE[4]]
    with localcontext() as context:
        context.prec = 80  # 16 decimals beyond 10^13: more than the default 28 digits
        assert quantity == (sum(q for order in lines for q, *_ in order),)


def test_an_order_whose_header_disagrees_with_its_lines_is_reported(built):
    found = built.execute(
        "select order_id, net_amount_difference, tax_amount_difference, total_amount_difference, "
        "is_beyond_tolerance from reports.rpt_order_reconciliation where order_id in (2, 7) "
        "order by order_id"
    ).fetchall()
    lines = _expected_lines()
    net_2 = sum(lines[2, i]["net_amount"] for i in range(1, 13))
    net_7, tax_7, total_7 = (lines[7, 1][n] for n in ("net_amount", "tax_amount", "total_amount"))
    assert found == [
        (2, D("100.10") - net_2, None, None, True),
        (7, -MAX - net_7, D("0.000001") - tax_7, MAX - total_7, True),
    ]


def test_a_line_beyond_the_models_is_quarantined_with_the_reason(extreme):
    with duckdb.connect(str(extreme), read_only=True) as con:
        quarantined = con.execute(
            "select order_id, kind, record_id, reason from ops.quarantine"
        ).fetchall()
        loaded = con.execute(
            "select count(*) from raw.sales_orders where order_id = ?", [TOO_LARGE_ID]
        ).fetchone()
    ((order_id, kind, record_id, reason),) = quarantined
    assert (order_id, kind, record_id) == (TOO_LARGE_ID, "line", 1)
    assert "quantity x price x currency rate" in reason
    assert "10^24" in reason
    assert loaded == (0,)


def test_extreme_orders_written_to_the_sandbox_go_through_the_whole_pipeline(
    sandbox_factory, tmp_path
):
    # The same kind of lines, created in the sandbox over HTTP, read back by the client,
    # staged and loaded the way the DAG does, then transformed.
    sandbox = sandbox_factory(orders=3, seed=5)
    cases = {  # currency rate: lines
        RATE_MAX: [(D("999999"), D("999999999.999999"), D("0.5"), D(25)), (D(1), D(0), D(0), D(0))],
        D(1): [(MAX, MAX, D("33.333333"), D("99.999999")), (-MAX, MAX, D(0), D(25))],
        RATE_MIN: [(MAX, -MAX, D(100), D(100))],
        # a price of 9 decimals and a rate of 16: the exact path, through the API
        D("1.2345678901234567"): [(D("0.3333333333"), D("1234.567891234"), D("12.3456789"), D(25))],
    }
    expected = {}
    headers = {**sandbox.auth_headers(), "Content-Type": "application/json"}
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=30) as api:
        for rate, lines in cases.items():
            body = {"customer": {"id": 10001, "name": "Fjord Bygg AS"}}
            body["currency"] = {"code": "XTS", "rate": rate}
            order_id = parse_json(api.post("/salesorders", content=dumps_json(body)).content)["id"]
            for line_number, (quantity, price, discount, tax) in enumerate(lines, start=1):
                line = {"product": {"id": 1001}, "quantity": quantity, "price": price}
                line |= {"discountRate": discount, "tax": {"rate": tax}}
                created = api.post(f"/salesorders/{order_id}/lines", content=dumps_json(line))
                assert created.status_code == 200, created.text
                expected[order_id, line_number] = expected_amounts(
                    quantity, price, discount, tax, rate
                )
            invoiced = api.patch(f"/salesorders/{order_id}", content=b'{"status":"Invoice"}')
            assert invoiced.status_code == 200, invoiced.text
    warehouse = tmp_path / "warehouse.duckdb"
    load_from_sandbox(sandbox, warehouse, tmp_path / "staging", "run-1")
    summary = run_models(warehouse, raise_on_failure=False)
    assert [t.describe() for t in summary.failed_tests] == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            f"select order_id, line_number, {', '.join(AMOUNTS)} "
            "from marts.fct_sales_order_lines where currency_code = 'XTS'"
        ).fetchall()
    assert {(o, n): dict(zip(AMOUNTS, a, strict=True)) for o, n, *a in found} == expected


def test_an_order_without_status_and_a_line_without_type_load_and_pass(tmp_path):
    # The API models allow both. Neither breaks a rule of ours: the order is in category
    # unknown (neither booked nor pipeline), the line keeps its amounts like any line.
    untyped = line_body(1, type=None)
    outcomes = [
        ok(10, [line_body(1)], order_body(10, status=None)),
        ok(11, [untyped, line_body(2, type="text")], order_body(11, netAmount=None)),
    ]
    warehouse = tmp_path / "warehouse.duckdb"
    load_run(warehouse, stage_run(tmp_path / "staging", "odd", [outcomes]))
    summary = run_models(warehouse, raise_on_failure=False)
    assert [t.describe() for t in summary.failed_tests] == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        orders = con.execute(
            "select order_id, status, status_category, is_booked from marts.fct_sales_orders "
            "order by order_id"
        ).fetchall()
        lines = con.execute(
            "select order_id, line_id, line_type, is_text_line, net_amount "
            "from marts.fct_sales_order_lines order by order_id, line_id"
        ).fetchall()
    assert orders == [(10, None, "unknown", False), (11, "Invoice", "invoiced", True)]
    assert lines == [
        (10, 1, "product", False, D("89.98")),
        (11, 1, None, False, D("89.98")),
        (11, 2, "text", True, D("89.98")),
    ]


def test_every_model_reads_in_full(built):
    # Views are only computed when read (by the dashboard, by analysts): a cast that
    # overflows in one would not fail the transform, only everyone reading it.
    relations = built.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('staging', 'marts', 'reports') order by 1"
    ).fetchall()
    assert len(relations) > 20
    failures = {}
    for (relation,) in relations:
        try:
            built.execute(f"select * from {relation}").fetchall()
        except duckdb.Error as exc:
            failures[relation] = str(exc)
    assert failures == {}


def test_the_dashboard_shows_the_extreme_amounts(built, extreme, tmp_path):
    from twentyfourseven.report import render_dashboard
    from twentyfourseven.report.formatting import format_money

    (february,) = built.execute(
        "select booked_net_amount from reports.rpt_revenue_by_month where month = '2025-02-01'"
    ).fetchone()
    assert february > 10**24
    output = tmp_path / "dashboard.html"
    assert render_dashboard(extreme, output) == output
    assert format_money(february) in output.read_text(encoding="utf-8")


def test_an_order_total_beyond_a_line_loads_into_an_existing_warehouse(tmp_path):
    # Two lines of 10^12 (a large order in a currency of small units) make an order total
    # of 2 x 10^12, which the API reports in netAmount. A warehouse created while the order
    # amounts were DECIMAL(18,6) has them widened when opened for a load.
    warehouse = tmp_path / "warehouse.duckdb"
    headers = ("net_amount", "gross_amount", "tax_amount")
    with duckdb.connect(str(warehouse)) as con:
        create_schema(con)
        for column in headers:
            con.execute(f"alter table raw.sales_orders alter {column} type decimal(18, 6)")
    lines = [line_body(i, quantity=1, price=MAX, discountRate=0) for i in (1, 2)]
    tax = D(500_000_000_000)
    order = order_body(12, netAmount=2 * MAX, taxAmount=tax, grossAmount=2 * MAX + tax)
    load_run(warehouse, stage_run(tmp_path / "staging", "big", [[ok(12, lines, order)]]))
    with duckdb.connect(str(warehouse)) as con:
        types = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'sales_orders' "
            f"and column_name in {headers}"
        ).fetchall()
        loaded = con.execute("select net_amount, gross_amount from raw.sales_orders").fetchall()
        quarantined = con.execute("select reason from ops.quarantine").fetchall()
    assert dict(types) == dict.fromkeys(headers, "DECIMAL(36,6)")
    assert (loaded, quarantined) == ([(2 * MAX, 2 * MAX + tax)], [])
