"""Load: apply one run's staging files to the warehouse, in one transaction.

The single writer of the ``raw`` and ``ops`` tables (the DAG runs it in an
Airflow pool of one slot). :func:`load_run` reads ``<staging>/<run>/plan.json``,
verifies every chunk against its manifest, and then, in one DuckDB transaction
and with DuckDB's bulk JSON reader (no row-by-row inserts):

- upserts the headers of orders read ``ok`` into ``raw.sales_orders`` (an order
  that comes back is live again) and tombstones the known orders the API answered
  404 (``deleted``); a 404 for an order the warehouse never held is ``not_found``:
  counted, with nothing to tombstone and nothing to read again;
- replaces the lines of every ``ok`` or deleted order wholesale, so a line
  removed upstream disappears; ``quarantined`` and ``failed`` orders keep their
  previous version untouched;
- records invalid records in ``ops.quarantine`` and failed reads in
  ``ops.failed_orders`` (both retried by the next run), updates
  ``ops.known_orders``, advances ``ops.watermark`` only when every chunk was
  loaded (and moves it back when the plan asks for a reset: a full refresh, or
  a watermark found ahead of the API's clock), and writes the run's row in
  ``ops.runs``, with a plain note when the watermark was held or reset.

A chunk that is unfinished, truncated or corrupt is never read: its orders (from
``chunk-NNNN.ids.ndjson``) go to ``ops.failed_orders`` as ``CorruptStagingChunk``
so the next run reads them again, and the watermark stays where it was.

Every value written comes from the staging files (their ``extracted_at``, the
manifests' ``finished_at``), except ``ops.runs.finished_at`` and
``duration_seconds``, so loading the same run again leaves every table identical.
An order whose stored state was extracted later than this run's read of it is
left alone (a stale re-load never overwrites newer data). A killed load leaves
the previous state: DuckDB rolls back the unfinished transaction.

SQL text is formatted only with identifiers from this module's constants and the
``records`` column lists (hence the ``noqa: S608``); every value is a bound
parameter.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import repeat
from pathlib import Path
from typing import Any

import duckdb

from twentyfourseven.atomic import write_atomically
from twentyfourseven.warehouse.ops_state import WATERMARK, current_watermark
from twentyfourseven.warehouse.records import LINE_COLUMNS, ORDER_COLUMNS, Column
from twentyfourseven.warehouse.schema import open_warehouse, read_json_columns

from .runfiles.runplan import PLAN_FILE, RunPlan, chunk_ids_path, run_folder_name
from .runfiles.staging import (
    MANIFEST,
    READ_JSON_MAX_OBJECT_BYTES,
    CorruptChunkError,
    Manifest,
    chunk_dir,
    verify_chunk,
)

log = logging.getLogger(__name__)

CORRUPT_CHUNK_ERROR = "CorruptStagingChunk"
LOADED_MARKER = "loaded.json"  # written in the run folder once its load has committed
_KINDS = ("outcomes", "orders", "lines", "quarantine")


# --- result -------------------------------------------------------------------


@dataclass(frozen=True)
class LoadSummary:
    """What one load did: the run's ``ops.runs`` row plus what an on-call engineer needs."""

    run_id: str
    mode: str
    orders_requested: int
    orders_ok: int
    orders_deleted: int  # 404 for an order the warehouse held: tombstoned
    orders_failed: int
    orders_quarantined: int
    lines_loaded: int
    api_calls: int
    api_retries: int
    chunks: int
    corrupt_chunks: tuple[tuple[str, str], ...] = ()  # (chunk folder, reason)
    orders_not_found: int = 0  # 404 for an order the warehouse never held
    orders_stale: int = 0  # skipped: the warehouse holds a later read of them
    watermark_before: dt.datetime | None = None  # as the plan saw it
    watermark_after: dt.datetime | None = None
    watermark_advanced: bool = False  # this load moved it
    listed_at: dt.datetime | None = None  # the listing's clock (API's Date, or ours)
    watermark_note: str | None = None  # why the watermark was held or reset, for on-call
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    duration_seconds: float | None = None
    load_seconds: float = 0.0
    already_loaded: bool = False  # staging was gone; the ledger row was returned
    sources: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def complete(self) -> bool:
        """Every chunk verified and loaded."""
        return not self.corrupt_chunks

    @property
    def orders_unaccounted(self) -> int:
        """Requested orders that ended neither loaded, deleted, not found, failed nor
        quarantined: always 0, unless an order went missing between plan and load."""
        settled = (
            self.orders_ok
            + self.orders_deleted
            + self.orders_not_found
            + self.orders_failed
            + self.orders_quarantined
        )
        return self.orders_requested - settled

    def as_log_lines(self) -> list[str]:
        """A short account for the Airflow task log."""
        if self.already_loaded:
            return [
                f"run {self.run_id}: already loaded earlier and its staging files are gone; "
                "nothing to do (ledger row below)",
                *self._count_lines(),
            ]
        lines = [
            f"run {self.run_id} ({self.mode}): loaded {self.chunks - len(self.corrupt_chunks)}"
            f" of {self.chunks} chunks in {self.load_seconds:.2f}s",
            *self._count_lines(),
        ]
        if self.orders_stale:
            lines.append(
                f"skipped {self.orders_stale} orders: the warehouse already holds a later read"
            )
        for name, reason in self.corrupt_chunks:
            lines.append(f"CORRUPT {name}: {reason}; its orders are queued for the next run")
        if self.watermark_advanced:
            before, after = self.watermark_before, self.watermark_after
            moved = "reset" if before and after and after < before else "advanced"
            lines.append(f"watermark {moved} to {after}")
        elif self.corrupt_chunks:
            lines.append(f"watermark held at {self.watermark_after} (corrupt chunks)")
        else:
            lines.append(f"watermark unchanged at {self.watermark_after}")
        return lines

    def _count_lines(self) -> list[str]:
        lines = [
            f"orders requested {self.orders_requested}: ok {self.orders_ok}, deleted "
            f"{self.orders_deleted}, not found {self.orders_not_found}, failed "
            f"{self.orders_failed}, quarantined {self.orders_quarantined}; "
            f"lines loaded {self.lines_loaded}",
            f"API calls {self.api_calls} (retries {self.api_retries})",
        ]
        if self.orders_unaccounted:
            lines.append(
                f"UNACCOUNTED {self.orders_unaccounted} requested orders have no outcome "
                "(a bug: every requested order must end in one)"
            )
        return lines


# --- staging retention -------------------------------------------------------------------


def _is_run_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and (path / PLAN_FILE).is_file()


def _is_child(path: Path, staging_root: Path) -> bool:
    """``path`` names a folder directly under the staging root (not the root itself, its
    parent, a nested folder, or a link out of it)."""
    if path.name in ("", ".", "..") or path.is_symlink():
        return False
    return path.resolve().parent == staging_root.resolve()


def remove_staging(run_dir: Path, *, staging_root: Path) -> bool:
    """Delete one run's staging folder; True if it was there.

    Refuses anything but a folder directly under ``staging_root`` that holds a
    ``plan.json``, so neither a misconfigured path nor an odd run ID ever wipes
    the root or another run's files.
    """
    run_dir, staging_root = Path(run_dir), Path(staging_root)
    if not _is_child(run_dir, staging_root):
        raise ValueError(
            f"{run_dir} is not a run's staging folder (not directly in {staging_root})"
        )
    if not run_dir.exists():
        return False
    if not _is_run_folder(run_dir):
        raise ValueError(f"{run_dir} is not a run's staging folder (no {PLAN_FILE})")
    shutil.rmtree(run_dir)
    log.info("removed staging folder %s", run_dir)
    return True


def prune_staging(
    staging_root: Path,
    keep_days: float,
    *,
    abandoned_days: float = 7.0,
    now: dt.datetime | None = None,
) -> list[Path]:
    """Delete run folders under ``staging_root`` that are no longer needed; returns them.

    A folder the loader has committed (it holds ``loaded.json``) goes ``keep_days``
    after its load (at once if ``keep_days`` <= 0). A folder never loaded (a run
    still planning or extracting, or one whose load keeps failing) is kept until
    its ``plan.json`` is older than ``max(keep_days, abandoned_days)``, so pruning
    after one run's load never pulls the files from under another run. Only
    folders directly under ``staging_root`` holding a ``plan.json`` are touched
    (never a link).
    """
    staging_root = Path(staging_root)
    if not staging_root.is_dir():
        return []
    clock = (now or dt.datetime.now(dt.UTC)).timestamp()
    loaded_cutoff = clock - max(keep_days, 0) * 86400
    abandoned_cutoff = clock - max(keep_days, abandoned_days) * 86400
    removed = []
    for run_dir in sorted(staging_root.iterdir()):
        if not (_is_child(run_dir, staging_root) and _is_run_folder(run_dir)):
            continue
        marker = run_dir / LOADED_MARKER
        if marker.is_file():
            expired = marker.stat().st_mtime <= loaded_cutoff
        else:
            expired = (run_dir / PLAN_FILE).stat().st_mtime <= abandoned_cutoff
        if expired:
            shutil.rmtree(run_dir)
            removed.append(run_dir)
    if removed:
        log.info("pruned %d staging folders (retention %s days)", len(removed), keep_days)
    return removed


def _mark_loaded(run_dir: Path, summary: LoadSummary) -> None:
    """Note in the run folder that its load committed (what :func:`prune_staging` reads)."""
    marker = {
        "run_id": summary.run_id,
        "loaded_at": dt.datetime.now(dt.UTC).isoformat(),
        "complete": summary.complete,
        "lines_loaded": summary.lines_loaded,
    }
    try:
        write_atomically(run_dir / LOADED_MARKER, json.dumps(marker, indent=2))
    except OSError:
        log.warning(
            "could not write %s in %s; pruning will treat it as unloaded", LOADED_MARKER, run_dir
        )


# --- the load ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunks:
    files: dict[str, list[str]]  # kind -> files of verified chunks
    manifests: list[Manifest]
    corrupt: list[tuple[int, str, str]]  # (chunk, folder name, reason)
    api_requests: int
    api_retries: int


def _check_chunks(run_dir: Path, plan: RunPlan) -> _Chunks:
    files: dict[str, list[str]] = {kind: [] for kind in _KINDS}
    manifests: list[Manifest] = []
    corrupt: list[tuple[int, str, str]] = []
    requests = int(plan.api_stats.get("requests", 0))
    retries = int(plan.api_stats.get("retries", 0))
    directories = [chunk_dir(run_dir, chunk) for chunk in range(plan.chunks)]
    # Hashing every byte of a run is the load's slowest step after DuckDB's own
    # work, and hashlib releases the GIL: one thread per core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        chunks = range(plan.chunks)
        checked = list(pool.map(_checked_chunk, directories, chunks, repeat(plan.run_id)))
    for chunk, (directory, result) in enumerate(zip(directories, checked, strict=True)):
        if isinstance(result, CorruptChunkError):
            corrupt.append((chunk, directory.name, str(result)))
            stats = _readable_api_stats(directory)
        else:
            manifests.append(result)
            for kind in _KINDS:
                files[kind].append(str(directory / f"{kind}.ndjson"))
            stats = result.api_stats
        requests += int(stats.get("requests", 0))
        retries += int(stats.get("retries", 0))
    return _Chunks(files, manifests, corrupt, requests, retries)


def _checked_chunk(directory: Path, chunk: int, run_id: str) -> Manifest | CorruptChunkError:
    """The chunk's manifest if its files match it and it is this run's chunk, else why not
    (returned, not raised, so that one bad chunk does not stop the others' checks)."""
    try:
        manifest = verify_chunk(directory)
    except CorruptChunkError as exc:
        return exc
    if manifest.run_id != run_id or manifest.chunk != chunk:
        return CorruptChunkError(
            f"{directory.name}: manifest is for run {manifest.run_id!r} chunk "
            f"{manifest.chunk}, not run {run_id!r} chunk {chunk}"
        )
    return manifest


def _readable_api_stats(directory: Path) -> dict[str, Any]:
    """A corrupt chunk's API counts, if its manifest can be read: the calls were spent."""
    try:
        stats = json.loads((directory / MANIFEST).read_text()).get("api_stats") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return stats if isinstance(stats, dict) else {}


def _typed(columns: tuple[Column, ...]) -> str:
    """Select list casting the staged VARCHAR decimals to their DECIMAL types (exact)."""
    return ", ".join(
        f"CAST({c.name} AS {c.sql_type}) AS {c.name}" if c.decimal else c.name for c in columns
    )


def _create_stage_tables(con: duckdb.DuckDBPyConnection, chunks: _Chunks) -> None:
    """``_stage_<kind>`` temp tables holding the verified chunks' rows (decimals as text).

    Outcomes first: one per order, the last chunk's, should a plan ever list an
    order twice. The other files are read once, keeping only the rows of those
    outcomes (of ``ok`` ones for headers and lines), so the big files are never
    held twice.
    """
    for kind in _KINDS:
        columns = read_json_columns(kind)
        definition = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE _stage_{kind} ({definition}, chunk VARCHAR)")
        if not chunks.files[kind]:
            continue
        rows = (
            "SELECT * EXCLUDE (filename), parse_dirpath(filename) AS chunk FROM read_json("
            "?, columns = ?, format = 'newline_delimited', filename = true, "
            "maximum_object_size = ?)"
        )
        params = [chunks.files[kind], columns, READ_JSON_MAX_OBJECT_BYTES]
        if kind == "outcomes":
            keep = "QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY chunk DESC) = 1"
            con.execute(f"INSERT INTO _stage_outcomes {rows} {keep}", params)
            continue
        status = "AND o.status = 'ok'" if kind != "quarantine" else ""
        con.execute(
            f"INSERT INTO _stage_{kind} SELECT s.* FROM ({rows}) s "  # noqa: S608
            f"SEMI JOIN _stage_outcomes o ON o.order_id = s.order_id AND o.chunk = s.chunk "
            f"{status}",
            params,
        )


def _quarantine_duplicate_lines(con: duckdb.DuckDBPyConnection) -> int:
    """Orders whose lines repeat a line ID cannot be stored: quarantine them whole."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _dup_lines AS SELECT order_id, line_id "
        "FROM _stage_lines GROUP BY ALL HAVING count(*) > 1"
    )
    dup_orders = con.execute("SELECT count(DISTINCT order_id) FROM _dup_lines").fetchone()[0]
    if not dup_orders:
        return 0
    con.execute(
        "INSERT INTO _stage_quarantine BY NAME "
        "SELECT l.order_id, 'line' AS kind, l.line_id AS record_id, "
        "'line id ' || l.line_id || ' appears more than once in the order' AS reason, "
        "l.payload, l.run_id, l.extracted_at, l.chunk "
        "FROM _stage_lines l SEMI JOIN _dup_lines d USING (order_id, line_id)"
    )
    con.execute(
        "UPDATE _stage_outcomes SET status = 'quarantined', lines = 0, "
        "message = 'duplicate line ids in the order' "
        "WHERE order_id IN (SELECT order_id FROM _dup_lines)"
    )
    for kind in ("orders", "lines"):
        con.execute(
            f"DELETE FROM _stage_{kind} WHERE order_id IN (SELECT order_id FROM _dup_lines)"  # noqa: S608
        )
    log.warning("quarantined %d orders whose lines repeat a line id", dup_orders)
    return dup_orders


def _drop_stale(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Leave alone orders the warehouse holds a later read of (loaded, deleted, failed or
    quarantined by a later run): re-loading an old run never overwrites newer data."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _stale AS "
        "WITH later AS ("
        " SELECT order_id, greatest(last_loaded_at, deleted_at) AS read_at FROM ops.known_orders"
        " UNION ALL SELECT order_id, failed_at FROM ops.failed_orders WHERE run_id <> ?"
        " UNION ALL SELECT order_id, quarantined_at FROM ops.quarantine WHERE run_id <> ?) "
        "SELECT DISTINCT o.order_id FROM _stage_outcomes o JOIN later l USING (order_id) "
        "WHERE l.read_at > o.extracted_at",
        [run_id, run_id],
    )
    stale = con.execute("SELECT count(*) FROM _stale").fetchone()[0]
    if stale:
        for kind in _KINDS:
            con.execute(
                f"DELETE FROM _stage_{kind} WHERE order_id IN (SELECT order_id FROM _stale)"  # noqa: S608
            )
        log.warning("skipped %d orders the warehouse holds a later read of", stale)
    return stale


def _stage_corrupt(
    con: duckdb.DuckDBPyConnection, run_dir: Path, corrupt: list[tuple[int, str, str]]
) -> list[tuple[int, str, str]]:
    """``_corrupt(order_id, reason)``: orders of chunks not loaded, from the plan's ID files."""
    con.execute("CREATE OR REPLACE TEMP TABLE _corrupt_all (order_id BIGINT, reason VARCHAR)")
    reported = []
    for chunk, name, reason in corrupt:
        ids = chunk_ids_path(run_dir, chunk)
        if not ids.is_file():
            log.error("%s: no order ID file %s; its orders cannot be queued", name, ids.name)
            reported.append((chunk, name, f"{reason}; order ID file {ids.name} missing"))
            continue
        con.execute(
            "INSERT INTO _corrupt_all SELECT order_id, ? FROM read_json(?, "
            "columns = {'order_id': 'BIGINT'}, format = 'newline_delimited', "
            "maximum_object_size = ?)",
            [reason, str(ids), READ_JSON_MAX_OBJECT_BYTES],
        )
        reported.append((chunk, name, reason))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _corrupt AS SELECT * FROM _corrupt_all "
        "WHERE order_id IS NOT NULL AND order_id NOT IN (SELECT order_id FROM _stage_outcomes) "
        "QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY reason) = 1"
    )
    con.execute("DROP TABLE _corrupt_all")
    return reported


def _split_not_found(con: duckdb.DuckDBPyConnection) -> None:
    """A 404 is a deletion (``deleted``) only for an order the warehouse knows; for any
    other (an ID nobody ever had, a typo in ``order_ids``) it stays ``not_found``.

    Decided against ``ops.known_orders`` before this load changes it, so loading the
    same run again decides the same way.
    """
    con.execute(
        "UPDATE _stage_outcomes SET status = 'deleted' WHERE status = 'not_found' "
        "AND order_id IN (SELECT order_id FROM ops.known_orders)"
    )


_ORDER_FIELDS = ", ".join(c.name for c in ORDER_COLUMNS)
_LINE_FIELDS = ", ".join(c.name for c in LINE_COLUMNS)


def _apply(con: duckdb.DuckDBPyConnection, run_id: str, staged_at: str) -> None:
    """Every write to ``raw`` and ``ops`` except the watermark and the ledger."""
    # Headers: replaced whole; an order that comes back is live again. Delete and
    # insert, rather than INSERT OR REPLACE, which costs an index probe per row.
    con.execute(
        "DELETE FROM raw.sales_orders WHERE order_id IN (SELECT order_id FROM _stage_orders)"
    )
    con.execute(
        "INSERT INTO raw.sales_orders BY NAME "  # noqa: S608
        f"SELECT {_typed(ORDER_COLUMNS)}, header_source, payload, "
        "? AS run_id, extracted_at, NULL AS deleted_at, NULL AS deleted_run_id "
        "FROM _stage_orders",
        [run_id],
    )
    # Deleted: tombstone (the first deletion's time and run are kept).
    con.execute(
        "UPDATE raw.sales_orders SET "
        "deleted_run_id = CASE WHEN deleted_at IS NULL THEN ? ELSE deleted_run_id END, "
        "deleted_at = coalesce(deleted_at, o.extracted_at) "
        "FROM _stage_outcomes o "
        "WHERE o.status = 'deleted' AND o.order_id = raw.sales_orders.order_id",
        [run_id],
    )
    # Lines: replaced wholesale for every order read (ok) or gone (deleted).
    con.execute(
        "DELETE FROM raw.sales_order_lines WHERE order_id IN "
        "(SELECT order_id FROM _stage_outcomes WHERE status IN ('ok', 'deleted'))"
    )
    con.execute(
        "INSERT INTO raw.sales_order_lines BY NAME "  # noqa: S608
        f"SELECT order_id, line_number, {_typed(LINE_COLUMNS)}, payload, "
        "? AS run_id, extracted_at FROM _stage_lines",
        [run_id],
    )
    # Quarantine: this run's rows replaced; older rows resolved by a clean read, or by
    # a 404 (an order gone has nothing left to repair).
    con.execute("DELETE FROM ops.quarantine WHERE run_id = ?", [run_id])
    con.execute(
        "INSERT INTO ops.quarantine BY NAME "
        "SELECT ? AS run_id, order_id, kind, record_id, "
        "coalesce(reason, 'no reason given') AS reason, payload, "
        "extracted_at AS quarantined_at, NULL AS resolved_run_id FROM _stage_quarantine",
        [run_id],
    )
    con.execute(
        "UPDATE ops.quarantine SET resolved_run_id = ? "
        "WHERE resolved_run_id IS NULL AND run_id <> ? AND order_id IN "
        "(SELECT order_id FROM _stage_outcomes WHERE status IN ('ok', 'deleted', 'not_found'))",
        [run_id, run_id],
    )
    # Failed reads (and orders of corrupt chunks): retried by the next run, until a read
    # settles them: read, quarantined, deleted, or never there (a retry could not help).
    con.execute(
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
        "message = excluded.message",
        [run_id, run_id, staged_at, CORRUPT_CHUNK_ERROR],
    )
    con.execute(
        "DELETE FROM ops.failed_orders WHERE order_id IN (SELECT order_id FROM _stage_outcomes "
        "WHERE status IN ('ok', 'deleted', 'not_found', 'quarantined'))"
    )
    # Known orders: first sighting kept; last clean read; deletion. An order never held
    # gets no row: a reconciliation would read it again, and nothing refers to it.
    con.execute(
        "INSERT INTO ops.known_orders BY NAME "
        "SELECT o.order_id, ? AS first_seen_run_id, "
        "CASE WHEN o.status = 'ok' THEN ? END AS last_loaded_run_id, "
        "CASE WHEN o.status = 'ok' THEN o.extracted_at END AS last_loaded_at, "
        "h.modified_at, "
        "CASE WHEN o.status = 'deleted' THEN o.extracted_at END AS deleted_at "
        "FROM _stage_outcomes o LEFT JOIN _stage_orders h USING (order_id) "
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
        "ELSE coalesce(known_orders.deleted_at, excluded.deleted_at) END",
        [run_id, run_id],
    )


def _move_watermark(
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
                "UPDATE ops.watermark SET value = ?::TIMESTAMPTZ, run_id = ?, "
                "updated_at = ?::TIMESTAMPTZ WHERE name = ? AND value > ?::TIMESTAMPTZ",
                [candidate, plan.run_id, staged_at, WATERMARK, candidate],
            )
        return
    condition = "true" if plan.watermark_reset else "excluded.value > watermark.value"
    con.execute(
        "INSERT INTO ops.watermark VALUES (?, ?::TIMESTAMPTZ, ?, ?::TIMESTAMPTZ) "  # noqa: S608
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, run_id = excluded.run_id, "
        f"updated_at = excluded.updated_at WHERE {condition}",
        [WATERMARK, candidate, plan.run_id, staged_at],
    )


def _watermark_note(plan: RunPlan, after: dt.datetime | None) -> str | None:
    """What an on-call engineer must know of the watermark, in one line; None if all is well.

    From the plan's view of the watermark, not the one at load: a re-load of the
    run writes the same note.
    """
    listed_at = _parse_time(plan.listed_at)
    before = _parse_time(plan.watermark_before)
    notes = []
    if plan.modified_ahead:
        notes.append(
            f"watermark held: listed modifiedAt {_text(plan.modified_ahead_max)} is ahead of "
            f"the clock {_text(listed_at)} ({plan.modified_ahead} listed orders beyond the "
            f"tolerance; they do not move the watermark)"
        )
    # The plan asks for a reset of a watermark it found ahead of the clock beyond
    # the tolerance (or for a full refresh); seconds of skew are no news.
    if plan.watermark_reset and before and listed_at and before > listed_at:
        if after != before:
            notes.append(
                f"watermark {_text(before)} was ahead of the clock {_text(listed_at)}; "
                f"reset to {_text(after)}"
            )
        else:
            notes.append(
                f"watermark {_text(before)} is ahead of the clock {_text(listed_at)} and was "
                "not reset (corrupt chunks); incremental runs miss what changed before it "
                "until a run resets it"
            )
    return "; ".join(notes) or None


def _text(value: dt.datetime | str | None) -> str:
    """A time as an on-call engineer reads it: UTC, to the second."""
    if isinstance(value, str):
        value = _parse_time(value)
    if value is None:
        return "unknown"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def load_run(
    warehouse: Path,
    run_dir: Path,
    *,
    run_id: str | None = None,
    memory_limit: str | None = None,
) -> LoadSummary:
    """Apply the staging files of the run in ``run_dir`` to ``warehouse``; idempotent.

    ``memory_limit`` bounds DuckDB's memory whatever the run's size (it spills to
    disk beyond it); ``None`` leaves DuckDB's default, 80 % of RAM. The DAG passes
    the ``load_memory_limit`` setting.

    All-or-nothing: either every change (tables, watermark, ledger) commits or
    none does. Re-loading the same run gives the same tables (only
    ``ops.runs.finished_at``/``duration_seconds`` differ). If ``run_dir`` is
    gone (staging removed after an earlier successful load) and ``ops.runs``
    has the run (matched by ``run_id`` or by folder name), the ledger row is
    returned with ``already_loaded=True``; otherwise :class:`FileNotFoundError`.
    """
    warehouse, run_dir = Path(warehouse), Path(run_dir)
    if not (run_dir / PLAN_FILE).is_file():
        return _already_loaded(warehouse, run_dir, run_id)
    plan = RunPlan.read(run_dir)
    clock = time.monotonic()
    chunks = _check_chunks(run_dir, plan)
    for _, _, reason in chunks.corrupt:
        log.error("not loading %s", reason)
    staged_at = max(
        (m.finished_at for m in chunks.manifests), key=_parse_time, default=plan.started_at
    )
    log.info(
        "loading run %s (%s): %d of %d chunks verified",
        plan.run_id,
        plan.mode,
        len(chunks.manifests),
        plan.chunks,
    )
    con = open_warehouse(warehouse, memory_limit=memory_limit)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            summary = _load(con, plan, run_dir, chunks, staged_at, clock)
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                log.exception("rollback failed; DuckDB discards the unfinished transaction")
            raise
    finally:
        con.close()
    summary = replace(summary, load_seconds=time.monotonic() - clock)
    _mark_loaded(run_dir, summary)
    for line in summary.as_log_lines():
        log.info("%s", line)
    if summary.watermark_note:
        log.warning("%s", summary.watermark_note)
    return summary


def _load(
    con: duckdb.DuckDBPyConnection,
    plan: RunPlan,
    run_dir: Path,
    chunks: _Chunks,
    staged_at: str,
    clock: float,
) -> LoadSummary:
    run_id = plan.run_id
    _create_stage_tables(con, chunks)
    log.info("staged run %s in %.2fs; applying", run_id, time.monotonic() - clock)
    _quarantine_duplicate_lines(con)
    _split_not_found(con)
    # The ledger counts what the run read, also for orders a later run already holds.
    statuses = dict(
        con.execute("SELECT status, count(*) FROM _stage_outcomes GROUP BY status").fetchall()
    )
    lines = con.execute("SELECT count(*) FROM _stage_lines").fetchone()[0]
    stale = _drop_stale(con, run_id)
    corrupt = _stage_corrupt(con, run_dir, chunks.corrupt)
    _apply(con, run_id, staged_at)
    watermark_at_load = current_watermark(con)
    _move_watermark(con, plan, staged_at, complete=not corrupt)
    watermark_after = current_watermark(con)
    corrupt_orders = con.execute("SELECT count(*) FROM _corrupt").fetchone()[0]
    finished = dt.datetime.now(dt.UTC)
    started = _parse_time(plan.started_at)
    summary = LoadSummary(
        run_id=run_id,
        mode=plan.mode,
        orders_requested=plan.orders_requested,
        orders_ok=statuses.get("ok", 0),
        orders_deleted=statuses.get("deleted", 0),
        orders_not_found=statuses.get("not_found", 0),
        orders_failed=statuses.get("failed", 0) + corrupt_orders,
        orders_quarantined=statuses.get("quarantined", 0),
        lines_loaded=lines,
        api_calls=chunks.api_requests,
        api_retries=chunks.api_retries,
        chunks=plan.chunks,
        corrupt_chunks=tuple((name, reason) for _, name, reason in corrupt),
        orders_stale=stale,
        watermark_before=_parse_time(plan.watermark_before),
        watermark_after=watermark_after,
        watermark_advanced=watermark_after != watermark_at_load,
        listed_at=_parse_time(plan.listed_at),
        watermark_note=_watermark_note(plan, watermark_after),
        started_at=started,
        finished_at=finished,
        duration_seconds=(finished - started).total_seconds() if started else None,
        sources=dict(plan.sources),
    )
    _write_ledger(con, summary)
    for table in (*(f"_stage_{kind}" for kind in _KINDS), "_dup_lines", "_stale", "_corrupt"):
        con.execute(f"DROP TABLE {table}")
    return summary


_LEDGER = (
    "run_id",
    "mode",
    "started_at",
    "finished_at",
    "duration_seconds",
    "orders_requested",
    "orders_ok",
    "orders_deleted",
    "orders_not_found",
    "orders_failed",
    "orders_quarantined",
    "lines_loaded",
    "api_calls",
    "api_retries",
    "chunks",
    "corrupt_chunks",
    "watermark_before",
    "watermark_after",
    "listed_at",
    "watermark_note",
)


def _write_ledger(con: duckdb.DuckDBPyConnection, summary: LoadSummary) -> None:
    values = {name: getattr(summary, name, None) for name in _LEDGER}
    values["corrupt_chunks"] = len(summary.corrupt_chunks)
    con.execute(
        f"INSERT OR REPLACE INTO ops.runs ({', '.join(_LEDGER)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in _LEDGER)})",
        [values[name] for name in _LEDGER],
    )


def _already_loaded(warehouse: Path, run_dir: Path, run_id: str | None) -> LoadSummary:
    missing = FileNotFoundError(f"no {PLAN_FILE} in {run_dir}: nothing to load")
    if not warehouse.exists():
        raise missing
    con = open_warehouse(warehouse, read_only=True)
    try:
        # Every column, by name: a warehouse last written by an older version may
        # lack the newest ones, and read-only it cannot be given them.
        cursor = con.execute("SELECT * FROM ops.runs")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    match = _ledger_row(rows, run_dir.name, run_id)
    if match is None:
        raise missing
    counts = {k: match.get(k) or 0 for k in _LEDGER if k.startswith(("orders_", "api_", "lines"))}
    summary = LoadSummary(
        run_id=match["run_id"],
        mode=match["mode"],
        **counts,
        chunks=match["chunks"] or 0,
        corrupt_chunks=(
            (("earlier load", f"{match['corrupt_chunks']} corrupt chunks"),)
            if match["corrupt_chunks"]
            else ()
        ),
        watermark_before=match["watermark_before"],
        watermark_after=match["watermark_after"],
        listed_at=match.get("listed_at"),
        watermark_note=match.get("watermark_note"),
        started_at=match["started_at"],
        finished_at=match["finished_at"],
        duration_seconds=match["duration_seconds"],
        already_loaded=True,
    )
    for line in summary.as_log_lines():
        log.info("%s", line)
    return summary


def _ledger_row(
    rows: Iterable[dict[str, Any]], folder: str, run_id: str | None
) -> dict[str, Any] | None:
    for row in rows:
        if row["run_id"] == run_id or (run_id is None and run_folder_name(row["run_id"]) == folder):
            return row
    return None
