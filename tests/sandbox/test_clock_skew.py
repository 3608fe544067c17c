"""What a vendor clock jump looks like: an order's ``modifiedAt`` set ahead of the
sandbox clock through the admin API, and the ``Date`` header telling the sandbox
clock's time (what a client compares ``modifiedAt`` with)."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import httpx
import pytest

SANDBOX_OPTIONS = {"orders": 50, "seed": 5}
HOUR = 3600


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_an_order_stamped_hours_ahead_is_listed_with_that_modified_at(sandbox, api, list_all):
    sandbox.reset()
    order_id = list_all()[0][0]["id"]
    clock = _at(sandbox.admin("GET", "/clock")["now"])
    answer = sandbox.set_modified_at(order_id, ahead_seconds=5 * HOUR)
    assert _at(answer["modifiedAt"]) == clock + dt.timedelta(hours=5)
    assert _at(answer["clock"]) == clock  # the clock itself did not move
    ahead = clock + dt.timedelta(hours=4)
    listed = list_all(modifiedFrom=ahead.isoformat())[0]
    assert [o["id"] for o in listed] == [order_id]
    assert api.get(f"/salesorders/{order_id}").json()["modifiedAt"] == answer["modifiedAt"]

    back = sandbox.set_modified_at(order_id, at=clock - dt.timedelta(hours=1))
    assert _at(back["modifiedAt"]) <= clock


def test_setting_modified_at_refuses_unknown_orders_and_unclear_requests(sandbox):
    with pytest.raises(httpx.HTTPStatusError) as unknown:
        sandbox.set_modified_at(1, ahead_seconds=60)
    assert unknown.value.response.status_code == 404
    assert "Sales order 1 not found" in unknown.value.response.text
    both = sandbox._http.put(
        "/_sandbox/orders/1/modified-at",
        json={"ahead_seconds": 1, "modified_at": "2025-01-01T00:00:00Z"},
    )
    neither = sandbox._http.put("/_sandbox/orders/1/modified-at", json={})
    for response in (both, neither):
        assert response.status_code == 400  # the API's validation error format


def test_the_date_header_is_the_sandbox_clock(sandbox, api):
    sandbox.reset()
    clock = _at(sandbox.admin("GET", "/clock")["now"])
    response = api.get("/salesorders", params={"limit": 1})
    assert response.headers.get_list("date") == [response.headers["date"]]  # one, not two
    assert parsedate_to_datetime(response.headers["date"]) == clock
    sandbox.advance_clock(2 * HOUR)
    later = api.get("/salesorders", params={"limit": 1})
    assert parsedate_to_datetime(later.headers["date"]) == clock + dt.timedelta(hours=2)
