"""Load: apply one run's staging files to the warehouse, in one transaction.

The single writer of the ``raw`` and ``ops`` tables (the DAG runs it in an
Airflow pool of one slot). :func:`load_run` reads ``<staging>/<run>/plan.json``,
verifies every chunk against its manifest, and then, in one DuckDB transaction
and with DuckDB's bulk JSON reader (no row-by-row inserts):

- upserts the headers of orders read ``ok`` into ``raw.sales_orders`` (an order
  that comes back is live again) and tombstones the known orders the API answered
  404 (``deleted``); a 404 for an order the warehouse never held is ``not_found``:
  counted, with nothing to tombstone and nothing to read again; a deletion
  candidate of the plan (a known order missing from its ID listing) is tombstoned
  only on that 404, and the ledger counts what its ``GET`` said (:mod:`.deletions`);
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

The steps live beside this module: :mod:`.load_stage` (verified chunks into temp
tables), :mod:`.load_apply` (the writes), :mod:`.load_summary` (the result and its
ledger row) and :mod:`.runfiles.retention` (the staging folders afterwards).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace
from pathlib import Path

import duckdb

from twentyfourseven.duckdb_session import single_row
from twentyfourseven.warehouse.ops_state import current_watermark
from twentyfourseven.warehouse.schema import open_warehouse

from .deletions import confirm_candidates
from .load_apply import apply_run, move_watermark
from .load_stage import (
    KINDS,
    Chunks,
    check_chunks,
    create_stage_tables,
    drop_stale,
    quarantine_duplicate_lines,
    split_not_found,
    stage_corrupt,
)
from .load_summary import LoadSummary, already_loaded, parse_time, watermark_note, write_ledger
from .runfiles.retention import mark_loaded
from .runfiles.runplan import PLAN_FILE, RunPlan
from .runfiles.staging import LINES

log = logging.getLogger(__name__)


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
        return already_loaded(warehouse, run_dir, run_id)
    plan = RunPlan.read(run_dir)
    clock = time.monotonic()
    chunks = check_chunks(run_dir, plan)
    for _, _, reason in chunks.corrupt:
        log.error("not loading %s", reason)
    staged_at = max(
        (m.finished_at for m in chunks.manifests), key=parse_time, default=plan.started_at
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
    mark_loaded(run_dir, summary)
    for line in summary.as_log_lines():
        log.info("%s", line)
    if summary.watermark_note:
        log.warning("%s", summary.watermark_note)
    return summary


def _load(
    con: duckdb.DuckDBPyConnection,
    plan: RunPlan,
    run_dir: Path,
    chunks: Chunks,
    staged_at: str,
    clock: float,
) -> LoadSummary:
    run_id = plan.run_id
    create_stage_tables(con, chunks)
    log.info("staged run %s in %.2fs; applying", run_id, time.monotonic() - clock)
    quarantine_duplicate_lines(con)
    split_not_found(con)
    # The ledger counts what the run read, also for orders a later run already holds.
    statuses = dict(
        con.execute("SELECT status, count(*) FROM _stage_outcomes GROUP BY status").fetchall()
    )
    lines = single_row(con, f"SELECT count(*) FROM _stage_{LINES}")[0]  # noqa: S608
    confirmed = confirm_candidates(con, plan.deletion_candidates)
    stale = drop_stale(con, run_id)
    corrupt = stage_corrupt(con, run_dir, chunks.corrupt)
    apply_run(con, run_id, staged_at)
    watermark_at_load = current_watermark(con)
    move_watermark(con, plan, staged_at, complete=not corrupt)
    watermark_after = current_watermark(con)
    corrupt_orders = single_row(con, "SELECT count(*) FROM _corrupt")[0]
    finished = dt.datetime.now(dt.UTC)
    started = parse_time(plan.started_at)
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
        watermark_before=parse_time(plan.watermark_before),
        watermark_after=watermark_after,
        watermark_advanced=watermark_after != watermark_at_load,
        listed_at=parse_time(plan.listed_at),
        watermark_note=watermark_note(plan, watermark_after),
        started_at=started,
        finished_at=finished,
        duration_seconds=(finished - started).total_seconds() if started else None,
        sources=dict(plan.sources),
        deletion_check=plan.deletion_check,
        deletion_check_calls=plan.deletion_check_calls + len(plan.deletion_candidates),
        deletion_candidates=len(plan.deletion_candidates),
        deleted_confirmed=confirmed.deleted,
        deletion_unconfirmed=confirmed.unconfirmed,
        deletion_check_note=plan.deletion_check_note,
    )
    write_ledger(con, summary)
    for table in (*(f"_stage_{kind}" for kind in KINDS), "_dup_lines", "_stale", "_corrupt"):
        con.execute(f"DROP TABLE {table}")
    return summary
