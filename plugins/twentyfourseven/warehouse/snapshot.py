"""The read-only snapshot analysts and BI tools open instead of the warehouse.

DuckDB allows one writing process per file, and a reader of the warehouse itself
would block the next load. The snapshot is a separate file that holds what
analysts read and nothing more:

- the models: ``marts`` and ``reports`` as in the warehouse (tables copied, views
  recreated), and ``staging`` with its views materialized as tables, since they
  read ``raw``;
- the ``ops`` tables the dashboard, the CLI and the documented queries read
  (:data:`OPS_TABLES`): runs, watermark, failed orders, quarantine;
- never the ``raw`` schema, the known-orders registry, or a column in
  :data:`WITHHELD_COLUMNS` (the API's payloads as received, which carry invoice
  e-mail addresses among others, and internal memos).

The file is built fresh (``ATTACH`` of a new file, then ``CREATE TABLE … AS``),
not copied from the warehouse and trimmed: a dropped table's bytes would stay in
the file's free blocks. It is checked, made read-only (``file_mode`` without its
write bits), and renamed over the old snapshot. A rename is atomic: a reader
opening the snapshot gets the old file or the new one, never half of one; a
reader holding the old file open keeps reading it undisturbed.

A tool that opened the snapshot read-write anyway (root ignores modes) leaves a
``<snapshot>.wal`` beside it if it wrote and crashed; DuckDB would replay that WAL
onto the next snapshot, and refuse to open it when the two do not match. The WAL
belongs to the file being replaced, so it is removed just before the rename.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from twentyfourseven.atomic import replace_synced
from twentyfourseven.duckdb_session import open_duckdb

log = logging.getLogger(__name__)

MODEL_SCHEMAS = ("staging", "marts", "reports")
# Their views read raw, which the snapshot does not hold: their rows are copied instead.
MATERIALIZED_SCHEMAS = ("staging",)
OPS_TABLES = ("ops.runs", "ops.watermark", "ops.failed_orders", "ops.quarantine")
WITHHELD_COLUMNS = frozenset({"payload", "internal_memo"})

# A snapshot without these is not worth publishing.
REQUIRED_TABLES = ("ops.runs", "marts.fct_sales_orders", "marts.fct_sales_order_lines")

_BUILDING = "snapshot_building"  # the new file's catalog while it is built


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


def _wal_of(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def publish_snapshot(warehouse: Path, snapshot: Path, *, mode: int = 0o640) -> SnapshotSummary:
    """Replace ``snapshot`` with a checked snapshot of ``warehouse``; atomic for readers.

    The new file gets ``mode`` without its write bits.
    """
    started = time.monotonic()
    if not warehouse.is_file():
        raise FileNotFoundError(f"snapshot not published: no warehouse at {warehouse}")
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    building = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.building")
    leftovers = (building, _wal_of(building))
    try:
        for leftover in leftovers:  # of a publish killed under this PID
            leftover.unlink(missing_ok=True)
        _build(warehouse, building)
        os.chmod(building, mode & ~0o222)
        orders, lines = _check(building)
        stale = _wal_of(snapshot)
        if stale.exists():
            log.warning("Removing %s: a tool opened the snapshot read-write", stale)
            stale.unlink(missing_ok=True)
        replace_synced(building, snapshot)
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
    summary = SnapshotSummary(
        snapshot, snapshot.stat().st_size, time.monotonic() - started, orders, lines
    )
    log.info("%s", summary.describe())
    return summary


def _build(warehouse: Path, building: Path) -> None:
    with open_duckdb(warehouse, read_only=True) as con:
        [(home,)] = con.execute("select current_database()").fetchall()
        target = str(building).replace("'", "''")
        con.execute(f"ATTACH '{target}' AS {_BUILDING} (READ_WRITE)")
        try:
            for schema in (*MODEL_SCHEMAS, "ops"):
                con.execute(f"CREATE SCHEMA {_BUILDING}.{_quoted(schema)}")
            for schema, name in _copied_relations(con):
                columns = ", ".join(_quoted(c) for c in _published_columns(con, schema, name))
                relation = f"{_quoted(schema)}.{_quoted(name)}"
                con.execute(
                    f"CREATE TABLE {_BUILDING}.{relation} AS SELECT {columns} FROM {relation}"  # noqa: S608
                )
            _recreate_views(con)
            con.execute(f"CHECKPOINT {_BUILDING}")  # everything in the file, nothing in a WAL
        finally:
            con.execute(f'USE "{home}"')
            con.execute(f"DETACH {_BUILDING}")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _copied_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The model tables, the materialized views and the ops tables: (schema, name)."""
    rows = con.execute(
        """
        select schema_name, table_name from duckdb_tables()
        where database_name = current_database() and list_contains(?, schema_name)
        union all
        select schema_name, view_name from duckdb_views()
        where database_name = current_database() and list_contains(?, schema_name)
        order by all
        """,
        [list(MODEL_SCHEMAS), list(MATERIALIZED_SCHEMAS)],
    ).fetchall()
    return [*rows, *(tuple(name.split(".")) for name in OPS_TABLES)]


def _published_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(
        """
        select column_name from duckdb_columns()
        where database_name = current_database() and schema_name = ? and table_name = ?
        order by column_index
        """,
        [schema, name],
    ).fetchall()
    return [column for (column,) in rows if column not in WITHHELD_COLUMNS]


def _recreate_views(con: duckdb.DuckDBPyConnection) -> None:
    """The model views not materialized, as defined in the warehouse.

    A view reads other views, so each is created once what it reads exists; one that
    reads what the snapshot does not hold (``raw``, a withheld column) fails the publish.
    """
    recreated = [s for s in MODEL_SCHEMAS if s not in MATERIALIZED_SCHEMAS]
    pending = dict(
        con.execute(
            """
            select schema_name || '.' || view_name, sql from duckdb_views()
            where database_name = current_database() and list_contains(?, schema_name)
            """,
            [recreated],
        ).fetchall()
    )
    con.execute(f"USE {_BUILDING}")  # the views' unqualified names now resolve in the snapshot
    while pending:
        errors = {}
        for name, sql in pending.items():
            try:
                con.execute(sql)
            except duckdb.CatalogException as error:
                errors[name] = error
        if len(errors) == len(pending):
            failed = "; ".join(f"{name}: {error}" for name, error in errors.items())
            raise RuntimeError(
                f"snapshot not published: views read what the snapshot does not hold: {failed}"
            )
        pending = {name: pending[name] for name in errors}


def _check(path: Path) -> tuple[int, int]:
    """Open the new file as a reader would; its counts, or an error naming what is wrong."""
    with open_duckdb(path, read_only=True) as con:
        present = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        missing = [name for name in REQUIRED_TABLES if name not in present]
        if missing:
            raise RuntimeError(f"snapshot not published: the warehouse lacks {', '.join(missing)}")
        withheld = [name for name in present if name.startswith("raw.")]
        withheld += [
            f"{schema}.{table}.{column}"
            for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns"
            ).fetchall()
            if column in WITHHELD_COLUMNS
        ]
        if withheld:
            raise RuntimeError(f"snapshot not published: it would hold {', '.join(withheld)}")
        [(orders, lines)] = con.execute(
            "select (select count(*) from marts.fct_sales_orders),"
            " (select count(*) from marts.fct_sales_order_lines)"
        ).fetchall()
    return orders, lines
