"""The sandbox's truth, read over plain HTTP, and the warehouse compared with it.

The truth is read with a bare ``httpx`` client and the standard library's JSON parser
(numbers as exact ``Decimal``), not with ``twentyfourseven.api``: a bug in the project's
client or models would otherwise be on both sides of the comparison and cancel out. The
sandbox's faults are suspended while it is read (and put back), so the truth is the data.

:func:`assert_equals_truth` compares, by count and by content, every column the SQL
models read from ``raw.sales_orders`` and ``raw.sales_order_lines``, and the line and
order amounts of ``marts.fct_sales_order_lines`` / ``marts.fct_sales_orders`` recomputed
here from the truth with the warehouse's money rules. A missing, extra, duplicated
or changed order or line fails it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from .models.money import expected_amounts

Query = Callable[[str], list[tuple]]

# raw column -> (wire path, kind). Every column of the raw tables the SQL models read;
# _check_columns_covered fails if the loader gains a column this list does not compare.
ORDER_WIRE: dict[str, tuple[tuple[str, ...], str]] = {
    "order_id": (("id",), "int"),
    "status": (("status",), "str"),
    "order_date": (("date",), "date"),
    "delivery_date": (("deliveryDate",), "date"),
    "created_at": (("createdAt",), "timestamp"),
    "modified_at": (("modifiedAt",), "timestamp"),
    "customer_id": (("customer", "id"), "int"),
    "customer_name": (("customer", "name"), "str"),
    "customer_organization_number": (("customer", "organizationNumber"), "str"),
    "customer_gln": (("customer", "gln"), "str"),
    "customer_street": (("customer", "street"), "str"),
    "customer_postal_code": (("customer", "postalCode"), "str"),
    "customer_postal_area": (("customer", "postalArea"), "str"),
    "customer_city": (("customer", "city"), "str"),
    "customer_country_subdivision": (("customer", "countrySubdivision"), "str"),
    "customer_country_code": (("customer", "countryCode"), "str"),
    "delivery_customer_id": (("deliveryCustomer", "id"), "int"),
    "delivery_customer_name": (("deliveryCustomer", "name"), "str"),
    "delivery_city": (("deliveryCustomer", "city"), "str"),
    "delivery_country_code": (("deliveryCustomer", "countryCode"), "str"),
    "currency_code": (("currency", "code"), "str"),
    "currency_rate": (("currency", "rate"), "currency_rate"),
    "currency_rate_e10": (("currency", "rate"), "units:10"),
    "net_amount": (("netAmount",), "decimal"),
    "gross_amount": (("grossAmount",), "decimal"),
    "tax_amount": (("taxAmount",), "decimal"),
    "invoice_number": (("invoice", "number"), "int"),
    "invoice_date": (("invoice", "date"), "date"),
    "invoice_due_date": (("invoice", "dueDate"), "date"),
    "accrual_start_date": (("accrual", "startDate"), "date"),
    "accrual_length": (("accrual", "length"), "int"),
    "sales_type_id": (("salesType", "id"), "int"),
    "reference_number": (("referenceNumber",), "str"),
    "memo": (("memo",), "str"),
    "internal_memo": (("internalMemo",), "str"),
}
LINE_WIRE: dict[str, tuple[tuple[str, ...], str]] = {
    "line_id": (("id",), "int"),
    "line_type": (("type",), "str"),
    "description": (("description",), "str"),
    "product_id": (("product", "id"), "int"),
    "product_number": (("product", "number"), "str"),
    "quantity": (("quantity",), "decimal"),
    "price": (("price",), "decimal"),
    "cost_price": (("costPrice",), "decimal"),
    "discount_rate": (("discountRate",), "decimal"),
    "tax_id": (("tax", "id"), "int"),
    "tax_number": (("tax", "number"), "int"),
    "tax_rate": (("tax", "rate"), "decimal"),
    "account_id": (("account", "id"), "int"),
    "account_number": (("account", "number"), "int"),
    "account_name": (("account", "name"), "str"),
    "is_hidden": (("isHidden",), "bool"),
    # the load's integer copies, for the facts' integer arithmetic (see _typed)
    "quantity_e6": (("quantity",), "units:6"),
    "price_e6": (("price",), "units:6"),
    "cost_price_e6": (("costPrice",), "units:6"),
    "discount_rate_e6": (("discountRate",), "units:6"),
    "tax_rate_e6": (("tax", "rate"), "units:6"),
    "accrual_start_date": (("accrual", "startDate"), "date"),
    "accrual_length": (("accrual", "length"), "int"),
}
# Columns the loader adds (lineage, the payload as received): not the API's fields.
LINEAGE = {"header_source", "payload", "run_id", "extracted_at", "deleted_at", "deleted_run_id"}

LINE_AMOUNTS = ("gross_amount", "discount_amount", "net_amount", "tax_amount", "total_amount")
BASE_AMOUNTS = tuple(f"{name}_base" for name in LINE_AMOUNTS)
MART_LINE_FIELDS = (
    "line_number", "customer_id", "product_id", "tax_id", "account_id", "status", "line_type",
    "description", "currency_code", "exchange_rate", "quantity", "price", "cost_price",
    "discount_rate", "tax_rate", *LINE_AMOUNTS, *BASE_AMOUNTS,
)  # fmt: skip
MART_ORDER_FIELDS = (
    "customer_id", "invoice_number", "status", "currency_code", "exchange_rate", "line_count",
    *LINE_AMOUNTS, *BASE_AMOUNTS, "api_net_amount", "api_tax_amount", "api_gross_amount",
)  # fmt: skip


@dataclass(frozen=True)
class Truth:
    """What the API holds: the expected raw rows of every live order and line."""

    orders: dict[int, dict[str, Any]]
    lines: dict[tuple[int, int], dict[str, Any]]  # (order_id, line_id); with line_number

    @property
    def line_count(self) -> int:
        return len(self.lines)


# --- reading ------------------------------------------------------------------------


def _json(response: httpx.Response) -> Any:
    response.raise_for_status()
    return json.loads(response.content, parse_float=Decimal)


@contextlib.contextmanager
def _faults_off(sandbox: Any) -> Iterator[None]:
    """The truth is what the API holds, not what a fault makes of it: faults are suspended
    while it is read, then put back (their random stream restarts)."""
    saved = sandbox.admin("GET", "/faults")
    script = saved.pop("script", None)
    sandbox.clear_faults()
    try:
        yield
    finally:
        sandbox.replace_faults(**saved)
        if script:
            sandbox.admin("POST", "/faults/script", script)


def read_truth(sandbox: Any, *, workers: int = 8) -> Truth:
    """Every live order of the sandbox and its lines, over plain HTTP, faults suspended."""
    with _faults_off(sandbox), httpx.Client(timeout=60) as http:
        token: list[str] = []

        def authorize() -> None:
            token[:] = [
                _json(
                    http.post(
                        sandbox.token_url,
                        data={
                            "grant_type": "client_credentials",
                            "client_id": sandbox.client_id,
                            "client_secret": sandbox.client_secret,
                            "audience": sandbox.audience,
                            "login_organization": sandbox.organization_id,
                        },
                    )
                )["access_token"]
            ]

        def get(url: str) -> httpx.Response:
            # Tokens may be short-lived (a test's setting): one renewal per request.
            for _ in range(2):
                response = http.get(url, headers={"Authorization": f"Bearer {token[0]}"})
                if response.status_code != 401:
                    break
                authorize()
            return response

        authorize()
        listed: list[int] = []
        url: str | None = f"{sandbox.base_url}/salesorders?limit=1000"
        while url:
            response = get(url)
            listed += [order["id"] for order in _json(response)]
            url = response.links.get("next", {}).get("url")
        repeated = [i for i, n in Counter(listed).items() if n > 1]
        assert not repeated, f"the listing repeats orders: {repeated[:10]}"

        def read(order_id: int) -> tuple[Any, Any]:
            base = f"{sandbox.base_url}/salesorders/{order_id}"
            return _json(get(base)), _json(get(f"{base}/lines"))

        with ThreadPoolExecutor(workers) as pool:
            bodies = list(pool.map(read, listed))
    orders: dict[int, dict[str, Any]] = {}
    lines: dict[tuple[int, int], dict[str, Any]] = {}
    for order_id, (header, order_lines) in zip(listed, bodies, strict=True):
        assert header["id"] == order_id, (order_id, header["id"])
        orders[order_id] = _row(ORDER_WIRE, header)
        for number, line in enumerate(order_lines, start=1):
            row = {"order_id": order_id, "line_number": number, **_row(LINE_WIRE, line)}
            key = (order_id, row["line_id"])
            assert key not in lines, f"the API repeats line {key}"
            lines[key] = row
    return Truth(orders, lines)


def _row(wire: dict[str, tuple[tuple[str, ...], str]], body: dict[str, Any]) -> dict[str, Any]:
    row = {}
    for column, (path, kind) in wire.items():
        value: Any = body
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        row[column] = _typed(kind, value, present=isinstance(body.get(path[0]), dict))
    return row


def _typed(kind: str, value: Any, *, present: bool) -> Any:
    if kind == "currency_rate":
        # The order's currency without a rate is at rate 1 (the API's default); without
        # a currency object there is no rate at all.
        return (Decimal(1) if value is None else Decimal(value)) if present else None
    if value is None:
        return None
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "timestamp":
        return dt.datetime.fromisoformat(value)
    if kind == "decimal":
        assert not isinstance(value, float | bool), value
        return Decimal(value)
    if kind.startswith("units:"):
        # the value as a whole number of 10^-places, where it is one within 64 bits
        units = Decimal(value) * 10 ** int(kind.removeprefix("units:"))
        return int(units) if units == units.to_integral_value() and abs(units) < 2**63 else None
    return value


# --- the money rules, stated again independently of the SQL ----------------------------


def _or_zero(value: Decimal | None) -> Decimal:
    """The staging models' coalesce(…, 0) (not ``or 0``: Decimal('0') is falsy)."""
    return Decimal(0) if value is None else value


def line_amounts(line: dict[str, Any], exchange_rate: Decimal) -> dict[str, Decimal]:
    """The fact's amounts of one line, in the order's and the base currency."""
    quantity, price, discount, tax_rate = (
        _or_zero(line[name]) for name in ("quantity", "price", "discount_rate", "tax_rate")
    )
    return expected_amounts(quantity, price, discount, tax_rate, exchange_rate)


def expected_facts(truth: Truth) -> tuple[dict, dict]:
    """``marts.fct_sales_order_lines`` and ``marts.fct_sales_orders`` of the truth."""
    fact_lines: dict[tuple[int, int], dict[str, Any]] = {}
    fact_orders: dict[int, dict[str, Any]] = {}
    for order_id, order in truth.orders.items():
        exchange_rate = order["currency_rate"] if order["currency_rate"] is not None else 1
        fact_orders[order_id] = {
            "customer_id": order["customer_id"],
            "invoice_number": order["invoice_number"],
            "status": order["status"],
            "currency_code": order["currency_code"],
            "exchange_rate": Decimal(exchange_rate),
            "line_count": 0,
            **dict.fromkeys(LINE_AMOUNTS + BASE_AMOUNTS, Decimal(0)),
            "api_net_amount": order["net_amount"],
            "api_tax_amount": order["tax_amount"],
            "api_gross_amount": order["gross_amount"],
        }
    for key, line in truth.lines.items():
        order = fact_orders[key[0]]
        amounts = line_amounts(line, order["exchange_rate"])
        fact_lines[key] = {
            **{name: line[name] for name in MART_LINE_FIELDS if name in line},
            "customer_id": order["customer_id"],
            "status": order["status"],
            "currency_code": order["currency_code"],
            "exchange_rate": order["exchange_rate"],
            **{
                name: _or_zero(line[name])
                for name in ("quantity", "price", "discount_rate", "tax_rate")
            },
            **amounts,
        }
        order["line_count"] += 1
        for name, value in amounts.items():
            order[name] += value
    return fact_lines, fact_orders


# --- comparing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Compared:
    orders: int
    lines: int
    tombstoned: int


def assert_equals_truth(
    truth: Truth, query: Query, *, stale: Collection[int] = (), marts: bool = True
) -> Compared:
    """The warehouse (read through ``query``) equals ``truth``, by count and by content.

    ``stale``: orders deleted upstream that the warehouse may not know of yet (an
    incremental run without its deletion check cannot see deletions); they must still
    be live there, and are not compared. ``marts``: also compare the fact tables (built
    by the SQL models).
    """
    _check_columns_covered(query)
    stale = set(stale)
    assert stale.isdisjoint(truth.orders), "a stale order is live upstream"
    problems: list[str] = []

    order_columns = list(ORDER_WIRE)
    rows = query(f"select {', '.join(order_columns)}, deleted_at is not null from raw.sales_orders")
    tombstoned = {r[0] for r in rows if r[-1]}
    live = [dict(zip(order_columns, r[:-1], strict=True)) for r in rows if not r[-1]]
    _compare("raw.sales_orders", truth.orders, live, ("order_id",), stale, problems)

    line_columns = ["order_id", "line_number", *LINE_WIRE]
    rows = query(f"select {', '.join(line_columns)} from raw.sales_order_lines")
    found = [dict(zip(line_columns, r, strict=True)) for r in rows]
    orphans = [(r["order_id"], r["line_id"]) for r in found if r["order_id"] in tombstoned]
    if orphans:
        problems.append(f"lines of deleted orders kept: {orphans[:10]}")
    found = [r for r in found if r["order_id"] not in tombstoned]
    _compare("raw.sales_order_lines", truth.lines, found, ("order_id", "line_id"), stale, problems)

    if marts:
        fact_lines, fact_orders = expected_facts(truth)
        columns = ["order_id", "line_id", *MART_LINE_FIELDS]
        rows = query(f"select {', '.join(columns)} from marts.fct_sales_order_lines")
        found = [dict(zip(columns, r, strict=True)) for r in rows]
        _compare("marts.fct_sales_order_lines", fact_lines, found, ("order_id", "line_id"),
                 stale, problems)  # fmt: skip
        columns = ["order_id", *MART_ORDER_FIELDS]
        rows = query(f"select {', '.join(columns)} from marts.fct_sales_orders")
        found = [dict(zip(columns, r, strict=True)) for r in rows]
        _compare("marts.fct_sales_orders", fact_orders, found, ("order_id",), stale, problems)

    assert not problems, "the warehouse differs from the API:\n" + "\n".join(problems)
    return Compared(len(truth.orders), truth.line_count, len(tombstoned))


def _compare(
    table: str,
    expected: dict[Any, dict[str, Any]],
    found: Iterable[dict[str, Any]],
    key_columns: tuple[str, ...],
    stale: set[int],
    problems: list[str],
) -> None:
    def key_of(row: dict[str, Any]) -> Any:
        key = tuple(row[c] for c in key_columns)
        return key if len(key) > 1 else key[0]

    found = list(found)
    counts = Counter(key_of(row) for row in found)
    duplicated = sorted(k for k, n in counts.items() if n > 1)
    stale_keys = {k for k in counts if (k[0] if isinstance(k, tuple) else k) in stale}
    missing = sorted(set(expected) - set(counts))
    extra = sorted(set(counts) - set(expected) - stale_keys)
    if len(stale_keys) < len(stale) and key_columns == ("order_id",):
        problems.append(f"{table}: stale orders missing: {sorted(stale - stale_keys)[:10]}")
    for what, keys in (("duplicated", duplicated), ("missing", missing), ("extra", extra)):
        if keys:
            problems.append(f"{table}: {len(keys)} {what}, e.g. {keys[:5]}")
    differing = []
    for row in found:
        key = key_of(row)
        if key not in expected:
            continue
        want = expected[key]
        for column, value in row.items():
            if column in want and not _same(value, want[column]):
                differing.append(f"{key} {column}: {value!r}, API {want[column]!r}")
    if differing:
        problems.append(f"{table}: {len(differing)} values differ, e.g.\n  " +
                        "\n  ".join(differing[:10]))  # fmt: skip


def _same(found: Any, expected: Any) -> bool:
    if expected is None or found is None:
        return found is None and expected is None
    if isinstance(expected, Decimal):
        # Exact: a float in the warehouse is a difference however close its value.
        return isinstance(found, Decimal) and found == expected
    return isinstance(found, type(expected)) and found == expected


def _check_columns_covered(query: Query) -> None:
    """Every API column of the raw tables is compared (a new one must be added above)."""
    for table, wire, extra in (
        ("sales_orders", ORDER_WIRE, set()),
        ("sales_order_lines", LINE_WIRE, {"order_id", "line_number"}),
    ):
        columns = {
            r[0]
            for r in query(
                "select column_name from information_schema.columns"
                f" where table_schema = 'raw' and table_name = '{table}'"
            )
        }
        uncompared = columns - set(wire) - extra - LINEAGE
        assert not uncompared, f"raw.{table} columns the truth does not compare: {uncompared}"
