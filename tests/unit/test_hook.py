"""The Airflow hook and the provider registration, as Airflow sees them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from twentyfourseven import connection
from twentyfourseven.api.constants import SHARED_BUDGET_HEADROOM
from twentyfourseven.hooks import TwentyFourSevenOfficeHook
from twentyfourseven.provider import get_provider_info

from .conftest import BASE_URL, CLIENT_SECRET, TOKEN_URL, json_response

ENV = "AIRFLOW_CONN_TWENTYFOURSEVEN_DEFAULT"


def set_connection(monkeypatch, name: str = ENV, **overrides):
    conn = {
        "conn_type": "twentyfourseven",
        "login": "client-id",
        "password": CLIENT_SECRET,
        "extra": {
            "organization_id": "42",
            "api_base_url": BASE_URL,
            "token_url": TOKEN_URL,
            "rate_limit": "12.5",
            "rate_burst": "4",
            "max_concurrency": 3,
            "timeout": "9",
            "max_attempts": 3,
        },
    }
    conn.update(overrides)
    monkeypatch.setenv(name, json.dumps(conn))


def test_hook_builds_a_client_from_an_env_var_json_connection(monkeypatch):
    set_connection(monkeypatch)
    hook = TwentyFourSevenOfficeHook()
    client = hook.get_conn()
    assert hook.get_conn() is client  # built once, lazily
    assert (client.client_id, client.organization_id) == ("client-id", "42")
    assert (client.base_url, client.token_url) == (BASE_URL, TOKEN_URL)
    assert client.limiter.rate == 12.5
    assert client.limiter.burst == 4
    assert client.max_concurrency == 3
    assert client._http.timeout.read == 9
    assert client.retry.max_attempts == 3
    hook.close()


def test_defaults_are_the_real_api(monkeypatch):
    set_connection(monkeypatch, extra={"organization_id": "7"})
    client = TwentyFourSevenOfficeHook().get_conn()
    assert client.base_url == "https://rest.api.24sevenoffice.com/v1"
    assert client.token_url == "https://login.24sevenoffice.com/oauth/token"
    assert client.audience == "https://api.24sevenoffice.com"
    assert client.limiter.rate == 5.0


def test_prefixed_extras_from_the_classic_form_are_read(monkeypatch):
    set_connection(monkeypatch, extra={"extra__twentyfourseven__organization_id": "99"})
    assert TwentyFourSevenOfficeHook().get_conn().organization_id == "99"


def test_another_connection_id(monkeypatch):
    set_connection(monkeypatch, name="AIRFLOW_CONN_SO_NORWAY")
    hook = TwentyFourSevenOfficeHook(twentyfourseven_conn_id="so_norway")
    assert hook.get_conn().organization_id == "42"


def test_a_connection_missing_credentials_says_what_is_missing(monkeypatch):
    set_connection(monkeypatch, password=None, extra={})
    with pytest.raises(ValueError, match=r"password \(client secret\), extra organization_id"):
        TwentyFourSevenOfficeHook().get_conn()


def test_non_numeric_budget_is_a_clear_error_without_the_secret(monkeypatch):
    set_connection(monkeypatch, extra={"organization_id": "1", "rate_limit": "fast"})
    with pytest.raises(ValueError, match="rate_limit") as caught:
        TwentyFourSevenOfficeHook().get_conn()
    assert CLIENT_SECRET not in str(caught.value)


def test_test_connection_reports_success_and_failure(monkeypatch, api):
    set_connection(monkeypatch)
    api.on("GET", "/v1/salesorders", json_response(200, [{"id": 1}]))
    hook = TwentyFourSevenOfficeHook(transport=httpx.MockTransport(api.handler))
    assert hook.test_connection() == (True, f"Connected to {BASE_URL} as organization 42")

    api.token_replies.append(json_response(401, {"error": "invalid_client"}))
    failing = TwentyFourSevenOfficeHook(transport=httpx.MockTransport(api.handler))
    ok, message = failing.test_connection()
    assert not ok
    assert "refused the client credentials" in message
    assert CLIENT_SECRET not in message


def test_new_tokens_are_registered_with_airflows_log_masker(monkeypatch, api):
    from airflow.sdk._shared.secrets_masker import redact

    set_connection(monkeypatch)
    api.on("GET", "/v1/salesorders", json_response(200, []))
    TwentyFourSevenOfficeHook(transport=httpx.MockTransport(api.handler)).test_connection()
    (token,) = api.issued_tokens
    assert token not in str(redact(f"Authorization: Bearer {token}"))


def test_form_relabels_client_id_and_secret():
    behaviour = TwentyFourSevenOfficeHook.get_ui_field_behaviour()
    assert behaviour["relabeling"] == {"login": "Client ID", "password": "Client secret"}
    assert set(behaviour["hidden_fields"]) == {"host", "schema", "port"}


def test_provider_info_matches_the_hook():
    (conn_type,) = get_provider_info()["connection-types"]
    assert conn_type["connection-type"] == TwentyFourSevenOfficeHook.conn_type
    assert conn_type["hook-class-name"] == connection.HOOK_CLASS
    module, _, name = connection.HOOK_CLASS.rpartition(".")
    assert getattr(__import__(module, fromlist=[name]), name) is TwentyFourSevenOfficeHook
    assert set(conn_type["conn-fields"]) == set(connection.EXTRA_FIELDS)
    assert conn_type["conn-fields"]["rate_limit"]["schema"] == {
        "type": ["number", "null"],
        "default": 5.0,
    }
    assert conn_type["ui-field-behaviour"]["relabeling"]["password"] == "Client secret"


def airflow_cli(*args: str, tmp_path: Path) -> str:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run(
        [str(airflow), *args], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    return result.stdout


def test_airflow_lists_the_provider_and_its_connection_type(tmp_path):
    providers = json.loads(airflow_cli("providers", "list", "-o", "json", tmp_path=tmp_path))
    ours = [p for p in providers if p["package_name"] == "twentyfourseven-airflow"]
    assert ours, "provider not discovered through the apache_airflow_provider entry point"
    assert ours[0]["version"] == "0.1.0"
    hooks = json.loads(airflow_cli("providers", "hooks", "-o", "json", tmp_path=tmp_path))
    assert any(
        h["connection_type"] == "twentyfourseven"
        and h["class"] == "twentyfourseven.hooks.TwentyFourSevenOfficeHook"
        for h in hooks
    )


def test_budget_share_splits_the_connection_rate(monkeypatch):
    set_connection(monkeypatch)
    assert TwentyFourSevenOfficeHook().get_conn().limiter.rate == 12.5
    shared = TwentyFourSevenOfficeHook(budget_share=5).get_conn().limiter.rate
    assert shared == pytest.approx(12.5 * SHARED_BUDGET_HEADROOM / 5)
    assert 5 * shared < 12.5
    with pytest.raises(ValueError, match="budget_share"):
        TwentyFourSevenOfficeHook(budget_share=0)


def test_tls_is_verified_unless_switched_off_which_is_logged(monkeypatch, caplog):
    set_connection(monkeypatch, extra={"organization_id": "1"})  # the real API's hosts
    client = TwentyFourSevenOfficeHook().get_conn()
    assert client._http._transport._pool._ssl_context.verify_mode.name == "CERT_REQUIRED"
    assert "TLS" not in caplog.text

    set_connection(monkeypatch, extra={"organization_id": "1", "verify_tls": "false"})
    client = TwentyFourSevenOfficeHook().get_conn()
    assert client._http._transport._pool._ssl_context.verify_mode.name == "CERT_NONE"
    assert "TLS certificate verification is OFF for login.24sevenoffice.com" in caplog.text


def test_loopback_hosts_need_no_certificate(monkeypatch, caplog):
    set_connection(
        monkeypatch,
        extra={
            "organization_id": "1",
            "api_base_url": "https://127.0.0.1:8443/v1",
            "token_url": "https://localhost:8443/oauth/token",
        },
    )
    client = TwentyFourSevenOfficeHook().get_conn()
    assert client._http._transport._pool._ssl_context.verify_mode.name == "CERT_NONE"
    assert "TLS" not in caplog.text
