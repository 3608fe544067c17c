"""``twentyfourseven demo``: the main job, end to end, on this machine.

Starts the sandbox, points the Airflow connection at it, prepares a project-local
Airflow (SQLite metadata under ``.airflow/``, the warehouse pool), runs the DAG
with ``airflow dags test`` and prints the run's row of ``ops.runs``.

Each demo run replays the sandbox's change batches of the runs before it, so the
sandbox has moved on since the warehouse last saw it: the first run loads
everything, later runs are incremental and read only what changed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from twentyfourseven.deployment import DAG_ID, PROJECT_ROOT, WAREHOUSE_POOL, PipelineSettings
from twentyfourseven.deployment import data_dir as deployment_data_dir
from twentyfourseven.duckdb_session import open_duckdb, single_row
from twentyfourseven.pipeline.progress import bar

CHANGES_PER_RUN = {
    "advance_seconds": 3600,
    "edit_orders": 0.02,
    "add_orders": 0.01,
    "delete_orders": 0.005,
    "edit_lines": 0.01,
    "rename_products": 0.05,
    "move_products": 0.05,
    "reprice_products": 0.05,
    "edit_customers": 0.002,
}
# What the demo shows of Airflow's output; everything goes to the log file.
SHOWN = (
    "Plan ",
    "orders requested",
    "records staged",
    "FAILED after",
    "Built ",
    "Published ",
    "Order ",
    "not loading",
    "not loaded",
)
FAILURES = ("ERROR", "Traceback", "Error:")
PROGRESS = re.compile(r"Extract chunk (\d+): (\d+)/(\d+) orders")


def _message(line: str) -> str:
    """The message of a structured log line, without timestamp, level and source."""
    text = line.rstrip()
    if "] " in text:
        text = text.split("] ", 1)[1]
    return text.split(" [twentyfourseven", 1)[0].strip()[:160]


def sandbox_connection_json(sandbox: Any, rate: float, **extra: Any) -> str:
    """The Airflow connection to ``sandbox``, as ``AIRFLOW_CONN_…`` takes it (``extra``:
    more connection extras, e.g. ``max_attempts``)."""
    connection = {
        "conn_type": "twentyfourseven",
        "login": sandbox.client_id,
        "password": sandbox.client_secret,
        "extra": {
            "organization_id": sandbox.organization_id,
            "api_base_url": sandbox.base_url,
            "token_url": sandbox.token_url,
            "rate_limit": rate,
            "max_concurrency": 8,
            **extra,
        },
    }
    return json.dumps(connection)


def airflow_env(
    sandbox: Any, data_dir: Path, airflow_home: Path, rate: float, **extra: Any
) -> dict[str, str]:
    """The environment of the Airflow commands: project-local home, DAGs and connection
    (``extra``: more connection extras, e.g. ``max_attempts``)."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "TWENTYFOURSEVEN_DATA_DIR": str(data_dir),
        "AIRFLOW_CONN_TWENTYFOURSEVEN_DEFAULT": sandbox_connection_json(sandbox, rate, **extra),
    }


def _airflow(*args: str, env: dict[str, str], log: Path, show: bool = False) -> int:
    airflow = Path(sys.executable).with_name("airflow")
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ airflow {' '.join(args)}\n")
        process = subprocess.Popen(  # noqa: S603 (our own venv's airflow)
            [str(airflow), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            out.write(line)
            if not show:
                continue
            if progress := PROGRESS.search(line):
                chunk, done, total = (int(g) for g in progress.groups())
                print(f"  extract chunk {chunk:<3} {bar(done, total)} orders", flush=True)
            elif (message := _message(line)).startswith(SHOWN) or any(
                marker in line for marker in FAILURES
            ):
                print("  " + message, flush=True)
        return process.wait()


def previous_runs(warehouse: Path) -> int:
    if not warehouse.exists():
        return 0
    with open_duckdb(warehouse, read_only=True) as con:
        return int(single_row(con, "select count(*) from ops.runs")[0])


def last_run(warehouse: Path) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The last run's row of ``ops.runs`` and its master-data listings (``ops.listings``)."""
    with open_duckdb(warehouse, read_only=True) as con:
        cursor = con.execute("select * from ops.runs order by started_at desc limit 1")
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        run = dict(zip(names, row, strict=True)) if row else {}
        listings = con.execute(
            "select resource, status, records, quarantined, tombstoned, api_calls "
            "from ops.listings where run_id = ? order by resource",
            [run.get("run_id")],
        ).fetchall()
    return run, listings


def run_demo(orders: int, seed: int, rate: float) -> int:
    from twentyfourseven.sandbox import SandboxConfig, start_sandbox

    data_dir = deployment_data_dir()
    airflow_home = Path(os.environ.get("AIRFLOW_HOME", PROJECT_ROOT / ".airflow"))
    data_dir.mkdir(parents=True, exist_ok=True)
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ["TWENTYFOURSEVEN_DATA_DIR"] = str(data_dir)
    settings = PipelineSettings.load()
    log = data_dir / "demo-airflow.log"

    print(f"Starting the sandbox: {orders} orders, seed {seed}")
    sandbox = start_sandbox(SandboxConfig(orders=orders, seed=seed))
    try:
        runs = previous_runs(settings.warehouse)
        for _ in range(runs):  # the sandbox moves on as it did between earlier runs
            changed = sandbox.simulate_changes(**CHANGES_PER_RUN)
        if runs:
            print(
                f"Run {runs + 1}: since the last run, the sandbox edited "
                f"{len(changed['edited_orders'])}, added {len(changed['created_orders'])} and "
                f"deleted {len(changed['deleted_orders'])} orders "
                "(deletions show on reconcile runs)"
            )
        env = airflow_env(sandbox, data_dir, airflow_home, rate)
        print(f"Preparing Airflow in {airflow_home} (log: {log})")
        for args in (
            ("db", "migrate"),
            ("pools", "set", WAREHOUSE_POOL, "1", "One writer for the DuckDB warehouse"),
        ):
            if _airflow(*args, env=env, log=log) != 0:
                print(f"airflow {args[0]} failed; see {log}", file=sys.stderr)
                return 1
        print(f"Running {DAG_ID} with airflow dags test:")
        sandbox.reset_counters()
        code = _airflow("dags", "test", DAG_ID, env=env, log=log, show=True)
        requests = sandbox.count()
    finally:
        sandbox.stop()
    if code != 0 or not settings.warehouse.exists():
        print(f"The DAG run failed (exit {code}); see {log}", file=sys.stderr)
        return code or 1
    run, listings = last_run(settings.warehouse)
    print("\nSummary (ops.runs):")
    for key in (
        "run_id", "mode", "orders_requested", "orders_ok", "orders_deleted", "orders_not_found",
        "orders_failed", "orders_quarantined", "lines_loaded", "api_calls", "duration_seconds",
        "watermark_after", "master_data_records", "master_data_api_calls", "master_data_failed",
    ):  # fmt: skip
        print(f"  {key:<21} {run.get(key)}")
    print(f"  {'sandbox requests':<21} {requests}")
    print("\nMaster data read (ops.listings):")
    for resource, status, records, quarantined, tombstoned, calls in listings:
        print(
            f"  {resource:<20} {status:<8} {records:>6} records, {quarantined} quarantined, "
            f"{tombstoned} deleted upstream, {calls} API calls"
        )
    print(f"\nWarehouse: {settings.warehouse}")
    print(f"Snapshot:  {settings.snapshot}  (for analysts and BI tools, read-only)")
    print(f"Dashboard: {settings.dashboard}  (open it in a browser; no server needed)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "demo", help="run the DAG end to end against the sandbox (the main job)"
    )
    parser.add_argument("--orders", type=int, default=2000, help="sandbox orders (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="sandbox data seed (default 7)")
    parser.add_argument(
        "--rate", type=float, default=400, help="API rate budget, requests/s (default 400)"
    )
    parser.set_defaults(func=lambda args: run_demo(args.orders, args.seed, args.rate))
