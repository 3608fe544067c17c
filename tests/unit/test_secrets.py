"""Neither the client secret nor any bearer token shows in logs, reprs or errors."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from twentyfourseven.api import ApiError

from .conftest import CLIENT_SECRET, json_response, order_body


def everything_said(caplog, errors: list[BaseException], client) -> str:
    texts = [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    for error in errors:
        texts += ["".join(traceback.format_exception(error)), repr(error)]
        cause = error.__cause__
        while cause is not None:
            texts += [str(cause), repr(cause)]
            cause = cause.__cause__
    texts += [repr(client), repr(client._tokens), str(client.stats)]
    return "\n".join(texts)


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore
    return caplog


def test_no_secret_or_token_in_logs_or_errors_of_succeeding_and_failing_calls(
    api, make_client, debug_logs
):
    api.expires_in = 0  # a new token for every request: many tokens to leak
    client = make_client()
    api.on("GET", "/v1/salesorders/1", json_response(200, order_body(1)))
    api.on(
        "GET", "/v1/salesorders/2", json_response(500, {"error": {"name": "E"}, "trackingId": "t"})
    )
    api.on("GET", "/v1/salesorders/3", httpx.ReadTimeout("timed out"))
    api.on("GET", "/v1/salesorders/4", json_response(429, {}, **{"Retry-After": "1"}))
    api.on(
        "POST",
        "/v1/salesorders",
        json_response(
            400,
            {
                "error": {
                    "name": "ValidationError",
                    "payload": {
                        "validationErrors": [{"path": "customer.name", "keyword": "required"}]
                    },
                }
            },
        ),
    )
    errors: list[BaseException] = []
    client.get_sales_order(1)
    for order_id in (2, 3, 4):
        with pytest.raises(ApiError) as caught:
            client.get_sales_order(order_id)
        errors.append(caught.value)
    with pytest.raises(ApiError) as caught:
        client.create_sales_order({"customer": {"id": 1, "name": "A"}})
    errors.append(caught.value)
    outcomes = list(client.read_orders([1, 2]))
    errors += [o.error for o in outcomes if o.error]

    api.token_replies.append(
        json_response(401, {"error": "invalid_client", "error_description": "bad secret"})
    )
    fresh = make_client()
    with pytest.raises(ApiError) as caught:
        fresh.get_sales_order(1)
    errors.append(caught.value)

    said = everything_said(debug_logs, errors, client)
    assert len(api.issued_tokens) > 5
    assert "Retrying" in said
    assert "HTTP 500" in said
    assert CLIENT_SECRET not in said
    for token in api.issued_tokens:
        assert token not in said, f"token {token} leaked"
    assert "Bearer" not in said


def test_the_secret_is_not_an_attribute_anyone_prints(make_client):
    client = make_client()
    assert CLIENT_SECRET not in repr(client)
    assert CLIENT_SECRET not in str(vars(client).get("client_id"))
