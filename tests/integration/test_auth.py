"""OAuth2 against the sandbox's token endpoint over real HTTP: first token, reuse,
renewal before a short ``expires_in``, one refresh after a 401, refused credentials."""

from __future__ import annotations

import time

import pytest

from twentyfourseven.api import AuthenticationError, OutcomeStatus

SANDBOX_OPTIONS = {"orders": 30, "seed": 3, "client_secret": "auth-Secret-0f9c2e"}
ORDER = 100007


def test_first_request_fetches_a_token_and_later_ones_reuse_it(make_client, sandbox):
    issued: list[str] = []
    client = make_client(on_new_token=issued.append)
    for _ in range(5):
        assert client.get_sales_order(ORDER).id == ORDER
    assert client.get_sales_order_lines(ORDER)
    assert sandbox.count("token") == 1
    assert client.stats["token_requests"] == 1
    assert len(issued) == 1
    assert sandbox.count("get_order", 200) == 5
    assert sandbox.count(status=401) == 0


def test_short_expires_in_is_renewed_before_the_token_expires(make_client, sandbox):
    # Announced and enforced lifetime: 1 s. The client must renew ahead of it,
    # so the sandbox never sees an expired token (no 401 at all).
    sandbox.update_settings(token_expires_in=1)
    client = make_client()
    calls = 0
    started = time.monotonic()
    while time.monotonic() - started < 2.3:
        assert client.get_sales_order(ORDER).id == ORDER
        calls += 1
        time.sleep(0.05)
    assert calls >= 20
    assert sandbox.count(status=401) == 0
    assert sandbox.count("token") >= 3  # at 0 s, ~0.9 s and ~1.8 s
    assert client.stats["token_requests"] == sandbox.count("token")
    assert sandbox.count("get_order", 200) == calls


def test_short_tokens_stay_valid_through_rate_budget_waits(make_client, sandbox):
    # Eight threads share a budget of 20/s, so a request may wait up to ~0.4 s for
    # its slot. The token it sends must be the one valid *after* that wait: a token
    # taken before waiting would reach the server expired (401s, wasted budget).
    sandbox.update_settings(token_expires_in=1)
    client = make_client(rate_limit=20, max_concurrency=8)
    outcomes = list(client.read_orders(range(100001, 100021)))
    assert {o.status for o in outcomes} == {OutcomeStatus.OK}
    assert sandbox.count("token") >= 2
    assert sandbox.count(status=401) == 0, sandbox.counters()["statuses"]


def test_revoked_token_gets_401_then_one_refresh_then_success(make_client, sandbox):
    client = make_client()
    assert client.get_sales_order(ORDER).id == ORDER
    sandbox.revoke_tokens()
    assert client.get_sales_order(ORDER).id == ORDER
    assert sandbox.count("get_order", 401) == 1
    assert sandbox.count("get_order", 200) == 2
    assert sandbox.count("token") == 2
    assert client.stats["status_401"] == 1
    assert client.stats["token_requests"] == 2
    assert client.stats.get("retries", 0) == 0  # a refresh is not a retry


def test_token_dying_before_its_announced_expiry_is_refreshed_once(make_client, sandbox):
    # expires_in says an hour; the server really lets it live 0.3 s.
    sandbox.update_settings(token_expires_in=3600, token_lifetime=0.3)
    client = make_client()
    assert client.get_sales_order(ORDER).id == ORDER
    time.sleep(0.4)
    assert client.get_sales_order_lines(ORDER)
    assert sandbox.count("list_lines", 401) == 1
    assert sandbox.count("list_lines", 200) == 1
    assert sandbox.count("token") == 2


def test_a_second_401_after_the_refresh_is_an_authentication_error(make_client, sandbox):
    # Every token is dead on arrival: exactly one refresh, then a typed error.
    sandbox.update_settings(token_lifetime=0.000001)
    client = make_client()
    with pytest.raises(AuthenticationError) as caught:
        client.get_sales_order(ORDER)
    assert caught.value.status_code == 401
    assert caught.value.tracking_id
    assert caught.value.trace_id
    assert sandbox.count("get_order", 401) == 2
    assert sandbox.count("token") == 2


@pytest.mark.parametrize(
    ("override", "status"),
    [
        ({"client_secret": "wrong-Secret-77aa"}, 401),
        ({"client_id": "someone-else"}, 401),
        ({"organization_id": "another-org"}, 403),
    ],
)
def test_refused_credentials_are_an_authentication_error_without_the_secret(
    make_client, sandbox, override, status
):
    client = make_client(**override)
    with pytest.raises(AuthenticationError) as caught:
        client.get_sales_order(ORDER)
    error = caught.value
    assert error.status_code == status
    assert error.trace_id
    text = f"{error}\n{error!r}\n{error.__cause__}\n{error.__cause__!r}"
    assert "refused the client credentials" in text
    for secret in (sandbox.client_secret, override.get("client_secret", sandbox.client_secret)):
        assert secret not in text
    # Refused credentials are final: one token request, no API request, no retry.
    assert sandbox.count("token") == 1
    assert sandbox.count("get_order") == 0
    assert client.stats.get("retries", 0) == 0
