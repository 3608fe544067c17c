"""Deletions found by the next incremental run, not by the weekly reconciliation.

Each test runs the pipeline's steps (plan, extract every chunk, load; no Airflow)
against the sandbox over loopback HTTP into a real DuckDB file. The sandbox deletes
orders as the API does (they answer 404; nothing announces it); its request counters
say what the deletion check cost.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest

from twentyfourseven.pipeline.deletions import PAGE_SIZE
from twentyfourseven.pipeline.load_summary import LoadSummary

from .conftest import HandRuns

# More orders than one page of the ID listing holds, so it pages.
SANDBOX_OPTIONS = {"orders": 1200, "seed": 21}


class Pipeline(HandRuns):
    """Runs by hand, each with the sandbox's counters reset first."""

    def run(self, settings_overrides=None, every_runs: int = 1, **params: Any) -> LoadSummary:
        self.sandbox.reset_counters()
        overrides = {"deletion_check_every_runs": every_runs, **(settings_overrides or {})}
        return super().run(overrides, **params)

    def tombstoned(self) -> set[int]:
        rows = self.query("select order_id from raw.sales_orders where deleted_at is not null")
        return {row[0] for row in rows}

    def ledger(self, run: int) -> dict[str, Any]:
        columns = ("mode", "deletion_check", "deletion_check_calls", "deletion_candidates")
        columns += ("deleted_confirmed", "orders_deleted", "orders_failed", "api_calls")
        row = self.query(
            f"select {', '.join(columns)} from ops.runs where run_id = ?",
            [f"run-{run}"],
        )[0]
        return dict(zip(columns, row, strict=True))


@pytest.fixture
def pipeline(sandbox, tmp_path) -> Pipeline:
    sandbox.reset()
    built = Pipeline(sandbox, tmp_path)
    assert built.run().mode == "full_refresh"
    return built


def delete_orders(sandbox, share: float) -> set[int]:
    deleted = set(
        sandbox.simulate_changes(advance_seconds=600, delete_orders=share)["deleted_orders"]
    )
    assert deleted
    return deleted


def test_the_next_incremental_run_tombstones_an_order_deleted_upstream(pipeline):
    sandbox = pipeline.sandbox
    deleted = delete_orders(sandbox, 0.005)
    live = SANDBOX_OPTIONS["orders"] - len(deleted)

    summary = pipeline.run()

    assert summary.mode == "incremental"
    assert pipeline.tombstoned() == deleted
    assert summary.orders_deleted == summary.deleted_confirmed == len(deleted)
    lines = pipeline.query(
        "select count(*) from raw.sales_order_lines where order_id in (select unnest(?::BIGINT[]))",
        [sorted(deleted)],
    )
    assert lines == [(0,)]
    # The cost: one call per page of the ID listing, one GET (a 404) per deleted order.
    pages = math.ceil(live / PAGE_SIZE)
    assert pages == 2
    assert sandbox.count("get_order") == sandbox.count("get_order", 404) == len(deleted)
    assert sandbox.count("list_orders") == 1 + pages  # the discovery page, then the IDs
    assert sandbox.count("list_lines") == 0  # nothing else changed: nothing read
    assert pipeline.ledger(2) == {
        "mode": "incremental",
        "deletion_check": True,
        "deletion_check_calls": pages + len(deleted),
        "deletion_candidates": len(deleted),
        "deleted_confirmed": len(deleted),
        "orders_deleted": len(deleted),
        "orders_failed": 0,
        "api_calls": sandbox.count(),  # the token request included
    }
    # Within the budget: a call per 100 known orders plus one per deletion.
    assert pages + len(deleted) <= math.ceil(SANDBOX_OPTIONS["orders"] / 100) + len(deleted)
    assert any("deletion check:" in line for line in summary.as_log_lines())

    again = pipeline.run()  # nothing missing any more: the listing alone
    assert (again.deletion_check, again.deletion_candidates, again.orders_requested) == (True, 0, 0)
    assert sandbox.count("get_order") == 0


@pytest.mark.parametrize("status", [500, 503])
def test_a_missing_order_whose_get_fails_is_left_alone_logged_and_checked_again(
    pipeline, status, caplog
):
    sandbox = pipeline.sandbox
    deleted = delete_orders(sandbox, 0.002)
    sandbox.replace_faults(**{f"error_{status}": 1.0, "endpoints": ["get_order"]})

    with caplog.at_level(logging.WARNING, logger="twentyfourseven.pipeline.deletions"):
        summary = pipeline.run()

    assert summary.deletion_candidates == len(deleted)
    assert summary.deleted_confirmed == summary.orders_deleted == 0
    assert summary.deletion_unconfirmed == summary.orders_failed == len(deleted)
    assert pipeline.tombstoned() == set()  # not a 404: nothing is deleted on its word
    failed = pipeline.query("select order_id, http_status, tracking_id from ops.failed_orders")
    assert {row[0] for row in failed} == deleted
    assert all(row[1] == status and row[2] for row in failed)
    for order_id, _, tracking_id in failed:
        assert any(
            f"deletion candidate {order_id} not confirmed: GET answered {status} "
            f"(trackingId {tracking_id}" in record.getMessage()
            for record in caplog.records
        )
    assert f"{len(deleted)} not confirmed (left alone" in " ".join(summary.as_log_lines())

    sandbox.clear_faults()
    repaired = pipeline.run()
    assert repaired.deleted_confirmed == repaired.orders_deleted == len(deleted)
    assert pipeline.tombstoned() == deleted
    assert pipeline.query("select count(*) from ops.failed_orders") == [(0,)]


def test_with_the_setting_at_n_the_listing_runs_every_nth_run(pipeline):
    sandbox = pipeline.sandbox
    deleted = delete_orders(sandbox, 0.002)
    checked, listed_pages, found = [], [], []
    for _ in range(6):  # runs 2..7; the full refresh (run 1) found deletions itself
        summary = pipeline.run(every_runs=3)
        checked.append(summary.deletion_check)
        listed_pages.append(sandbox.count("list_orders"))
        found.append(summary.orders_deleted)

    assert checked == [False, False, True, False, False, True]
    assert listed_pages == [1, 1, 3, 1, 1, 3]  # the discovery page; plus the ID listing
    assert found == [0, 0, len(deleted), 0, 0, 0]  # late by at most N - 1 runs
    assert [pipeline.ledger(run)["deletion_check"] for run in range(2, 8)] == checked

    delete_orders(sandbox, 0.002)
    never = [pipeline.run(every_runs=0) for _ in range(3)]
    assert [s.deletion_check for s in never] == [False] * 3
    assert all(s.orders_deleted == 0 for s in never)
    assert "deletion_check_every_runs is 0" in (never[0].deletion_check_note or "")
    assert pipeline.run(reconcile=True).orders_deleted > 0  # the reconciliation still finds them
