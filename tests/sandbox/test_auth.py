"""The token endpoint and bearer-token checks: credentials, audience, organization,
form and JSON bodies, expiry and revocation."""

from __future__ import annotations

import time

import httpx
import pytest

SANDBOX_OPTIONS = {"orders": 20, "client_id": "cid", "client_secret": "s3cret"}


def _form(sandbox, **override):
    return {
        "grant_type": "client_credentials",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "audience": "https://api.24sevenoffice.com",
        "login_organization": sandbox.organization_id,
        **override,
    }


def test_form_body_gives_a_bearer_token_that_opens_the_api(sandbox):
    response = httpx.post(sandbox.token_url, data=_form(sandbox))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert httpx.get(f"{sandbox.base_url}/salesorders/100001", headers=auth).status_code == 200


def test_json_body_is_accepted_too(sandbox):
    response = httpx.post(sandbox.token_url, json=_form(sandbox))
    assert response.status_code == 200
    assert response.json()["access_token"]


@pytest.mark.parametrize(
    ("override", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "access_denied"),
        ({"client_id": "someone-else"}, 401, "access_denied"),
        ({"audience": "https://example.invalid"}, 403, "access_denied"),
        ({"login_organization": "another-org"}, 403, "access_denied"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"login_organization": ""}, 400, "invalid_request"),
    ],
)
def test_bad_credentials_are_refused(sandbox, override, status, error):
    response = httpx.post(sandbox.token_url, data=_form(sandbox, **override))
    assert response.status_code == status
    assert response.json()["error"] == error
    assert "access_token" not in response.json()


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic Y2lkOnMzY3JldA=="])
def test_api_without_a_valid_token_is_401(sandbox, header):
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{sandbox.base_url}/salesorders", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["name"] == "UnauthorizedError"
    assert response.json()["trackingId"]
    assert response.headers["x-trace-id"]


def test_expires_in_is_configurable_and_expiry_is_enforced(sandbox):
    sandbox.update_settings(token_expires_in=1)
    body = httpx.post(sandbox.token_url, data=_form(sandbox)).json()
    assert body["expires_in"] == 1
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    url = f"{sandbox.base_url}/salesorders/100001"
    assert httpx.get(url, headers=auth).status_code == 200
    time.sleep(1.05)
    expired = httpx.get(url, headers=auth)
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]


def test_token_can_die_before_its_announced_expiry(sandbox):
    sandbox.update_settings(token_expires_in=3600, token_lifetime=0.2)
    body = httpx.post(sandbox.token_url, data=_form(sandbox)).json()
    assert body["expires_in"] == 3600
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    time.sleep(0.25)
    assert httpx.get(f"{sandbox.base_url}/salesorders", headers=auth).status_code == 401


def test_revoking_tokens_mid_run_gives_401_and_a_new_token_works(sandbox):
    old = {"Authorization": f"Bearer {sandbox.token()}"}
    url = f"{sandbox.base_url}/salesorders/100002"
    assert httpx.get(url, headers=old).status_code == 200
    sandbox.revoke_tokens()
    assert httpx.get(url, headers=old).status_code == 401
    assert httpx.get(url, headers=sandbox.auth_headers()).status_code == 200


def test_revoke_every_n_requests(sandbox):
    sandbox.set_faults(revoke_tokens_every=3)
    headers = sandbox.auth_headers()
    statuses = [
        httpx.get(f"{sandbox.base_url}/salesorders/100003", headers=headers).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 401, 401]
