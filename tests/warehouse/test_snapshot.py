"""The published snapshot: what analysts get (and do not), who may read the files, and
publishing that survives a BI tool which wrote to the snapshot and crashed.

The warehouse is loaded from a sandbox through the DAG's own steps (a clean run, then one
with invalid records, so ``ops.quarantine`` holds payloads), with the models built.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from twentyfourseven.commands.query import run_query
from twentyfourseven.commands.runs import last_runs
from twentyfourseven.deployment import PipelineSettings
from twentyfourseven.pipeline.steps import publish_step, transform_step
from twentyfourseven.report.data import load_dashboard_data

from ..builders import run_steps, sandbox_connection

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted((PROJECT_ROOT / "docs" / "queries").glob("*.sql"))


def _settings_in(data: Path, **options: Any) -> PipelineSettings:
    return PipelineSettings(
        warehouse=data / "warehouse.duckdb",
        staging=data / "staging",
        snapshot=data / "snapshot.duckdb",
        dashboard=data / "dashboard.html",
        **options,
    )


@pytest.fixture(scope="module")
def settings(
    sandbox_factory: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> PipelineSettings:
    """Settings of a loaded and transformed warehouse, staging files kept; not published."""
    sandbox = sandbox_factory(orders=150, seed=5)
    folder = tmp_path_factory.mktemp("snapshot")
    settings = _settings_in(folder / "data", min_chunk_size=50, staging_retention_days=1)
    with sandbox_connection(sandbox, folder):
        run_steps("manual__first", settings)
        sandbox.simulate_changes(advance_seconds=3600, edit_orders=0.1)
        sandbox.set_faults(invalid_record_rate=0.1, seed=3)
        second = run_steps("scheduled__second", settings, reconcile=True)
        sandbox.clear_faults()
        transform_step(settings)
    assert second["orders_quarantined"] > 0, second
    return settings


def _readers(settings: PipelineSettings) -> dict[str, Callable[[], object]]:
    """Every way the project reads the snapshot, each returning what it read."""
    snapshot = settings.database_for_readers
    assert snapshot == settings.snapshot

    def consumer_dag() -> object:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "twentyfourseven_snapshot_consumer.py"))
        task = bag.dags["twentyfourseven_snapshot_consumer"].get_task("report_freshness")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("TWENTYFOURSEVEN_SNAPSHOT", str(snapshot))
            return task.python_callable()["booked_net"]

    return {
        "dashboard": lambda: load_dashboard_data(snapshot).runs,
        "query": lambda: run_query(snapshot, "select count(*) from marts.fct_sales_order_lines"),
        "runs": lambda: last_runs(snapshot),
        "consumer DAG": consumer_dag,
        "DuckDB read-only": lambda: (
            duckdb.connect(str(snapshot), read_only=True)
            .execute("select count(*) from reports.rpt_revenue_by_month")
            .fetchall()
        ),
    }


def _write_and_crash(snapshot: Path) -> None:
    """A BI tool that opens the snapshot read-write, writes, and is killed holding it."""
    tool = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "con.execute('create table main.bi_cache as select 1 as refreshed')\n"
            "print('written', flush=True)\n"
            "time.sleep(600)\n",
            str(snapshot),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert tool.stdout is not None
        assert tool.stdout.readline() == "written\n"
    finally:
        os.kill(tool.pid, signal.SIGKILL)
        tool.wait(timeout=30)


def test_a_wal_left_by_a_crashed_bi_tool_breaks_neither_publishing_nor_any_reader(settings):
    publish_step(settings)
    os.chmod(settings.snapshot, 0o640)  # the owner (or root) can always make it writable
    _write_and_crash(settings.snapshot)
    wal = settings.snapshot.with_name(settings.snapshot.name + ".wal")
    assert wal.exists()
    transform_step(settings)  # as every run does: the next snapshot is a newer file

    published = publish_step(settings)  # renders the dashboard from the new snapshot

    assert published["orders"] > 0
    assert published["snapshot_kind"] == "fresh"  # never built on the file the tool wrote
    assert ".wal" in published["snapshot_reason"]
    for name, read in _readers(settings).items():
        assert read(), name
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        assert "bi_cache" not in {row[0] for row in con.execute("show tables").fetchall()}


def test_a_snapshot_a_tool_wrote_to_is_never_the_base_of_the_next(settings):
    publish_step(settings)
    assert publish_step(settings)["snapshot_kind"] == "incremental"
    os.chmod(settings.snapshot, 0o640)
    with duckdb.connect(str(settings.snapshot)) as tool:  # closing checkpoints into the file
        tool.execute("create table main.bi_cache as select 1 as refreshed")
        tool.execute("delete from marts.fct_sales_order_lines")

    published = publish_step(settings)

    assert published["snapshot_kind"] == "fresh"
    assert "not the file this pipeline published" in published["snapshot_reason"]
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        assert "bi_cache" not in {row[0] for row in con.execute("show tables").fetchall()}
        [(lines,)] = con.execute("select count(*) from marts.fct_sales_order_lines").fetchall()
    assert lines == published["lines"] > 0


def _sensitive_values(warehouse: Path) -> dict[str, str]:
    """Values only the warehouse's raw payloads and internal memos hold."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(memo, email, quarantined)] = con.execute(
            """
            select
                (select max(internal_memo) from raw.sales_orders),
                (select max(regexp_extract(payload, 'faktura@[a-z0-9.-]+'))
                    from raw.sales_orders),
                (select max(payload) from ops.quarantine)
            """
        ).fetchall()
    values = {"internal memo": memo, "invoice e-mail": email, "quarantined payload": quarantined}
    assert all(values.values()), values  # the sandbox makes each of them
    return values


def test_the_snapshot_holds_what_analysts_read_and_no_raw_payloads(settings):
    publish_step(settings)
    sensitive = _sensitive_values(settings.warehouse)

    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        schemas = {
            row[0] for row in con.execute("select schema_name from duckdb_schemas()").fetchall()
        }
        assert "raw" not in schemas
        withheld = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where column_name in ('payload', 'internal_memo')"
        ).fetchall()
        assert withheld == []
        text_columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where data_type = 'VARCHAR' and table_schema not in ('information_schema')"
            " and table_catalog = current_database()"
        ).fetchall()
        assert text_columns
        for schema, table, column in text_columns:
            for name, value in sensitive.items():
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)',
                    [value],
                ).fetchall()
                assert hits == [(0,)], f"{name} in {schema}.{table}.{column}"

        for query in QUERIES:
            assert con.execute(query.read_text()).fetchall(), query.name
        with duckdb.connect(str(settings.warehouse), read_only=True) as warehouse:
            for relation in (
                "marts.fct_sales_order_lines",
                "staging.stg_sales_orders",
                "reports.rpt_revenue_by_customer",
                "ops.runs",
                "ops.quarantine",
            ):
                count = f"select count(*) from {relation}"
                assert con.execute(count).fetchall() == warehouse.execute(count).fetchall()

    data = settings.snapshot.read_bytes()
    for name, value in sensitive.items():
        assert value.encode() not in data, f"{name} in the snapshot's bytes"
    assert load_dashboard_data(settings.snapshot).missing == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_readable_by_owner_and_group_only_and_the_snapshot_by_no_writer(settings):
    publish_step(settings)

    assert _mode(settings.snapshot) == 0o440
    assert _mode(settings.dashboard) == 0o640
    assert _mode(settings.warehouse) == 0o640
    staged = [path for path in settings.staging.rglob("*") if path.is_file()]
    assert staged
    assert {path: _mode(path) for path in staged} == {path: 0o640 for path in staged}


def test_the_file_mode_is_a_setting(settings, tmp_path):
    configured = PipelineSettings.load(
        lambda name: "0600" if name == "twentyfourseven_file_mode" else None
    )
    assert configured.file_mode == 0o600
    private = dataclasses.replace(
        settings,
        snapshot=tmp_path / "snapshot.duckdb",
        dashboard=tmp_path / "dashboard.html",
        file_mode=configured.file_mode,
    )

    publish_step(private)

    assert _mode(private.snapshot) == 0o400
    assert _mode(private.dashboard) == 0o600
    with pytest.raises(ValueError, match="file_mode"):
        PipelineSettings.load(lambda name: "rw-r" if name == "twentyfourseven_file_mode" else None)


def test_a_model_reading_raw_fails_the_publish_and_withheld_columns_are_left_out(tmp_path):
    from twentyfourseven.warehouse.schema import open_warehouse
    from twentyfourseven.warehouse.snapshot import publish_snapshot

    warehouse, snapshot = tmp_path / "warehouse.duckdb", tmp_path / "snapshot.duckdb"
    con = open_warehouse(warehouse)
    con.execute("""
        create schema marts;
        create table marts.fct_sales_orders as
            select 1 as order_id, 'memo for staff' as internal_memo, '{}' as payload;
        create table marts.fct_sales_order_lines as select 1 as order_id, 1 as line_id;
    """)
    con.close()
    publish_snapshot(warehouse, snapshot)
    with duckdb.connect(str(snapshot), read_only=True) as published:
        columns = published.execute("select * from marts.fct_sales_orders").description
        assert [column[0] for column in columns] == ["order_id"]
    before = snapshot.read_bytes()

    with duckdb.connect(str(warehouse)) as con:
        con.execute("create view marts.orders_as_sent as select payload from raw.sales_orders")
    with pytest.raises(RuntimeError, match=r"marts\.orders_as_sent"):
        publish_snapshot(warehouse, snapshot)
    assert snapshot.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".snapshot.duckdb.published",  # what the next publish checks before it clones
        "snapshot.duckdb",
        "warehouse.duckdb",
    ]


def _differences(snapshot: Path, fresh: Path) -> dict[str, int]:
    """Rows in one file's table and not the other's (as multisets), by table; and every
    relation only one of them holds. The build record says how each was made: left out."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        con.execute(f"attach '{fresh}' as fresh (read_only)")
        relations = {
            catalog: set(
                con.execute(
                    "select schema_name || '.' || table_name from duckdb_tables()"
                    " where database_name = ? union all"
                    " select schema_name || '.' || view_name from duckdb_views()"
                    " where database_name = ? and not internal",
                    [catalog, catalog],
                ).fetchall()
            )
            for catalog in ("snapshot", "fresh")
        }
        differences = {
            f"only in {catalog}: {name}": 1
            for catalog, other in (("snapshot", "fresh"), ("fresh", "snapshot"))
            for (name,) in relations[catalog] - relations[other]
        }
        for (name,) in relations["snapshot"] & relations["fresh"]:
            if name == "ops.snapshot_build":
                continue
            [(count,)] = con.execute(
                f"select count(*) from ((from snapshot.{name} except all from fresh.{name})"
                f" union all (from fresh.{name} except all from snapshot.{name}))"
            ).fetchall()
            if count:
                differences[name] = count
    return differences


def test_incremental_publishes_equal_fresh_builds_through_edits_deletions_and_master_data(
    sandbox_factory: Callable[..., Any], tmp_path: Path
) -> None:
    from twentyfourseven.warehouse.snapshot import publish_snapshot

    sandbox = sandbox_factory(orders=300, seed=12)
    settings = _settings_in(tmp_path / "data", min_chunk_size=100)
    # (changes upstream, run parameters); a reconciliation reads every order again, which is
    # more than MAX_CHANGED_SHARE of them: that publish is fresh.
    batches: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({}, {}),
        ({"edit_orders": 0.02, "edit_lines": 0.02, "add_lines": 0.02}, {}),
        ({"delete_lines": 0.02, "add_orders": 0.02}, {}),
        ({"delete_orders": 0.02}, {"deleted": True}),  # read by ID: tombstoned
        ({"delete_orders": 0.02}, {"reconcile": True}),
        ({"move_products": 0.1, "reprice_products": 0.1, "edit_orders": 0.01}, {}),
        ({"edit_customers": 0.1, "delete_products": 0.05, "edit_orders": 0.01}, {}),
        ({}, {}),  # and two orders purged from the warehouse, as by hand
    ]
    kinds = []
    report: dict[str, Any] = {}
    with sandbox_connection(sandbox, tmp_path):
        for run, (changes, params) in enumerate(batches):
            if changes:
                report = sandbox.simulate_changes(advance_seconds=3600, **changes)
            if params.pop("deleted", False):
                params["order_ids"] = report["deleted_orders"]
            run_steps(f"scheduled__{run}", settings, **params)
            if run == len(batches) - 1:
                with duckdb.connect(str(settings.warehouse)) as con:
                    purged = "(select min(order_id) + 1 from raw.sales_orders)"
                    for table in ("raw.sales_order_lines", "raw.sales_orders"):
                        con.execute(f"delete from {table} where order_id <= {purged}")
            transform_step(settings)
            published = publish_step(settings)
            kinds.append((published["snapshot_kind"], published["changed_orders"]))
            fresh = publish_snapshot(settings.warehouse, tmp_path / "fresh.duckdb", fresh=True)
            assert fresh.kind == "fresh"
            assert _differences(settings.snapshot, tmp_path / "fresh.duckdb") == {}, run
            assert (published["orders"], published["lines"]) == (fresh.orders, fresh.lines)

    assert [kind for kind, _ in kinds] == [
        "fresh",
        *["incremental"] * 3,
        "fresh",
        *["incremental"] * 3,
    ], kinds
    assert kinds[3] == ("incremental", 6)  # the orders deleted upstream
    assert all(changed for kind, changed in kinds if kind == "incremental"), kinds
    assert kinds[-1] == ("incremental", 2)
    with duckdb.connect(str(settings.snapshot), read_only=True) as con:
        [(kind, since_fresh)] = con.execute(
            "select kind, publishes_since_fresh from ops.snapshot_build"
        ).fetchall()
    assert (kind, since_fresh) == ("incremental", 3)
