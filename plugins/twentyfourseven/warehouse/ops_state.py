"""What the plan step needs to know of the warehouse, read without taking the write lock."""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from twentyfourseven.api.resources import SALES_ORDERS
from twentyfourseven.duckdb_session import open_duckdb, table_columns

WATERMARK = SALES_ORDERS.watermark_name  # "sales_orders_modified_at"
_RECONCILING_MODES = ("reconcile", "full_refresh")


@dataclass(frozen=True)
class WarehouseState:
    """The pipeline's memory: how far discovery got, what to retry, when it last reconciled.

    ``last_reconciled_listed_at``: when the last reconciling run's listing was
    taken (by the API's clock); None if unknown (none yet, or recorded before
    ``ops.runs`` had the column).
    """

    watermark: dt.datetime | None
    retry_ids: frozenset[int]
    last_reconciled_at: dt.datetime | None
    known_count: int
    last_reconciled_listed_at: dt.datetime | None = None


@contextmanager
def read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the warehouse, or None if it has no file yet."""
    if not path.exists():
        yield None  # first run: nothing known yet
        return
    con = open_duckdb(path, read_only=True)
    try:
        yield con
    finally:
        con.close()


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'ops' and table_name in ('known_orders', 'runs')"
    ).fetchone()
    return bool(found and found[0] == 2)


def order_ids_to_retry(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Orders the next run must read again: failed reads and unresolved quarantine."""
    rows = con.execute(
        "select order_id from ops.failed_orders"
        " union select order_id from ops.quarantine"
        " where resolved_run_id is null and order_id is not null"
    ).fetchall()
    return {row[0] for row in rows}


_LIVE_IDS = "select order_id from ops.known_orders where deleted_at is null order by order_id"


def known_live_order_ids(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Every order loaded and not tombstoned (what a reconciliation run re-reads)."""
    return {row[0] for row in con.execute(_LIVE_IDS).fetchall()}


def current_watermark(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """The newest ``modifiedAt`` safely loaded, or None before the first complete run."""
    row = con.execute("select value from ops.watermark where name = ?", [WATERMARK]).fetchone()
    return None if row is None else row[0]


def read_state(path: Path) -> WarehouseState:
    """The warehouse's state for planning; an absent or empty warehouse knows nothing."""
    with read_only(path) as con:
        if con is None or not _has_tables(con):
            return WarehouseState(None, frozenset(), None, 0)
        reconciled = con.execute(
            "select max(started_at) from ops.runs where mode in (?, ?)", list(_RECONCILING_MODES)
        ).fetchone()
        known = con.execute("select count(*) from ops.known_orders").fetchone()
        return WarehouseState(
            watermark=current_watermark(con),
            retry_ids=frozenset(order_ids_to_retry(con)),
            last_reconciled_at=reconciled[0] if reconciled else None,
            known_count=known[0] if known else 0,
            last_reconciled_listed_at=_last_reconciled_listed_at(con),
        )


def _last_reconciled_listed_at(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    # Read-only: a warehouse last written before ops.runs had the column lacks it.
    if "listed_at" not in table_columns(con, "ops", "runs"):
        return None
    row = con.execute(
        "select listed_at from ops.runs where mode in (?, ?)"
        " order by started_at desc nulls last limit 1",
        list(_RECONCILING_MODES),
    ).fetchone()
    return row[0] if row else None


def known_live_ids(path: Path) -> array:
    """IDs of every known order not deleted, as a compact array (a million is 8 MB)."""
    with read_only(path) as con:
        return array("q", live_ids_ascending(con))


def live_ids_ascending(con: duckdb.DuckDBPyConnection | None) -> Iterator[int]:
    """IDs of every known order not deleted, ascending, streamed in batches (nothing
    held but a batch); none for an absent or empty warehouse."""
    if con is None or not _has_tables(con):
        return
    # A cursor of its own, so the caller may query ``con`` while this is drawn.
    with con.cursor() as cursor:
        cursor.execute(_LIVE_IDS)
        while batch := cursor.fetchmany(50_000):
            yield from (row[0] for row in batch)


def loaded_versions(
    con: duckdb.DuckDBPyConnection | None, order_ids: Iterable[int]
) -> dict[int, dt.datetime]:
    """``modifiedAt`` of the version loaded, for those of ``order_ids`` that are live.

    Takes the caller's :func:`read_only` connection: the plan asks once per listed
    page, and a connection per page would cost more than the query.
    """
    wanted = list(order_ids)
    if con is None or not wanted or not _has_tables(con):
        return {}
    rows = con.execute(
        "select order_id, modified_at from ops.known_orders"
        " where deleted_at is null and modified_at is not null"
        " and order_id in (select unnest(?::BIGINT[]))",
        [wanted],
    ).fetchall()
    return dict(rows)
