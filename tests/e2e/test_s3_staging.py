"""Staging on S3 (workers that share no disk): the real DAG with ``staging`` an
``s3://`` URL, against moto's S3 server on loopback through an Airflow ``aws``
connection. A run equals the sandbox's truth; a truncated object and a missing manifest
are refused by the load, their chunks' orders marked failed and read again by the next
run; the bucket's credentials appear in no log and no artifact."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest

from twentyfourseven.pipeline.runfiles.retention import LOADED_MARKER
from twentyfourseven.pipeline.runfiles.runplan import (
    PLAN_FILE,
    RunPlan,
    run_folder_name,
)
from twentyfourseven.pipeline.runfiles.staging import FILES, LINES, MANIFEST
from twentyfourseven.pipeline.steps import (
    extract_master_data_step,
    extract_step,
    load_step,
    plan_step,
    transform_step,
)

from ..conftest import S3_ACCESS_KEY, S3_SECRET_KEY
from ..reliability.test_secrets import text_of_duckdb, text_of_sqlite
from .conftest import assert_equals_truth

SANDBOX_OPTIONS = {"orders": 200, "seed": 41}
BUCKET = "twentyfourseven-staging"
PREFIX = "runs"
STAGING_CONN = "twentyfourseven_staging"
IN_PROCESS: dict[str, str] = {}  # what the tasks run in this process logged and printed
PIPELINE_ENV = {
    "TWENTYFOURSEVEN_STAGING": f"s3://{BUCKET}/{PREFIX}",
    "TWENTYFOURSEVEN_STAGING_CONN_ID": STAGING_CONN,
    "TWENTYFOURSEVEN_STAGING_RETENTION_DAYS": "1",  # keep the run folders to look at
}


@pytest.fixture(scope="module")
def s3(pipeline, moto_server):
    """The pipeline's staging bucket on moto, and the connection to it in its environment."""
    moto_server.create_bucket(BUCKET)
    pipeline.settings_env[f"AIRFLOW_CONN_{STAGING_CONN.upper()}"] = moto_server.connection_json()
    return moto_server


def _run_objects(s3, run_id: str) -> dict[str, bytes]:
    """The run folder's objects: path in the run folder -> content."""
    prefix = f"{PREFIX}/{run_folder_name(run_id)}/"
    return {key[len(prefix) :]: data for key, data in s3.objects(BUCKET, prefix).items()}


def test_a_dag_run_with_staging_on_s3_equals_the_sandbox(pipeline, s3):
    pipeline.run()
    assert_equals_truth(pipeline)
    run = pipeline.last_run()
    assert run["orders_ok"] == run["orders_requested"] == 200
    assert run["orders_failed"] == 0

    objects = _run_objects(s3, run["run_id"])
    plan = RunPlan(**json.loads(objects[PLAN_FILE]))
    assert plan.chunks == 4  # 200 orders, at least 40 a chunk, at most 4 chunks
    for chunk in range(plan.chunks):
        assert f"chunk-{chunk:04d}/{MANIFEST}" in objects
        for name in FILES:
            assert f"chunk-{chunk:04d}/{name}.ndjson" in objects
    assert LOADED_MARKER in objects  # the load's commit, for retention
    assert (
        sum(objects[f"chunk-{k:04d}/{LINES}.ndjson"].count(b"\n") for k in range(4))
        == (pipeline.query("select count(*) from raw.sales_order_lines")[0][0])
    )
    # Nothing was staged on local disk, and every task removed its local copy.
    leftovers = [p for p in pipeline.data_dir.rglob("*") if "staging" in p.name]
    assert leftovers == []


def _run_tasks(run_id: str, params: dict, settings) -> dict:
    """The DAG's tasks of one run, in this process (plan, extract, master data, load,
    transform), as test_crash runs them; the load's result."""
    for chunk in plan_step(run_id, params, settings):
        extract_step(run_id, chunk, 1, settings)
    extract_master_data_step(run_id, 1, settings)
    loaded = load_step(run_id, settings)
    transform_step(settings)
    return loaded


def test_a_truncated_object_and_a_missing_manifest_are_refused_then_read_again(
    pipeline, s3, caplog, capsys
):
    run_id = "manual__s3_corrupt"
    caplog.set_level(logging.INFO)
    with pipeline.task_env() as settings:
        chunks = plan_step(run_id, {"reconcile": True}, settings)
        assert chunks == [0, 1, 2, 3]
        for chunk in chunks:
            extract_step(run_id, chunk, 1, settings)
        extract_master_data_step(run_id, 1, settings)
        client = s3.client()
        folder = f"{PREFIX}/{run_folder_name(run_id)}"
        lines = f"{folder}/chunk-0001/{LINES}.ndjson"
        whole = client.get_object(Bucket=BUCKET, Key=lines)["Body"].read()
        client.put_object(Bucket=BUCKET, Key=lines, Body=whole[: len(whole) // 2])
        client.delete_object(Bucket=BUCKET, Key=f"{folder}/chunk-0002/{MANIFEST}")
        objects = _run_objects(s3, run_id)
        victims = {
            json.loads(entry)["order_id"]
            for chunk in (1, 2)
            for entry in objects[f"chunk-{chunk:04d}.ids.ndjson"].splitlines()
        }
        summary = load_step(run_id, settings)

        assert summary["orders_failed"] == len(victims) > 0
        assert summary["orders_ok"] == 200 - len(victims)
        failed = pipeline.query("select order_id, error_type from ops.failed_orders")
        assert {order_id for order_id, _ in failed} == victims
        assert {error_type for _, error_type in failed} == {"CorruptStagingChunk"}
        corrupt = pipeline.query("select corrupt_chunks from ops.runs where run_id = ?", [run_id])
        assert corrupt == [(2,)]
        refused = [m.getMessage() for m in caplog.records]
        refused = [m for m in refused if m.startswith("not loading")]
        assert any("chunk-0001" in m and "truncated or corrupt" in m for m in refused), refused
        assert any("chunk-0002" in m and "no manifest" in m for m in refused), refused

        again = _run_tasks("manual__s3_next", {}, settings)  # reads the refused orders again
    captured = capsys.readouterr()
    IN_PROCESS["logs and output of the tasks run in this process"] = (
        caplog.text + captured.out + captured.err
    )
    assert again["orders_ok"] >= len(victims)
    assert again["orders_failed"] == 0
    assert pipeline.query("select count(*) from ops.failed_orders") == [(0,)]
    assert_equals_truth(pipeline)


def test_the_bucket_credentials_are_in_no_log_and_no_artifact(pipeline, s3):
    """After the runs above: the DAG's (its output kept in ``pipeline.logs``) and the
    tasks run in this process (their logs in ``caplog``, output in ``capsys``)."""
    assert len(pipeline.logs) == 1
    output = "\n".join(pipeline.logs)
    artifacts: dict[str, bytes] = {
        f"airflow dags test output {n}": log.encode() for n, log in enumerate(pipeline.logs)
    }
    assert len(IN_PROCESS) == 1, "the test above ran first"
    artifacts.update({name: text.encode() for name, text in IN_PROCESS.items()})
    files = [p for p in pipeline.data_dir.rglob("*") if p.is_file()]
    files += [p for p in pipeline.airflow_home.rglob("*") if p.is_file()]
    for path in files:
        artifacts[str(path)] = path.read_bytes()
    db = pipeline.airflow_home / "airflow.db"
    artifacts["airflow metadata DB (text columns)"] = text_of_sqlite(db).encode()
    settings = pipeline.settings
    for path in (settings.warehouse, settings.snapshot):
        artifacts[f"{path} (text columns)"] = text_of_duckdb(path).encode()
    staged = s3.objects(BUCKET)
    assert len(staged) > 20  # the runs' folders were kept (retention 1 day) and searched
    artifacts.update({f"s3://{BUCKET}/{key}": data for key, data in staged.items()})
    # The tasks did reach the bucket with the connection's credentials.
    assert f"conn_id='{STAGING_CONN}'" in output or STAGING_CONN in output
    hits = [
        (name, where)
        for name, secret in (("access key", S3_ACCESS_KEY), ("secret key", S3_SECRET_KEY))
        for where, data in artifacts.items()
        if secret.encode() in data
    ]
    assert hits == [], hits
    with sqlite3.connect(db) as con:  # the connection was never stored: it came from env
        assert con.execute("select count(*) from connection").fetchone() == (0,)
