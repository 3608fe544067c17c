"""The DAG under faults: nothing silently missing, and a clean run repairs everything."""

from __future__ import annotations

from .conftest import assert_equals_truth

SANDBOX_OPTIONS = {
    "orders": 200,
    "seed": 5,
    "faults": {
        "rate_limit": 150,  # below the budget the tasks use: 429s will come
        "rate_limit_burst": 5,
        "error_500": 0.3,  # with 2 attempts, about 9 % of orders fail
        "error_503": 0.05,
        "invalid_record_rate": 0.05,
        "endpoints": ["list_lines"],
        "seed": 3,
    },
}

CONNECTION_EXTRA = {"max_attempts": 2}


def test_every_requested_order_is_accounted_for_then_repaired(pipeline):
    sandbox = pipeline.sandbox
    pipeline.run({"order_ids": [999_999]})  # an order that does not exist
    run = pipeline.last_run()
    assert run["orders_requested"] == 201
    outcomes = ("ok", "deleted", "not_found", "failed", "quarantined")
    assert sum(run[f"orders_{outcome}"] for outcome in outcomes) == run["orders_requested"]
    assert run["orders_not_found"] == 1  # never in the warehouse: nothing deleted
    assert run["orders_deleted"] == 0
    assert run["orders_failed"] > 0
    assert run["orders_quarantined"] > 0
    assert sandbox.count(status=429) > 0
    assert sandbox.count(status=500) > 0

    failed = pipeline.query(
        "select order_id, error_type, http_status, tracking_id, message from ops.failed_orders"
    )
    assert len(failed) == run["orders_failed"]
    for _, error_type, status, tracking_id, message in failed:
        assert error_type in {"ServerError", "RateLimitError"}
        assert status in {500, 503, 429}
        assert f"status={status}" in message
        assert tracking_id is not None
    quarantined = pipeline.query(
        "select order_id, kind, reason, payload from ops.quarantine"
        " where resolved_run_id is null and order_id is not null"  # the orders; master data too
    )
    assert {r[0] for r in quarantined}
    assert all(r[2] and r[3] for r in quarantined)
    loaded = {r[0] for r in pipeline.query("select order_id from raw.sales_orders")}
    assert not loaded & {r[0] for r in failed}
    assert not loaded & {r[0] for r in quarantined}

    sandbox.clear_faults()
    sandbox.reset_counters()
    pipeline.run()
    repair = pipeline.last_run()
    assert repair["orders_requested"] == len(failed) + len({r[0] for r in quarantined})
    assert repair["orders_failed"] == repair["orders_quarantined"] == 0
    assert pipeline.query("select count(*) from ops.failed_orders") == [(0,)]
    assert pipeline.query("select count(*) from ops.quarantine where resolved_run_id is null") == [
        (0,)
    ]
    assert_equals_truth(pipeline)
