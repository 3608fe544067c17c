"""Orders over HTTP: cursor paging through all N, every documented filter,
parameter validation, reading one order, and 404s."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import parse_qs, urlparse

import pytest

from twentyfourseven.api.payloads import parse_json

SANDBOX_OPTIONS = {"orders": 450, "seed": 11}


@pytest.fixture(scope="module")
def everything(list_all):
    orders, _ = list_all(limit=1000)
    return orders


def test_paging_reads_all_n_orders_once_in_id_order(sandbox, list_all):
    orders, pages = list_all(limit=37)
    ids = [o["id"] for o in orders]
    assert len(ids) == sandbox.orders == 450
    assert ids == sorted(set(ids))
    assert pages == -(-450 // 37)


def test_default_page_size_and_link_header_form(sandbox, api):
    response = api.get("/salesorders")
    assert len(response.json()) == 100
    link = response.headers["link"]
    assert link.startswith(f"<{sandbox.root_url}/v1/salesorders?")
    assert link.endswith('>; rel="next"')
    query = parse_qs(urlparse(response.links["next"]["url"]).query)
    assert query["limit"] == ["100"]
    assert query["continuationToken"]


def test_last_page_has_no_next_link(api):
    response = api.get("/salesorders", params={"limit": 450})
    assert len(response.json()) == 450
    assert "link" not in response.headers


def test_filters_keep_their_values_across_pages(list_all, everything):
    invoiced = [o for o in everything if o["status"] == "Invoice"]
    orders, pages = list_all(status="Invoice", limit=25)
    assert [o["id"] for o in orders] == [o["id"] for o in invoiced]
    assert pages > 1


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    "status", ["Draft", "Web", "Proposal", "Confirmed", "Invoice", "AdvanceInvoice"]
)
def test_status_filter(list_all, everything, status):
    expected = [o["id"] for o in everything if o["status"] == status]
    assert [o["id"] for o in list_all(status=status, limit=1000)[0]] == expected


def test_customer_filter(list_all, everything):
    customer = Counter(o["customer"]["id"] for o in everything).most_common(1)[0][0]
    expected = [o["id"] for o in everything if o["customer"]["id"] == customer]
    assert len(expected) > 1
    assert [o["id"] for o in list_all(customerId=customer)[0]] == expected


def test_invoice_number_filter(list_all, everything):
    invoiced = next(o for o in everything if o["invoice"].get("number"))
    found, _ = list_all(invoiceNumber=invoiced["invoice"]["number"])
    assert [o["id"] for o in found] == [invoiced["id"]]
    assert list_all(invoiceNumber="123")[0] == []


def test_date_filters(list_all, everything):
    days = sorted({o["date"] for o in everything})
    low, high = days[len(days) // 4], days[len(days) // 2]
    expected = [o["id"] for o in everything if low <= o["date"] <= high]
    assert [o["id"] for o in list_all(dateFrom=low, dateTo=high)[0]] == expected
    one_day = [o["id"] for o in everything if o["date"] == low]
    assert [o["id"] for o in list_all(date=low)[0]] == one_day


@pytest.mark.parametrize("field", ["createdAt", "modifiedAt"])
def test_time_filters(list_all, everything, field):
    name = field.removesuffix("At")
    stamps = sorted(_ts(o[field]) for o in everything)
    low, high = stamps[100], stamps[300]
    expected = [o["id"] for o in everything if low <= _ts(o[field]) <= high]
    params = {f"{name}From": low.isoformat(), f"{name}To": high.isoformat()}
    assert [o["id"] for o in list_all(**params)[0]] == expected
    assert len(expected) >= 200


def test_list_items_are_sales_orders_without_dimensions(api, everything):
    assert all("dimensions" not in o for o in everything)
    with_dimensions = [o["id"] for o in everything]
    extended = [parse_json(api.get(f"/salesorders/{i}").content) for i in with_dimensions[:60]]
    assert any("dimensions" in o for o in extended)
    for listed, one in zip(everything[:60], extended, strict=True):
        assert {k: v for k, v in one.items() if k != "dimensions"} == listed


@pytest.mark.parametrize(
    ("params", "path", "keyword"),
    [
        ({"limit": 0}, "limit", "minimum"),
        ({"limit": "many"}, "limit", "type"),
        ({"status": "Inactive"}, "status", "enum"),
        ({"modifiedFrom": "yesterday"}, "modifiedFrom", "format"),
        ({"dateFrom": "2024-13-01"}, "dateFrom", "format"),
        ({"continuationToken": "%%%"}, "continuationToken", "format"),
    ],
)
def test_bad_parameters_are_validation_errors(api, params, path, keyword):
    response = api.get("/salesorders", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["name"] == "ValidationError"
    assert body["error"]["payload"]["validationErrors"] == [{"path": path, "keyword": keyword}]
    assert body["trackingId"]


@pytest.mark.parametrize("path", ["/salesorders/99", "/salesorders/100451", "/salesorders/-5"])
def test_unknown_orders_are_404(api, path):
    for suffix in ("", "/lines", "/lines/1"):
        response = api.get(path + suffix)
        assert response.status_code == 404
        assert response.json()["error"]["name"] == "NotFoundError"


def test_non_integer_or_out_of_range_id_is_a_validation_error(api):
    for bad in ("abc", "2147483648"):
        response = api.get(f"/salesorders/{bad}")
        assert response.status_code == 400
        issue = response.json()["error"]["payload"]["validationErrors"][0]
        assert issue["path"] == "id"


def test_unknown_line_is_404(api):
    assert api.get("/salesorders/100001/lines/1").status_code == 404
