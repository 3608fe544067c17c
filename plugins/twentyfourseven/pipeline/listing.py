"""Resources read as a listing (no children): extract the list into the run's staging
folder, then load it into the resource's ``raw`` table.

Everything here works from the :class:`~twentyfourseven.api.resources.Resource`
description alone: a new listed entity needs its description (and its SQL models and
sandbox data), no code here.

- **extract** lists every page (all of it, or what changed since the resource's
  watermark where it has a ``cursor``), validates each record with the resource's
  model and stages its typed row; an invalid record is staged for quarantine with
  the reason. The folder's manifest says whether the listing was complete and when
  the API's clock says it was taken.
- **load**, inside the caller's transaction: the listed records replace their
  previous version in ``raw.<name>`` (an upsert by key); after a *full* listing a
  record no longer listed is tombstoned (``deleted_at``), unless it was listed but
  quarantined; invalid records go to ``ops.quarantine`` (``kind`` is the resource's
  name, ``order_id`` empty) and are resolved by a later clean read of the same
  record; a listing by cursor moves the resource's watermark to the newest change it
  loaded, never past the listing's own time; a resource with ``history`` gets a new
  version in ``raw.<name>_history`` for each record whose columns changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from twentyfourseven.api import ApiError, TwentyFourSevenOfficeClient
from twentyfourseven.api.resources import LISTED, Resource
from twentyfourseven.duckdb_session import single_row, table_columns
from twentyfourseven.warehouse.schema import (
    HISTORY_START,
    QUARANTINE_COLUMNS,
    open_warehouse,
    raw_tables_ddl,
    staged_columns,
    typed_select,
)

from .progress import Progress
from .runfiles.staging import (
    READ_JSON_MAX_OBJECT_BYTES,
    CorruptChunkError,
    ListingWriter,
    listing_dir,
    verify_chunk,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListingSummary:
    resource: str
    records: int
    quarantined: int
    complete: bool  # a full listing (not since a watermark)
    api_requests: int
    seconds: float
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return f"{self.resource}: FAILED after {self.api_requests} API requests: {self.error}"
        scope = "full list" if self.complete else "changes since the watermark"
        return (
            f"{self.resource}: {self.records} records staged, {self.quarantined} quarantined "
            f"({scope}), {self.api_requests} API requests in {self.seconds:.1f} s"
        )


def extract_listing(
    client: TwentyFourSevenOfficeClient,
    resource: Resource,
    run_dir: Path,
    *,
    run_id: str,
    since: dt.datetime | None = None,
) -> ListingSummary:
    """List ``resource`` (changes from ``since``, or all) into the run's staging folder."""
    before = _api_calls(client)
    progress = Progress(f"List {resource.name}", None, unit="records", logger=log)
    pages = client.list_pages(resource, since=since)
    failed: dict[str, Any] | None = None
    with ListingWriter(listing_dir(run_dir, resource), resource, run_id=run_id) as writer:
        try:
            for page in pages:
                for raw in page:
                    writer.add(raw)
                    progress.advance()
        except ApiError as exc:  # sealed as failed: the load records it and loads nothing
            log.error("%s: listing failed: %s", resource.name, exc)
            failed = {
                "error_type": exc.error_type,
                "http_status": exc.status_code,
                "tracking_id": exc.tracking_id,
                "message": str(exc)[:4000],
            }
        requests = _api_calls(client) - before
        listed_at = pages.server_time.isoformat() if pages.server_time else None
        manifest = writer.close(
            api_stats={"requests": requests},
            complete=since is None,
            listed_at=listed_at,
            failed=failed,
        )
    summary = ListingSummary(
        resource=resource.name,
        records=manifest.rows[resource.name],
        quarantined=manifest.rows["quarantine"],
        complete=since is None,
        api_requests=requests,
        seconds=progress.elapsed,
        error=failed["message"] if failed else None,
    )
    log.info("%s", summary.describe())
    return summary


def _api_calls(client: TwentyFourSevenOfficeClient) -> int:
    """Requests to the API so far, retries included; the token endpoint's are not the API's."""
    stats = client.stats
    return stats.get("requests", 0) - stats.get("token_requests", 0)


@dataclass(frozen=True)
class ListingLoad:
    resource: str
    loaded: int
    quarantined: int
    tombstoned: int
    error: str | None = None  # why nothing was loaded (an unfinished or corrupt folder)
    status: str = "loaded"  # or "failed" (the API's error) or "corrupt" (the folder)
    complete: bool | None = None
    api_calls: int = 0
    failure: dict[str, Any] | None = None  # the API's error: type, status, trackingId
    staged_at: str | None = None  # when the listing was sealed (None: it never was)


def load_listing(
    con: duckdb.DuckDBPyConnection, resource: Resource, run_dir: Path, *, run_id: str
) -> ListingLoad:
    """Apply the run's listing of ``resource`` in the caller's transaction.

    A folder that is unfinished or does not match its manifest loads nothing and
    says why (the previous records stay, the next run lists again).
    """
    directory = listing_dir(run_dir, resource)
    try:
        manifest = verify_chunk(directory, (resource.name, "quarantine"))
    except CorruptChunkError as exc:
        log.error("%s: not loaded: %s", resource.name, exc)
        return ListingLoad(resource.name, 0, 0, 0, error=str(exc), status="corrupt")
    calls = int(manifest.api_stats.get("requests", 0))
    failure = manifest.notes.get("failed")
    if failure:
        log.error("%s: not loaded, the listing failed: %s", resource.name, failure["message"])
        return ListingLoad(
            resource.name,
            0,
            0,
            0,
            error=failure["message"],
            status="failed",
            api_calls=calls,
            failure=failure,
            staged_at=manifest.finished_at,
        )
    con.execute(raw_tables_ddl(resource))
    name, key = resource.name, resource.key
    stage = f"_stage_{name}"
    read = "read_json(?, columns = ?, format = 'newline_delimited', maximum_object_size = ?)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT * FROM {read} "  # noqa: S608
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY extracted_at DESC) = 1",
        [str(directory / f"{name}.ndjson"), staged_columns(resource), READ_JSON_MAX_OBJECT_BYTES],
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _stage_quarantine_{name} AS SELECT * FROM {read}",  # noqa: S608
        [str(directory / "quarantine.ndjson"), QUARANTINE_COLUMNS, READ_JSON_MAX_OBJECT_BYTES],
    )
    con.execute(f"DELETE FROM raw.{name} WHERE {key} IN (SELECT {key} FROM {stage})")  # noqa: S608
    con.execute(
        f"INSERT INTO raw.{name} BY NAME SELECT {typed_select(resource.columns)}, payload, "  # noqa: S608
        f"run_id, extracted_at, NULL AS deleted_at, NULL AS deleted_run_id FROM {stage}"
    )
    tombstoned = 0
    if manifest.notes.get("complete"):
        tombstoned = single_row(
            con,
            f"UPDATE raw.{name} SET deleted_at = ?::TIMESTAMPTZ, deleted_run_id = ? "  # noqa: S608
            f"WHERE deleted_at IS NULL AND {key} NOT IN (SELECT {key} FROM {stage}) "
            f"AND {key}::VARCHAR NOT IN (SELECT record_id::VARCHAR "
            f"FROM _stage_quarantine_{name} WHERE record_id IS NOT NULL)",
            [manifest.finished_at, run_id],
        )[0]
    con.execute("DELETE FROM ops.quarantine WHERE run_id = ? AND kind = ?", [run_id, name])
    con.execute(
        "INSERT INTO ops.quarantine BY NAME SELECT ? AS run_id, NULL AS order_id, kind, "  # noqa: S608
        "record_id, coalesce(reason, 'no reason given') AS reason, payload, "
        f"extracted_at AS quarantined_at, NULL AS resolved_run_id FROM _stage_quarantine_{name}",
        [run_id],
    )
    con.execute(
        "UPDATE ops.quarantine SET resolved_run_id = ? "  # noqa: S608
        "WHERE resolved_run_id IS NULL AND run_id <> ? AND kind = ? "
        f"AND record_id::VARCHAR IN (SELECT {key}::VARCHAR FROM {stage})",
        [run_id, run_id, name],
    )
    if resource.history:
        _keep_history(con, resource, stage, run_id)
    if resource.cursor_column:
        listed_at = manifest.notes.get("listed_at")
        _move_watermark(con, resource, stage, listed_at, run_id, manifest.finished_at)
    result = ListingLoad(
        name,
        manifest.rows[name],
        manifest.rows["quarantine"],
        int(tombstoned or 0),
        complete=bool(manifest.notes.get("complete")),
        api_calls=calls,
        staged_at=manifest.finished_at,
    )
    for table in (stage, f"_stage_quarantine_{name}"):
        con.execute(f"DROP TABLE {table}")
    log.info(
        "%s: %d records loaded, %d quarantined, %d tombstoned",
        name,
        result.loaded,
        result.quarantined,
        result.tombstoned,
    )
    return result


def _keep_history(
    con: duckdb.DuckDBPyConnection, resource: Resource, stage: str, run_id: str
) -> None:
    """A new version for each listed record whose columns differ from its current one,
    valid from when it changed (its ``modified_at``, else when it was read; the first
    version seen of a record from :data:`HISTORY_START`); the version it replaces, and
    that of a record tombstoned by this run, valid until then."""
    name, key = resource.name, resource.key
    history = f"raw.{name}_history"
    columns = ", ".join(c.name for c in resource.columns)
    values = ", ".join(f"r.{c.name}" for c in resource.columns)
    current = ", ".join(f"h.{c.name}" for c in resource.columns)
    changed = f"r.{resource.changed_column}" if resource.changed_column else "r.extracted_at"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _versions_{name} AS "  # noqa: S608
        f"SELECT {values}, CASE WHEN NOT EXISTS (SELECT 1 FROM {history} x "
        f"WHERE x.{key} = r.{key}) THEN ?::TIMESTAMPTZ "
        f"ELSE greatest(coalesce({changed}, r.extracted_at), "
        "h.valid_from + INTERVAL 1 MICROSECOND) END AS valid_from "
        f"FROM raw.{name} r LEFT JOIN {history} h ON h.{key} = r.{key} AND h.valid_to IS NULL "
        f"WHERE r.{key} IN (SELECT {key} FROM {stage}) "
        f"AND (h.{key} IS NULL OR ({values}) IS DISTINCT FROM ({current}))",
        [HISTORY_START],
    )
    con.execute(
        f"UPDATE {history} SET valid_to = v.valid_from FROM _versions_{name} v "  # noqa: S608
        f"WHERE {history}.{key} = v.{key} AND {history}.valid_to IS NULL"
    )
    con.execute(
        f"INSERT INTO {history} BY NAME SELECT {columns}, valid_from, "  # noqa: S608
        f"NULL AS valid_to, ? AS run_id FROM _versions_{name}",
        [run_id],
    )
    con.execute(
        f"UPDATE {history} SET valid_to = r.deleted_at FROM raw.{name} r "  # noqa: S608
        f"WHERE {history}.{key} = r.{key} AND {history}.valid_to IS NULL "
        "AND r.deleted_run_id = ?",
        [run_id],
    )
    con.execute(f"DROP TABLE _versions_{name}")


def _move_watermark(
    con: duckdb.DuckDBPyConnection,
    resource: Resource,
    stage: str,
    listed_at: str | None,
    run_id: str,
    staged_at: str,
) -> None:
    """Forward only, to the newest change loaded, never past when the listing was taken."""
    column = resource.cursor_column
    con.execute(
        "INSERT INTO ops.watermark "  # noqa: S608
        f"SELECT ?, least(max({column}), coalesce(?::TIMESTAMPTZ, max({column}))), ?, "
        f"?::TIMESTAMPTZ FROM {stage} HAVING max({column}) IS NOT NULL "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, run_id = excluded.run_id, "
        "updated_at = excluded.updated_at WHERE excluded.value > watermark.value",
        [resource.watermark_name, listed_at, run_id, staged_at],
    )


def plan_listings(
    con: duckdb.DuckDBPyConnection | None,
    *,
    every_runs: int,
    mode: str,
    overlap: dt.timedelta,
    resources: tuple[Resource, ...] = LISTED,
) -> dict[str, str | None]:
    """The listed resources this run reads, each with when to list its changes from
    (its watermark minus ``overlap``; None: the whole list).

    Read every ``every_runs`` runs (0: never), counted from the last run that loaded
    them; always on a full refresh, which also lists everything whole, as does a
    resource with records still in quarantine (so that they are read again).
    """
    if every_runs <= 0 and mode != "full_refresh":
        return {}
    if con is not None and mode != "full_refresh" and every_runs > 1 and _has_ledger(con):
        since_last = single_row(
            con,
            "SELECT count(*) FROM ops.runs WHERE started_at > coalesce((SELECT max(staged_at) "
            "FROM ops.listings WHERE status = 'loaded'), '-infinity'::TIMESTAMPTZ)",
        )[0]
        has_loaded = single_row(con, "SELECT count(*) FROM ops.listings")[0]
        if has_loaded and since_last + 1 < every_runs:
            return {}
    plan: dict[str, str | None] = {}
    for resource in resources:
        since = None
        if resource.cursor and con is not None and mode != "full_refresh":
            # A quarantined record is listed again only by a full list: its change time
            # is behind the watermark until it changes again.
            row = con.execute(
                "SELECT value FROM ops.watermark WHERE name = ? AND NOT EXISTS (SELECT 1 "
                "FROM ops.quarantine WHERE kind = ? AND resolved_run_id IS NULL)",
                [resource.watermark_name, resource.name],
            ).fetchone()
            since = (row[0] - overlap).isoformat() if row else None
        plan[resource.name] = since
    return plan


def _has_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has ``ops.listings`` yet (a read-only plan cannot create it)."""
    return bool(table_columns(con, "ops", "listings"))


def load_listings(
    warehouse: Path,
    run_dir: Path,
    listings: dict[str, str | None],
    *,
    run_id: str,
    planned_at: str,
    memory_limit: str | None = None,
    resources: tuple[Resource, ...] = LISTED,
) -> list[ListingLoad]:
    """Load each of the run's listings in its own transaction, after the orders: one
    that fails never holds back the others or the orders. Each gets its row in
    ``ops.listings``, and the run's ``ops.runs`` row the totals. Every time written
    comes from the staging files (a listing never sealed: ``planned_at``), so loading
    the same run again leaves every table identical."""
    by_name = {resource.name: resource for resource in resources}
    results = []
    con = open_warehouse(warehouse, memory_limit=memory_limit)
    try:
        for name in listings:
            con.execute("BEGIN TRANSACTION")
            try:
                result = load_listing(con, by_name[name], run_dir, run_id=run_id)
                _record(con, result, run_id, planned_at)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            results.append(result)
        con.execute(
            "UPDATE ops.runs SET master_data_records = s.records, "
            "master_data_api_calls = s.calls, master_data_failed = s.failed FROM ("
            "SELECT sum(records) AS records, sum(api_calls) AS calls, "
            "count(*) FILTER (WHERE status <> 'loaded') AS failed "
            "FROM ops.listings WHERE run_id = ?) s WHERE ops.runs.run_id = ?",
            [run_id, run_id],
        )
    finally:
        con.close()
    return results


def _record(
    con: duckdb.DuckDBPyConnection, result: ListingLoad, run_id: str, planned_at: str
) -> None:
    failure = result.failure or {}
    con.execute(
        "INSERT OR REPLACE INTO ops.listings VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMPTZ)",
        [
            run_id,
            result.resource,
            result.status,
            result.complete,
            result.loaded,
            result.quarantined,
            result.tombstoned,
            result.api_calls,
            failure.get("error_type") or ("CorruptStaging" if result.status == "corrupt" else None),
            failure.get("http_status"),
            failure.get("tracking_id"),
            result.error,
            result.staged_at or planned_at,
        ],
    )
