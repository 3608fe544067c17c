"""Paging through ``GET /salesorders`` and every documented filter, against the
sandbox over real HTTP. Expected subsets come from one unfiltered listing, so a
filter the client sends wrongly (or the server applies wrongly) shows as a diff."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import httpx
import pytest

from twentyfourseven.api import (
    OutcomeStatus,
    SalesOrderQuery,
)
from twentyfourseven.api.payloads import SalesOrderStatus

from .conftest import live_orders

SANDBOX_OPTIONS = {"orders": 300, "seed": 11}
# The statuses the list endpoint's ``status`` filter documents (no Inactive).
FILTERABLE = [s for s in SalesOrderStatus if s is not SalesOrderStatus.INACTIVE]


def everything(client):
    return list(client.list_sales_orders(page_size=1000))


def ids(orders):
    return [order.id for order in orders]


def test_paging_reads_every_order_exactly_once(client, sandbox):
    orders = list(client.list_sales_orders(page_size=37))
    expected = live_orders(sandbox)
    assert len(orders) == expected
    assert ids(orders) == sorted(set(ids(orders)))  # ascending, no duplicates
    assert sandbox.count("list_orders") == math.ceil(expected / 37)
    assert sandbox.count("list_orders", 200) == math.ceil(expected / 37)


def test_raw_pages_hold_the_same_orders_as_the_typed_listing(client, sandbox):
    pages = list(client.list_sales_order_pages(page_size=64))
    assert [len(page) for page in pages[:-1]] == [64] * (len(pages) - 1)
    raw_ids = [item["id"] for page in pages for item in page]
    assert raw_ids == ids(everything(client))


def test_a_listing_is_timed_by_the_api_clock_not_ours(client, sandbox):
    listing = client.list_sales_order_pages(page_size=500)
    sum(len(page) for page in listing)
    clock = dt.datetime.fromtimestamp(sandbox.admin("GET", "/clock")["epoch"], tz=dt.UTC)
    assert listing.server_time == clock  # the sandbox's clock is frozen in 2025


@pytest.mark.parametrize("status", FILTERABLE, ids=str)
def test_status_filter(client, status):
    orders = everything(client)
    expected = [o.id for o in orders if o.status == status]
    assert ids(client.list_sales_orders(status=status, page_size=40)) == expected


def test_status_filter_finds_something_for_the_common_statuses(client):
    counts = Counter(order.status for order in everything(client))
    assert counts[SalesOrderStatus.INVOICE] > 50
    assert counts[SalesOrderStatus.DRAFT] > 0


def test_customer_filter(client):
    orders = everything(client)
    customer, n = Counter(o.customer.id for o in orders).most_common(1)[0]
    assert n >= 2
    expected = [o.id for o in orders if o.customer.id == customer]
    assert ids(client.list_sales_orders(customer_id=customer, page_size=1)) == expected


def test_order_date_filters(client):
    orders = everything(client)
    dates = sorted(o.date for o in orders)
    low, high = dates[len(dates) // 4], dates[len(dates) // 2]
    expected = [o.id for o in orders if low <= o.date <= high]
    assert 0 < len(expected) < len(orders)
    assert ids(client.list_sales_orders(date_from=low, date_to=high, page_size=25)) == expected
    # Bounds are inclusive on both ends.
    on_low = [o.id for o in orders if o.date == low]
    assert ids(client.list_sales_orders(date=low)) == on_low
    assert ids(client.list_sales_orders(date_from=low, date_to=low)) == on_low
    assert ids(client.list_sales_orders(date_to=low)) == [o.id for o in orders if o.date <= low]


def test_created_and_modified_time_filters(client):
    orders = everything(client)
    created = sorted(o.created_at for o in orders)
    start, end = created[100], created[200]
    assert ids(client.list_sales_orders(created_from=start, created_to=end)) == [
        o.id for o in orders if start <= o.created_at <= end
    ]
    modified = sorted(o.modified_at for o in orders)
    cut = modified[150]
    assert ids(client.list_sales_orders(modified_from=cut)) == [
        o.id for o in orders if o.modified_at >= cut
    ]
    assert ids(client.list_sales_orders(modified_to=cut)) == [
        o.id for o in orders if o.modified_at <= cut
    ]


def test_invoice_number_filter(client):
    orders = everything(client)
    invoiced = [o for o in orders if o.invoice and o.invoice.number]
    assert invoiced
    target = invoiced[len(invoiced) // 2]
    assert ids(client.list_sales_orders(invoice_number=target.invoice.number)) == [target.id]


def test_filters_combine(client):
    orders = everything(client)
    since = sorted(o.date for o in orders)[len(orders) // 3]
    query = SalesOrderQuery(status="Invoice", date_from=since)
    expected = [o.id for o in orders if o.status == "Invoice" and o.date >= since]
    assert expected
    assert ids(client.list_sales_orders(query, page_size=13)) == expected


def test_modified_from_after_simulated_changes_returns_exactly_the_changed_orders(client, sandbox):
    before = everything(client)
    clock = dt.datetime.fromtimestamp(sandbox.admin("GET", "/clock")["epoch"], tz=dt.UTC)
    report = sandbox.simulate_changes(
        advance_seconds=86_400,
        edit_orders=0.05,
        add_orders=0.03,
        delete_orders=0.02,
        edit_lines=0.03,
        line_edit_bumps_modified=True,
    )
    deleted = set(report["deleted_orders"])
    changed = set(report["edited_orders"]) | set(report["created_orders"])
    changed |= set(report["line_changed_orders"])  # bumped modifiedAt in this batch
    assert deleted
    assert report["created_orders"]

    watermark = clock + dt.timedelta(seconds=1)
    listed = list(client.list_sales_orders(modified_from=watermark, page_size=5))
    assert set(ids(listed)) == changed
    assert all(order.modified_at >= watermark for order in listed)
    unchanged = list(client.list_sales_orders(modified_to=clock))
    assert set(ids(unchanged)) == {o.id for o in before} - changed - deleted

    after = everything(client)
    assert (
        len(after)
        == live_orders(sandbox)
        == len(before) + len(report["created_orders"]) - len(deleted)
    )
    assert not deleted & set(ids(after))
    outcomes = {o.order_id: o for o in client.read_orders(sorted(deleted)[:3])}
    assert {o.status for o in outcomes.values()} == {OutcomeStatus.NOT_FOUND}


def test_a_filter_value_the_api_does_not_document_is_refused_before_sending(client, sandbox):
    # The model knows status Inactive (orders carry it), the list filter does not.
    with pytest.raises(ValueError, match="does not accept Inactive"):
        list(client.list_sales_orders(status="Inactive"))
    assert sandbox.count("list_orders") == 0


def test_the_sandbox_refuses_it_as_the_api_would(sandbox):
    response = httpx.get(
        f"{sandbox.base_url}/salesorders",
        params={"status": "Inactive"},
        headers=sandbox.auth_headers(),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["payload"]["validationErrors"] == [{"path": "status", "keyword": "enum"}]
    assert body["trackingId"]
