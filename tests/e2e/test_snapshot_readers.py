"""Analysts and BI tools read the snapshot while the DAG loads and publishes: nobody waits."""

from __future__ import annotations

import threading
import time

import duckdb

SANDBOX_OPTIONS = {"orders": 200, "seed": 21}

CONSISTENT = """
select
    (select count(*) from marts.fct_sales_order_lines) as fact_lines,
    (select count(*) from staging.stg_sales_order_lines) as staged_lines,
    (select max(run_id) from ops.runs) as last_run
"""


def test_snapshot_readers_and_a_dag_run_do_not_block_each_other(pipeline):
    pipeline.run()
    snapshot = pipeline.settings.snapshot
    assert snapshot.exists()
    first_run = pipeline.last_run()["run_id"]

    errors: list[BaseException] = []
    seen: list[tuple] = []
    stop = threading.Event()

    def bi_poller() -> None:  # a dashboard refreshing every 200 ms
        while not stop.is_set():
            try:
                with duckdb.connect(str(snapshot), read_only=True) as con:
                    seen.append(con.execute(CONSISTENT).fetchone())
            except Exception as exc:  # any failure to read is what this test looks for
                errors.append(exc)
            time.sleep(0.2)

    # An analyst who opened the snapshot before the run and keeps it open throughout.
    analyst = duckdb.connect(str(snapshot), read_only=True)
    before = analyst.execute(CONSISTENT).fetchone()
    poller = threading.Thread(target=bi_poller)
    poller.start()
    try:
        # Few enough changes that the run publishes by bringing a clone of the snapshot up to
        # date, the path every hourly run takes.
        pipeline.sandbox.simulate_changes(advance_seconds=600, edit_orders=0.03, add_orders=0.03)
        pipeline.run()  # fails the test if any task fails
    finally:
        stop.set()
        poller.join(timeout=30)
    assert analyst.execute(CONSISTENT).fetchone() == before  # still reading its copy
    analyst.close()

    assert errors == []
    assert len(seen) >= 5
    for fact_lines, staged_lines, _ in seen:
        assert fact_lines == staged_lines  # never a half-published snapshot
    runs_seen = {last for _, _, last in seen}
    second_run = pipeline.last_run()["run_id"]
    assert first_run in runs_seen
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert con.execute(CONSISTENT).fetchone()[2] == second_run
        [(kind, changed)] = con.execute(
            "select kind, changed_orders from ops.snapshot_build"
        ).fetchall()
    assert kind == "incremental"
    assert 0 < changed <= 20  # the orders edited and added, not all 200
