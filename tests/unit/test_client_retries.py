"""Retries: which failures are retried for which methods, and how long we wait."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from twentyfourseven.api import (
    RateLimitError,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    TransportError,
)

from .conftest import json_response, order_body

ORDER = "/v1/salesorders/5"
CREATE = "/v1/salesorders"
NEW_ORDER = {"customer": {"id": 1, "name": "ABC Corporation"}, "status": "Draft"}


def error(status: int, tracking_id: str = "trk", **headers: str) -> httpx.Response:
    return json_response(
        status,
        {"error": {"name": "Error", "message": "oops"}, "trackingId": tracking_id},
        **headers,
    )


def test_429_with_retry_after_waits_as_told(api, client, sleeps):
    api.on("GET", ORDER, error(429, **{"Retry-After": "3"}), json_response(200, order_body(5)))
    assert client.get_sales_order(5).id == 5
    assert sleeps.calls == [3.0]
    assert client.stats["rate_limited"] == 1


def test_429_without_retry_after_backs_off_with_jitter(api, make_client, sleeps):
    client = make_client(retry=RetryPolicy(max_attempts=4, backoff_base=0.5))
    api.on("GET", ORDER, error(429), error(429), json_response(200, order_body(5)))
    assert client.get_sales_order(5).id == 5
    assert len(sleeps.calls) == 2
    assert 0 <= sleeps.calls[0] <= 0.5
    assert 0 <= sleeps.calls[1] <= 1.0


def test_429_with_an_http_date_in_the_past_falls_back_to_backoff(api, client, sleeps):
    api.on(
        "GET",
        ORDER,
        error(429, **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        json_response(200, order_body(5)),
    )
    client.get_sales_order(5)
    assert 0 <= sleeps.calls[0] <= 0.5


def test_absurd_retry_after_is_capped(api, make_client, sleeps):
    client = make_client(retry=RetryPolicy(max_attempts=3, retry_after_max=60))
    api.on("GET", ORDER, error(429, **{"Retry-After": "999999"}), json_response(200, order_body(5)))
    client.get_sales_order(5)
    assert sleeps.calls == [60]


def test_429_on_one_thread_holds_back_the_others(api, make_client):
    client = make_client(sleep=time.sleep, clock=time.monotonic, max_concurrency=2)
    throttled = threading.Event()
    arrivals: dict[str, float] = {}

    def first_429(request: httpx.Request) -> httpx.Response:
        arrivals["429"] = time.monotonic()
        throttled.set()
        return error(429, **{"Retry-After": "0.4"})

    api.on("GET", ORDER, first_429, json_response(200, order_body(5)))
    api.on(
        "GET",
        "/v1/salesorders/6",
        lambda request: (
            arrivals.setdefault("other", time.monotonic()) and json_response(200, order_body(6))
        ),
    )
    worker = threading.Thread(target=client.get_sales_order, args=(5,))
    worker.start()
    assert throttled.wait(5)
    time.sleep(0.05)  # the 429 has been handled and the budget paused
    assert client.get_sales_order(6).id == 6
    worker.join()
    assert arrivals["other"] - arrivals["429"] >= 0.35


def test_429_on_post_is_retried(api, client):
    api.on("POST", CREATE, error(429), json_response(200, order_body(9)))
    assert client.create_sales_order(NEW_ORDER).id == 9
    assert len(api.requests_to("POST", CREATE)) == 2


def test_503_on_post_is_retried(api, client):
    api.on("POST", CREATE, error(503), json_response(200, order_body(9)))
    assert client.create_sales_order(NEW_ORDER).id == 9
    assert len(api.requests_to("POST", CREATE)) == 2


@pytest.mark.parametrize("status", [500, 502, 504, 408])
def test_post_that_may_have_been_processed_is_never_sent_twice(api, client, sleeps, status):
    api.on("POST", CREATE, error(status, "post-trk", **{"X-Trace-Id": "tr-1"}))
    with pytest.raises(ServerError if status >= 500 else Exception) as caught:
        client.create_sales_order(NEW_ORDER)
    assert len(api.requests_to("POST", CREATE)) == 1
    assert sleeps.calls == []
    assert caught.value.status_code == status
    assert caught.value.tracking_id == "post-trk"
    assert caught.value.trace_id == "tr-1"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_get_is_retried_on_transient_statuses(api, client, status):
    api.on("GET", ORDER, error(status), json_response(200, order_body(5)))
    assert client.get_sales_order(5).id == 5
    assert len(api.requests_to("GET", ORDER)) == 2
    assert client.stats["retries"] == 1


def test_retries_are_bounded_and_the_last_error_is_raised(api, client, sleeps):
    api.on("GET", ORDER, error(502, "last-trk"))
    with pytest.raises(ServerError) as caught:
        client.get_sales_order(5)
    assert len(api.requests_to("GET", ORDER)) == 4  # max_attempts in the fixture
    assert len(sleeps.calls) == 3
    assert caught.value.tracking_id == "last-trk"
    assert "502" in str(caught.value)


def test_rate_limit_error_after_every_attempt_is_spent(api, client):
    api.on("GET", ORDER, error(429, **{"Retry-After": "1"}))
    with pytest.raises(RateLimitError) as caught:
        client.get_sales_order(5)
    assert caught.value.retry_after == 1.0
    assert caught.value.status_code == 429


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.ReadError("rst")]
)
def test_get_is_retried_after_timeouts_and_dropped_connections(api, client, exc):
    api.on("GET", ORDER, exc, json_response(200, order_body(5)))
    assert client.get_sales_order(5).id == 5


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("dropped"), httpx.WriteError("x")]
)
def test_post_is_not_resent_after_it_may_have_reached_the_server(api, client, exc):
    api.on("POST", CREATE, exc)
    with pytest.raises(TransportError) as caught:
        client.create_sales_order(NEW_ORDER)
    assert len(api.requests_to("POST", CREATE)) == 1
    assert caught.value.status_code is None
    assert type(exc).__name__ in str(caught.value)
    assert caught.value.__cause__ is exc


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow")])
def test_post_is_retried_when_the_connection_never_opened(api, client, exc):
    api.on("POST", CREATE, exc, json_response(200, order_body(9)))
    assert client.create_sales_order(NEW_ORDER).id == 9


def test_malformed_json_on_get_is_retried(api, client):
    api.on(
        "GET",
        ORDER,
        httpx.Response(200, content=b'{"id": 5, "sta'),
        json_response(200, order_body(5)),
    )
    assert client.get_sales_order(5).id == 5


def test_malformed_json_after_every_attempt_is_a_format_error(api, client):
    api.on(
        "GET",
        ORDER,
        httpx.Response(200, content=b"<html>gateway</html>", headers={"X-Trace-Id": "x"}),
    )
    with pytest.raises(ResponseFormatError, match="not valid JSON") as caught:
        client.get_sales_order(5)
    assert caught.value.trace_id == "x"


def test_malformed_json_after_post_is_not_resent(api, client):
    api.on("POST", CREATE, httpx.Response(200, content=b"{"))
    with pytest.raises(ResponseFormatError):
        client.create_sales_order(NEW_ORDER)
    assert len(api.requests_to("POST", CREATE)) == 1


def test_every_request_has_an_explicit_timeout(api, make_client):
    seen = []
    api.on(
        "GET",
        ORDER,
        lambda request: (
            seen.append(request.extensions["timeout"]) or json_response(200, order_body(5))
        ),
    )
    make_client(timeout=7).get_sales_order(5)
    assert seen == [{"connect": 7, "read": 7, "write": 7, "pool": 7}]
