"""The pydantic models: exact money, the document's limits, unknown fields kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from twentyfourseven.api.payloads import (
    Accrual,
    FixedDateTerms,
    LineType,
    SalesOrderCreate,
    SalesOrderExtended,
    SalesOrderLine,
    SalesOrderLineCreate,
    SalesOrderStatus,
    describe_validation_error,
    dumps_json,
    parse_json,
)


def test_money_is_parsed_exactly_from_json_text():
    body = b'{"id": 1, "netAmount": 123456789012345678901234.123456789, "taxAmount": 0.1}'
    order = SalesOrderExtended.model_validate(parse_json(body))
    assert order.net_amount == Decimal("123456789012345678901234.123456789")
    assert order.tax_amount == Decimal("0.1")
    assert isinstance(order.tax_amount, Decimal)


def test_line_fields_map_from_the_wire_names():
    line = SalesOrderLine.model_validate(
        parse_json(
            b'{"id": 7, "type": "text", "description": "Gift wrap", "quantity": -1.5,'
            b' "price": 4.99, "discountRate": 100, "costPrice": 1.2345,'
            b' "tax": {"id": 1, "number": 3, "rate": 12},'
            b' "account": {"id": 9, "number": 3000, "name": "Salg"}, "product": {"id": 5}}'
        )
    )
    assert line.type is LineType.TEXT
    assert line.quantity == Decimal("-1.5")
    assert line.discount_rate == Decimal(100)
    assert (line.tax.id, line.tax.number, line.tax.rate) == (1, 3, Decimal(12))
    assert (line.account.number, line.account.name) == (3000, "Salg")
    assert line.cost_price == Decimal("1.2345")


def test_unknown_fields_are_kept_not_rejected():
    order = SalesOrderExtended.model_validate(
        {"id": 1, "newVendorField": {"x": 1}, "customer": {"id": 3, "loyaltyTier": "gold"}}
    )
    assert order.model_extra == {"newVendorField": {"x": 1}}
    assert order.customer.model_extra == {"loyaltyTier": "gold"}
    assert order.to_api()["newVendorField"] == {"x": 1}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"id": 1, "discountRate": 150}, "discountRate"),
        ({"id": 1, "discountRate": -1}, "discountRate"),
        ({"id": 1, "description": ""}, "description"),
        ({"id": 1, "description": "x" * 301}, "description"),
        ({"id": 1, "type": "service"}, "type"),
        ({"id": 1, "tax": {"rate": 101}}, "tax.rate"),
        ({"id": 1, "tax": {"number": 2**31}}, "tax.number"),
        ({"id": 1, "account": {"name": "x" * 76}}, "account.name"),
        ({"id": 1, "costPrice": 1.00001}, "costPrice"),
        ({"id": 1, "price": "NaN"}, "price"),
        ({"description": "no id"}, "id"),
    ],
)
def test_line_limits_from_the_document_are_enforced(payload, field):
    with pytest.raises(ValidationError) as caught:
        SalesOrderLine.model_validate(payload)
    assert field in describe_validation_error(caught.value)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"id": 1, "status": "Shipped"}, "status"),
        ({"id": 1, "currency": {"code": "nok"}}, "currency.code"),
        ({"id": 1, "currency": {"code": "EUR", "rate": 0}}, "currency.rate"),
        ({"id": 1, "customer": {"gln": "123"}}, "customer.gln"),
        ({"id": 1, "customer": {"countryCode": "NOR"}}, "customer.countryCode"),
        ({"id": 1, "deliveryCustomer": {"postalCode": "x" * 17}}, "deliveryCustomer.postalCode"),
        ({"id": 1, "internalMemo": "x" * 301}, "internalMemo"),
        ({"id": 1, "referenceNumber": "x" * 51}, "referenceNumber"),
        ({"id": 1, "invoice": {"number": 2**31}}, "invoice.number"),
        ({"id": 1, "invoice": {"distributionMethod": "fax"}}, "invoice.distributionMethod"),
        ({"id": 1, "invoice": {"paymentTerms": {"type": "NumberOfDays", "value": -1}}}, "value"),
        ({"id": 1, "accrual": {"startDate": "2024-01-01"}}, "accrual"),
    ],
)
def test_order_limits_from_the_document_are_enforced(payload, field):
    with pytest.raises(ValidationError) as caught:
        SalesOrderExtended.model_validate(payload)
    assert field in describe_validation_error(caught.value)


def test_nested_order_objects_parse():
    order = SalesOrderExtended.model_validate(
        {
            "id": 9,
            "status": "AdvanceInvoice",
            "currency": {"code": "EUR", "rate": 11.4567},
            "customer": {"id": 1, "name": "ABC", "countryCode": "NO"},
            "deliveryCustomer": {"id": 1, "name": "ABC lager"},
            "invoice": {"number": 5, "paymentTerms": {"type": "FixedDate", "value": "2023-08-15"}},
            "salesType": {"id": -100},
            "dimensions": [{"dimensionType": 1, "value": "13", "name": "Project 13"}],
            "createdAt": "2023-06-01T12:00:00Z",
            "date": "2023-06-01",
        }
    )
    assert order.status is SalesOrderStatus.ADVANCE_INVOICE
    assert order.currency.rate == Decimal("11.4567")
    assert order.invoice.payment_terms == FixedDateTerms(
        type="FixedDate", value=dt.date(2023, 8, 15)
    )
    assert order.sales_type.id == -100
    assert order.dimensions[0].name == "Project 13"
    assert order.created_at == dt.datetime(2023, 6, 1, 12, tzinfo=dt.UTC)


def test_currency_rate_defaults_to_one():
    assert (
        SalesOrderExtended.model_validate({"id": 1, "currency": {"code": "NOK"}}).currency.rate == 1
    )


def test_create_request_requires_customer_id_and_name_and_forbids_unknown_fields():
    with pytest.raises(ValidationError, match=r"customer\.name"):
        SalesOrderCreate.model_validate({"customer": {"id": 1}})
    with pytest.raises(ValidationError, match="statuss"):
        SalesOrderCreate.model_validate({"customer": {"id": 1, "name": "A"}, "statuss": "Draft"})
    with pytest.raises(ValidationError, match="colour"):
        SalesOrderLineCreate.model_validate({"description": "x", "colour": "red"})


def test_accrual_empty_object_resets_and_pairs_are_complete():
    assert Accrual.model_validate({}).start_date is None
    assert Accrual.model_validate({"startDate": "2024-01-01", "length": 6}).length == 6
    with pytest.raises(ValidationError):
        Accrual.model_validate({"startDate": "2024-01-01", "length": 0})


def test_dumps_json_writes_decimals_as_exact_numbers():
    order = SalesOrderCreate.model_validate(
        {"customer": {"id": 1, "name": "Å"}, "status": "Draft", "date": "2024-02-29"}
    )
    body = {**order.to_api(), "amount": Decimal("0.10"), "big": Decimal("1E+30")}
    encoded = dumps_json(body)
    assert b'"amount":0.10' in encoded
    assert b'"status":"Draft"' in encoded
    assert b'"date":"2024-02-29"' in encoded
    assert parse_json(encoded)["big"] == Decimal("1E+30")
    with pytest.raises(ValueError, match="not a JSON number"):
        dumps_json({"x": Decimal("NaN")})


def test_validation_error_description_names_fields_and_counts_the_rest():
    with pytest.raises(ValidationError) as caught:
        SalesOrderLine.model_validate(
            {
                "id": "x",
                "discountRate": 500,
                "description": "",
                "quantity": "q",
                "price": "p",
                "type": "z",
                "tax": {"rate": 200},
            }
        )
    text = describe_validation_error(caught.value, limit=2)
    assert text.startswith("type: ")  # fields in declaration order
    assert "and 5 more" in text
