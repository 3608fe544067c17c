"""The DAG's tasks as plain functions of the run ID: what each task does, without
Airflow's context, so it can be tested and reused. Settings default to
:meth:`PipelineSettings.load` (Airflow Variables, then environment).

Each task works on the run folder through :func:`~.runfiles.transfer.local_run_folder`:
the folder itself where staging is local, a local copy of the part it needs where
staging is in object storage (sent back, seals last, when the task succeeds)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from twentyfourseven.deployment import PipelineSettings, airflow_variable
from twentyfourseven.hooks import TwentyFourSevenOfficeHook
from twentyfourseven.pipeline.runfiles.runplan import (
    PLAN_FILE,
    RunPlan,
    chunk_ids_path,
    run_staging_dir,
)
from twentyfourseven.pipeline.runfiles.transfer import everything, local_run_folder, nothing

from .extract import extract_chunk
from .listing import extract_listing, load_listings
from .plan import RunRequest, plan_run

log = logging.getLogger(__name__)


def _settings(settings: PipelineSettings | None) -> PipelineSettings:
    return settings or PipelineSettings.load(airflow_variable)


@contextlib.contextmanager
def _creating_files(settings: PipelineSettings) -> Iterator[None]:
    """Files created meanwhile get ``file_mode`` whatever the worker's umask: DuckDB's
    own files (WAL, spill) can be held to it in no other way."""
    previous = os.umask(settings.umask)
    try:
        yield
    finally:
        os.umask(previous)


@contextlib.contextmanager
def _run_folder(
    settings: PipelineSettings, run_id: str, fetch: Callable[[str], bool]
) -> Iterator[Path]:
    """The run folder to work in, with files created at ``file_mode``; a local copy, in
    the data folder, where staging is in object storage."""
    with (
        _creating_files(settings),
        local_run_folder(
            settings.staging, run_id, scratch=settings.warehouse.parent, fetch=fetch
        ) as run_dir,
    ):
        yield run_dir


def plan_step(
    run_id: str, params: dict[str, Any], settings: PipelineSettings | None = None
) -> list[int]:
    """Plan the run; the chunk numbers to extract.

    Params no run can be made of raise :class:`InvalidRunRequestError` before any
    request (the DAG fails the task without retries).
    """
    settings = _settings(settings)
    request = RunRequest.from_params(params, max_order_ids=settings.max_order_ids)
    hook = TwentyFourSevenOfficeHook(settings.conn_id)
    try:
        with _run_folder(settings, run_id, nothing) as run_dir:
            run_plan = plan_run(
                hook.get_conn(),
                run_id=run_id,
                run_dir=run_dir,
                request=request,
                settings=settings,
            )
    finally:
        hook.close()
    return list(range(run_plan.chunks))


def budget_share(plan: RunPlan, parallel: int) -> int:
    """How many clients share the connection's rate budget while a run extracts: the
    extract tasks at once (at most ``parallel``, at most one per chunk), plus the
    master-data task when the run reads master data."""
    return max(1, min(parallel, plan.chunks)) + (1 if plan.listings else 0)


def extract_step(
    run_id: str, chunk: int, parallel: int, settings: PipelineSettings | None = None
) -> dict[str, Any]:
    """Extract one chunk, with 1/``parallel`` of the rate budget (as many share it)."""
    settings = _settings(settings)
    reads = {PLAN_FILE, chunk_ids_path(Path(), chunk).name}
    with _run_folder(settings, run_id, reads.__contains__) as run_dir:
        hook = TwentyFourSevenOfficeHook(
            settings.conn_id, budget_share=budget_share(RunPlan.read(run_dir), parallel)
        )
        try:
            summary = extract_chunk(hook.get_conn(), run_dir, chunk)
        finally:
            hook.close()
    return {"chunk": chunk, "orders": summary.orders, "statuses": summary.statuses}


def extract_master_data_step(
    run_id: str, parallel: int = 1, settings: PipelineSettings | None = None
) -> dict[str, Any]:
    """List the master data the plan chose into the run's staging folder, with its share
    of the rate budget beside the extract tasks; a resource whose listing fails is
    sealed as failed (the load records why) and the others go on."""
    from twentyfourseven.api.resources import LISTED

    settings = _settings(settings)
    by_name = {resource.name: resource for resource in LISTED}
    summaries = []
    with _run_folder(settings, run_id, {PLAN_FILE}.__contains__) as run_dir:
        plan = RunPlan.read(run_dir)
        listings = plan.listings
        hook = TwentyFourSevenOfficeHook(
            settings.conn_id, budget_share=budget_share(plan, parallel)
        )
        try:
            client = hook.get_conn()
            for name, since in listings.items():
                start = dt.datetime.fromisoformat(since) if since else None
                summaries.append(
                    extract_listing(client, by_name[name], run_dir, run_id=run_id, since=start)
                )
        finally:
            hook.close()
    return {
        summary.resource: {"records": summary.records, "failed": summary.error is not None}
        for summary in summaries
    }


def load_step(run_id: str, settings: PipelineSettings | None = None) -> dict[str, Any]:
    """Load the run's staging files (the orders, then each master-data listing in its
    own transaction), then apply the staging retention."""
    from twentyfourseven.pipeline.load import load_run
    from twentyfourseven.pipeline.runfiles.retention import prune_staging, remove_staging

    settings = _settings(settings)
    with _run_folder(settings, run_id, everything) as run_dir:
        summary = load_run(  # logs its own summary
            settings.warehouse,
            run_dir,
            run_id=run_id,
            memory_limit=settings.load_memory_limit,
        )
        listed = []
        if not summary.already_loaded:
            plan = RunPlan.read(run_dir)
            listed = load_listings(
                settings.warehouse,
                run_dir,
                plan.listings,
                run_id=plan.run_id,
                planned_at=plan.started_at,
                memory_limit=settings.load_memory_limit,
            )
    if not summary.already_loaded and settings.staging_retention_days <= 0:
        remove_staging(run_staging_dir(settings.staging, run_id), staging_root=settings.staging)
    prune_staging(settings.staging, settings.staging_retention_days)
    return {
        "run_id": run_id,
        "mode": summary.mode,
        "already_loaded": summary.already_loaded,
        "orders_ok": summary.orders_ok,
        "orders_deleted": summary.orders_deleted,
        "orders_not_found": summary.orders_not_found,
        "orders_failed": summary.orders_failed,
        "orders_quarantined": summary.orders_quarantined,
        "lines_loaded": summary.lines_loaded,
        "watermark_note": summary.watermark_note,
        "deletion_check": summary.deletion_check,
        "deletion_candidates": summary.deletion_candidates,
        "deleted_confirmed": summary.deleted_confirmed,
        "master_data": {
            result.resource: {"status": result.status, "records": result.loaded}
            for result in listed
        },
    }


def transform_step(
    settings: PipelineSettings | None = None, *, mode: str | None = None
) -> dict[str, Any]:
    """Build the SQL models in ``sql/`` and run the data tests; a failing test fails the task.

    ``mode`` is the run's (the load's summary says it): after an ``incremental`` load the
    incremental facts update only the orders it changed and the row-level data tests check
    only those; after a ``full_refresh`` or ``reconcile`` load, or with no mode (a manual
    transform), every model is rebuilt and every row tested."""
    from twentyfourseven.warehouse.model_runner import run_models

    settings = _settings(settings)
    with _creating_files(settings):
        summary = run_models(settings.warehouse, incremental=mode == "incremental")
    log.info("%s", summary.describe())
    return summary.as_dict()


def publish_step(settings: PipelineSettings | None = None) -> dict[str, Any]:
    """Publish the read-only snapshot (atomically), then the dashboard rendered from it."""
    from twentyfourseven.report import render_dashboard
    from twentyfourseven.warehouse.snapshot import publish_snapshot

    settings = _settings(settings)
    with _creating_files(settings):
        snapshot = publish_snapshot(settings.warehouse, settings.snapshot, mode=settings.file_mode)
        dashboard = render_dashboard(settings.snapshot, settings.dashboard, mode=settings.file_mode)
    log.info("Published dashboard %s", dashboard)
    return {
        "snapshot": str(snapshot.path),
        "dashboard": str(dashboard),
        "orders": snapshot.orders,
        "lines": snapshot.lines,
        "snapshot_kind": snapshot.kind,
        "snapshot_reason": snapshot.reason,
        "changed_orders": snapshot.changed_orders,
    }
