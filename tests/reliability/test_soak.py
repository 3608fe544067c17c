"""Soak: incremental runs with upstream changes between them, the warehouse equal to the
sandbox after each (deletions, invisible to ``modifiedFrom``, included: each incremental
run's deletion check finds them); the last run reconciles and changes nothing more.

Short form by default (3 runs of 200 orders); ``SOAK_RUNS=20 SOAK_ORDERS=…`` for more.
"""

from __future__ import annotations

import os
import time

import pytest

from ..builders import SOAK_CHANGES
from ..e2e.conftest import assert_equals_truth

RUNS = int(os.environ.get("SOAK_RUNS", "3"))
ORDERS = int(os.environ.get("SOAK_ORDERS", "200"))
pytestmark = pytest.mark.reliability  # make test-reliability, not make test

SANDBOX_OPTIONS = {"orders": ORDERS, "seed": 53}


def test_incremental_runs_stay_equal_to_the_truth(pipeline):
    sandbox = pipeline.sandbox
    clock = time.monotonic()
    pipeline.run()
    assert_equals_truth(pipeline)
    deleted: set[int] = set()
    for number in range(1, RUNS + 1):
        loaded = {row[0] for row in pipeline.query("select order_id from raw.sales_orders")}
        changes = sandbox.simulate_changes(**SOAK_CHANGES)
        # An order created and deleted within one batch never reached the warehouse.
        deleted |= set(changes["deleted_orders"]) & loaded
        last = number == RUNS
        pipeline.run({"reconcile": True} if last else None)
        run = pipeline.last_run()
        assert run["orders_failed"] == run["orders_quarantined"] == 0
        assert run["mode"] == ("reconcile" if last else "incremental")
        assert last or run["deletion_check"]
        assert_equals_truth(pipeline)
    assert deleted
    tombstoned = {
        r[0]
        for r in pipeline.query(
            "select order_id from raw.sales_orders where deleted_at is not null"
        )
    }
    assert tombstoned == deleted
    seconds = time.monotonic() - clock
    counted = sandbox.counters()
    print(
        f"\nSOAK runs={RUNS} orders={ORDERS} deleted={len(deleted)}; {seconds:.0f} s; "
        f"requests={counted['total']} statuses={counted['statuses']}"
    )
