"""Creating, changing and deleting orders and lines as the real API does:
validation errors with path/keyword, BadRequestError NoLines, 409 on invoiced
orders, and amounts that follow the lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from twentyfourseven.api.payloads import parse_json

SANDBOX_OPTIONS = {"orders": 50, "seed": 3}

CUSTOMER = {"id": 10042, "name": "Havbris Elektro AS", "countryCode": "NO", "postalCode": "5003"}


def _issues(response):
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"]["name"] == "ValidationError"
    assert body["trackingId"]
    return body["error"]["payload"]["validationErrors"]


def test_create_then_read_back(api, sandbox):
    body = {
        "customer": CUSTOMER,
        "date": "2025-06-01",
        "memo": "Hastelevering.",
        "invoice": {"paymentTerms": {"type": "NumberOfDays", "value": 14}},
        "dimensions": [{"dimensionType": 1, "value": "10", "name": "Salg"}],
    }
    created = api.post("/salesorders", json=body)
    assert created.status_code == 200
    order = parse_json(created.content)
    assert order["id"] > 100000 + sandbox.orders
    assert order["status"] == "Draft"
    assert order["customer"] == CUSTOMER
    assert order["currency"] == {"code": "NOK", "rate": 1}
    assert order["netAmount"] == order["grossAmount"] == 0
    assert parse_json(api.get(f"/salesorders/{order['id']}").content) == order
    assert api.get(f"/salesorders/{order['id']}/lines").json() == []
    listed = api.get("/salesorders", params={"customerId": CUSTOMER["id"]}).json()
    assert order["id"] in [o["id"] for o in listed]


def test_foreign_currency_gets_a_rate(api):
    body = {"customer": {"id": 1, "name": "Nordic Trade AB"}, "currency": {"code": "SEK"}}
    order = parse_json(api.post("/salesorders", json=body).content)
    assert order["currency"]["code"] == "SEK"
    assert Decimal("0.9") < order["currency"]["rate"] < Decimal("1.1")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"customer": {"id": 1}}, [{"path": "customer.name", "keyword": "required"}]),
        ({}, [{"path": "customer", "keyword": "required"}]),
        (
            {"customer": {"id": 1, "name": "x" * 201}},
            [{"path": "customer.name", "keyword": "maxLength"}],
        ),
        (
            {"customer": {"id": 1, "name": "A"}, "colour": "red"},
            [{"path": "colour", "keyword": "additionalProperties"}],
        ),
        (
            {"customer": {"id": 1, "name": "A"}, "status": "Paid"},
            [{"path": "status", "keyword": "enum"}],
        ),
        (
            {"customer": {"id": 1, "name": "A", "gln": "123"}},
            [{"path": "customer.gln", "keyword": "minLength"}],
        ),
        (
            {"customer": {"id": 1, "name": "A"}, "currency": {"code": "nok"}},
            [{"path": "currency.code", "keyword": "pattern"}],
        ),
    ],
)
def test_create_validation_errors(api, body, expected):
    assert _issues(api.post("/salesorders", json=body)) == expected


def test_malformed_request_json_is_a_validation_error(api):
    response = api.post(
        "/salesorders", content=b'{"customer":', headers={"Content-Type": "application/json"}
    )
    assert _issues(response) == [{"path": "", "keyword": "type"}]


def test_create_invoiced_without_lines_is_no_lines(api):
    response = api.post("/salesorders", json={"customer": CUSTOMER, "status": "Invoice"})
    assert response.status_code == 400
    assert response.json()["error"] == {
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
    }


def test_lines_drive_amounts_and_invoicing(api):
    order_id = api.post("/salesorders", json={"customer": CUSTOMER}).json()["id"]
    refused = api.patch(f"/salesorders/{order_id}", json={"status": "Invoice"})
    assert refused.json()["error"]["payload"]["errors"][0]["type"] == "NoLines"

    line = parse_json(
        api.post(
            f"/salesorders/{order_id}/lines",
            json={"product": {"id": 1001, "number": "ignored"}, "quantity": 3, "discountRate": 10},
        ).content
    )
    assert line["product"] == {"id": 1001, "number": "P-1001"}
    assert line["price"] == Decimal("1450.00")
    assert line["tax"] == {"id": 1, "number": 3, "rate": 25}
    text = api.post(
        f"/salesorders/{order_id}/lines",
        json={"type": "text", "description": "Takk!", "quantity": 0, "price": 0},
    ).json()
    order = parse_json(api.get(f"/salesorders/{order_id}").content)
    assert order["netAmount"] == Decimal("3915.00")  # 3 * 1450 * 0.9
    assert order["taxAmount"] == Decimal("978.75")
    assert order["grossAmount"] == Decimal("4893.75")

    patched = api.patch(f"/salesorders/{order_id}/lines/{line['id']}", json={"quantity": -1})
    assert parse_json(patched.content)["quantity"] == -1
    order = parse_json(api.get(f"/salesorders/{order_id}").content)
    assert order["netAmount"] == Decimal("-1305.00")
    mismatch = api.patch(f"/salesorders/{order_id}/lines/{line['id']}", json={"id": 1})
    assert _issues(mismatch) == [{"path": "id", "keyword": "const"}]
    too_much = api.patch(f"/salesorders/{order_id}/lines/{line['id']}", json={"discountRate": 101})
    assert _issues(too_much) == [{"path": "discountRate", "keyword": "maximum"}]
    empty = api.post(f"/salesorders/{order_id}/lines", json={"description": ""})
    assert _issues(empty) == [{"path": "description", "keyword": "minLength"}]

    assert api.delete(f"/salesorders/{order_id}/lines/{text['id']}").status_code == 204
    assert api.get(f"/salesorders/{order_id}/lines/{text['id']}").status_code == 404
    assert len(api.get(f"/salesorders/{order_id}/lines").json()) == 1

    invoiced = parse_json(api.patch(f"/salesorders/{order_id}", json={"status": "Invoice"}).content)
    assert invoiced["status"] == "Invoice"
    assert invoiced["invoice"]["number"]
    assert invoiced["invoice"]["dueDate"]
    assert api.delete(f"/salesorders/{order_id}").status_code == 409
    assert api.delete(f"/salesorders/{order_id}/lines/{line['id']}").status_code == 409


def test_patch_order_changes_only_what_is_sent_and_bumps_modified(api, sandbox):
    before = parse_json(api.get("/salesorders/100003").content)
    sandbox.advance_clock(60)
    after = parse_json(
        api.patch(
            "/salesorders/100003",
            json={"memo": "Endret.", "deliveryCustomer": {"city": "Bergen"}},
        ).content
    )
    assert after["memo"] == "Endret."
    assert after["deliveryCustomer"]["city"] == "Bergen"
    assert after["deliveryCustomer"]["name"] == before["deliveryCustomer"]["name"]
    assert after["customer"] == before["customer"]
    assert after["modifiedAt"] > before["modifiedAt"]
    assert after["createdAt"] == before["createdAt"]
    assert _issues(api.patch("/salesorders/100003", json={"id": 5})) == [
        {"path": "id", "keyword": "additionalProperties"}
    ]
    assert api.patch("/salesorders/99", json={"memo": "x"}).status_code == 404


def test_delete_draft_then_404(api):
    order_id = api.post("/salesorders", json={"customer": CUSTOMER}).json()["id"]
    assert api.delete(f"/salesorders/{order_id}").status_code == 204
    assert api.get(f"/salesorders/{order_id}").status_code == 404
    assert api.delete(f"/salesorders/{order_id}").status_code == 404
    assert api.get(f"/salesorders/{order_id}/lines").status_code == 404
