"""The DAG's steps against the real sandbox: an order with a 16 MiB memo is quarantined
while the rest of its chunk loads, and a run ID of "." cleans up only its own folder."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from twentyfourseven.pipeline.runfiles.runplan import (
    PLAN_FILE,
    RunPlan,
    read_chunk_ids,
    run_staging_dir,
)
from twentyfourseven.pipeline.runfiles.staging import MAX_RECORD_BYTES
from twentyfourseven.pipeline.steps import extract_step, load_step, plan_step

from ..truth import read_truth

SANDBOX_OPTIONS = {"orders": 120, "seed": 13}
PIPELINE_ENV = {"TWENTYFOURSEVEN_STAGING_RETENTION_DAYS": "1"}  # keep folders to inspect


@pytest.fixture
def settings(pipeline, monkeypatch):
    for name, value in pipeline.env().items():
        if name.startswith(("AIRFLOW_CONN_", "TWENTYFOURSEVEN_")):
            monkeypatch.setenv(name, value)
    return pipeline.settings


def _run(run_id, settings):
    for chunk in plan_step(run_id, {}, settings):
        extract_step(run_id, chunk, 1, settings)
    return load_step(run_id, settings)


def test_an_order_with_a_16_mib_memo_is_quarantined_and_its_chunk_loads(pipeline, settings):
    sandbox = pipeline.sandbox
    ids = sorted(read_truth(sandbox).orders)
    victim = ids[len(ids) // 3]
    memo = "m" * (16 << 20)
    sandbox.update_settings(max_body_bytes=32 << 20)  # the sandbox's bound is 1 MiB
    response = httpx.patch(
        f"{sandbox.base_url}/salesorders/{victim}",
        json={"memo": memo},
        headers=sandbox.auth_headers(),
        timeout=120,
    )
    response.raise_for_status()
    assert len(response.content) > 16 << 20  # the API serves it back whole

    summary = _run("manual__huge_memo", settings)

    run_dir = run_staging_dir(settings.staging, "manual__huge_memo")
    chunks = [dict(read_chunk_ids(run_dir, k)) for k in range(RunPlan.read(run_dir).chunks)]
    (victim_chunk,) = [chunk for chunk in chunks if victim in chunk]
    assert victim_chunk[victim] is None  # listed with the memo: left out of the ids file
    assert len(victim_chunk) > 1
    loaded = {row[0] for row in pipeline.query("select order_id from raw.sales_orders")}
    assert set(victim_chunk) - {victim} <= loaded  # its neighbours in the chunk
    assert loaded == set(ids) - {victim}  # and every other order of the run
    assert (summary["orders_ok"], summary["orders_quarantined"]) == (len(ids) - 1, 1)
    ((kind, record_id, reason),) = pipeline.query(
        "select kind, record_id, reason from ops.quarantine where order_id = ?", [victim]
    )
    assert (kind, record_id) == ("order", victim)
    assert f"over the limit of {MAX_RECORD_BYTES:,} bytes per record" in reason
    (row,) = pipeline.query(
        "select watermark_after is not null, corrupt_chunks from ops.runs where run_id = ?",
        ["manual__huge_memo"],
    )
    assert row == (True, 0)


def test_a_run_id_of_a_dot_cleans_up_only_its_own_folder(pipeline, settings):
    in_flight = "manual__in_flight"
    plan_step(in_flight, {}, settings)  # planned, not yet extracted
    summary = _run(".", replace(settings, staging_retention_days=0))

    assert summary["run_id"] == "."
    assert pipeline.query("select count(*) from ops.runs where run_id = '.'") == [(1,)]
    assert settings.staging.is_dir()
    assert not run_staging_dir(settings.staging, ".").exists()
    assert (run_staging_dir(settings.staging, in_flight) / PLAN_FILE).is_file()
