"""The load's second half: the staged rows written to ``raw`` and ``ops``, and the
watermark moved.

SQL text is formatted only with identifiers from the resource description (its
names and column lists) and this module's constants (hence the ``noqa: S608``);
every value is a bound parameter.
"""

from __future__ import annotations

import duckdb

from twentyfourseven.warehouse.ops_state import WATERMARK
from twentyfourseven.warehouse.schema import typed_select

from .runfiles.runplan import RunPlan
from .runfiles.staging import HEADERS, LINES, RECORDS

CORRUPT_CHUNK_ERROR = "CorruptStagingChunk"


# The statements of apply_run, then move_watermark's, in the order they run.
DELETE_REPLACED_HEADERS = (
    f"DELETE FROM raw.{HEADERS} WHERE order_id IN (SELECT order_id FROM _stage_{HEADERS})"  # noqa: S608
)
INSERT_HEADERS = (
    f"INSERT INTO raw.{HEADERS} BY NAME "  # noqa: S608
    f"SELECT {typed_select(RECORDS.columns)}, header_source, payload, "
    "? AS run_id, extracted_at, NULL AS deleted_at, NULL AS deleted_run_id "
    f"FROM _stage_{HEADERS}"
)
TOMBSTONE_DELETED = (
    f"UPDATE raw.{HEADERS} SET "  # noqa: S608
    "deleted_run_id = CASE WHEN deleted_at IS NULL THEN ? ELSE deleted_run_id END, "
    "deleted_at = coalesce(deleted_at, o.extracted_at) "
    "FROM _stage_outcomes o "
    f"WHERE o.status = 'deleted' AND o.order_id = raw.{HEADERS}.order_id"
)
DELETE_REPLACED_LINES = (
    f"DELETE FROM raw.{LINES} WHERE order_id IN "  # noqa: S608
    "(SELECT order_id FROM _stage_outcomes WHERE status IN ('ok', 'deleted'))"
)
INSERT_LINES = (
    f"INSERT INTO raw.{LINES} BY NAME "  # noqa: S608
    f"SELECT order_id, line_number, {typed_select(RECORDS.children[0].columns)}, payload, "
    f"? AS run_id, extracted_at FROM _stage_{LINES}"
)
INSERT_QUARANTINE = (
    "INSERT INTO ops.quarantine BY NAME "
    "SELECT ? AS run_id, order_id, kind, record_id, "
    "coalesce(reason, 'no reason given') AS reason, payload, "
    "extracted_at AS quarantined_at, NULL AS resolved_run_id FROM _stage_quarantine"
)
RESOLVE_QUARANTINE = (
    "UPDATE ops.quarantine SET resolved_run_id = ? "
    "WHERE resolved_run_id IS NULL AND run_id <> ? AND order_id IN "
    "(SELECT order_id FROM _stage_outcomes WHERE status IN ('ok', 'deleted', 'not_found'))"
)
UPSERT_FAILED_ORDERS = (
    "INSERT INTO ops.failed_orders BY NAME "
    "SELECT order_id, ? AS run_id, extracted_at AS failed_at, error_type, http_status, "
    "tracking_id, trace_id, message, 1 AS attempts "
    "FROM _stage_outcomes WHERE status = 'failed' "
    "UNION ALL BY NAME "
    "SELECT order_id, ? AS run_id, ?::TIMESTAMPTZ AS failed_at, "
    "? AS error_type, NULL::INTEGER AS http_status, NULL AS tracking_id, "
    "NULL AS trace_id, reason AS message, 1 AS attempts FROM _corrupt "
    "ON CONFLICT (order_id) DO UPDATE SET "
    "attempts = CASE WHEN failed_orders.run_id = excluded.run_id "
    "THEN failed_orders.attempts ELSE failed_orders.attempts + 1 END, "
    "run_id = excluded.run_id, failed_at = excluded.failed_at, "
    "error_type = excluded.error_type, http_status = excluded.http_status, "
    "tracking_id = excluded.tracking_id, trace_id = excluded.trace_id, "
    "message = excluded.message"
)
SETTLE_FAILED_ORDERS = (
    "DELETE FROM ops.failed_orders WHERE order_id IN (SELECT order_id FROM _stage_outcomes "
    "WHERE status IN ('ok', 'deleted', 'not_found', 'quarantined'))"
)
UPSERT_KNOWN_ORDERS = (
    "INSERT INTO ops.known_orders BY NAME "  # noqa: S608
    "SELECT o.order_id, ? AS first_seen_run_id, "
    "CASE WHEN o.status = 'ok' THEN ? END AS last_loaded_run_id, "
    "CASE WHEN o.status = 'ok' THEN o.extracted_at END AS last_loaded_at, "
    "h.modified_at, "
    "CASE WHEN o.status = 'deleted' THEN o.extracted_at END AS deleted_at "
    f"FROM _stage_outcomes o LEFT JOIN _stage_{HEADERS} h USING (order_id) "
    "WHERE o.status IN ('ok', 'deleted') "
    "ON CONFLICT (order_id) DO UPDATE SET "
    "last_loaded_run_id = CASE WHEN excluded.deleted_at IS NULL "
    "THEN excluded.last_loaded_run_id ELSE known_orders.last_loaded_run_id END, "
    "last_loaded_at = CASE WHEN excluded.deleted_at IS NULL "
    "THEN excluded.last_loaded_at ELSE known_orders.last_loaded_at END, "
    "modified_at = CASE WHEN excluded.deleted_at IS NULL "
    "THEN coalesce(excluded.modified_at, known_orders.modified_at) "
    "ELSE known_orders.modified_at END, "
    "deleted_at = CASE WHEN excluded.deleted_at IS NULL THEN NULL "
    "ELSE coalesce(known_orders.deleted_at, excluded.deleted_at) END"
)
# The orders whose raw rows this run wrote (read, or tombstoned with their lines removed):
# the incremental facts rebuild exactly these on the next transform.
MARK_CHANGED_ORDERS = (
    "INSERT INTO ops.changed_orders BY NAME "
    "SELECT DISTINCT order_id, ? AS run_id FROM _stage_outcomes "
    "WHERE status IN ('ok', 'deleted') "
    "ON CONFLICT (order_id) DO UPDATE SET run_id = excluded.run_id"
)
MOVE_WATERMARK_BACK = (
    "UPDATE ops.watermark SET value = ?::TIMESTAMPTZ, run_id = ?, "
    "updated_at = ?::TIMESTAMPTZ WHERE name = ? AND value > ?::TIMESTAMPTZ"
)


def apply_run(con: duckdb.DuckDBPyConnection, run_id: str, staged_at: str) -> None:
    """Every write to ``raw`` and ``ops`` except the watermark and the ledger."""
    # Headers: replaced whole; an order that comes back is live again. Delete and
    # insert, rather than INSERT OR REPLACE, which costs an index probe per row.
    con.execute(DELETE_REPLACED_HEADERS)
    con.execute(INSERT_HEADERS, [run_id])
    # Deleted: tombstone (the first deletion's time and run are kept).
    con.execute(TOMBSTONE_DELETED, [run_id])
    # Lines: replaced wholesale for every order read (ok) or gone (deleted).
    con.execute(DELETE_REPLACED_LINES)
    con.execute(INSERT_LINES, [run_id])
    con.execute(MARK_CHANGED_ORDERS, [run_id])
    # Quarantine: this run's rows replaced; older rows resolved by a clean read, or by
    # a 404 (an order gone has nothing left to repair).
    con.execute("DELETE FROM ops.quarantine WHERE run_id = ?", [run_id])
    con.execute(INSERT_QUARANTINE, [run_id])
    con.execute(RESOLVE_QUARANTINE, [run_id, run_id])
    # Failed reads (and orders of corrupt chunks): retried by the next run, until a read
    # settles them: read, quarantined, deleted, or never there (a retry could not help).
    con.execute(UPSERT_FAILED_ORDERS, [run_id, run_id, staged_at, CORRUPT_CHUNK_ERROR])
    con.execute(SETTLE_FAILED_ORDERS)
    # Known orders: first sighting kept; last clean read; deletion. An order never held
    # gets no row: a reconciliation would read it again, and nothing refers to it.
    con.execute(UPSERT_KNOWN_ORDERS, [run_id, run_id])


def move_watermark(
    con: duckdb.DuckDBPyConnection, plan: RunPlan, staged_at: str, *, complete: bool
) -> None:
    """Move the watermark to the plan's candidate: forward only if every chunk loaded;
    backward only when the plan resets it.

    Moving back is always safe (later listings re-list more, and loaded versions
    are not read again), so a reset applies even with corrupt chunks; moving
    forward claims everything before the candidate is loaded.
    """
    candidate = plan.watermark_candidate
    if candidate is None:
        return
    if not complete:
        if plan.watermark_reset:  # an UPDATE: with no watermark yet there is nothing to move back
            con.execute(
                MOVE_WATERMARK_BACK, [candidate, plan.run_id, staged_at, WATERMARK, candidate]
            )
        return
    condition = "true" if plan.watermark_reset else "excluded.value > watermark.value"
    con.execute(
        "INSERT INTO ops.watermark VALUES (?, ?::TIMESTAMPTZ, ?, ?::TIMESTAMPTZ) "  # noqa: S608
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, run_id = excluded.run_id, "
        f"updated_at = excluded.updated_at WHERE {condition}",
        [WATERMARK, candidate, plan.run_id, staged_at],
    )
