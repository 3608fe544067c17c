"""The read-only snapshot analysts and BI tools open instead of the warehouse.

DuckDB allows one writing process per file, and a reader of the warehouse itself
would block the next load. The snapshot is a copy: the warehouse is checkpointed
(so the file holds everything, no WAL), copied to a new file next to the
snapshot, checked, and renamed over the old snapshot. A rename is atomic: a
reader opening the snapshot gets the old file or the new one, never half of
one; a reader holding the old file open keeps reading it undisturbed.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

# A snapshot without these is not worth publishing.
REQUIRED_TABLES = ("raw.sales_orders", "ops.runs", "marts.fct_sales_order_lines")


@dataclass(frozen=True)
class SnapshotSummary:
    path: Path
    bytes: int
    seconds: float
    orders: int
    lines: int

    def describe(self) -> str:
        return (
            f"Published snapshot {self.path} ({self.bytes / 1e6:.1f} MB, {self.orders} orders, "
            f"{self.lines} lines) in {self.seconds:.1f} s"
        )


def publish_snapshot(warehouse: Path, snapshot: Path) -> SnapshotSummary:
    """Replace ``snapshot`` with a checked copy of ``warehouse``; atomic for readers."""
    started = time.monotonic()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CHECKPOINT")  # everything into the main file, nothing left in the WAL
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    building = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.building")
    try:
        shutil.copyfile(warehouse, building)
        with building.open("rb+") as handle:
            os.fsync(handle.fileno())
        orders, lines = _check(building)
        os.replace(building, snapshot)
    finally:
        building.unlink(missing_ok=True)
    summary = SnapshotSummary(
        snapshot, snapshot.stat().st_size, time.monotonic() - started, orders, lines
    )
    log.info("%s", summary.describe())
    return summary


def _check(path: Path) -> tuple[int, int]:
    """Open the copy as a reader would; its counts, or an error naming what is missing."""
    with duckdb.connect(str(path), read_only=True) as con:
        present = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        missing = [name for name in REQUIRED_TABLES if name not in present]
        if missing:
            raise RuntimeError(f"snapshot not published: the warehouse lacks {', '.join(missing)}")
        orders = con.execute(
            "select count(*) from raw.sales_orders where deleted_at is null"
        ).fetchone()[0]
        lines = con.execute("select count(*) from marts.fct_sales_order_lines").fetchone()[0]
    return orders, lines
