"""When a run lists every order ID, and which known orders the listing lacks
(``pipeline.deletions``), against real DuckDB files."""

from __future__ import annotations

import datetime as dt
import random
from array import array

import pytest

from twentyfourseven.pipeline.deletions import missing_ids, not_due, runs_since_check
from twentyfourseven.warehouse.ops_state import live_ids_ascending
from twentyfourseven.warehouse.schema import open_warehouse

START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture
def con(tmp_path):
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def _runs(con, *modes_and_checks: tuple[str, bool | None]) -> None:
    """Append runs to the ledger, an hour apart, after those already there."""
    before = con.execute("select count(*) from ops.runs").fetchone()[0]
    for number, (mode, checked) in enumerate(modes_and_checks, start=before):
        con.execute(
            "insert into ops.runs (run_id, mode, started_at, deletion_check) values (?, ?, ?, ?)",
            [f"r{number}", mode, START + dt.timedelta(hours=number), checked],
        )


def test_the_merge_finds_exactly_the_known_ids_the_listing_lacks(con):
    rnd = random.Random(5)
    known = sorted(rnd.sample(range(1, 50_000), 5_000))
    gone = set(rnd.sample(known, 40))
    listed = sorted((set(known) - gone) | set(rnd.sample(range(50_000, 60_000), 300)))
    con.executemany(
        "insert into ops.known_orders (order_id, first_seen_run_id, deleted_at) values (?, 'r', ?)",
        [[order_id, None] for order_id in known] + [[60_001, START]],  # one already tombstoned
    )
    found = missing_ids(live_ids_ascending(con), array("q", listed))
    assert found == sorted(gone)
    assert missing_ids(iter(known), array("q")) == known  # an empty listing lacks them all
    assert missing_ids(iter([]), array("q", listed)) == []


def test_every_third_run_counts_from_the_last_run_that_checked_or_reconciled(con):
    _runs(con, ("full_refresh", False), ("incremental", False))
    assert runs_since_check(con) == 1
    assert "not due" in (not_due(con, mode="incremental", every_runs=3) or "")
    _runs(con, ("incremental", False))
    assert not_due(con, mode="incremental", every_runs=3) is None  # two since: this is the 3rd
    _runs(con, ("incremental", True))
    assert runs_since_check(con) == 0
    assert "not due" in (not_due(con, mode="incremental", every_runs=3) or "")
    assert not_due(con, mode="incremental", every_runs=1) is None
    _runs(con, ("incremental", False), ("reconcile", False))  # a reconciliation finds them too
    assert runs_since_check(con) == 0


def test_only_incremental_runs_check_and_zero_turns_it_off(con):
    assert "reads every known order" in (not_due(con, mode="reconcile", every_runs=1) or "")
    assert "reads every known order" in (not_due(con, mode="full_refresh", every_runs=1) or "")
    assert "is 0" in (not_due(con, mode="incremental", every_runs=0) or "")
    assert "knows no orders" in (not_due(None, mode="incremental", every_runs=1) or "")


def test_a_warehouse_from_before_the_column_counts_from_its_last_reconciliation(con):
    con.execute("alter table ops.runs drop column deletion_check")
    for number, mode in enumerate(("reconcile", "incremental", "incremental")):
        con.execute(
            "insert into ops.runs (run_id, mode, started_at) values (?, ?, ?)",
            [f"r{number}", mode, START + dt.timedelta(hours=number)],
        )
    assert runs_since_check(con) == 2
