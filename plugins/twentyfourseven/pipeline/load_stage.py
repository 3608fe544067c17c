"""The load's first half: the run's verified chunks read into ``_stage_<kind>`` temp
tables with DuckDB's bulk JSON reader, and the rows no write may take from them
(duplicate line IDs, stale reads, orders of corrupt chunks) set apart."""

from __future__ import annotations

import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import duckdb

from twentyfourseven.duckdb_session import single_row
from twentyfourseven.warehouse.schema import (
    OUTCOME_COLUMNS,
    QUARANTINE_COLUMNS,
    staged_columns,
)

from .runfiles.runplan import RunPlan, chunk_ids_path
from .runfiles.staging import (
    HEADERS,
    LINES,
    MANIFEST,
    READ_JSON_MAX_OBJECT_BYTES,
    RECORDS,
    CorruptChunkError,
    Manifest,
    chunk_dir,
    verify_chunk,
)

log = logging.getLogger(__name__)

KINDS = ("outcomes", HEADERS, LINES, "quarantine")
COLUMNS = {
    "outcomes": OUTCOME_COLUMNS,
    HEADERS: staged_columns(RECORDS),
    LINES: staged_columns(RECORDS.children[0], parent=RECORDS),
    "quarantine": QUARANTINE_COLUMNS,
}

# The statements that set staged rows apart or settle their status.
FIND_DUPLICATE_LINES = (
    "CREATE OR REPLACE TEMP TABLE _dup_lines AS SELECT order_id, line_id "  # noqa: S608
    f"FROM _stage_{LINES} GROUP BY ALL HAVING count(*) > 1"
)
QUARANTINE_DUPLICATE_LINES = (
    "INSERT INTO _stage_quarantine BY NAME "  # noqa: S608
    "SELECT l.order_id, 'line' AS kind, l.line_id AS record_id, "
    "'line id ' || l.line_id || ' appears more than once in the order' AS reason, "
    "l.payload, l.run_id, l.extracted_at, l.chunk "
    f"FROM _stage_{LINES} l SEMI JOIN _dup_lines d USING (order_id, line_id)"
)
MARK_DUPLICATES_QUARANTINED = (
    "UPDATE _stage_outcomes SET status = 'quarantined', lines = 0, "
    "message = 'duplicate line ids in the order' "
    "WHERE order_id IN (SELECT order_id FROM _dup_lines)"
)
FIND_STALE = (
    "CREATE OR REPLACE TEMP TABLE _stale AS "
    "WITH later AS ("
    " SELECT order_id, greatest(last_loaded_at, deleted_at) AS read_at FROM ops.known_orders"
    " UNION ALL SELECT order_id, failed_at FROM ops.failed_orders WHERE run_id <> ?"
    " UNION ALL SELECT order_id, quarantined_at FROM ops.quarantine WHERE run_id <> ?) "
    "SELECT DISTINCT o.order_id FROM _stage_outcomes o JOIN later l USING (order_id) "
    "WHERE l.read_at > o.extracted_at"
)
READ_CORRUPT_CHUNK_IDS = (
    "INSERT INTO _corrupt_all SELECT order_id, ? FROM read_json(?, "
    "columns = {'order_id': 'BIGINT'}, format = 'newline_delimited', "
    "maximum_object_size = ?)"
)
KEEP_UNSTAGED_CORRUPT = (
    "CREATE OR REPLACE TEMP TABLE _corrupt AS SELECT * FROM _corrupt_all "
    "WHERE order_id IS NOT NULL AND order_id NOT IN (SELECT order_id FROM _stage_outcomes) "
    "QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY reason) = 1"
)
DELETED_IF_KNOWN = (
    "UPDATE _stage_outcomes SET status = 'deleted' WHERE status = 'not_found' "
    "AND order_id IN (SELECT order_id FROM ops.known_orders)"
)


@dataclass(frozen=True)
class Chunks:
    files: dict[str, list[str]]  # kind -> files of verified chunks
    manifests: list[Manifest]
    corrupt: list[tuple[int, str, str]]  # (chunk, folder name, reason)
    api_requests: int
    api_retries: int


def check_chunks(run_dir: Path, plan: RunPlan) -> Chunks:
    files: dict[str, list[str]] = {kind: [] for kind in KINDS}
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
            for kind in KINDS:
                files[kind].append(str(directory / f"{kind}.ndjson"))
            stats = result.api_stats
        requests += int(stats.get("requests", 0))
        retries += int(stats.get("retries", 0))
    return Chunks(files, manifests, corrupt, requests, retries)


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


def create_stage_tables(con: duckdb.DuckDBPyConnection, chunks: Chunks) -> None:
    """``_stage_<kind>`` temp tables holding the verified chunks' rows (decimals as text).

    Outcomes first: one per order, the last chunk's, should a plan ever list an
    order twice. The other files are read once, keeping only the rows of those
    outcomes (of ``ok`` ones for headers and lines), so the big files are never
    held twice.
    """
    for kind in KINDS:
        columns = COLUMNS[kind]
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


def quarantine_duplicate_lines(con: duckdb.DuckDBPyConnection) -> int:
    """Orders whose lines repeat a line ID cannot be stored: quarantine them whole."""
    con.execute(FIND_DUPLICATE_LINES)
    dup_orders = single_row(con, "SELECT count(DISTINCT order_id) FROM _dup_lines")[0]
    if not dup_orders:
        return 0
    con.execute(QUARANTINE_DUPLICATE_LINES)
    con.execute(MARK_DUPLICATES_QUARANTINED)
    for kind in (HEADERS, LINES):
        con.execute(
            f"DELETE FROM _stage_{kind} WHERE order_id IN (SELECT order_id FROM _dup_lines)"  # noqa: S608
        )
    log.warning("quarantined %d orders whose lines repeat a line id", dup_orders)
    return dup_orders


def drop_stale(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Leave alone orders the warehouse holds a later read of (loaded, deleted, failed or
    quarantined by a later run): re-loading an old run never overwrites newer data."""
    con.execute(FIND_STALE, [run_id, run_id])
    stale = single_row(con, "SELECT count(*) FROM _stale")[0]
    if stale:
        for kind in KINDS:
            con.execute(
                f"DELETE FROM _stage_{kind} WHERE order_id IN (SELECT order_id FROM _stale)"  # noqa: S608
            )
        log.warning("skipped %d orders the warehouse holds a later read of", stale)
    return stale


def stage_corrupt(
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
        con.execute(READ_CORRUPT_CHUNK_IDS, [reason, str(ids), READ_JSON_MAX_OBJECT_BYTES])
        reported.append((chunk, name, reason))
    con.execute(KEEP_UNSTAGED_CORRUPT)
    con.execute("DROP TABLE _corrupt_all")
    return reported


def split_not_found(con: duckdb.DuckDBPyConnection) -> None:
    """A 404 is a deletion (``deleted``) only for an order the warehouse knows; for any
    other (an ID nobody ever had, a typo in ``order_ids``) it stays ``not_found``.

    Decided against ``ops.known_orders`` before this load changes it, so loading the
    same run again decides the same way.
    """
    con.execute(DELETED_IF_KNOWN)
