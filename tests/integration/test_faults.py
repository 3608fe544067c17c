"""Every fault the sandbox injects, met by the client over real HTTP as it promises:
429 bursts (with and without Retry-After), 5xx, dropped connections, responses
slower than the client's timeout, malformed JSON, schema-violating records and
tokens dying mid-run; and a POST that may have been processed is never resent.

The sandbox's per-endpoint counters are the witness of what was sent.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from twentyfourseven.api import (
    OutcomeStatus,
    ResponseFormatError,
    RetryPolicy,
    ServerError,
    TransportError,
    TwentyFourSevenOfficeClient,
)

from .conftest import RETRY_AFTER_MAX, live_orders, wait_for_counters

SANDBOX_OPTIONS = {"orders": 60, "seed": 5}
FIRST, LAST = 100001, 100060
ALL_IDS = list(range(FIRST, LAST + 1))
ORDER = 100010
NEW_ORDER = {"customer": {"id": 10001, "name": "Feil og Mangler AS"}}
# Under a server-side token bucket a retry may meet another 429: allow plenty.
PATIENT = RetryPolicy(max_attempts=20, backoff_base=0.01, backoff_max=0.1, retry_after_max=0.1)


def faults_seen(sandbox, endpoint):
    return sandbox.counters()["endpoints"].get(endpoint, {}).get("faults", {})


@pytest.fixture(scope="module")
def clean(sandbox):
    """Header and lines of every order as read without faults, by ID."""
    with TwentyFourSevenOfficeClient(**sandbox.client_kwargs(), rate_limit=None) as client:
        return {o.order_id: (o.raw_header, o.raw_lines) for o in client.read_orders(ALL_IDS)}


def assert_all_read_correctly(outcomes, clean, ids=ALL_IDS):
    assert sorted(o.order_id for o in outcomes) == sorted(ids)
    failed = [(o.order_id, o.error_summary) for o in outcomes if o.status != OutcomeStatus.OK]
    assert failed == []
    for outcome in outcomes:
        assert (outcome.raw_header, outcome.raw_lines) == clean[outcome.order_id]


# --- 429 -------------------------------------------------------------------------


def test_429_burst_with_retry_after_is_waited_out_up_to_the_cap(client, sandbox):
    sandbox.script_fault("429", endpoint="get_order", count=3, retry_after=1)
    started = time.monotonic()
    assert client.get_sales_order(ORDER).id == ORDER
    elapsed = time.monotonic() - started
    # Retry-After: 1 honoured but capped at RETRY_AFTER_MAX: ~3 x 0.25 s, not 3 s.
    assert 3 * RETRY_AFTER_MAX * 0.9 <= elapsed < 2.0
    assert client.stats["rate_limited"] == 3
    assert client.stats["retries"] == 3
    assert sandbox.count("get_order", 429) == 3
    assert sandbox.count("get_order", 200) == 1


def test_429_burst_without_retry_after_backs_off(client, sandbox):
    sandbox.script_fault("429", endpoint="get_order", count=3)
    started = time.monotonic()
    assert client.get_sales_order(ORDER).id == ORDER
    elapsed = time.monotonic() - started
    assert elapsed < 3 * RETRY_AFTER_MAX  # jittered backoff of at most 0.1 s each
    assert client.stats["rate_limited"] == 3
    assert sandbox.count("get_order", 429) == 3
    assert sandbox.count("get_order", 200) == 1


@pytest.mark.parametrize("retry_after", [True, False], ids=["retry-after", "no-retry-after"])
def test_bulk_read_under_a_server_rate_limit_ends_complete(
    make_client, sandbox, clean, retry_after
):
    # The client has no budget of its own here, so the server's bucket answers 429.
    sandbox.set_faults(rate_limit=60, rate_limit_burst=4, retry_after=retry_after)
    client = make_client(max_concurrency=6, retry=PATIENT)
    outcomes = list(client.read_orders(ALL_IDS[:20]))
    assert_all_read_correctly(outcomes, clean, ALL_IDS[:20])
    limited = sandbox.count(status=429)
    assert limited > 0
    assert client.stats["rate_limited"] == limited
    assert sandbox.count(status=200) == 40 + 1  # every order and its lines, plus the token


def test_a_429_holds_back_every_thread_of_the_client(make_client, sandbox, clean):
    pause = 0.6
    client = make_client(
        max_concurrency=4,
        retry=RetryPolicy(backoff_base=0.01, backoff_max=0.1, retry_after_max=pause),
    )
    client.get_sales_order_lines(FIRST)  # token and connections, outside the window
    sandbox.reset_counters()
    sandbox.script_fault("429", endpoint="get_order", retry_after=5)
    outcomes = []
    reader = threading.Thread(target=lambda: outcomes.extend(client.read_orders(ALL_IDS[:12])))
    started = time.monotonic()
    reader.start()
    time.sleep(pause / 2)
    during_pause = sandbox.count()
    reader.join()
    elapsed = time.monotonic() - started
    assert_all_read_correctly(outcomes, clean, ALL_IDS[:12])
    # The four first requests (one of them the 429), perhaps one more per thread that
    # was already past the limiter; without a shared pause it would be dozens.
    assert 1 <= during_pause <= 8, during_pause
    assert elapsed >= pause
    assert client.stats["rate_limited"] == 1
    assert sandbox.count() == 24 + 1


# --- 5xx ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_gets_are_retried_to_success(client, sandbox, clean, status):
    sandbox.script_fault(str(status), endpoint="get_order", count=2)
    sandbox.script_fault(str(status), endpoint="list_lines", count=2)
    sandbox.script_fault(str(status), endpoint="list_orders", count=1)
    assert client.get_sales_order(ORDER).model_dump(by_alias=True, exclude_unset=True)
    assert client.get_json(f"/salesorders/{ORDER}/lines") == clean[ORDER][1]
    listed = list(client.list_sales_orders(page_size=25))
    assert [o.id for o in listed] == ALL_IDS
    for endpoint, faults in (("get_order", 2), ("list_lines", 2), ("list_orders", 1)):
        assert sandbox.count(endpoint, status) == faults
        assert faults_seen(sandbox, endpoint) == {str(status): faults}
    assert sandbox.count("list_orders", 200) == 3
    assert client.stats["retries"] == 5
    assert client.stats[f"status_{status}"] == 5


def test_random_5xx_during_a_bulk_read_cost_retries_not_orders(make_client, sandbox, clean):
    sandbox.set_faults(error_500=0.08, error_502=0.08, error_503=0.08, seed=3)
    client = make_client(max_concurrency=4)
    outcomes = list(client.read_orders(ALL_IDS))
    assert_all_read_correctly(outcomes, clean)
    statuses = sandbox.counters()["statuses"]
    errors = {code: statuses.get(code, 0) for code in ("500", "502", "503")}
    assert all(errors.values()), errors  # each kind really happened
    assert client.stats["retries"] == sum(errors.values())


# --- connections, timeouts, bodies --------------------------------------------------


def test_dropped_connections_on_gets_are_retried(client, sandbox, clean):
    sandbox.script_fault("drop", endpoint="get_order", count=2)
    sandbox.script_fault("drop", endpoint="list_lines", count=1)
    (outcome,) = client.read_orders([ORDER])
    assert outcome.status == OutcomeStatus.OK
    assert (outcome.raw_header, outcome.raw_lines) == clean[ORDER]
    assert sandbox.count("get_order", "dropped") == 2
    assert sandbox.count("list_lines", "dropped") == 1
    assert client.stats["retries"] == 3


def test_responses_slower_than_the_timeout_are_abandoned_and_retried(make_client, sandbox, clean):
    sandbox.set_faults(slow_seconds=1.0)
    sandbox.script_fault("slow", endpoint="list_lines", count=2)
    client = make_client(timeout=0.25)
    started = time.monotonic()
    assert client.get_json(f"/salesorders/{ORDER}/lines") == clean[ORDER][1]
    elapsed = time.monotonic() - started
    assert 2 * 0.25 <= elapsed < 1.0  # two timeouts, not two full slow answers
    assert client.stats["retries"] == 2
    assert faults_seen(sandbox, "list_lines") == {"slow": 2}
    wait_for_counters(sandbox, "list_lines", 3)  # let the abandoned answers finish


def test_malformed_json_bodies_on_gets_are_retried(client, sandbox, clean):
    sandbox.script_fault("malformed", endpoint="list_lines", count=2)
    sandbox.script_fault("malformed", endpoint="list_orders", count=1)
    assert client.get_json(f"/salesorders/{ORDER}/lines") == clean[ORDER][1]
    assert [o.id for o in client.list_sales_orders(page_size=20)] == ALL_IDS
    assert faults_seen(sandbox, "list_lines") == {"malformed": 2}
    assert faults_seen(sandbox, "list_orders") == {"malformed": 1}
    assert sandbox.count("list_lines", 200) == 3
    assert sandbox.count("list_orders", 200) == 4  # 3 pages and one resent
    assert client.stats["retries"] == 3


def test_paging_survives_every_fault_kind_without_losing_the_cursor(make_client, sandbox):
    sandbox.set_faults(
        error_503=0.1,
        error_500=0.05,
        drop_rate=0.05,
        malformed_rate=0.1,
        slow_rate=0.05,
        slow_seconds=0.4,
        endpoints=["list_orders"],
        seed=8,
    )
    client = make_client(timeout=0.2)
    listed = [o.id for o in client.list_sales_orders(page_size=4)]
    assert listed == ALL_IDS
    faults = faults_seen(sandbox, "list_orders")
    assert sum(faults.values()) >= 3, faults
    assert client.stats["retries"] == sum(faults.values())
    time.sleep(0.4)  # abandoned slow answers


def test_exhausted_retries_end_in_the_typed_error(client, sandbox):
    sandbox.script_fault("503", endpoint="get_order", count=100)
    with pytest.raises(ServerError) as caught:
        client.get_sales_order(ORDER)
    assert caught.value.status_code == 503
    assert caught.value.tracking_id
    assert sandbox.count("get_order") == client.retry.max_attempts
    sandbox.clear_faults()
    sandbox.script_fault("malformed", endpoint="get_order", count=100)
    with pytest.raises(ResponseFormatError):
        client.get_sales_order(ORDER)


# --- schema-violating records --------------------------------------------------------


def _violations(raw_header, raw_lines):
    header_bad = (raw_header.get("customer") or {}).get("countryCode") == "NOR"
    bad_lines = [
        line
        for line in raw_lines
        if line.get("discountRate") == 150 or line.get("description") == ""
    ]
    return header_bad, bad_lines


def test_schema_violating_records_are_kept_as_invalid_not_dropped(make_client, sandbox):
    sandbox.set_faults(invalid_record_rate=0.3, seed=2)
    client = make_client(max_concurrency=4)
    outcomes = {o.order_id: o for o in client.read_orders(ALL_IDS)}
    assert sorted(outcomes) == ALL_IDS  # one outcome per order, none lost
    assert {o.status for o in outcomes.values()} == {OutcomeStatus.OK}
    kinds = Counter()
    for order_id, outcome in outcomes.items():
        header_bad, bad_lines = _violations(outcome.raw_header, outcome.raw_lines)
        invalid_orders = [r for r in outcome.invalid if r.kind == "order"]
        invalid_lines = [r for r in outcome.invalid if r.kind == "line"]
        if header_bad:
            kinds["order"] += 1
            (record,) = invalid_orders
            assert outcome.header is None
            assert record.raw == outcome.raw_header
            assert record.order_id == order_id
            assert "countryCode" in record.reason or "country_code" in record.reason
        else:
            assert invalid_orders == []
            assert outcome.header.id == order_id
        assert [r.raw for r in invalid_lines] == bad_lines
        for record in invalid_lines:
            kinds["line"] += 1
            assert any(f in record.reason for f in ("discountRate", "description"))
        # Valid lines survive next to the invalid one.
        assert len(outcome.lines) + len(invalid_lines) == len(outcome.raw_lines)
    assert kinds["order"] > 0
    assert kinds["line"] > 0


def test_listing_hands_invalid_records_to_on_invalid(client, sandbox):
    sandbox.set_faults(invalid_record_rate=0.3, seed=2)
    invalid = []
    valid = list(client.list_sales_orders(on_invalid=lambda raw, exc: invalid.append(raw)))
    assert invalid
    assert all(raw["customer"]["countryCode"] == "NOR" for raw in invalid)
    assert sorted([o.id for o in valid] + [raw["id"] for raw in invalid]) == ALL_IDS
    with pytest.raises(ResponseFormatError, match=r"countryCode|country_code"):
        list(client.list_sales_orders())


# --- tokens dying mid-run -------------------------------------------------------------


def test_tokens_revoked_mid_bulk_read_are_refreshed(make_client, sandbox, clean):
    sandbox.set_faults(revoke_tokens_every=25)
    client = make_client(max_concurrency=4)
    outcomes = list(client.read_orders(ALL_IDS))
    assert_all_read_correctly(outcomes, clean)
    unauthorized = sandbox.count(status=401)
    assert unauthorized >= 4  # 120+ requests, a revocation every 25
    assert client.stats["status_401"] == unauthorized
    assert sandbox.count("token") == client.stats["token_requests"] >= 5


def test_tokens_expiring_early_mid_bulk_read_are_refreshed(make_client, sandbox, clean):
    sandbox.update_settings(token_lifetime=0.2)
    sandbox.set_faults(latency_ms=8)
    client = make_client(max_concurrency=3)
    outcomes = list(client.read_orders(ALL_IDS))
    assert_all_read_correctly(outcomes, clean)
    assert sandbox.count(status=401) >= 1
    assert sandbox.count("token") >= 2


# --- a POST that may have been processed ----------------------------------------------


@pytest.mark.parametrize("status", [500, 502])
def test_post_answered_with_500_or_502_is_not_resent(client, sandbox, status):
    before = live_orders(sandbox)
    sandbox.script_fault(str(status), endpoint="create_order", count=1)
    with pytest.raises(ServerError) as caught:
        client.create_sales_order(NEW_ORDER)
    assert caught.value.status_code == status
    assert caught.value.method == "POST"
    assert sandbox.count("create_order") == 1
    assert client.stats.get("retries", 0) == 0
    assert live_orders(sandbox) == before


def test_post_whose_connection_drops_is_not_resent(client, sandbox):
    sandbox.script_fault("drop", endpoint="create_order")
    with pytest.raises(TransportError):
        client.create_sales_order(NEW_ORDER)
    # the sandbox counts a dropped request after closing it: the client may see it first
    assert wait_for_counters(sandbox, "create_order", 1) == 1
    assert client.stats.get("retries", 0) == 0


def test_post_that_times_out_is_not_resent(make_client, sandbox):
    sandbox.set_faults(slow_seconds=0.5)
    sandbox.script_fault("slow", endpoint="create_order")
    client = make_client(timeout=0.2)
    with pytest.raises(TransportError, match="ReadTimeout"):
        client.create_sales_order(NEW_ORDER)
    assert client.stats.get("retries", 0) == 0
    assert wait_for_counters(sandbox, "create_order", 1) == 1  # the slow one, once done
    time.sleep(0.3)
    assert sandbox.count("create_order") == 1


def test_post_with_a_malformed_answer_is_not_resent(client, sandbox):
    before = live_orders(sandbox)
    sandbox.script_fault("malformed", endpoint="create_order")
    with pytest.raises(ResponseFormatError):
        client.create_sales_order(NEW_ORDER)
    assert sandbox.count("create_order") == 1
    assert live_orders(sandbox) == before + 1


@pytest.mark.parametrize("status", [429, 503])
def test_post_refused_with_429_or_503_is_resent_and_creates_one_order(client, sandbox, status):
    before = live_orders(sandbox)
    sandbox.script_fault(str(status), endpoint="create_order", count=2)
    created = client.create_sales_order(NEW_ORDER)
    assert created.customer.name == "Feil og Mangler AS"
    assert sandbox.count("create_order", status) == 2
    assert sandbox.count("create_order", 200) == 1
    assert live_orders(sandbox) == before + 1
