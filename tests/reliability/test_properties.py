"""Property-based: whatever JSON the API sends, validation and the staging writer never
crash, every record is either a row with its exact numbers or quarantined with a reason,
a load of such chunks never fails nor stores a number other than the one sent, and the SQL
models and data tests build and run on whatever was loaded.

Inputs are JSON *text* parsed with the client's own ``parse_json``, so they are what the
client would hand over: ``1e400`` arrives as ``Decimal('1E+400')``, ``-0.0`` as
``Decimal('-0.0')``, ``"NaN"`` as a string; bare ``NaN``/``Infinity`` literals (Python's
JSON reader accepts them) arrive as floats and are tested on their own below.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from twentyfourseven.api import OrderOutcome, OutcomeStatus
from twentyfourseven.api.bulk import _validate_header, _validate_lines
from twentyfourseven.api.payloads import SalesOrderExtended, SalesOrderLine, parse_json
from twentyfourseven.api.resources import LINE_COLUMNS, ORDER_COLUMNS, SALES_ORDERS
from twentyfourseven.pipeline.load import load_run
from twentyfourseven.pipeline.runfiles.runplan import RunPlan, utc_now
from twentyfourseven.pipeline.runfiles.staging import FILES, ChunkWriter, chunk_dir
from twentyfourseven.warehouse.model_runner import run_models

from ..builders import write_ids

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    print_blob=True,  # a failure prints the @reproduce_failure blob to replay it
)


@dataclass(frozen=True)
class Num:
    """A JSON number literal, written as is (so ``1e400`` and ``-0.0`` stay themselves)."""

    text: str


def to_json(value: Any) -> str:
    """JSON text; strings ASCII-escaped, so lone surrogates become ``\\udXXX`` escapes."""
    if isinstance(value, Num):
        return value.text
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{to_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


SPECIAL_NUMBERS = [
    "0", "-0", "-0.0", "0.0000000", "1e400", "-1e400", "1e-400", "1E+2", "0.1e-3",
    "49.990000000", "49.9900001", "0.000001", "0.0000001", "999999999999.999999",
    "1000000000000", "-999999999999.999999", "123456789012345678901234.123456789",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "100", "100.0000001",
    "1" * 400, "0." + "0" * 300 + "1",
]  # fmt: skip

numbers = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: str(d)),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**12) + 1,
                max_value=10**12 - 1).map(str),
).map(Num)  # fmt: skip

number_strings = st.one_of(
    st.sampled_from(["NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "1e400", "-0",
                     " 1.5 ", "1_000", "0x10", "", "12,5", "1.2.3"]),
    numbers.map(lambda n: n.text),
)  # fmt: skip

texts = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["", " ", "\x00", "\u202e", "😀" * 200, "ß" * 301, "x" * 5_000]),
)

scalars = st.one_of(st.none(), st.booleans(), numbers, texts, number_strings)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# What may stand where a number belongs.
money = st.one_of(numbers, numbers, numbers, number_strings, st.none(), junk)
maybe = st.one_of(st.none(), junk)


def deep(depth: int) -> Num:
    """Nested junk ``depth`` objects deep, as literal text (no recursion to build it)."""
    return Num('{"a":[' * depth + "1" + "]}" * depth)


@st.composite
def line_bodies(draw: st.DrawFn, line_id: int) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(junk)  # not even an object
    body: dict[str, Any] = {
        "id": draw(
            st.one_of(
                st.just(line_id), st.just(line_id), st.just(line_id), maybe,
                st.sampled_from([Num(str(2**63)), Num(str(-(2**63) - 1)), Num(str(2**70))]),
            )
        ),
        "type": draw(st.one_of(st.sampled_from(["product", "text"]), maybe)),
        "product": draw(st.one_of(st.just({"id": 101, "number": "P-1"}), maybe,
                                  st.fixed_dictionaries({"id": st.integers(), "number": texts}))),
        "description": draw(st.one_of(texts, st.none())),
        "quantity": draw(money),
        "price": draw(money),
        "costPrice": draw(st.one_of(st.none(), money)),
        "discountRate": draw(money),
        "tax": draw(st.one_of(
            st.fixed_dictionaries({"id": st.integers(0, 10), "number": st.integers(0, 10),
                                   "rate": money}),
            maybe)),
        "account": draw(st.one_of(
            st.fixed_dictionaries({"id": st.integers(), "number": st.integers(),
                                   "name": texts}),
            maybe)),
        "isHidden": draw(st.one_of(st.booleans(), maybe)),
    }  # fmt: skip
    drop = draw(st.sets(st.sampled_from(sorted(body)), max_size=3))
    body = {k: v for k, v in body.items() if k not in drop or k == "id"}
    body.update(draw(st.dictionaries(st.text(max_size=8), junk, max_size=2)))
    if draw(st.integers(0, 20)) == 0:
        body["nested"] = deep(draw(st.integers(20, 200)))
    return body


@st.composite
def order_texts(draw: st.DrawFn, order_id: int) -> tuple[str, str]:
    """(header JSON text, lines JSON text) of one order."""
    header = {
        "id": order_id,
        "status": draw(st.one_of(st.sampled_from(["Invoice", "Draft", "Confirmed"]), maybe)),
        "modifiedAt": draw(st.one_of(st.just("2024-05-01T10:00:00Z"), maybe)),
        "netAmount": draw(money),
        "grossAmount": draw(money),
        "taxAmount": draw(money),
        "currency": draw(st.one_of(
            st.fixed_dictionaries({"code": st.sampled_from(["EUR", "NOK", "eur", "€€€"]),
                                   "rate": money}),
            maybe)),
        "customer": draw(st.one_of(
            st.fixed_dictionaries({"id": st.integers(), "name": texts}), maybe)),
        "memo": draw(st.one_of(texts, maybe, st.just("x" * 200_000))),
    }  # fmt: skip
    header.update(draw(st.dictionaries(st.text(max_size=8), junk, max_size=2)))
    count = draw(st.integers(0, 4))
    lines = [draw(line_bodies(order_id * 100 + n)) for n in range(1, count + 1)]
    return to_json(header), to_json(lines)


def read(order_id: int, header_text: str, lines_text: str) -> OrderOutcome:
    """What the bulk reader makes of the two responses (``bulk._read_one`` after the GETs)."""
    raw_header, raw_lines = parse_json(header_text), parse_json(lines_text)
    invalid: list = []
    header = _validate_header(SALES_ORDERS, order_id, raw_header, invalid)
    lines = _validate_lines(SALES_ORDERS, order_id, raw_lines, invalid)
    return OrderOutcome(
        order_id,
        OutcomeStatus.OK,
        header=header,
        lines=lines,
        raw_header=raw_header,
        raw_lines=raw_lines,
        invalid=tuple(invalid),
    )


def expected_decimal(raw: Any) -> Decimal:
    """The number the API sent, as an exact Decimal."""
    assert not isinstance(raw, bool | float)
    return Decimal(raw.strip() if isinstance(raw, str) else raw)


def field_of(raw: Any, wire_path: tuple[str, ...]) -> Any:
    for name in wire_path:
        raw = raw.get(name) if isinstance(raw, dict) else None
    return raw


ORDER_DECIMALS = {
    "net_amount": ("netAmount",),
    "gross_amount": ("grossAmount",),
    "tax_amount": ("taxAmount",),
    "currency_rate": ("currency", "rate"),
}
LINE_DECIMALS = {
    "quantity": ("quantity",),
    "price": ("price",),
    "cost_price": ("costPrice",),
    "discount_rate": ("discountRate",),
    "tax_rate": ("tax", "rate"),
}
assert {c.name for c in ORDER_COLUMNS if c.decimal} == set(ORDER_DECIMALS)
assert {c.name for c in LINE_COLUMNS if c.decimal} == set(LINE_DECIMALS)


def check_exact(row: dict[str, Any], raw: Any, fields: dict[str, tuple[str, ...]]) -> None:
    for column, path in fields.items():
        sent = field_of(raw, path)
        if row[column] is None:
            # Only an absent or null field (or currency.rate, which defaults to 1) is NULL.
            assert sent is None, (column, sent)
            continue
        assert isinstance(row[column], str), (column, row[column])
        if sent is None:
            assert column == "currency_rate"
            assert Decimal(row[column]) == 1
            continue
        assert Decimal(row[column]) == expected_decimal(sent), (column, sent, row[column])


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_chunk(directory: Path, run_id: str, chunk: int, outcomes: list[OrderOutcome]) -> list:
    statuses = []
    with ChunkWriter(directory, run_id=run_id, chunk=chunk) as writer:
        for outcome in outcomes:
            statuses.append(writer.add(outcome))
        writer.close({"requests": len(outcomes), "retries": 0})
    return statuses


def check_chunk(directory: Path, outcomes: list[OrderOutcome], statuses: list[str]) -> None:
    files = {n: read_ndjson(directory / f"{n}.ndjson") for n in FILES}
    assert [o["order_id"] for o in files["outcomes"]] == [o.order_id for o in outcomes]
    for outcome, status in zip(outcomes, statuses, strict=True):
        oid = outcome.order_id
        orders = [r for r in files["sales_orders"] if r["order_id"] == oid]
        lines = [r for r in files["sales_order_lines"] if r["order_id"] == oid]
        quarantined = [r for r in files["quarantine"] if r["order_id"] == oid]
        assert status in ("ok", "quarantined"), status
        if status == "ok":
            assert not quarantined
            assert len(orders) == 1
            check_exact(orders[0], outcome.raw_header, ORDER_DECIMALS)
            assert parse_json(orders[0]["payload"]) == outcome.raw_header
            assert len(lines) == len(outcome.raw_lines)
            for row, raw in zip(sorted(lines, key=lambda r: r["line_number"]),
                                outcome.raw_lines, strict=True):  # fmt: skip
                check_exact(row, raw, LINE_DECIMALS)
                assert row["line_id"] == raw["id"]
                assert parse_json(row["payload"]) == raw
        else:
            assert not orders, "a quarantined order must not be staged in part"
            assert not lines, "a quarantined order must not be staged in part"
            assert quarantined, "a quarantined order needs at least one quarantine entry"
            for entry in quarantined:
                assert isinstance(entry["reason"], str)
                assert entry["reason"].strip()
            # Every record that breaks the schema is among the entries.
            bad = sum(1 for raw in outcome.raw_lines if not _valid_line(raw))
            assert sum(1 for q in quarantined if q["kind"] == "line") >= bad


def _valid_line(raw: Any) -> bool:
    try:
        SalesOrderLine.model_validate(raw)
    except ValidationError:
        return False
    return True


# --- validation alone ------------------------------------------------------------


@SETTINGS
@given(st.integers(1, 10**6).flatmap(order_texts))
def test_validation_only_accepts_or_raises_a_validation_error(texts_: tuple[str, str]) -> None:
    header_text, lines_text = texts_
    raw_header, raw_lines = parse_json(header_text), parse_json(lines_text)
    for model, raw in [(SalesOrderExtended, raw_header)] + [(SalesOrderLine, r) for r in raw_lines]:
        try:
            parsed = model.model_validate(raw)
        except ValidationError:
            continue  # refused with a ValidationError: fine; anything else fails the test
        for name in ("quantity", "price", "discount_rate", "net_amount", "gross_amount"):
            value = getattr(parsed, name, None)
            if value is not None:  # a Decimal that went through no float
                assert isinstance(value, Decimal)
                assert value.is_finite()
                sent = raw[{"discount_rate": "discountRate", "net_amount": "netAmount",
                            "gross_amount": "grossAmount"}.get(name, name)]  # fmt: skip
                assert value == expected_decimal(sent)


# --- the staging writer -------------------------------------------------------------


@settings(SETTINGS, max_examples=60)
@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=3, unique=True).flatmap(
    lambda ids: st.tuples(st.just(ids), st.tuples(*(order_texts(i) for i in ids)))))  # fmt: skip
def test_staging_writer_gives_exact_rows_or_quarantine(case) -> None:
    ids, bodies = case
    outcomes = [read(oid, h, lines) for oid, (h, lines) in zip(ids, bodies, strict=True)]
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "chunk-0000"
        statuses = write_chunk(directory, "run", 0, outcomes)
        check_chunk(directory, outcomes, statuses)


# --- staging then load ----------------------------------------------------------------


def stage_and_load(tmp: Path, chunks: list[list[OrderOutcome]]) -> Path:
    run_id = "manual__2024-05-01T10:00:00+00:00"
    run_dir = tmp / "staging" / "run"
    run_dir.mkdir(parents=True)
    write_ids(run_dir, chunks)
    for number, outcomes in enumerate(chunks):
        statuses = write_chunk(chunk_dir(run_dir, number), run_id, number, outcomes)
        check_chunk(chunk_dir(run_dir, number), outcomes, statuses)
    count = sum(len(c) for c in chunks)
    RunPlan(run_id=run_id, mode="manual", started_at=utc_now(), chunks=len(chunks),
            orders_requested=count, sources={"param": count}).write(run_dir)  # fmt: skip
    warehouse = tmp / "warehouse.duckdb"
    summary = load_run(warehouse, run_dir)
    assert summary.complete
    build_and_test_models(warehouse)
    return warehouse


# The data tests about the data itself (a known status, rates within 0..100) rightly
# find junk in junk; every other one checks the
# models' own keys and arithmetic, which must hold whatever was loaded.
ABOUT_THE_DATA = {"accepted_values", "rates_within_0_and_100"}


def build_and_test_models(warehouse: Path) -> None:
    """The SQL models build on what was loaded (a ModelError fails the test), every data
    test runs, and those that must hold whatever the API sent do."""
    summary = run_models(warehouse, raise_on_failure=False)
    broken = [
        test.describe()
        for test in summary.tests
        if test.error or (not test.passed and test.name not in ABOUT_THE_DATA)
    ]
    assert not broken, "\n".join(broken)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        facts, lines = con.execute(
            "select (select count(*) from marts.fct_sales_order_lines),"
            " (select count(*) from raw.sales_order_lines l join raw.sales_orders o"
            " using (order_id) where o.deleted_at is null)"
        ).fetchone()
    assert facts == lines, "lines lost or doubled between raw and the facts"


@settings(SETTINGS, max_examples=12)
@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=8, unique=True).flatmap(
    lambda ids: st.tuples(st.just(ids), st.tuples(*(order_texts(i) for i in ids)))))  # fmt: skip
def test_load_never_fails_and_stores_the_exact_amounts(case) -> None:
    ids, bodies = case
    outcomes = [read(oid, h, lines) for oid, (h, lines) in zip(ids, bodies, strict=True)]
    half = len(outcomes) // 2
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = stage_and_load(Path(tmp), [outcomes[:half], outcomes[half:]])
        with duckdb.connect(str(warehouse), read_only=True) as con:
            orders = {r[0]: r[1:] for r in con.execute(
                "select order_id, net_amount, gross_amount, tax_amount, currency_rate"
                " from raw.sales_orders").fetchall()}  # fmt: skip
            lines = {(r[0], r[1]): r[2:] for r in con.execute(
                "select order_id, line_id, quantity, price, cost_price, discount_rate, tax_rate"
                " from raw.sales_order_lines").fetchall()}  # fmt: skip
            quarantined = {r[0] for r in con.execute(
                "select order_id from ops.quarantine where reason <> ''").fetchall()}  # fmt: skip
            outcome_count = con.execute("select orders_requested from ops.runs").fetchone()[0]
    assert outcome_count == len(outcomes)
    for outcome in outcomes:
        oid = outcome.order_id
        if oid in quarantined:
            assert oid not in orders, f"order {oid} both loaded and quarantined"
            continue
        # Not quarantined: loaded, with every number exactly as sent.
        assert oid in orders, f"order {oid} neither loaded nor quarantined"
        for value, path in zip(orders[oid], ORDER_DECIMALS.values(), strict=True):
            sent = field_of(outcome.raw_header, path)
            if sent is None:
                assert value is None or (path == ("currency", "rate") and value == 1)
            else:
                assert value == expected_decimal(sent), (oid, path, sent, value)
        assert len([k for k in lines if k[0] == oid]) == len(outcome.raw_lines)
        for raw in outcome.raw_lines:
            stored = lines[(oid, raw["id"])]
            for value, path in zip(stored, LINE_DECIMALS.values(), strict=True):
                sent = field_of(raw, path)
                assert (value is None) if sent is None else value == expected_decimal(sent)


# --- records that load, at the edges of their columns ------------------------------------

# What the raw columns hold (DECIMAL(28, 16) quantities and prices, DECIMAL(19, 16) percents,
# DECIMAL(28, 16) currency rates within the API's 1e-10..1e9): the junk above rarely makes a
# valid record this large, so these are drawn on their own, to find records that load but
# break the models. Values of up to 6 decimals (10 for rates) take the line fact's integer
# path, longer ones its exact path: both are drawn.
EDGE_AMOUNTS = ["999999999999.999999", "-999999999999.999999", "0.000001", "-0.000001", "0",
                "999999999999.9999999999999999", "-999999999999.9999999999999999",
                "0.0000000000000001", "0.3333333333333333"]  # fmt: skip
edge_amounts = st.one_of(
    st.sampled_from(EDGE_AMOUNTS),
    st.decimals(min_value=-(10**6), max_value=10**6, places=6),
    st.decimals(min_value=Decimal("-999999999999.999999"),
                max_value=Decimal("999999999999.999999"), places=6),
    st.decimals(min_value=-(10**6), max_value=10**6, places=16),
    st.decimals(min_value=Decimal("-999999999999.9999999999999999"),
                max_value=Decimal("999999999999.9999999999999999"), places=16),
).map(str)  # fmt: skip
# costPrice: the API's schema makes it a multiple of 0.0001 up to 999999999999.9999
edge_cost_prices = st.one_of(
    st.none(),
    st.sampled_from(["999999999999.9999", "-999999999999.9999", "0.0001"]),
    st.decimals(min_value=Decimal("-999999999999.9999"),
                max_value=Decimal("999999999999.9999"), places=4),
).map(lambda d: None if d is None else str(d))  # fmt: skip
edge_percents = st.one_of(
    st.sampled_from(["0", "100", "0.000001", "99.999999", "0.0000000000000001",
                     "99.9999999999999999"]),
    st.decimals(min_value=0, max_value=100, places=6),
    st.decimals(min_value=0, max_value=100, places=16),
).map(str)  # fmt: skip
edge_rates = st.one_of(
    st.sampled_from(["1", "1000000000", "0.0000000001", "999999999.9999999999999999"]),
    st.decimals(min_value=Decimal("1e-10"), max_value=10**9, places=10),
    st.decimals(min_value=Decimal("1e-10"), max_value=10**9, places=16),
).map(str)


@st.composite
def edge_orders(draw: st.DrawFn, order_id: int) -> tuple[str, str]:
    header = {"id": order_id, "status": "Invoice",
              "currency": {"code": "EUR", "rate": Num(draw(edge_rates))}}  # fmt: skip
    lines = [
        {"id": order_id * 100 + n, "type": "product", "quantity": Num(draw(edge_amounts)),
         "price": Num(draw(edge_amounts)), "discountRate": Num(draw(edge_percents)),
         "tax": {"id": 1, "number": 3, "rate": Num(draw(edge_percents))}}
        for n in range(1, draw(st.integers(1, 3)) + 1)
    ]  # fmt: skip
    for line in lines:
        if (cost := draw(edge_cost_prices)) is not None:
            line["costPrice"] = Num(cost)
    return to_json(header), to_json(lines)


# The models hold every amount the load accepts; the load refuses (quarantines) a line
# whose amount in the base currency, quantity x price x rate, reaches 10^24, or whose cost,
# quantity x cost price x rate, does: sums of such amounts would not fit the facts'
# DECIMAL(38, 2). Stated here on its own, not imported, so the test checks the loader's rule
# rather than repeating it.
BASE_AMOUNT_LIMIT = Decimal(10) ** 24


def beyond_the_limit(outcome: OrderOutcome) -> bool:
    rate = outcome.header.currency.rate
    with localcontext() as context:
        context.prec = 100  # exact: three factors of up to 28 digits
        return any(
            abs((line.quantity or 0) * (price or 0) * rate) >= BASE_AMOUNT_LIMIT
            for line in outcome.lines
            for price in (line.price, line.cost_price)
        )


def check_loaded_or_refused(warehouse: Path, outcomes: list[OrderOutcome]) -> None:
    """Each order is loaded, or (a line beyond the limit) quarantined with the reason."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = {r[0] for r in con.execute("select order_id from raw.sales_orders").fetchall()}
        refused = dict(con.execute("select order_id, reason from ops.quarantine").fetchall())
    for outcome in outcomes:
        if beyond_the_limit(outcome):
            assert outcome.order_id not in loaded
            assert "10^24" in refused[outcome.order_id], refused[outcome.order_id]
        else:
            assert outcome.order_id in loaded, refused.get(outcome.order_id)


@settings(SETTINGS, max_examples=15, suppress_health_check=list(HealthCheck))
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(*(edge_orders(i) for i in range(1, n + 1)))))
# found by CI: a discount a hair under 100 % on the largest amounts, checked in floating point
@example(
    bodies=(
        (
            '{"id":1,"status":"Invoice","currency":{"code":"EUR","rate":1}}',
            '[{"id":101,"type":"product","quantity":999999999999.999999,'
            '"price":999999999999.999999,"discountRate":99.9999999999999999,'
            '"tax":{"id":1,"number":3,"rate":0}}]',
        ),
    )
)
def test_the_models_build_on_records_at_the_edges(bodies) -> None:
    outcomes = [read(i, h, lines) for i, (h, lines) in enumerate(bodies, start=1)]
    assert all(not o.invalid for o in outcomes), [o.invalid for o in outcomes]
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = stage_and_load(Path(tmp), [outcomes])  # models and data tests included
        check_loaded_or_refused(warehouse, outcomes)


@pytest.mark.parametrize(
    ("rate", "quantity", "price"),
    [
        ("1", "999999999999.999999", "999999999999.999999"),  # gross 10^24: refused
        ("1", "-999999999999.999999", "999999999999.999999"),  # a credit line as large
        ("1", "99999999999", "99999999"),  # gross 10^19: beyond BIGINT cents, loaded
        ("1000000000", "1000000", "1000000"),  # 10^12 at the API's highest rate: 10^21
        ("1000000000", "1", "0"),  # a zero line at the highest rate
        ("1000000000", "999999999999.999999", "999999999999.999999"),  # 10^33 in the base one
    ],
)
def test_amounts_at_the_edges_load_or_are_refused_and_the_models_build(
    tmp_path, rate, quantity, price
):
    """Once, these loaded into raw and then failed every transform (BIGINT cents)."""
    outcome = read(1, f'{{"id":1,"currency":{{"code":"EUR","rate":{rate}}}}}',
                   f'[{{"id":11,"quantity":{quantity},"price":{price},'
                   '"tax":{"id":1,"rate":25}}]')  # fmt: skip
    assert not outcome.invalid
    warehouse = stage_and_load(tmp_path, [[outcome]])
    check_loaded_or_refused(warehouse, [outcome])


# --- once bugs, now pinned --------------------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_bare_nan_and_infinity_are_not_json(literal):
    """Python's parser takes them; the API contract (JSON) does not: a malformed body."""
    with pytest.raises(ValueError, match=f"{literal} is not a JSON value"):
        parse_json(f'{{"id":11,"price":{literal}}}')


@pytest.mark.parametrize("line_id", [2**63, -(2**63) - 1, 2**70])
def test_a_line_id_beyond_64_bits_is_quarantined_and_the_run_loads(tmp_path, line_id):
    good = read(1, '{"id":1,"netAmount":2.5}', '[{"id":11,"price":1.5}]')
    bad = read(2, '{"id":2,"netAmount":2.5}', f'[{{"id":{line_id},"price":1.5}}]')
    warehouse = stage_and_load(tmp_path, [[good], [bad]])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select order_id from raw.sales_orders").fetchall() == [(1,)]
        assert con.execute("select order_id from ops.quarantine").fetchall() == [(2,)]
