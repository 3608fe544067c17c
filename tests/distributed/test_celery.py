"""The DAG on Airflow's CeleryExecutor: PostgreSQL, Redis, api-server, scheduler,
dag-processor and two Celery workers with hostnames of their own (see cluster.py),
against the sandbox enforcing the connection's rate budget.

Run with ``make test-distributed`` (it installs PostgreSQL and Redis from Debian's
packages if missing, which needs root); ``make test`` skips this module.

Two runs are triggered through Airflow's REST API as a user would, the second while
the first is still extracting. Checked: both runs succeed; the second waits
(``max_active_runs=1``) rather than running beside the first; the mapped extract
tasks ran on both workers; together they stayed within the sandbox's rate limit,
which equals the connection's ``rate_limit`` (not one 429); the load ran once per
run in its one-slot pool, and no two warehouse tasks ever overlapped; the warehouse
equals the sandbox's data.

Burst: the sandbox's token bucket holds ``PARALLEL_EXTRACTS + 2`` tokens. N clients
share the budget: the extract tasks and, beside them, the master-data task. Each
spaces its own requests exactly at R/N (less the shared headroom), but N tasks in N
processes on two machines do not coordinate their phases: at worst all N send in the same instant,
so over any window T they send up to R*T + N requests, which a bucket of rate R
admits only with a burst of N; one more token absorbs a request that a busy machine
sent late, right before the task's next one. With a burst of 2 the sandbox answered
163 of 2196 requests with 429 (docs/scaling.md). The rate itself is checked too: the
extract requests over the extraction window stay at or below R.

Then the same cluster (its workers restarted) runs the second scenario, workers that
share no disk: each worker has a private data folder, staging is on an S3 server
(moto's, on loopback, through an ``aws`` connection), and the tasks that open the
warehouse go to the ``warehouse`` queue, which only worker-1, the holder of the DuckDB
file, serves. Both runs again equal the sandbox's data, with the same checks as above.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import httpx
import pytest

from tests.conftest import S3_ACCESS_KEY, S3_SECRET_KEY
from tests.distributed.cluster import Cluster, log, wait_for
from tests.objectstore import running_s3

pytestmark = pytest.mark.skipif(
    os.environ.get("TWENTYFOURSEVEN_DISTRIBUTED") != "1",
    reason="CeleryExecutor cluster test: run with `make test-distributed`",
)

DAG_ID = "twentyfourseven_sales_orders"
POOL = "twentyfourseven_warehouse"
ORDERS = 2000
RATE = 40.0  # requests/s: the sandbox's limit and the connection's rate_limit
PARALLEL_EXTRACTS = 4  # docker-compose.yml's default
# the extract tasks, the master-data task beside them, and one request sent late
BURST = int(os.environ.get("TWENTYFOURSEVEN_DISTRIBUTED_BURST", PARALLEL_EXTRACTS + 2))
PIPELINE_ENV = {"TWENTYFOURSEVEN_MIN_CHUNK_SIZE": "200", "TWENTYFOURSEVEN_MAX_CHUNKS": "8"}
RUN_TIMEOUT = 480  # seconds for both runs
FINISHED = {"success", "failed"}
SHARED_DISK, OBJECT_STORAGE = "shared-disk", "s3"
BUCKET = "staging"
WAREHOUSE_WORKER = "worker-1"  # the one that serves the warehouse queue without a shared disk


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass
class Outcome:
    cluster: Cluster
    scenario: str
    warehouse: Path
    runs: dict[str, dict[str, Any]]  # run_id -> the dag run, as the REST API returns it
    task_instances: dict[str, list[dict[str, Any]]]
    second_run_states_while_first_ran: list[str]
    second_run_tis_while_first_ran: int
    concurrent_extracts: Counter = field(default_factory=Counter)  # hostname -> max at once
    polls_with_extracts_on_every_worker: int = 0
    counters: dict[str, Any] = field(default_factory=dict)
    pool: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    staged: dict[str, bytes] = field(default_factory=dict)  # the bucket's objects at the end

    @property
    def run_ids(self) -> list[str]:
        return list(self.runs)

    def tis(self, run_id: str, task_id: str) -> list[dict[str, Any]]:
        return [ti for ti in self.task_instances[run_id] if ti["task_id"] == task_id]


def trigger(cluster: Cluster, run_id: str) -> dict[str, Any]:
    return cluster.api(
        "POST",
        f"/api/v2/dags/{DAG_ID}/dagRuns",
        json={"dag_run_id": run_id, "logical_date": None, "conf": {}},
    )


def get_run(cluster: Cluster, run_id: str) -> dict[str, Any]:
    return cluster.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")


def task_instances(cluster: Cluster, run_id: str) -> list[dict[str, Any]]:
    found = cluster.api(
        "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 100}
    )
    return found["task_instances"]


def drive(cluster: Cluster, scenario: str, warehouse: Path) -> Outcome:
    """Unpause, trigger the first run, trigger the second while the first extracts, wait."""
    wait_for(
        f"DAG {DAG_ID} parsed",
        lambda: cluster.api("GET", f"/api/v2/dags/{DAG_ID}")["dag_id"] == DAG_ID,
        240,
        3,
    )
    cluster.api("PATCH", f"/api/v2/dags/{DAG_ID}", json={"is_paused": False})
    # the rate limit again (the previous scenario's truth was read without it), zero counters
    httpx.put(
        f"{cluster.sandbox_url}/_sandbox/faults",
        json={"rate_limit": RATE, "rate_limit_burst": BURST},
        timeout=10,
    ).raise_for_status()
    httpx.delete(f"{cluster.sandbox_url}/_sandbox/counters", timeout=10).raise_for_status()

    first, second = f"{scenario}_run_1", f"{scenario}_run_2"
    started = time.monotonic()
    trigger(cluster, first)
    log(f"triggered {first} through the REST API")
    states: list[str] = []
    second_tis = 0
    concurrent: Counter = Counter()
    on_every_worker = 0
    triggered_second = False
    deadline = started + RUN_TIMEOUT
    while time.monotonic() < deadline:
        if dead := cluster.dead():
            raise RuntimeError(f"processes exited: {dead}")
        run1 = get_run(cluster, first)
        tis1 = task_instances(cluster, first)
        running = [t for t in tis1 if t["task_id"] == "extract" and t["state"] == "running"]
        for host, count in Counter(t["hostname"] for t in running).items():
            concurrent[host] = max(concurrent[host], count)
        on_every_worker += {t["hostname"] for t in running} >= set(cluster.workers)
        if not triggered_second and running:
            trigger(cluster, second)
            triggered_second = True
            log(f"triggered {second} while {first} extracts ({len(running)} extract tasks running)")
        if triggered_second and run1["state"] not in FINISHED:
            states.append(get_run(cluster, second)["state"])
            second_tis += sum(
                1 for t in task_instances(cluster, second) if t["state"] not in (None, "scheduled")
            )
        if run1["state"] in FINISHED:
            break
        time.sleep(2)
    else:
        raise TimeoutError(f"{first} not finished after {RUN_TIMEOUT} s")
    if not triggered_second:  # the first run never had an extract task running
        trigger(cluster, second)
    log(f"{first}: {run1['state']} after {time.monotonic() - started:.0f} s")
    wait_for(
        f"{second} finished",
        lambda: get_run(cluster, second)["state"] in FINISHED,
        max(30.0, deadline - time.monotonic()),
        2,
    )
    log(f"{second}: {get_run(cluster, second)['state']} after {time.monotonic() - started:.0f} s")
    runs = {run_id: get_run(cluster, run_id) for run_id in (first, second)}
    return Outcome(
        cluster,
        scenario,
        warehouse,
        runs,
        {run_id: task_instances(cluster, run_id) for run_id in runs},
        states,
        second_tis,
        concurrent,
        on_every_worker,
        counters=httpx.get(f"{cluster.sandbox_url}/_sandbox/counters", timeout=10).json(),
        pool=cluster.api("GET", f"/api/v2/pools/{POOL}"),
        timings={"both_runs": time.monotonic() - started},
    )


def report(outcome: Outcome) -> None:
    """The measured facts, in the test log."""
    cluster = outcome.cluster
    log(f"scenario {outcome.scenario}; worker hostnames via {cluster.hostname_mode}")
    for run_id, run in outcome.runs.items():
        start, end = parse_time(run["start_date"]), parse_time(run["end_date"])
        log(
            f"{run_id}: {run['state']}, queued {run['queued_at']}, "
            f"started {run['start_date']}, ended {run['end_date']}"
            + (f" ({(end - start).total_seconds():.0f} s)" if start and end else "")
        )
        for ti in sorted(
            outcome.task_instances[run_id], key=lambda t: (t["start_date"] or "", t["map_index"])
        ):
            ti_start, ti_end = parse_time(ti["start_date"]), parse_time(ti["end_date"])
            seconds = (ti_end - ti_start).total_seconds() if ti_start and ti_end else 0
            name = ti["task_id"] + (f"[{ti['map_index']}]" if ti["map_index"] >= 0 else "")
            log(
                f"  {name:<12} {ti['state']:<8} host={ti['hostname'] or '-':<10} "
                f"pool={ti['pool']} try={ti['try_number']} {seconds:5.1f} s"
            )
    log(
        f"most extract tasks running at once per host: {dict(outcome.concurrent_extracts)}; "
        f"polls with extract tasks running on both: {outcome.polls_with_extracts_on_every_worker}"
    )
    log(f"sandbox counters: {outcome.counters['statuses']} (total {outcome.counters['total']})")


@pytest.fixture(scope="module")
def cluster() -> Any:
    """One cluster for both scenarios (its start-up is most of the test's time)."""
    root = Path(tempfile.mkdtemp(prefix="twentyfourseven-distributed-"))
    cluster = Cluster(
        root=root,
        orders=ORDERS,
        rate_limit=RATE,
        rate_limit_burst=BURST,
        parallel_extracts=PARALLEL_EXTRACTS,
    )
    os.environ.update(PIPELINE_ENV)  # inherited by every component cluster.env() builds
    ok = False
    started = time.monotonic()
    try:
        cluster.start()
        cluster.setup_seconds = time.monotonic() - started
        yield cluster
        ok = True
    finally:
        if not ok:
            print(cluster.report_logs(), flush=True)
        cluster.stop()
        for key in PIPELINE_ENV:
            os.environ.pop(key, None)
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            log(f"kept {root} for inspection")
    log(f"total {time.monotonic() - started:.0f} s")


def without_shared_disk(cluster: Cluster, s3: Any) -> Path:
    """Restart the workers each with a private data folder, staging on ``s3``, and the
    warehouse queue on worker-1 only; the warehouse's path."""
    s3.create_bucket(BUCKET)
    staging = {
        "TWENTYFOURSEVEN_STAGING": f"s3://{BUCKET}/runs",
        "TWENTYFOURSEVEN_STAGING_CONN_ID": "staging_s3",
        "AIRFLOW_CONN_STAGING_S3": s3.connection_json(),
    }
    workers = {}
    for hostname in cluster.workers:
        private = cluster.root / f"{hostname}-data"
        private.mkdir()
        queues = "default" + (f",{cluster.warehouse_queue}" if hostname == WAREHOUSE_WORKER else "")
        workers[hostname] = {"queues": queues, "TWENTYFOURSEVEN_DATA_DIR": str(private), **staging}
    cluster.restart_workers(OBJECT_STORAGE, workers)
    return cluster.root / f"{WAREHOUSE_WORKER}-data" / "warehouse.duckdb"


@pytest.fixture(scope="module", params=[SHARED_DISK, OBJECT_STORAGE])
def outcome(request, cluster) -> Any:
    ok = False
    with contextlib.ExitStack() as stack:
        try:
            if request.param == OBJECT_STORAGE:
                s3 = stack.enter_context(running_s3(S3_ACCESS_KEY, S3_SECRET_KEY))
                warehouse = without_shared_disk(cluster, s3)
            else:
                warehouse = cluster.data_dir / "warehouse.duckdb"
            started = time.monotonic()
            result = drive(cluster, request.param, warehouse)
            if request.param == OBJECT_STORAGE:
                result.staged = s3.objects(BUCKET)
            result.timings["setup"] = cluster.setup_seconds
            report(result)
            ok = True
            log(f"scenario {request.param}: {time.monotonic() - started:.0f} s")
            yield result
        finally:
            if not ok:
                print(cluster.report_logs(), flush=True)


def test_both_triggered_runs_succeed(outcome):
    assert {run_id: run["state"] for run_id, run in outcome.runs.items()} == dict.fromkeys(
        outcome.run_ids, "success"
    )
    for run_id in outcome.run_ids:
        failed = [t for t in outcome.task_instances[run_id] if t["state"] not in ("success",)]
        # extract of an empty second run is skipped, not failed
        assert all(t["state"] == "skipped" and t["task_id"] == "extract" for t in failed), failed


def test_mapped_extract_tasks_ran_on_both_workers(outcome):
    first = outcome.run_ids[0]
    extracts = outcome.tis(first, "extract")
    assert len(extracts) == 8  # 2000 orders, at least 200 a chunk, at most 8 chunks
    hosts = Counter(t["hostname"] for t in extracts)
    assert set(hosts) == set(outcome.cluster.workers), hosts
    # both workers read at the same time, not one after the other
    assert outcome.polls_with_extracts_on_every_worker > 0


def test_extract_tasks_together_stay_within_the_rate_limit(outcome):
    statuses = outcome.counters["statuses"]
    assert "429" not in statuses, f"rate limit exceeded: {statuses}"
    assert set(statuses) == {"200"}, statuses
    # and the rate over the extraction window is at most the budget
    extracts = outcome.tis(outcome.run_ids[0], "extract")
    begin = min(parse_time(t["start_date"]) for t in extracts)
    end = max(parse_time(t["end_date"]) for t in extracts)
    endpoints = outcome.counters["endpoints"]
    read = sum(endpoints.get(e, {}).get("requests", 0) for e in ("list_lines", "get_order"))
    assert read >= ORDERS
    rate = read / (end - begin).total_seconds()
    seconds = (end - begin).total_seconds()
    log(f"extract: {read} requests in {seconds:.1f} s = {rate:.1f}/s of {RATE}/s")
    assert rate <= RATE


def test_load_ran_once_per_run_in_its_one_slot_pool(outcome):
    assert outcome.pool["slots"] == 1
    for run_id in outcome.run_ids:
        (load,) = outcome.tis(run_id, "load")
        assert load["pool"] == POOL
        assert load["try_number"] == 1
        assert load["state"] == "success"
    # the warehouse's tasks of both runs never overlapped in time
    spans = sorted(
        (parse_time(t["start_date"]), parse_time(t["end_date"]), t["task_id"])
        for run_id in outcome.run_ids
        for t in outcome.task_instances[run_id]
        if t["pool"] == POOL
    )
    assert len(spans) == 8  # plan, load, transform, publish per run
    for (_, end, task), (start, _, later) in itertools.pairwise(spans):
        assert end <= start, f"{task} and {later} overlapped in the one-slot pool"


def test_second_run_waited_for_the_first(outcome):
    first, second = (outcome.runs[r] for r in outcome.run_ids)
    assert outcome.second_run_states_while_first_ran, "the second run was never seen waiting"
    assert set(outcome.second_run_states_while_first_ran) == {"queued"}
    assert outcome.second_run_tis_while_first_ran == 0
    assert parse_time(second["start_date"]) >= parse_time(first["end_date"])


def test_warehouse_equals_the_sandbox(outcome):
    from tests.e2e.conftest import assert_equals_truth
    from twentyfourseven.sandbox import RunningSandbox, SandboxConfig

    warehouse = outcome.warehouse

    def query(sql: str, params: list[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    runs = query("select run_id, mode, orders_ok, orders_failed from ops.runs order by started_at")
    assert [r[0] for r in runs] == outcome.run_ids
    assert runs[0][2] == ORDERS
    assert runs[0][3] == 0
    # read the truth without the rate limit (the counters above are already taken)
    httpx.delete(f"{outcome.cluster.sandbox_url}/_sandbox/faults", timeout=10).raise_for_status()
    sandbox = RunningSandbox(outcome.cluster.sandbox_url, SandboxConfig(orders=ORDERS, seed=7))
    assert_equals_truth(SimpleNamespace(sandbox=sandbox, query=query))


def test_without_a_shared_disk_the_warehouse_tasks_ran_on_its_worker_only(outcome):
    if outcome.scenario != OBJECT_STORAGE:
        pytest.skip("the object-storage scenario's check")
    for run_id in outcome.run_ids:
        hosts = {t["task_id"]: t["hostname"] for t in outcome.task_instances[run_id]}
        for task in ("plan", "load", "transform", "publish"):
            assert hosts[task] == WAREHOUSE_WORKER, (run_id, task, hosts[task])
    other = outcome.cluster.root / "worker-2-data"
    # worker-2 only extracted: no warehouse, and its local copies of run folders are gone
    assert not (other / "warehouse.duckdb").exists()
    assert [p for p in other.rglob("*") if p.is_file()] == []
    assert outcome.warehouse.is_file()
    # every run folder was removed from the bucket after its load (retention 0 days)
    assert list(outcome.staged) == []
