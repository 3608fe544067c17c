"""``twentyfourseven runs``: the last runs from ``ops.runs``, as an on-call engineer wants them."""

from __future__ import annotations

import argparse
from pathlib import Path

from twentyfourseven.duckdb_session import open_duckdb, table_columns

from . import database_to_read

LAST_RUNS = """
select run_id, mode, finished_at, orders_requested, orders_ok, orders_deleted,
    {orders_not_found} as orders_not_found, orders_failed, orders_quarantined, lines_loaded,
    api_calls, duration_seconds, {watermark_note} as watermark_note
from ops.runs
order by started_at desc
limit ?
"""
LATER_COLUMNS = ("orders_not_found", "watermark_note")
HEADER = (
    "run", "mode", "finished (UTC)", "req", "ok", "del", "n/f", "FAIL", "QUAR", "lines", "calls",
)  # fmt: skip


def last_runs(database: Path, limit: int = 10) -> list[dict]:
    with open_duckdb(database, read_only=True) as con:
        # A file last written before ops.runs had these columns lacks them.
        present = table_columns(con, "ops", "runs")
        optional = {name: name if name in present else "null" for name in LATER_COLUMNS}
        cursor = con.execute(LAST_RUNS.format(**optional), [limit])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def format_runs(runs: list[dict]) -> str:
    """A fixed-width table; failed and quarantined counts are what to look at first.

    Below it, each run's watermark note (held or reset: the API's clock was off).
    ``n/f``: order IDs the API answered 404 that the warehouse never held (a typo
    in ``order_ids``, say); ``-`` for runs recorded before that was counted.
    """
    counts: tuple[str, ...] = (
        "orders_requested",
        "orders_ok",
        "orders_deleted",
        "orders_not_found",
    )
    counts += ("orders_failed", "orders_quarantined", "lines_loaded", "api_calls")
    rows = [
        (
            str(r["run_id"])[-32:],
            r["mode"],
            r["finished_at"].strftime("%Y-%m-%d %H:%M") if r["finished_at"] else "-",
            *("-" if r[k] is None else str(r[k]) for k in counts),
            f"{r['duration_seconds']:.1f}" if r["duration_seconds"] is not None else "-",
        )
        for r in runs
    ]
    header = (*HEADER, "s")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    table = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (header, *rows)
    ]
    notes = [f"{r['run_id']}: {r['watermark_note']}" for r in runs if r.get("watermark_note")]
    return "\n".join([*table, *notes])


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``runs`` subcommand to the CLI."""
    parser = subparsers.add_parser("runs", help="show the last pipeline runs (ops.runs)")
    parser.add_argument("--database", type=Path, help="snapshot or warehouse (default: snapshot)")
    parser.add_argument("--limit", type=int, default=10, help="how many runs (default 10)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    database = database_to_read(args.database)
    if database is None:
        return 1
    runs = last_runs(database, args.limit)
    print(f"{database}:\n{format_runs(runs)}" if runs else f"{database}: no runs recorded yet")
    return 0
