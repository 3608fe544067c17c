"""A ``modifiedAt`` ahead of the clock (a vendor clock jump) must not blind discovery.

Each test runs the pipeline's steps (plan, extract every chunk, load; no Airflow)
against the sandbox over loopback HTTP into a real DuckDB file; the sandbox stamps one order
hours ahead of its clock, as a vendor clock jump would.
"""

from __future__ import annotations

import datetime as dt

import pytest

from twentyfourseven.warehouse.ops_state import WATERMARK
from twentyfourseven.warehouse.schema import open_warehouse

from .conftest import HandRuns

SANDBOX_OPTIONS = {"orders": 150, "seed": 13}
HOUR = 3600


class Pipeline(HandRuns):
    """The pipeline's steps on one warehouse file, run by hand, run-1, run-2…"""

    def loaded_ids(self) -> set[int]:
        return {row[0] for row in self.query("select order_id from raw.sales_orders")}

    def watermark(self) -> dt.datetime:
        return self.query("select value from ops.watermark where name = ?", [WATERMARK])[0][0]

    def jump_watermark(self, value: dt.datetime) -> None:
        """Put the watermark where a pipeline without the clamp would have left it."""
        con = open_warehouse(self.warehouse)
        try:
            con.execute("update ops.watermark set value = ? where name = ?", [value, WATERMARK])
        finally:
            con.close()


@pytest.fixture
def pipeline(sandbox, tmp_path) -> Pipeline:
    sandbox.reset()
    return Pipeline(sandbox, tmp_path)


def clock(sandbox) -> dt.datetime:
    return dt.datetime.fromtimestamp(sandbox.admin("GET", "/clock")["epoch"], tz=dt.UTC)


def test_an_order_stamped_hours_ahead_does_not_hide_orders_created_afterwards(pipeline):
    sandbox = pipeline.sandbox
    pipeline.run()  # full refresh
    jumped = min(pipeline.loaded_ids())
    ahead = sandbox.set_modified_at(jumped, ahead_seconds=5 * HOUR)
    listed_at = clock(sandbox)

    held = pipeline.run()
    assert held.mode == "incremental"
    assert pipeline.watermark() <= listed_at  # not at the order's modifiedAt, 5 h ahead
    note, listed = pipeline.query(
        "select watermark_note, listed_at from ops.runs where run_id = 'run-2'"
    )[0]
    assert listed == listed_at  # the API's clock (its Date header), not ours
    stamp = dt.datetime.fromisoformat(ahead["modifiedAt"].replace("Z", "+00:00"))
    assert note.startswith(
        f"watermark held: listed modifiedAt {stamp:%Y-%m-%d %H:%M:%S} UTC is ahead of the "
        f"clock {listed_at:%Y-%m-%d %H:%M:%S} UTC (1 listed orders beyond the tolerance"
    )

    changes = sandbox.simulate_changes(advance_seconds=600, add_orders=0.05, edit_orders=0.05)
    assert changes["created_orders"]
    after = pipeline.run()
    assert after.mode == "incremental"
    assert set(changes["created_orders"]) <= pipeline.loaded_ids()
    edited = pipeline.query(
        "select order_id from raw.sales_orders where run_id = 'run-3' and order_id <> ?", [jumped]
    )
    assert set(changes["edited_orders"]) - {jumped} <= {row[0] for row in edited}


def test_a_full_refresh_resets_a_watermark_left_in_the_future(pipeline):
    sandbox = pipeline.sandbox
    pipeline.run()
    now = clock(sandbox)
    pipeline.jump_watermark(now + dt.timedelta(hours=5))
    pipeline.run(full_refresh=True)
    assert pipeline.watermark() <= now
    changes = sandbox.simulate_changes(advance_seconds=600, add_orders=0.05)
    pipeline.run()
    assert set(changes["created_orders"]) <= pipeline.loaded_ids()


def test_a_reconcile_run_lists_from_the_last_reconciliation_not_from_a_future_watermark(
    pipeline,
):
    sandbox = pipeline.sandbox
    pipeline.run()  # full refresh: the last reconciliation
    now = clock(sandbox)
    pipeline.jump_watermark(now + dt.timedelta(hours=5))
    changes = sandbox.simulate_changes(advance_seconds=600, add_orders=0.05)
    summary = pipeline.run(reconcile=True)
    assert summary.mode == "reconcile"
    assert set(changes["created_orders"]) <= pipeline.loaded_ids()
    assert pipeline.watermark() <= clock(sandbox)  # and it is back behind the clock
    note = pipeline.query("select watermark_note from ops.runs where run_id = 'run-2'")[0][0]
    assert "ahead of the clock" in note


def test_an_incremental_run_finding_the_watermark_ahead_resets_it_and_the_next_finds_the_rest(
    pipeline,
):
    sandbox = pipeline.sandbox
    pipeline.run()  # full refresh
    now = clock(sandbox)
    pipeline.jump_watermark(now + dt.timedelta(hours=5))  # as a version without the clamp left it
    changes = sandbox.simulate_changes(advance_seconds=600, add_orders=0.05)
    first = pipeline.run()
    assert first.mode == "incremental"
    assert "was ahead of the clock" in first.watermark_note
    assert pipeline.watermark() <= now  # back to the last reconciliation's listing
    pipeline.run()
    assert set(changes["created_orders"]) <= pipeline.loaded_ids()
