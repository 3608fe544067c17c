"""Opening DuckDB: every connection the package makes comes from :func:`open_duckdb`, so
each session hands ``TIMESTAMPTZ`` values over in UTC whatever the machine's zone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb


def open_duckdb(
    path: Path | None = None, *, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file at ``path`` (in memory without one).

    ``memory_limit`` (DuckDB's syntax, e.g. ``"1GB"``) caps DuckDB's buffers; beyond it
    DuckDB spills to ``<file>.tmp/`` instead of growing with the data.
    """
    con = duckdb.connect(":memory:" if path is None else str(path), read_only=read_only)
    try:
        con.execute("SET TimeZone = 'UTC'")
        if memory_limit:
            try:
                con.execute("SET memory_limit = ?", [memory_limit])
            except duckdb.Error as exc:
                raise ValueError(
                    f"load_memory_limit must be a size such as '1GB', got {memory_limit!r}"
                ) from exc
            # Rows need no particular order, and keeping it costs memory.
            con.execute("SET preserve_insertion_order = false")
    except BaseException:
        con.close()
        raise
    return con


def single_row(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[object] = ()
) -> tuple[Any, ...]:
    """The one row of a query that always has one (an aggregate such as ``count(*)``)."""
    row = con.execute(sql, parameters).fetchone()
    if row is None:
        raise RuntimeError(f"expected one row, got none: {sql}")
    return row


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    """The columns ``schema.table`` has: readers of files written by an older version
    (a snapshot, a read-only warehouse) check for columns added since."""
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {name for (name,) in rows}
