"""OAuth2 client credentials: fetch, cache, renew, refresh once on 401, under concurrency."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import httpx
import pytest

from twentyfourseven.api import AuthenticationError

from .conftest import CLIENT_SECRET, json_response, order_body

ORDER = "/v1/salesorders/5"


def test_token_request_sends_the_documented_form(api, client):
    api.on("GET", ORDER, json_response(200, order_body(5)))
    client.get_sales_order(5)
    (token_request,) = api.token_requests
    assert token_request.method == "POST"
    assert str(token_request.url) == "https://login.test/oauth/token"
    form = {k: v[0] for k, v in parse_qs(token_request.content.decode()).items()}
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "client-id",
        "client_secret": CLIENT_SECRET,
        "audience": "https://api.24sevenoffice.com",
        "login_organization": "42",
    }
    (order_request,) = api.requests_to("GET", ORDER)
    assert order_request.headers["Authorization"] == "Bearer tok-1"


def test_token_is_cached_across_requests(api, client):
    api.on("GET", ORDER, json_response(200, order_body(5)))
    for _ in range(5):
        client.get_sales_order(5)
    assert len(api.token_requests) == 1
    assert client.stats["token_requests"] == 1


def test_token_is_renewed_when_expires_in_runs_out(api, client):
    api.expires_in = 0  # every token is already at the end of its life
    api.on("GET", ORDER, json_response(200, order_body(5)))
    client.get_sales_order(5)
    client.get_sales_order(5)
    assert len(api.token_requests) == 2
    assert [r.headers["Authorization"] for r in api.requests_to("GET", ORDER)] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]


def test_a_401_refreshes_the_token_once_and_repeats_the_request(api, client):
    api.on("GET", ORDER, json_response(200, order_body(5)))
    client.get_sales_order(5)
    api.issue_token()  # the server moved on: tok-1 is now rejected
    assert client.get_sales_order(5).id == 5
    assert [r.headers["Authorization"] for r in api.requests_to("GET", ORDER)] == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-3",
    ]
    assert client.stats["status_401"] == 1


def test_a_second_401_after_refresh_is_an_authentication_error(api, client):
    api.valid_tokens = set()  # nothing is ever accepted
    with pytest.raises(AuthenticationError) as caught:
        client.get_sales_order(5)
    assert caught.value.status_code == 401
    assert caught.value.trace_id == "t401"
    assert len(api.requests_to("GET", ORDER)) == 2
    assert len(api.token_requests) == 2


def test_a_post_rejected_with_401_is_sent_again_after_refresh(api, client):
    # A 401 means the API refused before processing, so even a POST may be resent.
    api.valid_tokens = {"tok-2"}  # the client's first token (tok-1) is refused
    api.on("POST", "/v1/salesorders", json_response(200, order_body(77)))
    created = client.create_sales_order({"customer": {"id": 1, "name": "A"}})
    assert created.id == 77
    posts = api.requests_to("POST", "/v1/salesorders")
    assert [r.headers["Authorization"] for r in posts] == ["Bearer tok-1", "Bearer tok-2"]


def test_concurrent_first_requests_share_one_token(api, make_client):
    api.delay = lambda: time.sleep(0.01)
    api.on("GET", ORDER, json_response(200, order_body(5)))
    client = make_client(max_concurrency=16)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: client.get_sales_order(5).id, range(32)))
    assert results == [5] * 32
    assert len(api.token_requests) == 1


def test_concurrent_401s_for_the_same_stale_token_cause_one_refresh(api, make_client):
    client = make_client(max_concurrency=16)
    api.on("GET", ORDER, json_response(200, order_body(5)))
    client.get_sales_order(5)
    api.valid_tokens = set()
    barrier = threading.Barrier(16)
    arrived = {"n": 0}
    lock = threading.Lock()

    def first_wave_rejected() -> None:
        # Hold the 16 stale-token requests until all have arrived, then accept
        # only tokens issued after this point.
        with lock:
            arrived["n"] += 1
        if arrived["n"] <= 16:
            barrier.wait(timeout=5)
            api.valid_tokens = {t for t in api.issued_tokens if t != "tok-1"} | {"tok-2"}

    api.delay = first_wave_rejected
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: client.get_sales_order(5).id, range(16)))
    assert results == [5] * 16
    assert len(api.token_requests) == 2  # the first token and exactly one refresh


def test_token_endpoint_refusal_is_an_authentication_error(api, client):
    api.token_replies.append(
        json_response(401, {"error": "access_denied", "error_description": "Unauthorized"})
    )
    with pytest.raises(AuthenticationError, match="refused the client credentials") as caught:
        client.get_sales_order(5)
    assert caught.value.status_code == 401
    assert len(api.token_requests) == 1  # a refusal is not retried
    assert not api.requests_to("GET", ORDER)


def test_token_endpoint_outage_is_retried(api, client, sleeps):
    api.token_replies.extend(
        [
            json_response(503),
            httpx.ConnectError("refused"),
            json_response(200, {"access_token": "tok-9", "expires_in": 60}),
        ]
    )
    api.valid_tokens = {"tok-9"}
    api.on("GET", ORDER, json_response(200, order_body(5)))
    assert client.get_sales_order(5).id == 5
    assert len(api.token_requests) == 3
    assert len(sleeps.calls) == 2


def test_token_response_without_access_token_is_an_authentication_error(api, client):
    api.token_replies.append(json_response(200, {"token_type": "Bearer"}))
    with pytest.raises(AuthenticationError, match="without an access_token"):
        client.get_sales_order(5)
