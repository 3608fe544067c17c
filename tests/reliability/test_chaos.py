"""Chaos: one DAG run with every fault at once, then fault-free runs until nothing is
failed or quarantined, and the warehouse equals the sandbox: no order lost, none twice.

Short form by default (400 orders); ``CHAOS_ORDERS=100000`` for the full one.
"""

from __future__ import annotations

import os
import time

import pytest

from ..e2e.conftest import assert_equals_truth

ORDERS = int(os.environ.get("CHAOS_ORDERS", "400"))
MAX_RECOVERY_RUNS = 5
FAULTS = {
    "error_500": 0.02,
    "error_502": 0.015,
    "error_503": 0.015,  # 5 % 5xx in all
    "rate_limit": 150.0,  # the connection allows 1,000/s: 429 bursts
    "rate_limit_burst": 5,
    "malformed_rate": 0.01,
    "drop_rate": 0.005,
    "revoke_tokens_every": 250,  # tokens die mid-run
    "jitter_ms": 20,
    "invalid_record_rate": 0.02,
    "seed": 97,
}
pytestmark = pytest.mark.reliability  # make test-reliability, not make test

SANDBOX_OPTIONS = {"orders": ORDERS, "seed": 41, "faults": FAULTS}


def test_chaos_then_recovery_loses_nothing(pipeline):
    sandbox = pipeline.sandbox
    clock = time.monotonic()
    pipeline.run()  # the chaos run: must not fail, whatever it could not read it records
    chaos = pipeline.last_run()
    counters = sandbox.counters()
    faulted = {status: sandbox.count(status=status) for status in (401, 429, 500, 502, 503)}
    assert chaos["orders_requested"] == ORDERS
    assert (
        chaos["orders_ok"] + chaos["orders_failed"] + chaos["orders_quarantined"]
        + chaos["orders_deleted"] + chaos["orders_not_found"] == ORDERS
    )  # fmt: skip
    assert faulted[429] > 0
    assert faulted[500] + faulted[502] + faulted[503] > 0
    assert chaos["api_retries"] > 0

    sandbox.clear_faults()
    runs = 1
    while True:
        failed = pipeline.query("select count(*) from ops.failed_orders")[0][0]
        open_quarantine = pipeline.query(
            "select count(distinct order_id) from ops.quarantine where resolved_run_id is null"
        )[0][0]
        if failed == 0 and open_quarantine == 0:
            break
        assert runs <= MAX_RECOVERY_RUNS, (failed, open_quarantine)
        pipeline.run()
        runs += 1

    # By count and content, raw tables and facts: none lost, extra, doubled or changed.
    compared = assert_equals_truth(pipeline)
    print(
        f"\nCHAOS orders={ORDERS} faulted={faulted} requests={chaos['api_calls']}"
        f" retries={chaos['api_retries']} chaos run: ok={chaos['orders_ok']}"
        f" failed={chaos['orders_failed']} quarantined={chaos['orders_quarantined']};"
        f" runs in all={runs}; equal to the API: {compared.orders} orders, {compared.lines}"
        f" lines (lost=0 extra=0 duplicates=0 changed=0); {time.monotonic() - clock:.0f} s"
        f"\ncounters={counters}"
    )
