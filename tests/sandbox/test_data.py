"""The generated data set: realistic mix of statuses, customers, currencies, tax
codes, discounts, text and credit lines, and order amounts that agree with the
lines under the money rules of docs/architecture.md (recomputed here independently)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from twentyfourseven.api.payloads import parse_json

SANDBOX_OPTIONS = {"orders": 1000, "seed": 7}


def _r2(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def dataset(api, list_all):
    orders, _ = list_all(limit=1000)
    lines = {o["id"]: parse_json(api.get(f"/salesorders/{o['id']}/lines").content) for o in orders}
    return orders, lines


def test_order_amounts_agree_with_lines(dataset):
    orders, lines = dataset
    for order in orders:
        net = tax = Decimal(0)
        for line in lines[order["id"]]:
            q, p, d = line["quantity"], line["price"], line["discountRate"]
            line_net = _r2(Decimal(q) * Decimal(p) * (1 - Decimal(d) / 100))
            net += line_net
            tax += _r2(line_net * Decimal(line["tax"]["rate"]) / 100)
        assert order["netAmount"] == net, order["id"]
        assert order["taxAmount"] == tax, order["id"]
        assert order["grossAmount"] == net + tax, order["id"]


def test_rounding_half_away_from_zero_occurs_and_is_applied(dataset):
    """Some line nets land exactly on half a cent before rounding (ties to check)."""
    _, lines = dataset
    ties = 0
    for order_lines in lines.values():
        for line in order_lines:
            exact = Decimal(line["quantity"]) * Decimal(line["price"])
            exact *= 1 - Decimal(line["discountRate"]) / 100
            if (exact * 1000) % 10 == 5 and exact * 100 % 1:
                ties += 1
    assert ties > 0


def test_tax_codes_accounts_and_discounts(dataset):
    _, lines = dataset
    all_lines = [line for order_lines in lines.values() for line in order_lines]
    rates = Counter(int(line["tax"]["rate"]) for line in all_lines)
    assert set(rates) == {25, 15, 12, 0}
    assert rates[25] > rates[15] > 0
    assert {line["account"]["number"] for line in all_lines} >= {3000, 3020, 3100, 3200}
    discounts = Counter(Decimal(line["discountRate"]) for line in all_lines)
    total = sum(discounts.values())
    assert discounts[Decimal(0)] / total > 0.7
    assert any(Decimal(5) <= d <= Decimal(50) for d in discounts)
    assert 0 < discounts[Decimal(100)] / total < 0.06


def test_text_lines_credit_lines_and_orders_without_lines(dataset):
    orders, lines = dataset
    all_lines = [line for order_lines in lines.values() for line in order_lines]
    text = [line for line in all_lines if line["type"] == "text"]
    assert text
    assert all("product" not in line and line["description"] for line in text)
    assert any(Decimal(line["price"]) > 0 for line in text)
    assert any(Decimal(line["quantity"]) < 0 for line in all_lines)
    assert 0 < sum(1 for o in orders if not lines[o["id"]]) < len(orders) * 0.1
    empty = next(o for o in orders if not lines[o["id"]])
    assert empty["netAmount"] == empty["grossAmount"] == 0


def test_statuses_in_realistic_proportions(dataset):
    orders, _ = dataset
    statuses = Counter(o["status"] for o in orders)
    assert statuses["Invoice"] / len(orders) > 0.5
    assert set(statuses) == {
        "Draft",
        "Web",
        "Proposal",
        "Confirmed",
        "Invoice",
        "AdvanceInvoice",
        "Inactive",
    }
    invoiced = [o for o in orders if o["status"] in ("Invoice", "AdvanceInvoice")]
    assert all(o["invoice"]["number"] and o["invoice"]["remittanceReference"] for o in invoiced)


def test_norwegian_customers_and_foreign_currencies(dataset):
    orders, _ = dataset
    norwegian = [o for o in orders if o["customer"]["countryCode"] == "NO"]
    assert len(norwegian) / len(orders) > 0.8
    persons = [o for o in norwegian if "organizationNumber" not in o["customer"]]
    assert 0.03 < len(persons) / len(orders) < 0.12  # private persons, the rest companies
    for order in norwegian:
        customer = order["customer"]
        if order in persons:  # a name and a home address, nothing a company has
            assert re.fullmatch(r"[A-ZÆØÅ][a-zæøå]+ [A-ZÆØÅ][a-zæøå]+", customer["name"])
            assert not {"gln", "invoiceEmailAddresses"} & set(customer)
            assert order["deliveryCustomer"]["name"] == customer["name"]
        else:
            assert re.fullmatch(r"[89]\d{8}", customer["organizationNumber"])
        assert re.fullmatch(r"\d{4}", customer["postalCode"])
        assert order["currency"] == {"code": "NOK", "rate": 1}
    foreign = {o["currency"]["code"]: o["currency"]["rate"] for o in orders}
    assert {"EUR", "SEK", "USD"} <= set(foreign)
    assert Decimal(10) < foreign["EUR"] < Decimal(13)


def test_two_years_of_history_with_created_growing_with_id(dataset):
    orders, _ = dataset
    created = [dt.datetime.fromisoformat(o["createdAt"].replace("Z", "+00:00")) for o in orders]
    assert created == sorted(created)
    assert 700 <= (created[-1] - created[0]).days <= 730
    assert all(o["modifiedAt"] >= o["createdAt"] for o in orders)
