"""Order IDs in the params, through the real DAG: an ID the API never had is reported as
not found and a bad ID fails the run, both in one try, so the warehouse pool is not held
through Airflow's retries."""

from __future__ import annotations

import httpx

from twentyfourseven.api import TwentyFourSevenOfficeClient

SANDBOX_OPTIONS = {"orders": 40, "seed": 13}
UNKNOWN = 999_999  # the sandbox's IDs are far below
FULLWIDTH_123 = "\uff11\uff12\uff13"
TASKS = {"plan", "extract", "extract_master_data", "load", "transform", "publish"}


def _two_deletable_orders(sandbox) -> tuple[int, int]:
    """Two orders that are not invoiced (the API refuses to delete an invoiced one)."""
    with TwentyFourSevenOfficeClient(**sandbox.client_kwargs(), rate_limit=None) as client:
        ids = [o.id for o in client.list_sales_orders() if str(o.status) != "Invoice"]
    return ids[0], ids[1]


def test_unknown_ids_are_not_found_and_deleted_orders_tombstoned_in_one_try(pipeline):
    sandbox = pipeline.sandbox
    pipeline.run()
    valid, deleted = _two_deletable_orders(sandbox)
    response = httpx.delete(
        f"{sandbox.base_url}/salesorders/{deleted}", headers=sandbox.auth_headers()
    )
    assert response.status_code == 204

    output = pipeline.run({"order_ids": [UNKNOWN, valid, deleted]})
    tries = pipeline.task_instances()
    assert {task for task, _ in tries} == TASKS
    assert set(tries.values()) == {(1, "success")}  # (try number, state): no task retried
    run = pipeline.last_run()
    counts = {k: v for k, v in run.items() if k.startswith("orders_")}
    assert counts == {
        "orders_requested": 3,
        "orders_ok": 1,
        "orders_deleted": 1,
        "orders_not_found": 1,
        "orders_failed": 0,
        "orders_quarantined": 0,
    }
    assert "ok 1, deleted 1, not found 1, failed 0, quarantined 0" in output
    assert pipeline.query("select run_id from raw.sales_orders where order_id = ?", [valid]) == [
        (run["run_id"],)
    ]
    assert pipeline.query(
        "select deleted_run_id from raw.sales_orders where order_id = ?", [deleted]
    ) == [(run["run_id"],)]
    # The unknown ID left no trace to tombstone or re-read.
    for table in ("raw.sales_orders", "ops.known_orders", "ops.failed_orders"):
        assert pipeline.query(f"select count(*) from {table} where order_id = ?", [UNKNOWN]) == [
            (0,)
        ], table

    pipeline.run()
    assert pipeline.last_run()["orders_requested"] == 0


def _run_once_and_fail(pipeline, conf, **env) -> str:
    runs_before = _ledger(pipeline)
    output = pipeline.run(conf, check=False, **env)
    # One try, failed: Airflow's retries (a minute apart) would hold the pool for nothing.
    assert pipeline.task_instances()[("plan", -1)] == (1, "failed")
    assert "up_for_retry" not in output
    assert _ledger(pipeline) == runs_before
    return output


def _ledger(pipeline) -> list[tuple]:
    """The run IDs of ``ops.runs``; none before the first load made the warehouse."""
    if not pipeline.settings.warehouse.exists():
        return []
    return pipeline.query("select run_id from ops.runs order by run_id")


def test_invalid_ids_fail_the_run_at_once_naming_each(pipeline):
    output = _run_once_and_fail(pipeline, {"order_ids": [5, "abc", "²", FULLWIDTH_123, 0]})
    assert "order_ids: 4 of 5 values are not order IDs" in output
    assert "positive integer, got 'abc'" in output
    assert "ASCII digits 0-9, got '²'" in output
    assert f"ASCII digits 0-9, got '{FULLWIDTH_123}'" in output
    assert "between 1 and 2147483647 (a positive 32-bit integer), got 0" in output


def test_more_ids_than_the_setting_allows_fail_the_run_at_once(pipeline):
    output = _run_once_and_fail(
        pipeline, {"order_ids": "1, 2, 3"}, TWENTYFOURSEVEN_MAX_ORDER_IDS="2"
    )
    assert "order_ids lists 3 order IDs; a run accepts at most 2 (setting max_order_ids" in output
