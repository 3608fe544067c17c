"""An extract task SIGKILLed mid-chunk: its half-written chunk is never loaded, and the
next DAG run leaves the warehouse equal to the sandbox, without duplicates."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

from twentyfourseven.pipeline.steps import extract_step, load_step, plan_step
from twentyfourseven.warehouse.runplan import read_chunk_ids, run_folder_name
from twentyfourseven.warehouse.staging import MANIFEST, chunk_dir

from ..e2e.conftest import assert_equals_truth, sandbox_truth

SANDBOX_OPTIONS = {"orders": 300, "seed": 31}
PIPELINE_ENV = {"TWENTYFOURSEVEN_STAGING_RETENTION_DAYS": "1"}


def _extract_in_child(run_id, chunk, settings) -> None:
    extract_step(run_id, chunk, 1, settings)


def _partial(directory) -> bool:
    """The chunk has begun writing rows but is not sealed."""
    return not (directory / MANIFEST).exists() and any(
        (directory / f"{name}.ndjson").is_file() and (directory / f"{name}.ndjson").stat().st_size
        for name in ("orders", "lines")
    )


def test_a_killed_extract_is_not_loaded_and_the_next_run_completes(pipeline, monkeypatch):
    sandbox = pipeline.sandbox
    for name, value in pipeline.env().items():
        if name.startswith(("AIRFLOW_CONN_", "TWENTYFOURSEVEN_")):
            monkeypatch.setenv(name, value)
    settings = pipeline.settings
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
    assert_equals_truth(pipeline)
    truth = sandbox_truth(sandbox)
    assert pipeline.query("select count(*), count(distinct order_id) from raw.sales_orders") == [
        (len(truth), len(truth))
    ]
    lines = sum(len(lines) for _, lines in truth.values())
    assert pipeline.query(
        "select count(*), count(distinct (order_id, line_id)) from raw.sales_order_lines"
    ) == [(lines, lines)]
    assert pipeline.query("select count(*) from ops.failed_orders") == [(0,)]
    print(f"killed extract: chunk 0 ({len(victims)} orders) killed; next run: equal to truth")
