"""Neither the client secret nor any bearer token the sandbox issued appears in
any log record (DEBUG, every logger: ours, httpx, httpcore, the sandbox's own)
or in any exception text, over real HTTP, for succeeding and failing calls."""

from __future__ import annotations

import logging
import re
import time
import traceback
from urllib.parse import quote, quote_plus

import pytest

from twentyfourseven.api import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    RequestValidationError,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from twentyfourseven.api.payloads import CustomerRequired, SalesOrderCreate

SECRET = "integration-S3cret/with+odd=chars&more"
WRONG_SECRET = "wrong-S3cret-that-is-also-private"
SANDBOX_OPTIONS = {"orders": 40, "seed": 17, "client_secret": SECRET}
ORDER = 100003


def _error_texts(error: BaseException) -> list[str]:
    """Everything an exception could show: message, repr, traceback, chained causes, fields."""
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(getattr(current, "__dict__", ""))]
        if isinstance(current, ApiError):
            texts += [current.message, str(current.url), str(current.method)]
        current = current.__cause__ or current.__context__
    return texts


def _log_texts(caplog) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), repr(record.msg)]
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
        if record.exc_text:
            texts.append(record.exc_text)
    return texts


def test_no_secret_or_token_in_any_log_or_error(make_client, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "twentyfourseven", "uvicorn", "uvicorn.error"):
        caplog.set_level(logging.DEBUG, logger=name)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def expect(kind, call):
        with pytest.raises(kind) as caught:
            call()
        errors.append(caught.value)

    # Short-lived tokens, so many are issued (renewal and refresh both happen).
    sandbox.update_settings(token_expires_in=1)
    client = make_client(on_new_token=tokens.append, timeout=0.3)

    # Succeeding calls, some through faults that are retried.
    sandbox.script_fault("500", endpoint="get_order")
    sandbox.script_fault("429", endpoint="list_lines", retry_after=1)
    sandbox.script_fault("drop", endpoint="list_orders")
    assert client.get_sales_order(ORDER).id == ORDER
    assert client.get_sales_order_lines(ORDER)
    assert len(list(client.list_sales_orders(page_size=15))) == 40
    created = client.create_sales_order({"customer": {"id": 10001, "name": "Hemmelig AS"}})
    sandbox.revoke_tokens()  # next call: 401, refresh, success
    assert client.get_sales_order(created.id).id == created.id
    time.sleep(1.0)  # past the renewal point: a proactive renewal
    outcomes = list(client.read_orders(range(100001, 100021)))
    assert all(o.status == "ok" for o in outcomes)

    # Failing calls of every kind.
    expect(NotFoundError, lambda: client.get_sales_order(99_999_999))
    sandbox.script_fault("502", endpoint="create_order")
    expect(ServerError, lambda: client.create_sales_order({"customer": {"id": 1, "name": "A"}}))
    sandbox.script_fault("503", endpoint="get_order", count=50)
    expect(ServerError, lambda: client.get_sales_order(ORDER))
    sandbox.clear_faults()
    sandbox.script_fault("429", endpoint="get_order", count=50)
    expect(RateLimitError, lambda: client.get_sales_order(ORDER))
    sandbox.clear_faults()
    sandbox.script_fault("malformed", endpoint="get_order", count=50)
    expect(ResponseFormatError, lambda: client.get_sales_order(ORDER))
    sandbox.clear_faults()
    sandbox.script_fault("drop", endpoint="get_order", count=50)
    expect(TransportError, lambda: client.get_sales_order(ORDER))
    sandbox.clear_faults()
    sandbox.set_faults(slow_seconds=0.5)
    sandbox.script_fault("slow", endpoint="create_order")
    expect(TransportError, lambda: client.create_sales_order({"customer": {"id": 1, "name": "A"}}))
    sandbox.clear_faults()
    invalid = SalesOrderCreate.model_construct(customer=CustomerRequired.model_construct(id=1))
    expect(RequestValidationError, lambda: client.create_sales_order(invalid))
    invoiced = {"customer": {"id": 1, "name": "A"}, "status": "Invoice"}
    expect(BadRequestError, lambda: client.create_sales_order(invoiced))
    sandbox.set_faults(invalid_record_rate=0.5, seed=1)
    expect(ResponseFormatError, lambda: list(client.list_sales_orders()))
    failed = list(client.read_orders([ORDER, 99_999_998]))
    sandbox.clear_faults()
    sandbox.update_settings(token_lifetime=0.000001)  # new tokens are dead on arrival
    sandbox.revoke_tokens()  # 401, refresh, 401 again
    expect(AuthenticationError, lambda: client.get_sales_order(ORDER))
    sandbox.update_settings(token_lifetime=None, token_expires_in=3600)
    wrong = make_client(client_secret=WRONG_SECRET)
    expect(AuthenticationError, lambda: wrong.get_sales_order(ORDER))
    time.sleep(0.5)  # let the abandoned slow request finish on the server

    texts = _log_texts(caplog)
    for error in errors:
        texts += _error_texts(error)
    for outcome in [*outcomes, *failed]:
        texts += [repr(outcome), str(outcome.error_summary)]
        if outcome.error is not None:
            texts += _error_texts(outcome.error)
    texts += [repr(client), repr(client._tokens), str(client.stats), repr(wrong)]
    said = "\n".join(texts)

    # The capture really saw the traffic and the failures, at every level.
    assert len(tokens) >= 5, tokens
    assert len(errors) == 12
    assert "send_request_headers" in said  # httpcore DEBUG
    assert "HTTP Request: POST" in said  # httpx INFO
    assert "Retrying" in said  # the client's WARNING
    assert "Obtained access token" in said
    assert sandbox.count(status=401) >= 2

    forbidden = {SECRET, WRONG_SECRET, quote_plus(SECRET), quote(SECRET, safe="")}
    forbidden |= {quote_plus(WRONG_SECRET)}
    for secret in forbidden:
        assert secret not in said, "a client secret leaked"
    for n, token in enumerate(tokens):
        assert token not in said, f"bearer token #{n} leaked"
        assert token[:16] not in said, f"part of bearer token #{n} leaked"
    # No Authorization header value of any kind (WWW-Authenticate: Bearer error=… is fine).
    assert re.search(r"Bearer\s+[A-Za-z0-9._~+/-]{16,}", said) is None
