"""``twentyfourseven runs`` shows the ledger, newest first, failures in plain sight."""

from __future__ import annotations

import datetime as dt

import duckdb

from twentyfourseven.cli import main
from twentyfourseven.pipeline.progress import bar
from twentyfourseven.warehouse.schema import create_schema


def test_runs_lists_the_newest_runs_first(tmp_path, capsys):
    database = tmp_path / "wh.duckdb"
    with duckdb.connect(str(database)) as con:
        create_schema(con)
        # The first run predates the not-found count (NULL); the second had one.
        for day, not_found, failed in ((1, None, 0), (2, 1, 3)):
            at = dt.datetime(2026, 11, day, 6, tzinfo=dt.UTC)
            con.execute(
                "insert into ops.runs (run_id, mode, started_at, finished_at, duration_seconds,"
                " orders_requested, orders_ok, orders_deleted, orders_not_found, orders_failed,"
                " orders_quarantined, lines_loaded, api_calls)"
                " values (?, 'incremental', ?, ?, 2.5, 10, ?, 0, ?, ?, 0, 30, 12)",
                [f"scheduled__2026-11-0{day}", at, at, 10 - failed, not_found, failed],
            )
    assert main(["runs", "--database", str(database), "--limit", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[7:9] == ["n/f", "FAIL"]
    assert lines[2].startswith("scheduled__2026-11-02")
    assert lines[2].split()[7:9] == ["1", "3"]  # not found and failed, in their columns
    assert lines[3].startswith("scheduled__2026-11-01")
    assert lines[3].split()[7:9] == ["-", "0"]


def test_runs_shows_what_was_wrong_with_the_watermark_under_the_table(tmp_path, capsys):
    database = tmp_path / "wh.duckdb"
    note = "watermark held: listed modifiedAt 2026-11-02 11:00:00 UTC is ahead of the clock"
    with duckdb.connect(str(database)) as con:
        create_schema(con)
        for day in (1, 2):
            at = dt.datetime(2026, 11, day, 6, tzinfo=dt.UTC)
            con.execute(
                "insert into ops.runs (run_id, mode, started_at, watermark_note)"
                " values (?, 'incremental', ?, ?)",
                [f"scheduled__2026-11-0{day}", at, note if day == 2 else None],
            )
    assert main(["runs", "--database", str(database)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"scheduled__2026-11-02: {note}"
    assert not any(line.startswith("scheduled__2026-11-01:") for line in lines)


def test_runs_of_a_warehouse_without_the_note_column(tmp_path, capsys):
    database = tmp_path / "wh.duckdb"
    with duckdb.connect(str(database)) as con:
        create_schema(con)
        con.execute("alter table ops.runs drop column watermark_note")
        con.execute("insert into ops.runs (run_id, mode) values ('old', 'incremental')")
    assert main(["runs", "--database", str(database)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("old ")


def test_runs_without_a_warehouse_says_what_to_do(tmp_path, capsys):
    assert main(["runs", "--database", str(tmp_path / "none.duckdb")]) == 1
    assert "run the DAG" in capsys.readouterr().out


def test_progress_bar():
    assert bar(250, 500, width=10) == "[#####-----] 250/500"
    assert bar(0, 0, width=4) == "[####] 0/0"
