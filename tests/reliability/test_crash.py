"""Tasks SIGKILLed mid-work. An extract killed mid-chunk: its half-written chunk is never
loaded and the next DAG run completes. A load killed while it stages, while it applies,
right before and right after its COMMIT: the warehouse keeps its previous state (or, once
committed, the new one), and loading the run again leaves it equal to the API, nothing
lost or doubled."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from twentyfourseven.api.resources import LISTED
from twentyfourseven.pipeline.runfiles.runplan import read_chunk_ids, run_folder_name
from twentyfourseven.pipeline.runfiles.staging import MANIFEST, chunk_dir
from twentyfourseven.pipeline.steps import extract_step, load_step, plan_step, transform_step

from ..builders import SOAK_CHANGES
from ..e2e.conftest import assert_equals_truth, table_checksums
from .load_child import load_until

SANDBOX_OPTIONS = {"orders": 300, "seed": 31}
PIPELINE_ENV = {"TWENTYFOURSEVEN_STAGING_RETENTION_DAYS": "1"}

# Where the load is killed: a point is reached when the loader's connection is about to
# run a statement starting with this text ("close" once it closes it, after COMMIT).
LOAD_KILL_POINTS = {
    "staging the chunks": "INSERT INTO _stage_sales_order_lines",  # temp tables half filled
    "applying": "INSERT INTO raw.sales_orders",  # headers of the run deleted, not inserted
    "right before COMMIT": "COMMIT",  # every write done, the ledger too
    "right after COMMIT": "close",  # committed; loaded.json not yet written
}
COMMITTED = {"right after COMMIT"}


def _orders_part(checksums: dict[str, str]) -> dict[str, str]:
    """The checksums of the tables the orders' transaction writes."""
    master = {f"raw.{r.name}" for r in LISTED} | {f"raw.{r.name}_history" for r in LISTED}
    return {
        table: value
        for table, value in checksums.items()
        if table not in master | {"ops.listings", "ops.runs"}
    }


@pytest.fixture
def steps_env(pipeline):
    with pipeline.task_env() as settings:
        yield settings


def _extract_in_child(run_id, chunk, settings) -> None:
    extract_step(run_id, chunk, 1, settings)


def _partial(directory) -> bool:
    """The chunk has begun writing rows but is not sealed."""
    return not (directory / MANIFEST).exists() and any(
        (directory / f"{name}.ndjson").is_file() and (directory / f"{name}.ndjson").stat().st_size
        for name in ("sales_orders", "sales_order_lines")
    )


def test_a_killed_extract_is_not_loaded_and_the_next_run_completes(pipeline, steps_env):
    sandbox = pipeline.sandbox
    settings = steps_env
    run_id = "manual__killed_extract"
    chunks = plan_step(run_id, {}, settings)
    assert len(chunks) >= 2
    run_dir = settings.staging / run_folder_name(run_id)
    victim = chunk_dir(run_dir, 0)

    sandbox.set_faults(latency_ms=150)  # slow enough to be caught mid-chunk
    child = multiprocessing.get_context("spawn").Process(
        target=_extract_in_child, args=(run_id, 0, settings)
    )
    child.start()
    deadline = time.monotonic() + 120
    while not _partial(victim):
        assert child.is_alive(), "the extract finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=60)
    assert child.exitcode == -signal.SIGKILL
    assert _partial(victim)  # killed mid-chunk: rows written, no manifest
    sandbox.clear_faults()

    for chunk in chunks[1:]:
        extract_step(run_id, chunk, 1, settings)
    summary = load_step(run_id, settings)
    victims = {order_id for order_id, _ in read_chunk_ids(run_dir, 0)}
    loaded = {r[0] for r in pipeline.query("select order_id from raw.sales_orders")}
    failed = {r[0] for r in pipeline.query("select order_id from ops.failed_orders")}
    assert victims.isdisjoint(loaded), "rows of the killed chunk were loaded"
    assert victims <= failed, "the killed chunk's orders are not queued for the next run"
    assert summary["orders_failed"] == len(victims)

    pipeline.run()  # the next scheduled run
    compared = assert_equals_truth(pipeline)
    assert pipeline.query("select count(*) from ops.failed_orders") == [(0,)]
    print(
        f"killed extract: chunk 0 ({len(victims)} orders) killed; next run: equal to the API"
        f" ({compared.orders} orders, {compared.lines} lines)"
    )


def _extract_run(run_id: str, params: dict, settings) -> None:
    for chunk in plan_step(run_id, params, settings):
        extract_step(run_id, chunk, 1, settings)


@pytest.mark.parametrize("where", list(LOAD_KILL_POINTS))
def test_a_killed_load_keeps_the_warehouse_and_loads_again(pipeline, steps_env, tmp_path, where):
    sandbox, settings = pipeline.sandbox, steps_env
    if not settings.warehouse.exists():  # run alone: a previous state to keep
        _extract_run("manual__before_kill", {}, settings)
        load_step("manual__before_kill", settings)
    # Edits, new orders, lost lines, deletions: a reconcile run reads them all.
    sandbox.simulate_changes(**SOAK_CHANGES)
    run_id = f"manual__killed_load_{where.replace(' ', '_')}"
    _extract_run(run_id, {"reconcile": True}, settings)
    run_dir = settings.staging / run_folder_name(run_id)
    before = table_checksums(settings.warehouse)

    ready = tmp_path / "paused"
    child = multiprocessing.get_context("spawn").Process(
        target=load_until,
        args=(settings.warehouse, run_dir, run_id, LOAD_KILL_POINTS[where], ready),
    )
    child.start()
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert child.is_alive(), f"the load ended before {where} (exit {child.exitcode})"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=60)
    assert child.exitcode == -signal.SIGKILL

    after_kill = table_checksums(settings.warehouse)
    ledger = f"select count(*) from ops.runs where run_id = '{run_id}'"
    if where in COMMITTED:
        assert after_kill != before
        assert pipeline.query(ledger) == [(1,)]
    else:
        assert after_kill == before, "a killed load changed the warehouse"
        assert pipeline.query(ledger) == [(0,)]

    summary = load_step(run_id, settings)  # the task's retry
    assert not summary["already_loaded"]
    if where in COMMITTED:  # loading a committed run again changes nothing of the orders
        # (the master data, loaded after the orders' commit, is what the retry completes)
        assert _orders_part(table_checksums(settings.warehouse)) == _orders_part(after_kill)
    transform_step(settings)
    compared = assert_equals_truth(pipeline)
    assert pipeline.query(ledger) == [(1,)]
    print(
        f"load killed {where}: warehouse {'new' if where in COMMITTED else 'as before'};"
        f" loaded again: equal to the API ({compared.orders} orders, {compared.lines} lines,"
        f" {compared.tombstoned} tombstoned)"
    )
