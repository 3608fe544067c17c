"""The sandbox speaks the project's contract: every endpoint's body validates
against the shared models, money is exact JSON numbers, every response has an
X-Trace-Id, and two starts with the same seed serve identical data."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from twentyfourseven.api.payloads import (
    ErrorBody,
    SalesOrder,
    SalesOrderExtended,
    SalesOrderLine,
    dumps_json,
    parse_json,
)

SANDBOX_OPTIONS = {"orders": 300, "seed": 5}


def _strict(model, data):
    """Validate and also refuse fields the model does not know (responses allow extras)."""
    parsed = model.model_validate(data)
    assert not parsed.model_extra, f"unknown fields {parsed.model_extra}"
    return parsed


def test_list_validates_as_sales_orders(list_all):
    orders, _ = list_all(limit=300)
    for order in orders:
        _strict(SalesOrder, order)
    assert len(orders) == 300


def test_one_order_and_its_lines_validate(api):
    for order_id in range(100001, 100301, 7):
        order = parse_json(api.get(f"/salesorders/{order_id}").content)
        _strict(SalesOrderExtended, order)
        lines = parse_json(api.get(f"/salesorders/{order_id}/lines").content)
        for line in lines:
            _strict(SalesOrderLine, line)
            one = api.get(f"/salesorders/{order_id}/lines/{line['id']}")
            assert parse_json(one.content) == line


def test_write_endpoints_answer_with_model_shapes(api):
    created = api.post("/salesorders", json={"customer": {"id": 10001, "name": "Fjord Bygg AS"}})
    assert created.status_code == 200
    order = _strict(SalesOrderExtended, parse_json(created.content))
    line = api.post(f"/salesorders/{order.id}/lines", json={"product": {"id": 1001}})
    assert line.status_code == 200
    line_model = _strict(SalesOrderLine, parse_json(line.content))
    patched_line = api.patch(f"/salesorders/{order.id}/lines/{line_model.id}", json={"quantity": 3})
    _strict(SalesOrderLine, parse_json(patched_line.content))
    patched = api.patch(f"/salesorders/{order.id}", json={"memo": "ny"})
    _strict(SalesOrderExtended, parse_json(patched.content))
    assert api.delete(f"/salesorders/{order.id}/lines/{line_model.id}").status_code == 204
    assert api.delete(f"/salesorders/{order.id}").status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/salesorders/1", None, 404),
        ("POST", "/salesorders", {"customer": {"id": 1}}, 400),
        ("POST", "/salesorders", {"customer": {"id": 1, "name": "A"}, "status": "Invoice"}, 400),
        ("GET", "/salesorders?limit=0", None, 400),
    ],
)
def test_error_bodies_validate(api, method, path, body, status):
    response = api.request(method, path, json=body)
    assert response.status_code == status
    error = ErrorBody.model_validate(response.json())
    assert error.error.name in {"NotFoundError", "ValidationError", "BadRequestError"}
    assert error.tracking_id


def test_money_is_exact_json_numbers(api):
    raw = api.get("/salesorders/100010").content
    assert b'"netAmount":"' not in raw
    order = parse_json(raw)
    assert isinstance(order["netAmount"], Decimal)
    assert order["netAmount"] == order["netAmount"].quantize(Decimal("0.01"))
    assert order["grossAmount"] == order["netAmount"] + order["taxAmount"]


def test_every_response_has_a_trace_id(sandbox, api):
    responses = [
        api.get("/salesorders?limit=1"),
        api.get("/salesorders/1"),
        api.get("/nothing-here"),
        httpx.get(f"{sandbox.base_url}/salesorders"),
        httpx.post(sandbox.token_url, data={"grant_type": "x"}),
        httpx.get(f"{sandbox.root_url}/_sandbox/health"),
    ]
    trace_ids = [r.headers.get("x-trace-id") for r in responses]
    assert all(trace_ids)
    assert len(set(trace_ids)) == len(trace_ids)


def _snapshot(running) -> list[bytes]:
    with httpx.Client(base_url=running.base_url, headers=running.auth_headers()) as client:
        bodies = []
        url = "/salesorders?limit=50"
        while url:
            response = client.get(url)
            bodies.append(response.content)
            url = response.links.get("next", {}).get("url")
        for order_id in (100001, 100077, 100150):
            bodies.append(client.get(f"/salesorders/{order_id}").content)
            bodies.append(client.get(f"/salesorders/{order_id}/lines").content)
    return bodies


def test_same_seed_serves_identical_data_and_another_seed_does_not(sandbox_factory):
    first = _snapshot(sandbox_factory(orders=150, seed=42))
    second = _snapshot(sandbox_factory(orders=150, seed=42))
    other = _snapshot(sandbox_factory(orders=150, seed=43))
    assert first == second
    assert first != other
    assert len(first) == 3 + 6


def test_served_json_round_trips_exactly(sandbox, api, list_all):
    orders, _ = list_all(limit=300)
    lines = parse_json(api.get("/salesorders/100002/lines").content)
    tricky = {
        "n": [Decimal("-0.50"), Decimal("1E+3"), Decimal("12.3400"), 7, None, True],
        "s": ['æøå "quoted" \\ / \n', "", "\u20ac", "\x0012"],
        "nested": {"a": {"b": [Decimal("0.00")]}},
    }
    for value in (orders, lines, tricky):
        assert parse_json(dumps_json(value)) == value
    assert b"12.3400" in dumps_json(tricky)
    with pytest.raises(ValueError, match="not a JSON number"):
        dumps_json(Decimal("NaN"))
