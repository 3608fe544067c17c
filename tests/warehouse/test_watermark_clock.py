"""The loader's side of a watermark gone ahead of the clock: a reset moves it back (even
past a corrupt chunk), never forward over one; ``ops.runs`` says plainly why it was held
or reset; warehouses from before these columns keep working."""

from __future__ import annotations

import datetime as dt
import logging

from twentyfourseven.pipeline.load import load_run
from twentyfourseven.pipeline.runfiles.staging import chunk_dir
from twentyfourseven.warehouse.ops_state import read_state
from twentyfourseven.warehouse.schema import open_warehouse

from .conftest import checksums, line_body, ok, query, stage_run

T1 = "2024-05-01T10:00:00+00:00"
T2 = "2024-05-02T10:00:00+00:00"
FUTURE = "2024-05-02T15:00:00+00:00"  # five hours past the listing's clock T2


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def watermark(warehouse) -> list[tuple]:
    return query(warehouse, "SELECT value, run_id FROM ops.watermark")


def note(warehouse, run_id: str) -> str | None:
    return query(warehouse, "SELECT watermark_note FROM ops.runs WHERE run_id = ?", [run_id])[0][0]


def test_a_reset_moves_a_watermark_ahead_of_the_clock_back_and_says_so(staging, warehouse, caplog):
    load_run(warehouse, stage_run(staging, "r1", [[ok(1, [])]], candidate=FUTURE))
    # A run that is not a reset never moves it back, whatever its clock says...
    load_run(warehouse, stage_run(staging, "r2", [[ok(2, [])]], candidate=T1, listed_at=T2))
    assert watermark(warehouse) == [(utc(FUTURE), "r1")]
    assert note(warehouse, "r2") is None  # the plan did not find it beyond the tolerance
    caplog.clear()
    # ...a reset does, and ops.runs and the log say what was wrong.
    reset = stage_run(
        staging,
        "r3",
        [[ok(3, [])]],
        candidate=T1,
        before=FUTURE,
        listed_at=T2,
        watermark_reset=True,
    )
    with caplog.at_level(logging.INFO, logger="twentyfourseven.pipeline.load"):
        summary = load_run(warehouse, reset)
    assert watermark(warehouse) == [(utc(T1), "r3")]
    expected = (
        "watermark 2024-05-02 15:00:00 UTC was ahead of the clock 2024-05-02 10:00:00 UTC; "
        "reset to 2024-05-01 10:00:00 UTC"
    )
    assert summary.watermark_note == note(warehouse, "r3") == expected
    assert "watermark reset to 2024-05-01 10:00:00+00:00" in summary.as_log_lines()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [expected]
    assert query(warehouse, "SELECT listed_at FROM ops.runs WHERE run_id = 'r3'") == [(utc(T2),)]
    assert note(warehouse, "r1") is None


def test_a_reset_moves_back_past_a_corrupt_chunk_but_never_forward_over_one(staging, warehouse):
    first = stage_run(
        staging, "r0", [[ok(1, [])], [ok(9, [])]], mode="full_refresh", candidate=T1,
        watermark_reset=True,
    )  # fmt: skip
    (chunk_dir(first, 1) / "manifest.json").unlink()
    assert not load_run(warehouse, first).complete
    assert watermark(warehouse) == []  # no watermark is a claim nothing was loaded
    load_run(warehouse, stage_run(staging, "r1", [[ok(1, [])]], candidate=FUTURE))
    back = stage_run(staging, "r2", [[ok(2, [])], [ok(3, [])]], candidate=T1, watermark_reset=True)
    (chunk_dir(back, 1) / "manifest.json").unlink()
    assert not load_run(warehouse, back).complete
    assert watermark(warehouse) == [(utc(T1), "r2")]  # back is safe: more is listed again

    forward = stage_run(
        staging, "r3", [[ok(4, [])], [ok(5, [])]], candidate=T2, watermark_reset=True
    )
    (chunk_dir(forward, 0) / "manifest.json").unlink()
    assert not load_run(warehouse, forward).complete
    assert watermark(warehouse) == [(utc(T1), "r2")]  # forward would skip chunk 0's orders


def test_orders_listed_ahead_of_the_clock_are_named_in_the_ledger(staging, warehouse):
    run = stage_run(
        staging,
        "r1",
        [[ok(1, [line_body(11)])]],
        candidate=T2,
        listed_at=T2,
        modified_ahead=2,
        modified_ahead_max=FUTURE,
    )
    summary = load_run(warehouse, run)
    assert watermark(warehouse) == [(utc(T2), "r1")]
    assert (
        summary.watermark_note
        == note(warehouse, "r1")
        == (
            "watermark held: listed modifiedAt 2024-05-02 15:00:00 UTC is ahead of the clock "
            "2024-05-02 10:00:00 UTC (2 listed orders beyond the tolerance; they do not move "
            "the watermark)"
        )
    )


def test_a_warehouse_from_before_the_new_columns_keeps_working(staging, warehouse):
    con = open_warehouse(warehouse)
    for column in ("listed_at", "watermark_note"):  # as a warehouse of the last version
        con.execute(f"ALTER TABLE ops.runs DROP COLUMN {column}")
    con.execute(
        "INSERT INTO ops.runs (run_id, mode, orders_requested, chunks, corrupt_chunks)"
        " VALUES ('old-run', 'full_refresh', 3, 1, 0)"
    )
    con.close()
    # Read-only, as the plan and a load whose staging is gone read it.
    assert read_state(warehouse).last_reconciled_listed_at is None
    summary = load_run(warehouse, staging / "old-run", run_id="old-run")
    assert summary.already_loaded
    assert summary.orders_requested == 3
    assert summary.watermark_note is None

    load_run(warehouse, stage_run(staging, "r1", [[ok(1, [])]], candidate=T1, listed_at=T2))
    assert query(warehouse, "SELECT run_id, listed_at FROM ops.runs ORDER BY run_id") == [
        ("old-run", None),
        ("r1", utc(T2)),
    ]
    load_run(
        warehouse,
        stage_run(staging, "r2", [[ok(2, [])]], mode="reconcile", candidate=T2, listed_at=T2),
    )
    assert read_state(warehouse).last_reconciled_listed_at == utc(T2)


def test_reloading_a_reset_run_writes_the_same_ledger_row(staging, warehouse):
    load_run(warehouse, stage_run(staging, "r1", [[ok(1, [])]], candidate=FUTURE))
    reset = stage_run(
        staging, "r2", [[ok(2, [])]], candidate=T1, before=FUTURE, listed_at=T2,
        watermark_reset=True,
    )  # fmt: skip
    load_run(warehouse, reset)
    first = checksums(warehouse)
    load_run(warehouse, reset)
    assert checksums(warehouse) == first
    assert "was ahead of the clock" in note(warehouse, "r2")
