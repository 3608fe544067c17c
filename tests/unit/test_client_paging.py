"""Listing: every documented filter, Link rel="next" paging, lazily, safely."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from twentyfourseven.api import ResponseFormatError
from twentyfourseven.api.payloads import Product
from twentyfourseven.api.resources import Column, Paging, Resource, field

from .conftest import json_response, order_body

LIST = "/v1/salesorders"


def page(ids: list[int], next_url: str | None = None) -> httpx.Response:
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return json_response(200, [order_body(i) for i in ids], **headers)


def query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}


def test_three_pages_are_followed_to_the_end(api, client):
    api.on(
        "GET",
        LIST,
        page([1, 2], "https://api.test/v1/salesorders?limit=2&continuationToken=c2"),
        page([3, 4], "https://api.test/v1/salesorders?limit=2&continuationToken=c3"),
        page([5]),
    )
    orders = list(client.list_sales_orders(page_size=2))
    assert [o.id for o in orders] == [1, 2, 3, 4, 5]
    requests = api.requests_to("GET", LIST)
    assert [query(r).get("continuationToken") for r in requests] == [None, "c2", "c3"]
    assert all(query(r)["limit"] == "2" for r in requests)


def test_relative_next_links_are_resolved(api, client):
    api.on("GET", LIST, page([1], "/v1/salesorders?continuationToken=abc"), page([2]))
    assert [o.id for o in client.list_sales_orders()] == [1, 2]
    assert query(api.requests_to("GET", LIST)[1]) == {"continuationToken": "abc"}


def test_pages_are_fetched_lazily(api, client):
    api.on(
        "GET", LIST, page([1, 2], "https://api.test/v1/salesorders?continuationToken=n"), page([3])
    )
    orders = client.list_sales_orders()
    assert api.requests_to("GET", LIST) == []
    assert next(orders).id == 1
    assert next(orders).id == 2
    assert len(api.requests_to("GET", LIST)) == 1
    assert next(orders).id == 3
    assert len(api.requests_to("GET", LIST)) == 2


def test_every_documented_filter_is_sent(api, client):
    api.on("GET", LIST, page([]))
    list(
        client.list_sales_orders(
            modified_from=dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            modified_to=dt.datetime(2024, 1, 3, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            created_from=dt.datetime(2023, 1, 1),  # naive: taken as UTC
            created_to="2023-12-31T00:00:00Z",
            date=dt.date(2024, 1, 1),
            date_from=dt.date(2023, 1, 1),
            date_to=dt.date(2023, 12, 31),
            status="Confirmed",
            customer_id=12345,
            invoice_number=789,
            page_size=50,
        )
    )
    assert query(api.requests_to("GET", LIST)[0]) == {
        "limit": "50",
        "modifiedFrom": "2024-01-02T03:04:05Z",
        "modifiedTo": "2024-01-03T03:04:05Z",
        "createdFrom": "2023-01-01T00:00:00Z",
        "createdTo": "2023-12-31T00:00:00Z",
        "date": "2024-01-01",
        "dateFrom": "2023-01-01",
        "dateTo": "2023-12-31",
        "status": "Confirmed",
        "customerId": "12345",
        "invoiceNumber": "789",
    }


def test_an_unknown_status_is_refused_before_any_request(api, client):
    with pytest.raises(ValueError, match="Shipped"):
        next(client.list_sales_orders(status="Shipped"))
    assert api.requests == []


def test_a_next_link_to_another_host_is_not_followed(api, client):
    api.on("GET", LIST, page([1], "https://evil.test/v1/salesorders?continuationToken=x"))
    orders = client.list_sales_orders()
    assert next(orders).id == 1
    with pytest.raises(ResponseFormatError, match="another origin"):
        next(orders)
    assert all(r.url.host != "evil.test" for r in api.requests)


def test_a_next_link_to_the_same_page_stops_paging(api, client):
    api.on("GET", LIST, page([1], "https://api.test/v1/salesorders?limit=100"))
    with pytest.raises(ResponseFormatError, match="same page"):
        list(client.list_sales_orders())


def test_an_invalid_listed_order_goes_to_on_invalid(api, client):
    api.on(
        "GET",
        LIST,
        json_response(200, [order_body(1), {"id": 2, "status": "Shipped"}, order_body(3)]),
    )
    rejected = []
    orders = list(client.list_sales_orders(on_invalid=lambda raw, exc: rejected.append((raw, exc))))
    assert [o.id for o in orders] == [1, 3]
    assert rejected[0][0] == {"id": 2, "status": "Shipped"}
    assert "status" in str(rejected[0][1])


def test_an_invalid_listed_order_without_on_invalid_raises(api, client):
    api.on("GET", LIST, json_response(200, [{"id": "not-a-number"}], **{"X-Trace-Id": "tr"}))
    with pytest.raises(ResponseFormatError, match="failed validation: id") as caught:
        list(client.list_sales_orders())
    assert caught.value.trace_id == "tr"


def test_a_list_body_that_is_not_an_array_is_a_format_error(api, client):
    api.on("GET", LIST, json_response(200, {"items": []}))
    with pytest.raises(ResponseFormatError, match="JSON array"):
        list(client.list_sales_orders())


def test_a_failed_page_is_retried_without_losing_the_cursor(api, client):
    api.on(
        "GET",
        LIST,
        page([1], "https://api.test/v1/salesorders?continuationToken=p2"),
        json_response(503),
        page([2]),
    )
    assert [o.id for o in client.list_sales_orders()] == [1, 2]
    assert [query(r).get("continuationToken") for r in api.requests_to("GET", LIST)] == [
        None,
        "p2",
        "p2",
    ]


def test_raw_pages_keep_the_json_as_received(api, client):
    api.on(
        "GET",
        LIST,
        httpx.Response(
            200,
            content=b'[{"id": 1, "netAmount": 100.10, "status": "Shipped"}]',
            headers={"Link": '<https://api.test/v1/salesorders?continuationToken=z>; rel="next"'},
        ),
        json_response(200, []),
    )
    pages = list(client.list_sales_order_pages(status="Invoice"))
    assert pages == [[{"id": 1, "netAmount": Decimal("100.10"), "status": "Shipped"}], []]
    assert query(api.requests_to("GET", LIST)[0])["status"] == "Invoice"


def test_a_listing_tells_the_server_time_of_its_first_page(api, client):
    first = page([1], "https://api.test/v1/salesorders?continuationToken=c2")
    first.headers["Date"] = "Mon, 30 Jun 2025 12:00:00 GMT"
    second = page([2])
    second.headers["Date"] = "Mon, 30 Jun 2025 12:00:07 GMT"
    api.on("GET", LIST, first, second)
    listing = client.list_sales_order_pages()
    assert listing.server_time is None  # nothing fetched yet
    assert [[o["id"] for o in p] for p in listing] == [[1], [2]]
    # The first page's time: an order changed later may be missing from later pages.
    assert listing.server_time == dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("date", [None, "", "yesterday", "Mon, 99 Jun 2025 12:00:00 GMT"])
def test_a_listing_without_a_readable_date_has_no_server_time(api, client, date):
    response = page([1])
    if date is not None:
        response.headers["Date"] = date
    api.on("GET", LIST, response)
    listing = client.list_sales_order_pages()
    assert [len(p) for p in listing] == [1]
    assert listing.server_time is None


# --- the other paging styles a resource description can name -------------------------


def products_resource(name: str, paging: Paging) -> Resource:
    columns = (Column("product_id", "BIGINT", field("id")),)
    return Resource(name, f"/{name}", paging, Product, key="product_id", columns=columns)


NUMBERED = products_resource("numbered", Paging.PAGE)
PLAIN = products_resource("plain", Paging.NONE)


def products(ids: list[int]) -> httpx.Response:
    return json_response(200, [{"id": i} for i in ids])


def test_numbered_pages_are_read_until_a_short_page(api, client):
    api.on("GET", "/v1/numbered", products([1, 2]), products([3, 4]), products([5]))
    assert [p.id for p in client.list_records(NUMBERED, page_size=2)] == [1, 2, 3, 4, 5]
    requests = api.requests_to("GET", "/v1/numbered")
    assert [(query(r)["page"], query(r)["limit"]) for r in requests] == [
        ("1", "2"),
        ("2", "2"),
        ("3", "2"),
    ]


def test_a_numbered_page_that_repeats_stops_the_listing(api, client):
    api.on("GET", "/v1/numbered", products([1, 2]), products([1, 2]))
    with pytest.raises(ResponseFormatError, match="page 2 repeats page 1"):
        list(client.list_records(NUMBERED, page_size=2))


def test_a_plain_array_is_one_request_without_paging_parameters(api, client):
    api.on("GET", "/v1/plain", products([1, 2, 3]))
    assert [p.id for p in client.list_records(PLAIN, page_size=2)] == [1, 2, 3]
    (request,) = api.requests_to("GET", "/v1/plain")
    assert query(request) == {}


def test_a_full_list_resource_refuses_a_change_time(client):
    with pytest.raises(ValueError, match="no change-time filter"):
        client.list_pages(PLAIN, since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
