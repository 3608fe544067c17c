"""Issue 18: after a sequence of runs against the real sandbox (orders edited, added and
deleted, lines changed, statuses moved on, products renamed, moved and repriced,
customers edited, a reconciliation), the incrementally maintained warehouse equals a
full rebuild of the same raw data, row for row, in every marts table and report; and
the runs that could be incremental were (only the changed orders updated and tested)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from twentyfourseven.pipeline.steps import (
    extract_master_data_step,
    extract_step,
    load_step,
    plan_step,
    transform_step,
)
from twentyfourseven.warehouse.model_runner import run_models

SANDBOX_OPTIONS = {"orders": 120, "seed": 18}
PIPELINE_ENV = {"TWENTYFOURSEVEN_RECONCILE_EVERY_HOURS": "0"}  # reconciliation when asked only
HOUR = 3600
ORDER_CHANGES = {
    "edit_orders": 0.1,  # a new status, prices, dates
    "add_orders": 0.05,
    "delete_orders": 0.04,
    "edit_lines": 0.08,
    "add_lines": 0.05,
    "delete_lines": 0.05,
}
# (changes upstream before the run, its params, how the facts must be built)
RUNS = [
    (ORDER_CHANGES, {}, "updated"),
    # customers are no input of the facts: still only the changed orders
    ({**ORDER_CHANGES, "edit_customers": 0.2}, {}, "updated"),
    # products renamed, moved to another category, repriced: the facts read them
    ({**ORDER_CHANGES, "rename_products": 0.2, "move_products": 0.2, "reprice_products": 0.2},
     {}, "rebuilt: the master data it reads changed"),
    (ORDER_CHANGES, {}, "updated"),
    # the orders deleted upstream read again by ID: tombstoned, their rows leave the facts
    ({**ORDER_CHANGES, "delete_orders": 0.1}, {"order_ids": "deleted"}, "updated"),
    ({**ORDER_CHANGES, "delete_products": 0.05}, {}, "rebuilt: the master data it reads changed"),
    (ORDER_CHANGES, {"reconcile": True}, "rebuilt: a full refresh or reconciliation run"),
    (ORDER_CHANGES, {}, "updated"),
]  # fmt: skip
# every model headed `-- incremental: order_id`: the facts and the accrual schedule's months
FACTS = (
    "marts.fct_sales_order_lines",
    "marts.fct_sales_orders",
    "marts.base_revenue_schedule_spread",
)


def _run(settings, run_id: str, params: dict) -> dict:
    """The DAG's steps in this process, the transform told the load's mode as the DAG does."""
    for chunk in plan_step(run_id, params, settings):
        extract_step(run_id, chunk, 1, settings)
    extract_master_data_step(run_id, 1, settings)
    loaded = load_step(run_id, settings)
    return {"loaded": loaded, **transform_step(settings, mode=loaded["mode"])}


def _relations(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) order by 1, 2",
            [list(schemas)],
        ).fetchall()
    ]


def _differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    """Per marts table and report: rows only in the incremental warehouse, only in the
    rebuilt one (as multisets: a row twice on one side counts)."""
    with duckdb.connect(str(incremental), read_only=True) as con:
        con.execute(f"attach '{full}' as rebuilt (read_only)")
        relations = _relations(con, ("marts", "reports"))
        assert "marts.fct_sales_order_lines" in relations
        differences = {}
        for relation in relations:
            counts = con.execute(
                f"select (select count(*) from (from {relation} except all "
                f"from rebuilt.{relation})), (select count(*) from (from rebuilt.{relation} "
                f"except all from {relation}))"
            ).fetchone()
            assert counts is not None
            differences[relation] = counts
    return differences


@pytest.fixture(scope="module")
def runs(pipeline, tmp_path_factory):
    """The first run (a full refresh), then RUNS one after another; every run's summary."""
    summaries = []
    with pipeline.task_env() as settings:
        summaries.append(_run(settings, "manual__incremental_0", {}))
        for n, (changes, params, _) in enumerate(RUNS, start=1):
            report = pipeline.sandbox.simulate_changes(advance_seconds=HOUR, **changes)
            if params.get("order_ids") == "deleted":
                assert report["deleted_orders"]
                params = {"order_ids": report["deleted_orders"]}
            summaries.append(_run(settings, f"manual__incremental_{n}", params))
    return summaries


def test_the_runs_were_as_incremental_as_they_could_be(runs):
    assert runs[0]["loaded"]["mode"] == "full_refresh"
    assert set(runs[0]["incremental_models"]) == set(FACTS)
    expected = [
        (
            "reconcile" if params.get("reconcile") else "incremental",
            *(how.split(":")[0] for _ in FACTS),
            how == "updated",
            0,
        )
        for _, params, how in RUNS
    ]
    actual = [
        (
            summary["loaded"]["mode"],
            *(summary["incremental_models"][fact].split(":")[0] for fact in FACTS),
            summary["tests_narrowed"],
            summary["tests_failed"],
        )
        for summary in runs[1:]
    ]
    assert actual == expected
    assert all(summary["changed_orders"] > 0 for summary in runs[1:])
    by_ids = [s["loaded"] for (_, p, _), s in zip(RUNS, runs[1:], strict=True) if "order_ids" in p]
    assert by_ids[0]["orders_deleted"] > 0
    reasons = [s["incremental_models"][FACTS[0]] for s in runs[1:]]
    assert [r for r in reasons if r.startswith("rebuilt")] == [
        how for _, _, how in RUNS if how != "updated"
    ]


def test_the_changed_orders_are_taken_off_the_queue(pipeline, runs):
    assert pipeline.query("select count(*) from ops.changed_orders") == [(0,)]


def test_incremental_equals_a_full_rebuild_row_for_row(pipeline, runs, tmp_path):
    warehouse = pipeline.settings.warehouse
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(warehouse, rebuilt)
    summary = run_models(rebuilt)  # incremental=False: every model from scratch
    assert all(m.how.startswith("rebuilt") for m in summary.models if m.how)
    assert not summary.tests_narrowed
    differences = _differences(warehouse, rebuilt)
    assert {r: d for r, d in differences.items() if d != (0, 0)} == {}
    # the comparison sees the facts' rows: not two empty warehouses
    assert pipeline.query("select count(*) from marts.fct_sales_order_lines")[0][0] > 100


def test_a_fact_row_out_of_step_is_found(pipeline, runs, tmp_path):
    """The comparison itself can fail: a fact line changed behind the runner's back."""
    damaged = tmp_path / "damaged.duckdb"
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(pipeline.settings.warehouse, damaged)
    shutil.copy(pipeline.settings.warehouse, rebuilt)
    run_models(rebuilt)
    with duckdb.connect(str(damaged)) as con:
        con.execute(
            "update marts.fct_sales_order_lines set net_amount = net_amount + 0.01 "
            "where order_id = (select min(order_id) from marts.fct_sales_order_lines)"
        )
    differences = _differences(damaged, rebuilt)
    assert differences["marts.fct_sales_order_lines"][0] >= 1
