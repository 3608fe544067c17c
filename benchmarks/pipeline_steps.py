"""The pipeline's steps, one per child process, for the harness: each prints one JSON
line with its timings and its own peak RSS (``VmHWM``).

    stage      plan (full refresh) + extract every chunk against a running sandbox
    replicate  make an N-times larger run from a staged one (shifted order and line IDs)
    plan       a full-refresh plan, chunked as the DAG does (or into one chunk)
    extract    extract_chunk of chunk 0 alone in its process (peak RSS of one extract task)
    load       load_run of a staged run into a fresh warehouse
    ceiling    DuckDB's own bulk read of the same lines files into a table
    ceiling_all  the same for every staging file the load reads (orders, lines, outcomes,
               quarantine), one table each
    dlt_load   dlt's DuckDB destination loading the same line records
    calls      API calls of incremental runs: K changed orders among M known
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import peak_rss_mb

RUN_ID = "bench__full"


def _settings(data: Path, **overrides: Any):
    from twentyfourseven.deployment import PipelineSettings

    values = {
        "warehouse": data / "warehouse.duckdb",
        "staging": data / "staging",
        "snapshot": data / "snapshot.duckdb",
        "dashboard": data / "dashboard.html",
        **overrides,
    }
    return PipelineSettings(**values)


def _client(args: argparse.Namespace):
    from twentyfourseven.api import TwentyFourSevenOfficeClient

    return TwentyFourSevenOfficeClient(
        "sandbox-client",
        "sandbox-secret",
        "sandbox-org",
        base_url=args.base_url,
        token_url=args.token_url,
        rate_limit=None,
        max_concurrency=8,
    )


def _plan_and_extract(
    args, settings, run_id: str, request=None, master_data: bool = False
) -> dict[str, Any]:
    from twentyfourseven.pipeline.extract import extract_chunk
    from twentyfourseven.pipeline.plan import RunRequest, plan_run
    from twentyfourseven.pipeline.runfiles.runplan import run_folder_name

    run_dir = settings.staging / run_folder_name(run_id)
    started = time.perf_counter()
    with _client(args) as client:
        plan = plan_run(
            client,
            run_id=run_id,
            run_dir=run_dir,
            request=request or RunRequest(),
            settings=settings,
        )
    plan_seconds = time.perf_counter() - started
    lines = 0
    for chunk in range(plan.chunks):
        with _client(args) as client:  # one client per chunk, as the DAG's mapped tasks
            lines += extract_chunk(client, run_dir, chunk, progress_interval=1e9).lines
    listings = _extract_listings(args, run_dir, run_id, plan.listings) if master_data else {}
    return {
        "run_dir": str(run_dir),
        "mode": plan.mode,
        "orders": plan.orders_requested,
        "chunks": plan.chunks,
        "sources": plan.sources,
        "deletion_check_calls": plan.deletion_check_calls,
        "lines": lines,
        "listings": listings,
        "plan_seconds": round(plan_seconds, 3),
        "extract_seconds": round(time.perf_counter() - started - plan_seconds, 3),
    }


def _extract_listings(
    args, run_dir: Path, run_id: str, chosen: dict[str, str | None]
) -> dict[str, dict[str, Any]]:
    """The master data the plan chose, listed as the DAG's master-data task lists it (one
    client for all lists); per list its records and API requests, and the fewest requests
    its paging allows for that many records (one per page of DEFAULT_PAGE_SIZE; a page/limit
    list also needs the short page that ends it)."""
    import datetime as dt

    from twentyfourseven.api.constants import DEFAULT_PAGE_SIZE
    from twentyfourseven.api.resources import LISTED
    from twentyfourseven.api.resources.base import Paging
    from twentyfourseven.pipeline.listing import extract_listing

    by_name = {resource.name: resource for resource in LISTED}
    out: dict[str, dict[str, Any]] = {}
    with _client(args) as client:
        for name, since in chosen.items():
            resource = by_name[name]
            summary = extract_listing(
                client,
                resource,
                run_dir,
                run_id=run_id,
                since=dt.datetime.fromisoformat(since) if since else None,
            )
            listed = summary.records + summary.quarantined
            minimum = {
                Paging.LINK: max(1, math.ceil(listed / DEFAULT_PAGE_SIZE)),
                Paging.PAGE: listed // DEFAULT_PAGE_SIZE + 1,
                Paging.NONE: 1,
            }[resource.paging]
            out[name] = {
                "records": listed,
                "incremental": since is not None,
                "requests": summary.api_requests,
                "minimum": minimum,
            }
    return out


def stage(args: argparse.Namespace) -> dict[str, Any]:
    data = Path(args.data)
    settings = _settings(data, max_chunks=args.chunks, min_chunk_size=1)
    return _plan_and_extract(args, settings, RUN_ID)


def plan(args: argparse.Namespace) -> dict[str, Any]:
    """A full-refresh plan, cut as the DAG cuts it (``--chunking dag``: the default
    settings, 16 chunks at most) or into one chunk of every order (``--chunking one``)."""
    from twentyfourseven.pipeline.plan import RunRequest, plan_run
    from twentyfourseven.pipeline.runfiles.runplan import run_folder_name

    settings = _extract_settings(args)
    run_dir = settings.staging / run_folder_name(RUN_ID)
    started = time.perf_counter()
    with _client(args) as client:
        made = plan_run(
            client, run_id=RUN_ID, run_dir=run_dir, request=RunRequest(), settings=settings
        )
    return {
        "orders": made.orders_requested,
        "chunks": made.chunks,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _extract_settings(args: argparse.Namespace):
    if args.chunking == "one":
        return _settings(Path(args.data), max_chunks=1, min_chunk_size=10**9)
    return _settings(Path(args.data))  # the DAG's defaults: 16 chunks, 500 orders at least


def extract(args: argparse.Namespace) -> dict[str, Any]:
    """``extract_chunk`` of chunk 0 of the plan made by ``plan``, alone in this process:
    the peak RSS of one extract task."""
    from twentyfourseven.pipeline.extract import extract_chunk
    from twentyfourseven.pipeline.runfiles.runplan import RunPlan, read_chunk_ids, run_folder_name

    run_dir = _extract_settings(args).staging / run_folder_name(RUN_ID)
    plan_made = RunPlan.read(run_dir)
    in_chunk = sum(1 for _ in read_chunk_ids(run_dir, 0))
    baseline = peak_rss_mb()
    started = time.perf_counter()
    with _client(args) as client:
        summary = extract_chunk(client, run_dir, 0, progress_interval=1e9)
    seconds = time.perf_counter() - started
    return {
        "orders": plan_made.orders_requested,
        "chunks": plan_made.chunks,
        "orders_in_chunk": in_chunk,
        "lines": summary.lines,
        "seconds": round(seconds, 2),
        "lines_per_second": round(summary.lines / seconds),
        "orders_per_second": round(in_chunk / seconds),
        "rss_before_extract_mb": round(baseline, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def replicate(args: argparse.Namespace) -> dict[str, Any]:
    """Copy a staged run ``--times`` times with order IDs shifted by 10,000,000 per copy
    (line IDs by 100 times that), re-hashing the files and rewriting the manifests."""
    import orjson

    from twentyfourseven.pipeline.runfiles.runplan import RunPlan
    from twentyfourseven.pipeline.runfiles.staging import FILES, MANIFEST, chunk_dir

    source, target = Path(args.source), Path(args.target)
    plan = RunPlan.read(source)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    started = time.perf_counter()
    chunks = 0
    rows_total = 0
    for copy in range(args.times):
        shift = copy * 10_000_000
        for chunk in range(plan.chunks):
            src = chunk_dir(source, chunk)
            dst = chunk_dir(target, chunks)
            dst.mkdir()
            manifest = json.loads((src / MANIFEST).read_text())
            for name in FILES:
                digest = hashlib.blake2b()
                rows = 0
                with (
                    (src / f"{name}.ndjson").open("rb") as inp,
                    (dst / f"{name}.ndjson").open("wb") as out,
                ):
                    for line in inp:
                        if shift:
                            row = orjson.loads(line)
                            row["order_id"] += shift
                            if row.get("line_id") is not None:
                                row["line_id"] += shift * 100
                            if isinstance(row.get("record_id"), int):
                                row["record_id"] += shift
                            line = orjson.dumps(row) + b"\n"
                        out.write(line)
                        digest.update(line)
                        rows += 1
                manifest["rows"][name] = rows
                manifest["blake2b"][name] = digest.hexdigest()
                rows_total += rows
            manifest["chunk"] = chunks
            (dst / MANIFEST).write_text(json.dumps(manifest, indent=2))
            chunks += 1
    plan_data = json.loads((source / "plan.json").read_text())
    plan_data.update(chunks=chunks, orders_requested=plan.orders_requested * args.times)
    (target / "plan.json").write_text(json.dumps(plan_data, indent=2))
    return {
        "orders": plan.orders_requested * args.times,
        "chunks": chunks,
        "rows": rows_total,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _lines_files(run_dir: Path) -> list[str]:
    from twentyfourseven.pipeline.runfiles.staging import LINES

    return sorted(str(p) for p in run_dir.glob(f"chunk-*/{LINES}.ndjson"))


def _count_lines(files: list[str]) -> int:
    total = 0
    for name in files:
        with open(name, "rb") as handle:
            total += sum(1 for _ in handle)
    return total


class _Phases(logging.Handler):
    """Times of load_run's own log lines: checksums verified, files staged, then applied."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.marks: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for key, prefix in (("verified", "loading run"), ("staged", "staged run")):
            if message.startswith(prefix) and key not in self.marks:
                self.marks[key] = time.perf_counter()


def load(args: argparse.Namespace) -> dict[str, Any]:
    from twentyfourseven.deployment import PipelineSettings
    from twentyfourseven.pipeline.load import load_run

    run_dir = Path(args.run_dir)
    lines = _count_lines(_lines_files(run_dir))
    phases = _Phases()
    logger = logging.getLogger("twentyfourseven.pipeline.load")
    logger.addHandler(phases)
    logger.setLevel(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="bench-load-", dir=args.tmp) as folder:
        warehouse = Path(folder) / "warehouse.duckdb"
        started = time.perf_counter()
        summary = load_run(  # with the DAG's memory limit
            warehouse, run_dir, run_id=RUN_ID, memory_limit=PipelineSettings.load_memory_limit
        )
        seconds = time.perf_counter() - started
        size = warehouse.stat().st_size
    verified = phases.marks.get("verified", started)
    staged = phases.marks.get("staged", verified)
    return {
        "phase_seconds": {
            "verify_checksums": round(verified - started, 3),
            "stage_files": round(staged - verified, 3),
            "apply_and_commit": round(started + seconds - staged, 3),
        },
        "lines": lines,
        "lines_loaded": summary.lines_loaded,
        "orders_ok": summary.orders_ok,
        "seconds": round(seconds, 3),
        "lines_per_second": round(lines / seconds),
        "warehouse_mb": round(size / 2**20, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def ceiling(args: argparse.Namespace) -> dict[str, Any]:
    """DuckDB's own ``read_json`` of the run's files, same columns, straight into new
    tables: the lines files only (``ceiling``) or every staging file the load reads
    (``ceiling_all``: orders, lines, outcomes, quarantine)."""
    import duckdb

    from twentyfourseven.pipeline.load_stage import COLUMNS
    from twentyfourseven.pipeline.runfiles.staging import FILES, LINES

    run_dir = Path(args.run_dir)
    kinds = FILES if args.command == "ceiling_all" else (LINES,)
    files = {kind: sorted(str(p) for p in run_dir.glob(f"chunk-*/{kind}.ndjson")) for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="bench-ceiling-", dir=args.tmp) as folder:
        con = duckdb.connect(str(Path(folder) / "ceiling.duckdb"))
        started = time.perf_counter()
        for kind in kinds:
            con.execute(
                f"CREATE TABLE {kind} AS SELECT * FROM read_json(?, columns = ?, "  # noqa: S608
                "format = 'newline_delimited')",
                [files[kind], COLUMNS[kind]],
            )
        seconds = time.perf_counter() - started
        lines = con.execute(f"select count(*) from {LINES}").fetchone()[0]  # noqa: S608
        con.close()
    return {
        "lines": lines,
        "seconds": round(seconds, 3),
        "lines_per_second": round(lines / seconds),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


ceiling_all = ceiling


def dlt_load(args: argparse.Namespace) -> dict[str, Any]:
    """dlt's DuckDB destination given the same line records as Python dicts (read before
    the clock starts: dlt is not charged for parsing the files); ``--repeat`` runs in this
    process, each into a new pipeline and database (dlt's import time is not charged)."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    import orjson

    records = []
    for name in _lines_files(Path(args.run_dir)):
        with open(name, "rb") as handle:
            records.extend(orjson.loads(line) for line in handle)
    runs = []
    for repeat in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-dlt-", dir=args.tmp) as folder:
            pipeline = dlt.pipeline(
                pipeline_name=f"bench_lines_{repeat}",
                destination=dlt.destinations.duckdb(str(Path(folder) / "dlt.duckdb")),
                dataset_name="raw",
                pipelines_dir=str(Path(folder) / "pipelines"),
            )
            started = time.perf_counter()
            pipeline.run(
                records,
                table_name="sales_order_lines",
                write_disposition=args.disposition,
                primary_key=("order_id", "line_id") if args.disposition == "merge" else None,
            )
            seconds = time.perf_counter() - started
        runs.append(
            {
                "lines": len(records),
                "disposition": args.disposition,
                "seconds": round(seconds, 3),
                "lines_per_second": round(len(records) / seconds),
            }
        )
    return {"runs": runs, "peak_rss_mb": round(peak_rss_mb(), 1)}


def _load_with_listings(settings, run_dir: str, run_id: str) -> None:
    """Load a run's orders, then its master-data listings (which move their watermarks), as
    the DAG's load task does."""
    from twentyfourseven.pipeline.listing import load_listings
    from twentyfourseven.pipeline.load import load_run
    from twentyfourseven.pipeline.runfiles.runplan import RunPlan

    load_run(settings.warehouse, Path(run_dir), run_id=run_id)
    plan = RunPlan.read(Path(run_dir))
    load_listings(
        settings.warehouse, Path(run_dir), plan.listings, run_id=run_id, planned_at=plan.started_at
    )


def calls(args: argparse.Namespace) -> dict[str, Any]:
    """First a full refresh of the sandbox's M orders and its master data; then ``--runs``
    incremental runs, each after the sandbox changed K orders (and, as its change simulation
    does, some master data), counted by the sandbox per endpoint."""
    import httpx

    admin = httpx.Client(base_url=args.base_url.removesuffix("/v1") + "/_sandbox", timeout=60)
    data = Path(args.data)
    settings = _settings(data)
    first = _plan_and_extract(args, settings, "bench__calls_0", master_data=True)
    _load_with_listings(settings, first["run_dir"], "bench__calls_0")
    known = first["orders"]
    runs = []
    for run in range(1, args.runs + 1):
        changed = admin.post(
            "/changes", json={"advance_seconds": 3600, "edit_orders": args.changed / known}
        ).json()
        edited = len(changed["edited_orders"])
        admin.delete("/counters")
        result = _plan_and_extract(args, settings, f"bench__calls_{run}", master_data=True)
        counted = admin.get("/counters").json()
        _load_with_listings(settings, result["run_dir"], f"bench__calls_{run}")
        per = {name: e["requests"] for name, e in counted["endpoints"].items()}
        pages = per.get("list_orders", 0)
        minimum_pages = max(1, math.ceil(edited / 100))
        master = result["listings"]
        master_calls = sum(listing["requests"] for listing in master.values())
        master_minimum = sum(listing["minimum"] for listing in master.values())
        # the orders' calls as before master data was read: its lists and its task's token
        # are counted apart, against their own minimum
        orders_calls = counted["total"] - master_calls - 1
        # The deletion check lists every order ID: one page per 1,000 known orders at least.
        check_minimum = math.ceil(known / 1000) if result["deletion_check_calls"] else 0
        minimum = edited + minimum_pages + check_minimum + 1
        runs.append(
            {
                "changed": edited,
                "planned": result["orders"],
                "sources": result["sources"],
                "chunks": result["chunks"],
                "calls": orders_calls,
                "by_endpoint": per,
                "list_pages": pages,
                "deletion_check_calls": result["deletion_check_calls"],
                "minimum": minimum,
                "over_minimum_pct": round(100 * (orders_calls - minimum) / minimum, 2),
                "master_data": master,
                "master_data_calls": master_calls,
                "master_data_minimum": master_minimum,
            }
        )
    return {"known": known, "runs": runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("stage", "plan", "extract", "calls"):
        p = sub.add_parser(name)
        p.add_argument("--base-url", required=True)
        p.add_argument("--token-url", required=True)
        p.add_argument("--data", required=True)
        p.add_argument("--chunks", type=int, default=4)
        p.add_argument("--changed", type=int, default=100)
        p.add_argument("--runs", type=int, default=3)
        p.add_argument("--chunking", choices=("dag", "one"), default="dag")
    p = sub.add_parser("replicate")
    p.add_argument("--source", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--times", type=int, required=True)
    for name in ("load", "ceiling", "ceiling_all", "dlt_load"):
        p = sub.add_parser(name)
        p.add_argument("--run-dir", required=True)
        p.add_argument("--tmp", default=None)
        p.add_argument("--disposition", default="append")
        p.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    result = globals()[args.command](args)
    print(json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
