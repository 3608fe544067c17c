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

import duckdb

from twentyfourseven.api import TwentyFourSevenOfficeClient
from twentyfourseven.api.resources import Resource
from twentyfourseven.duckdb_session import single_row
from twentyfourseven.warehouse.schema import (
    HISTORY_START,
    QUARANTINE_COLUMNS,
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


def watermark_name(resource: Resource) -> str:
    """The ``ops.watermark`` row of a resource listed by cursor."""
    return f"{resource.name}_{resource.cursor_column}"


@dataclass(frozen=True)
class ListingSummary:
    resource: str
    records: int
    quarantined: int
    complete: bool  # a full listing (not since a watermark)
    api_requests: int
    seconds: float

    def describe(self) -> str:
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
    before = client.stats.get("requests", 0)
    progress = Progress(f"List {resource.name}", None, unit="records", logger=log)
    pages = client.list_pages(resource, since=since)
    with ListingWriter(listing_dir(run_dir, resource), resource, run_id=run_id) as writer:
        for page in pages:
            for raw in page:
                writer.add(raw)
                progress.advance()
        requests = client.stats.get("requests", 0) - before
        listed_at = pages.server_time.isoformat() if pages.server_time else None
        manifest = writer.close(
            api_stats={"requests": requests}, complete=since is None, listed_at=listed_at
        )
    summary = ListingSummary(
        resource=resource.name,
        records=manifest.rows[resource.name],
        quarantined=manifest.rows["quarantine"],
        complete=since is None,
        api_requests=requests,
        seconds=progress.elapsed,
    )
    log.info("%s", summary.describe())
    return summary


@dataclass(frozen=True)
class ListingLoad:
    resource: str
    loaded: int
    quarantined: int
    tombstoned: int
    error: str | None = None  # why nothing was loaded (an unfinished or corrupt folder)


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
        return ListingLoad(resource.name, 0, 0, 0, error=str(exc))
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
        _move_watermark(con, resource, stage, manifest.notes.get("listed_at"), run_id)
    result = ListingLoad(
        name, manifest.rows[name], manifest.rows["quarantine"], int(tombstoned or 0)
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
) -> None:
    """Forward only, to the newest change loaded, never past when the listing was taken."""
    column = resource.cursor_column
    con.execute(
        "INSERT INTO ops.watermark "  # noqa: S608
        f"SELECT ?, least(max({column}), coalesce(?::TIMESTAMPTZ, max({column}))), ?, now() "
        f"FROM {stage} HAVING max({column}) IS NOT NULL "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, run_id = excluded.run_id, "
        "updated_at = excluded.updated_at WHERE excluded.value > watermark.value",
        [watermark_name(resource), listed_at, run_id],
    )
