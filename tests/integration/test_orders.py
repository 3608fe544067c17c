"""Creating, reading and bulk-reading orders and lines against the sandbox:
round trips, exact decimals, the API's validation and bad-request errors, 404s
and order IDs refused before any request."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest

from twentyfourseven.api import (
    BadRequestError,
    BadRequestIssue,
    InvalidOrderIdError,
    NotFoundError,
    OutcomeStatus,
    RequestValidationError,
    ValidationIssue,
)
from twentyfourseven.api.payloads import (
    Currency,
    CustomerRequired,
    LineType,
    SalesOrderCreate,
    SalesOrderStatus,
)

from .conftest import live_orders

SANDBOX_OPTIONS = {"orders": 60, "seed": 21}
FIRST, LAST = 100001, 100060
CENT = Decimal("0.01")


def test_create_then_read_back(client, sandbox):
    before = live_orders(sandbox)
    created = client.create_sales_order(
        {
            "customer": {"id": 10054, "name": "Fjord Integrasjon AS", "countryCode": "NO"},
            "currency": {"code": "EUR"},
            "memo": "Laget av integrasjonstesten",
            "referenceNumber": "PO-4711",
            "deliveryDate": dt.date(2025, 7, 15),
        }
    )
    assert created.id > LAST
    assert created.status == SalesOrderStatus.DRAFT  # the API's default
    assert created.customer.name == "Fjord Integrasjon AS"
    assert created.currency.code == "EUR"
    assert isinstance(created.currency.rate, Decimal)
    assert created.currency.rate > 1  # the server filled in the NOK rate
    assert created.net_amount == Decimal("0.00")

    read = client.get_sales_order(created.id)
    assert read.model_dump() == created.model_dump()
    assert read.memo == "Laget av integrasjonstesten"
    assert read.reference_number == "PO-4711"
    assert read.delivery_date == dt.date(2025, 7, 15)
    assert client.get_sales_order_lines(created.id) == []
    listed = list(client.list_sales_orders(created_from=created.created_at))
    assert created.id in [order.id for order in listed]
    (outcome,) = client.read_orders([created.id])
    assert outcome.status == OutcomeStatus.OK
    assert outcome.header.model_dump() == created.model_dump()
    assert outcome.lines == ()

    assert live_orders(sandbox) == before + 1
    assert sandbox.count("create_order") == 1


def _constructed(**fields):
    """A create body that skips the client-side check, to reach the API's own validation."""
    return SalesOrderCreate.model_construct(**fields)


@pytest.mark.parametrize(
    ("body", "issues"),
    [
        (
            _constructed(customer=CustomerRequired.model_construct(id=1)),
            [("customer.name", "required")],
        ),
        (
            _constructed(customer=CustomerRequired.model_construct(id=1, name="x" * 201)),
            [("customer.name", "maxLength")],
        ),
        (
            _constructed(
                customer=CustomerRequired.model_construct(id=1, name="A"),
                currency=Currency.model_construct(code="eur"),
            ),
            [("currency.code", "pattern")],
        ),
        (_constructed(status=SalesOrderStatus.DRAFT), [("customer", "required")]),
    ],
    ids=["name-missing", "name-too-long", "currency-pattern", "customer-missing"],
)
def test_create_refused_by_the_api_is_a_request_validation_error(client, sandbox, body, issues):
    before = live_orders(sandbox)
    with pytest.raises(RequestValidationError) as caught:
        client.create_sales_order(body)
    error = caught.value
    assert error.status_code == 400
    assert error.issues == tuple(ValidationIssue(path=p, keyword=k) for p, k in issues)
    assert error.tracking_id
    assert error.trace_id
    assert error.tracking_id in str(error)
    assert issues[0][0] in str(error)
    assert sandbox.count("create_order") == 1  # a 400 is final
    assert live_orders(sandbox) == before


def test_an_invalid_create_body_is_refused_before_any_request(client, sandbox):
    with pytest.raises(ValueError, match=r"customer\.name"):
        client.create_sales_order({"customer": {"id": 1}})
    assert sandbox.count() == 0


def test_create_invoiced_without_lines_is_a_no_lines_bad_request(client, sandbox):
    before = live_orders(sandbox)
    with pytest.raises(BadRequestError) as caught:
        client.create_sales_order({"customer": {"id": 1, "name": "A"}, "status": "Invoice"})
    error = caught.value
    assert error.status_code == 400
    assert error.issues == (
        BadRequestIssue(
            type="NoLines", message="No lines in the sales order", arguments=("lineItems",)
        ),
    )
    assert error.tracking_id
    assert "NoLines" in str(error)
    assert sandbox.count("create_order") == 1
    assert live_orders(sandbox) == before


def _literal_numbers(sandbox, path):
    """The body of ``path`` with every JSON number kept as the literal text sent."""
    response = httpx.get(sandbox.base_url + path, headers=sandbox.auth_headers(), timeout=5)
    response.raise_for_status()
    return json.loads(response.content, parse_float=str, parse_int=str)


def _round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def test_lines_carry_exact_decimals_tax_account_and_product(client, sandbox):
    seen_fraction = 0
    for order_id in range(FIRST, FIRST + 15):
        lines = client.get_sales_order_lines(order_id)
        literal = _literal_numbers(sandbox, f"/salesorders/{order_id}/lines")
        assert [str(line.id) for line in lines] == [raw["id"] for raw in literal]
        net = tax = Decimal(0)
        for line, raw in zip(lines, literal, strict=True):
            for name, wire in (
                ("quantity", "quantity"),
                ("price", "price"),
                ("discount_rate", "discountRate"),
                ("cost_price", "costPrice"),
            ):
                value = getattr(line, name)
                if wire in raw:
                    assert isinstance(value, Decimal)
                    assert str(value) == raw[wire], (order_id, wire)  # digit for digit
                else:
                    assert value is None
            assert line.tax.id is not None
            assert str(line.tax.rate) == raw["tax"]["rate"]
            assert line.account.number is not None
            assert line.account.name
            if line.type == LineType.PRODUCT:
                assert line.product.id is not None
                assert line.product.number == raw["product"]["number"]
            if line.price != line.price.quantize(Decimal(1)):
                seen_fraction += 1
            line_net = _round2(line.quantity * line.price * (1 - line.discount_rate / 100))
            net += line_net
            tax += _round2(line_net * line.tax.rate / 100)
        # Exact arithmetic reconciles the header with its lines to the cent.
        header = client.get_sales_order(order_id)
        assert header.net_amount == net
        assert header.tax_amount == tax
        assert header.gross_amount == net + tax
    assert seen_fraction > 0  # prices with øre really were compared


def test_bulk_read_matches_single_reads(make_client, sandbox):
    client = make_client(max_concurrency=6)
    wanted = list(range(FIRST, FIRST + 40))
    outcomes = list(client.read_orders(wanted))
    assert sorted(o.order_id for o in outcomes) == wanted
    assert {o.status for o in outcomes} == {OutcomeStatus.OK}
    assert all(o.invalid == () for o in outcomes)
    by_id = {o.order_id: o for o in outcomes}
    for order_id in (FIRST, FIRST + 17, FIRST + 39):
        assert by_id[order_id].header == client.get_sales_order(order_id)
        assert list(by_id[order_id].lines) == client.get_sales_order_lines(order_id)
    assert sandbox.count("get_order", 200) == 40 + 3
    assert sandbox.count("list_lines", 200) == 40 + 3
    assert sandbox.count("token") == 1  # concurrent workers shared one token


def test_a_missing_order_is_not_found_with_the_apis_ids(client, sandbox):
    with pytest.raises(NotFoundError) as caught:
        client.get_sales_order(99_999_999)
    assert caught.value.status_code == 404
    assert caught.value.tracking_id
    assert caught.value.trace_id
    assert sandbox.count("get_order") == 1  # a 404 is not retried
    outcomes = {o.order_id: o.status for o in client.read_orders([FIRST, 99_999_999])}
    assert outcomes == {FIRST: OutcomeStatus.OK, 99_999_999: OutcomeStatus.NOT_FOUND}


def test_invalid_order_ids_are_refused_before_any_request(client, sandbox):
    for bad in (0, -1, 2**31, "12a", "", True, 1.5, None):
        with pytest.raises(InvalidOrderIdError):
            client.get_sales_order(bad)
        with pytest.raises(InvalidOrderIdError):
            client.get_sales_order_lines(bad)
        with pytest.raises(InvalidOrderIdError):
            list(client.read_orders([FIRST, FIRST + 1, bad]))
    assert sandbox.count() == 0
