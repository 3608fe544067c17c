"""Every fault kind, switched on at run time through the admin API, and the
request counters that see them."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from pydantic import ValidationError

from twentyfourseven.api.payloads import SalesOrderExtended, SalesOrderLine, parse_json

SANDBOX_OPTIONS = {"orders": 300, "seed": 9}
ORDER = "/salesorders/100005"


def test_no_faults_by_default(api, sandbox):
    statuses = {api.get(ORDER).status_code for _ in range(30)}
    assert statuses == {200}
    assert sandbox.count("get_order", 200) == 30


def test_latency_fixed_plus_jitter(api, sandbox):
    sandbox.set_faults(latency_ms=120, jitter_ms=40)
    started = time.perf_counter()
    for _ in range(3):
        assert api.get(ORDER).status_code == 200
    per_request = (time.perf_counter() - started) / 3
    assert 0.12 <= per_request < 0.6


@pytest.mark.parametrize("retry_after", [True, False])
def test_rate_limit_429_with_or_without_retry_after(api, sandbox, retry_after):
    sandbox.set_faults(rate_limit=2, rate_limit_burst=2, retry_after=retry_after)
    responses = [api.get(ORDER) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    limited = responses[2]
    assert limited.json()["error"]["name"] == "TooManyRequestsError"
    if retry_after:
        assert int(limited.headers["retry-after"]) >= 1
    else:
        assert "retry-after" not in limited.headers
    time.sleep(0.55)
    assert api.get(ORDER).status_code == 200


def test_rate_limit_budget_holds_over_time(api, sandbox):
    sandbox.set_faults(rate_limit=20, rate_limit_burst=1)
    started = time.perf_counter()
    ok = sum(api.get(ORDER).status_code == 200 for _ in range(60))
    elapsed = time.perf_counter() - started
    assert ok <= 1 + 20 * elapsed + 1
    assert sandbox.count("get_order", 429) == 60 - ok


@pytest.mark.parametrize("status", [500, 502, 503])
def test_scripted_server_errors(api, sandbox, status):
    sandbox.script_fault(str(status), endpoint="get_order", count=2)
    responses = [api.get(ORDER) for _ in range(3)]
    assert [r.status_code for r in responses] == [status, status, 200]
    assert responses[0].headers["x-trace-id"]
    if status == 502:
        assert responses[0].headers["content-type"].startswith("text/html")
    else:
        assert responses[0].json()["trackingId"]
    assert sandbox.counters()["endpoints"]["get_order"]["faults"] == {str(status): 2}


def test_scripted_503_with_retry_after(api, sandbox):
    sandbox.script_fault("503", retry_after=2)
    response = api.get(ORDER)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"


def test_scripted_fault_only_hits_its_endpoint(api, sandbox):
    sandbox.script_fault("500", endpoint="list_lines")
    assert api.get(ORDER).status_code == 200
    assert api.get(f"{ORDER}/lines").status_code == 500
    assert api.get(f"{ORDER}/lines").status_code == 200


def test_dropped_connection(api, sandbox):
    sandbox.script_fault("drop", endpoint="get_order")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.get(ORDER)
    assert api.get(ORDER).status_code == 200
    assert sandbox.count("get_order", "dropped") == 1


def test_slow_response_beats_client_timeout(sandbox):
    sandbox.set_faults(slow_seconds=1.0)
    sandbox.script_fault("slow", endpoint="get_order")
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.auth_headers()) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get(ORDER, timeout=0.3)
        assert client.get(ORDER, timeout=5).status_code == 200
    time.sleep(1.0)  # let the abandoned request finish before the next test counts


def test_malformed_json_body(api, sandbox):
    sandbox.script_fault("malformed", endpoint="list_lines")
    response = api.get(f"{ORDER}/lines")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert json.loads(api.get(f"{ORDER}/lines").content)


def test_schema_violating_records_are_stable_and_rejected_by_the_models(api, sandbox):
    sandbox.set_faults(invalid_record_rate=0.2, seed=1)
    broken_orders, broken_lines = set(), set()
    for order_id in range(100001, 100121):
        order = parse_json(api.get(f"/salesorders/{order_id}").content)
        lines = parse_json(api.get(f"/salesorders/{order_id}/lines").content)
        try:
            SalesOrderExtended.model_validate(order)
        except ValidationError:
            broken_orders.add(order_id)
            assert order["customer"]["countryCode"] == "NOR"
        for line in lines:
            try:
                SalesOrderLine.model_validate(line)
            except ValidationError:
                broken_lines.add(order_id)
                assert line["discountRate"] == 150 or line["description"] == ""
    broken = broken_orders | broken_lines
    assert 10 <= len(broken) <= 45
    assert broken_orders
    assert broken_lines
    again = parse_json(api.get(f"/salesorders/{min(broken_orders)}").content)
    assert again["customer"]["countryCode"] == "NOR"
    sandbox.clear_faults()
    clean = parse_json(api.get(f"/salesorders/{min(broken_orders)}").content)
    SalesOrderExtended.model_validate(clean)


def _statuses(api, n):
    return [api.get(ORDER).status_code for _ in range(n)]


def test_random_faults_follow_their_rates_and_repeat_with_the_seed(api, sandbox):
    sandbox.set_faults(error_500=0.1, error_502=0.1, error_503=0.1, seed=4)
    first = _statuses(api, 200)
    sandbox.set_faults(seed=4)  # reconfiguring restarts the random stream
    second = _statuses(api, 200)
    assert first == second
    faults = sum(s != 200 for s in first)
    assert 30 <= faults <= 90
    assert {500, 502, 503} <= set(first)


def test_random_drop_slow_and_malformed_rates(sandbox):
    sandbox.set_faults(drop_rate=0.1, slow_rate=0.1, slow_seconds=0.5, malformed_rate=0.1)
    outcomes = []
    with httpx.Client(base_url=sandbox.base_url, headers=sandbox.auth_headers()) as client:
        for _ in range(60):
            try:
                response = client.get(ORDER, timeout=0.25)
                json.loads(response.content)
                outcomes.append("ok")
            except json.JSONDecodeError:
                outcomes.append("malformed")
            except httpx.ReadTimeout:
                outcomes.append("timeout")
            except (httpx.RemoteProtocolError, httpx.ReadError):
                outcomes.append("dropped")
    time.sleep(0.5)  # let abandoned slow requests finish before the next test counts
    assert {"ok", "malformed", "timeout", "dropped"} <= set(outcomes)


def test_fault_endpoints_restrict_random_faults(api, sandbox):
    sandbox.set_faults(error_503=1.0, endpoints=["list_lines"])
    assert api.get(ORDER).status_code == 200
    assert api.get(f"{ORDER}/lines").status_code == 503


def test_token_endpoint_faults_only_when_named(sandbox):
    sandbox.set_faults(error_503=1.0)
    assert httpx.post(sandbox.token_url, data=_form(sandbox)).status_code == 200
    sandbox.set_faults(endpoints=["token"])
    assert httpx.post(sandbox.token_url, data=_form(sandbox)).status_code == 503


def _form(sandbox):
    return {
        "grant_type": "client_credentials",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "audience": sandbox.audience,
        "login_organization": sandbox.organization_id,
    }


def test_counters_per_endpoint_and_status_and_reset(api, sandbox):
    api.get("/salesorders?limit=5")
    api.get(ORDER)
    api.get(f"{ORDER}/lines")
    api.get("/salesorders/1")
    api.post("/salesorders", json={})
    httpx.get(f"{sandbox.root_url}/_sandbox/health")
    counters = sandbox.counters()
    assert counters["total"] == 5, counters
    assert counters["endpoints"]["get_order"]["statuses"] == {"200": 1, "404": 1}
    assert counters["endpoints"]["list_orders"]["requests"] == 1
    assert counters["endpoints"]["list_lines"]["requests"] == 1
    assert counters["endpoints"]["create_order"]["statuses"] == {"400": 1}
    assert counters["statuses"] == {"200": 3, "404": 1, "400": 1}
    assert sandbox.reset_counters()["total"] == 0
    assert sandbox.count() == 0


def test_fault_settings_are_validated(sandbox):
    with pytest.raises(httpx.HTTPStatusError) as raised:
        sandbox.set_faults(error_500=1.5)
    assert raised.value.response.status_code == 400
    assert sandbox.admin("GET", "/faults")["error_500"] == 0


def test_faults_configured_at_start(sandbox_factory):
    started = sandbox_factory(orders=10, faults={"error_503": 1.0, "endpoints": ["get_order"]})
    with httpx.Client(base_url=started.base_url, headers=started.auth_headers()) as client:
        assert client.get("/salesorders/100001").status_code == 503
        assert client.get("/salesorders/100001/lines").status_code == 200
    assert started.count("get_order", 503) == 1


def test_cli_flags_map_onto_the_configuration():
    from twentyfourseven.cli import build_parser
    from twentyfourseven.commands.sandbox import config_from_args

    args = build_parser().parse_args(
        [
            "sandbox",
            "--orders",
            "5",
            "--seed",
            "2",
            "--rate-limit",
            "3",
            "--no-retry-after",
            "--error-502",
            "0.1",
            "--drop-rate",
            "0.05",
            "--invalid-record-rate",
            "0.01",
            "--token-expires-in",
            "60",
            "--line-edit-bumps-modified",
            "--fault-endpoints",
            "get_order",
            "list_lines",
        ]
    )
    config = config_from_args(args)
    assert (config.orders, config.seed) == (5, 2)
    assert config.faults.rate_limit == 3
    assert config.faults.retry_after is False
    assert config.faults.error_502 == 0.1
    assert config.faults.drop_rate == 0.05
    assert config.faults.invalid_record_rate == 0.01
    assert config.faults.endpoints == ["get_order", "list_lines"]
    assert config.settings.token_expires_in == 60
    assert config.settings.line_edit_bumps_modified is True
