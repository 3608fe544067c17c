"""Error bodies become typed errors carrying status, trackingId and X-Trace-Id."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from twentyfourseven.api import (
    ApiError,
    BadRequestError,
    BadRequestIssue,
    ConflictError,
    InvalidOrderIdError,
    NotFoundError,
    PermissionDeniedError,
    RequestValidationError,
    ServerError,
    ValidationIssue,
    check_order_id,
)

from .conftest import json_response, line_body, order_body

CREATE = "/v1/salesorders"
NEW_ORDER = {"customer": {"id": 1, "name": "ABC Corporation"}}
FULLWIDTH_123 = "\uff11\uff12\uff13"


def test_validation_error_body_maps_to_typed_error_with_paths(api, client):
    api.on(
        "POST",
        CREATE,
        json_response(
            400,
            {
                "error": {
                    "name": "ValidationError",
                    "payload": {
                        "validationErrors": [
                            {"path": "customer.name", "keyword": "required"},
                            {"path": "internalMemo", "keyword": "maxLength"},
                        ]
                    },
                },
                "trackingId": "def456",
            },
            **{"X-Trace-Id": "trace-1"},
        ),
    )
    with pytest.raises(RequestValidationError) as caught:
        client.create_sales_order(NEW_ORDER)
    error = caught.value
    assert error.issues == (
        ValidationIssue("customer.name", "required"),
        ValidationIssue("internalMemo", "maxLength"),
    )
    assert (error.status_code, error.tracking_id, error.trace_id) == (400, "def456", "trace-1")
    assert "customer.name (required)" in str(error)
    assert "trackingId=def456" in str(error)
    assert error.error_type == "RequestValidationError"


def test_bad_request_error_body_maps_to_typed_error_with_types(api, client):
    api.on(
        "POST",
        CREATE,
        json_response(
            400,
            {
                "error": {
                    "name": "BadRequestError",
                    "payload": {
                        "errors": [
                            {
                                "type": "NoLines",
                                "message": "No lines in the sales order",
                                "arguments": ["lineItems"],
                            }
                        ]
                    },
                },
                "trackingId": "ghi789",
            },
        ),
    )
    with pytest.raises(BadRequestError) as caught:
        client.create_sales_order(NEW_ORDER)
    assert caught.value.issues == (
        BadRequestIssue("NoLines", "No lines in the sales order", ("lineItems",)),
    )
    assert caught.value.tracking_id == "ghi789"
    assert "NoLines: No lines in the sales order" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, BadRequestError),
        (501, ServerError),
    ],
)
def test_statuses_map_to_error_classes(api, client, status, error_class):
    api.on(
        "GET",
        "/v1/salesorders/5",
        json_response(
            status,
            {"error": {"name": "X", "message": "nope"}, "trackingId": "t"},
            **{"X-Trace-Id": "tr"},
        ),
    )
    with pytest.raises(error_class) as caught:
        client.get_sales_order(5)
    assert isinstance(caught.value, ApiError)
    assert (caught.value.status_code, caught.value.tracking_id, caught.value.trace_id) == (
        status,
        "t",
        "tr",
    )
    assert "GET https://api.test/v1/salesorders/5: nope" in str(caught.value)


def test_an_error_without_a_json_body_still_names_status_and_trace(api, client):
    api.on(
        "GET",
        "/v1/salesorders/5",
        httpx.Response(403, content=b"<html>", headers={"X-Trace-Id": "z"}),
    )
    with pytest.raises(PermissionDeniedError, match="Forbidden") as caught:
        client.get_sales_order(5)
    assert caught.value.tracking_id is None
    assert caught.value.trace_id == "z"


def test_get_order_and_lines_return_typed_models(api, client):
    api.on(
        "GET",
        "/v1/salesorders/5",
        json_response(200, order_body(5, currency={"code": "EUR", "rate": 11.5})),
    )
    api.on(
        "GET",
        "/v1/salesorders/5/lines",
        json_response(200, [line_body(1), line_body(2, type="text")]),
    )
    order = client.get_sales_order(5)
    lines = client.get_sales_order_lines(5)
    assert order.net_amount == Decimal("100.1")
    assert order.currency.rate == Decimal("11.5")
    assert [line.id for line in lines] == [1, 2]
    assert lines[0].price == Decimal("49.99")


def test_create_sends_decimals_as_json_numbers(api, client):
    api.on("POST", CREATE, json_response(200, order_body(99)))
    created = client.create_sales_order(
        {
            "customer": {"id": 1, "name": "A"},
            "currency": {"code": "EUR", "rate": Decimal("11.4567")},
        }
    )
    assert created.id == 99
    (request,) = api.requests_to("POST", CREATE)
    assert request.headers["Content-Type"] == "application/json"
    assert b'"rate":11.4567' in request.content


def test_create_refuses_an_invalid_request_before_sending(api, client):
    with pytest.raises(ValueError, match="customer"):
        client.create_sales_order({"status": "Draft"})
    assert api.requests == []


@pytest.mark.parametrize("value", [1, 2**31 - 1, "42", " 7 "])
def test_valid_order_ids(value):
    assert check_order_id(value) == int(str(value).strip())


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (0, "between 1 and 2147483647"),
        (-5, "between 1 and"),
        (2**31, "got 2147483648"),
        ("-5", "positive integer"),
        ("1e3", "positive integer"),
        ("", "positive integer"),
        (3.0, "positive integer"),
        (True, "integer, got True"),
        (None, "got None"),
        ("1; DROP TABLE orders", "got '1; DROP TABLE orders'"),
        ("9" * 80, "…"),
        ("9" * 100_000, "…"),
        (10**50, "…"),
        # str.isdigit() and int() take these, and the API would be sent another number.
        ("²", "ASCII digits 0-9, got '²'"),
        (FULLWIDTH_123, f"ASCII digits 0-9, got '{FULLWIDTH_123}'"),
        ("٣", "ASCII digits 0-9, got '٣'"),
        ("12³", "ASCII digits 0-9"),
    ],
)
def test_invalid_order_ids_are_refused_with_a_clear_message(value, fragment):
    with pytest.raises(InvalidOrderIdError) as caught:
        check_order_id(value)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("method", ["get_sales_order", "get_sales_order_lines"])
def test_an_invalid_order_id_sends_no_request(api, client, method):
    with pytest.raises(InvalidOrderIdError):
        getattr(client, method)("../customers")
    assert api.requests == []
