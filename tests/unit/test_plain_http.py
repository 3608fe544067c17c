"""The client secret and bearer tokens never travel over plain HTTP off loopback.

The check is where the client is built, so the hook and direct users both get it:
an ``http://`` URL to a host that is not this machine is a configuration error,
raised before any request, unless ``allow_insecure_http`` opts in (for a test
proxy), which is logged every time a client is built.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from twentyfourseven.api import ApiError, ConfigurationError
from twentyfourseven.hooks import TwentyFourSevenOfficeHook

from .conftest import BASE_URL, CLIENT_SECRET, TOKEN_URL, json_response

REMOTE_HTTP = {
    "base_url": ("http://api.example.com/v1", "api.example.com"),
    "token_url": ("http://10.1.2.3:8080/oauth/token", "10.1.2.3"),
}


@pytest.mark.parametrize("setting", sorted(REMOTE_HTTP))
def test_plain_http_to_another_host_is_refused_before_any_request(make_client, api, setting):
    url, host = REMOTE_HTTP[setting]
    with pytest.raises(ConfigurationError) as caught:
        make_client(**{setting: url})
    message = str(caught.value)
    assert setting in message
    assert host in message
    assert "allow_insecure_http" in message, "the message names the way out"
    assert CLIENT_SECRET not in message
    assert isinstance(caught.value, ValueError)
    assert api.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://api.example.com/v1",  # neither https nor http
        "api.example.com/v1",  # no scheme at all
        "https:///v1",  # no host
    ],
)
def test_a_url_that_is_not_http_or_https_to_a_host_is_refused(make_client, url):
    with pytest.raises(ConfigurationError, match="base_url"):
        make_client(base_url=url)


@pytest.mark.parametrize(
    "root",
    ["http://127.0.0.1:8765", "http://127.9.9.9", "http://[::1]:8765", "http://localhost:8765"],
)
def test_plain_http_to_loopback_is_allowed_silently(make_client, api, caplog, root):
    api.on("GET", "/v1/salesorders/5", json_response(200, {"id": 5}))
    client = make_client(base_url=f"{root}/v1", token_url=f"{root}/oauth/token")
    assert client.base_url == f"{root}/v1"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_opt_in_allows_plain_http_and_logs_it_every_time(make_client, caplog):
    url, host = REMOTE_HTTP["base_url"]
    for _ in range(2):
        make_client(base_url=url, allow_insecure_http=True)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings
    assert all("plain HTTP" in w and host in w for w in warnings), warnings
    # With https everywhere, the opt-in changes nothing and says nothing.
    caplog.clear()
    make_client(allow_insecure_http=True)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("endpoint", ["token", "api"])
def test_a_redirect_to_plain_http_is_not_followed(make_client, api, status, endpoint):
    """Nothing is re-sent after a redirect: not the form with the client secret, and
    not the bearer token (httpx would drop Authorization on another origin, but not
    the form body; the client follows no redirect at all)."""
    redirect = httpx.Response(status, headers={"Location": "http://evil.example/steal"})
    if endpoint == "token":
        api.token_replies.append(redirect)
    else:
        api.on("GET", "/v1/salesorders/5", redirect)
    client = make_client()
    with pytest.raises(ApiError) as caught:
        client.get_sales_order(5)
    assert caught.value.status_code == status
    assert all(r.url.scheme == "https" for r in api.requests), [str(r.url) for r in api.requests]
    assert len(api.requests) == (1 if endpoint == "token" else 2)


# ---------------------------------------------------------------------------------
# Through the Airflow connection


def set_connection(monkeypatch, **extra):
    conn = {
        "conn_type": "twentyfourseven",
        "login": "client-id",
        "password": CLIENT_SECRET,
        "extra": {"organization_id": "42", "api_base_url": BASE_URL, "token_url": TOKEN_URL}
        | extra,
    }
    monkeypatch.setenv("AIRFLOW_CONN_TWENTYFOURSEVEN_DEFAULT", json.dumps(conn))


def test_test_connection_fails_for_plain_http_to_another_host(monkeypatch, api):
    set_connection(monkeypatch, token_url="http://login.example.com/oauth/token")
    hook = TwentyFourSevenOfficeHook(transport=httpx.MockTransport(api.handler))
    ok, message = hook.test_connection()
    assert not ok
    assert "login.example.com" in message
    assert "token_url" in message
    assert CLIENT_SECRET not in message
    assert api.requests == []


@pytest.mark.parametrize(("value", "allowed"), [(True, True), ("true", True), ("false", False)])
def test_the_connection_extra_allow_insecure_http_opts_in(monkeypatch, api, caplog, value, allowed):
    set_connection(monkeypatch, api_base_url="http://proxy.test:3128/v1", allow_insecure_http=value)
    api.on("GET", "/v1/salesorders", json_response(200, []))
    hook = TwentyFourSevenOfficeHook(transport=httpx.MockTransport(api.handler))
    ok, message = hook.test_connection()
    assert ok is allowed, message
    assert ("proxy.test" in caplog.text) is allowed
    assert "proxy.test" in message


def test_a_misspelt_switch_is_an_error_not_a_yes(monkeypatch):
    set_connection(monkeypatch, api_base_url="http://proxy.test/v1", allow_insecure_http="ture")
    ok, message = TwentyFourSevenOfficeHook().test_connection()
    assert not ok
    assert "allow_insecure_http must be true or false, got 'ture'" in message
