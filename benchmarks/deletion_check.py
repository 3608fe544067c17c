"""What the deletion check adds to an incremental run: API calls and time, at N known orders.

For each size (``--orders``, 10,000 and 100,000 by default) a sandbox of N orders runs in
its own process (pinned to the server core where there are two), and a warehouse is made
that knows all of them (``ops.known_orders``, the watermark at the sandbox's clock, one
full-refresh row in ``ops.runs``), as after a full refresh. The sandbox then deletes
``--deleted`` of every 1,000 orders. Each measurement is a child process (pinned to the
client core), its requests counted by the sandbox:

- ``with``: ``plan_run`` with ``deletion_check_every_runs`` 1, then ``extract_chunk`` of
  every chunk (the GET that confirms each candidate): what an incremental run costs;
- ``without``: the same with the setting at 0; the difference is the check's cost;
- ``ids_only``: the check's own listing (``list_order_ids``): its time and the client's CPU;
- ``raw``: the same pages fetched and not parsed: the floor the API (here the sandbox)
  sets, since the listing has no field selection and each page carries full headers;
- ``headers``: every listed record taken through what discovery does to a listed order
  (the model's validation, the loaded version looked up, the header spooled): the cost of
  finding missing IDs through the discovery path instead.

    .venv/bin/python benchmarks/deletion_check.py --record     # 10k and 100k, 3 runs each
    .venv/bin/python benchmarks/deletion_check.py --orders 10000 --runs 1

With ``--record``, writes ``benchmarks/results/<date>-deletion-check.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    RESULTS,
    SandboxProcess,
    emit,
    fmt,
    machine_facts,
    peak_rss_mb,
    run_child,
    summary,
)
from pipeline_steps import _client

MODES = ("with", "without", "ids_only", "raw", "headers")


# --- the children ---------------------------------------------------------------------


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One measurement in this process; its timings, CPU and peak RSS."""
    # Imported before the clock starts: every mode pays the same imports, none is timed.
    import twentyfourseven.pipeline.extract
    import twentyfourseven.pipeline.plan  # noqa: F401

    started, cpu = time.perf_counter(), time.process_time()
    result: dict[str, Any] = {"mode": args.mode}
    with _client(args) as client:
        if args.mode in ("with", "without"):
            result.update(_run(args, client))
        elif args.mode == "ids_only":
            from twentyfourseven.pipeline.deletions import list_order_ids

            ids, page_size = list_order_ids(client)
            result.update(listed=len(ids), page_size=page_size)
        elif args.mode == "raw":
            result.update(listed=_raw_pages(args, client))
        else:
            result.update(listed=_through_discovery(args, client))
    result.update(
        seconds=round(time.perf_counter() - started, 3),
        cpu_seconds=round(time.process_time() - cpu, 3),
        peak_rss_mb=round(peak_rss_mb(), 1),
    )
    return result


def _run(args: argparse.Namespace, client) -> dict[str, Any]:
    from twentyfourseven.deployment import PipelineSettings
    from twentyfourseven.pipeline.extract import extract_chunk
    from twentyfourseven.pipeline.plan import RunRequest, plan_run

    data = Path(args.data)
    settings = PipelineSettings(
        warehouse=data / "warehouse.duckdb",
        staging=data / "staging",
        snapshot=data / "snapshot.duckdb",
        dashboard=data / "dashboard.html",
        deletion_check_every_runs=1 if args.mode == "with" else 0,
        reconcile_every_hours=0,
    )
    run_dir = settings.staging / args.run_id
    started = time.perf_counter()
    plan = plan_run(
        client, run_id=args.run_id, run_dir=run_dir, request=RunRequest(), settings=settings
    )
    plan_seconds = time.perf_counter() - started
    for chunk in range(plan.chunks):
        extract_chunk(client, run_dir, chunk, progress_interval=1e9)
    return {
        "run_mode": plan.mode,
        "plan_seconds": round(plan_seconds, 3),
        "extract_seconds": round(time.perf_counter() - started - plan_seconds, 3),
        "candidates": len(plan.deletion_candidates),
        "sources": plan.sources,
    }


def _raw_pages(args: argparse.Namespace, client) -> int:
    """Fetch every page of 1,000 and count its bytes; nothing parsed."""
    import httpx

    from twentyfourseven.pipeline.deletions import PAGE_SIZE

    token = client._tokens.get()  # the benchmark bypasses the client on purpose
    url: str | None = f"{args.base_url}/salesorders?limit={PAGE_SIZE}"
    size = 0
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        while url:
            response = http.get(url)
            size += len(response.content)
            following = response.links.get("next", {}).get("url")
            url = str(response.url.join(following)) if following else None
    return size


def _through_discovery(args: argparse.Namespace, client) -> int:
    """Every listed record treated as discovery treats a listed order."""
    from twentyfourseven.api.resources import SALES_ORDERS
    from twentyfourseven.pipeline.deletions import PAGE_SIZE
    from twentyfourseven.pipeline.plan import _identify
    from twentyfourseven.pipeline.runfiles.runplan import chunk_ids_entry
    from twentyfourseven.warehouse.ops_state import loaded_versions, read_only

    listed = 0
    spool = Path(args.data) / f"{args.run_id}.spool"
    with spool.open("wb") as handle, read_only(Path(args.data) / "warehouse.duckdb") as con:
        for page in client.list_pages(SALES_ORDERS, page_size=PAGE_SIZE):
            ids = [_identify(raw)[0] for raw in page]
            loaded_versions(con, [i for i in ids if i is not None])
            for order_id, raw in zip(ids, page, strict=True):
                handle.write(chunk_ids_entry(order_id or 0, raw))
            listed += len(page)
    spool.unlink()
    return listed


# --- the parent ----------------------------------------------------------------------


def build_warehouse(path: Path, sandbox: SandboxProcess, orders: int) -> None:
    """A warehouse that knows every order of the sandbox, as after a full refresh."""
    from twentyfourseven.sandbox.generator import ORDER_ID_BASE
    from twentyfourseven.warehouse.schema import open_warehouse

    clock = dt.datetime.fromtimestamp(sandbox.admin("GET", "/clock")["epoch"], tz=dt.UTC)
    con = open_warehouse(path)
    try:
        con.execute(
            "INSERT INTO ops.known_orders SELECT range, 'bench', 'bench', ?, NULL, NULL "
            "FROM range(?, ?)",
            [clock, ORDER_ID_BASE + 1, ORDER_ID_BASE + orders + 1],
        )
        con.execute(
            "INSERT INTO ops.watermark VALUES ('sales_orders_modified_at', ?, 'bench', ?)",
            [clock, clock],
        )
        # Started now by the worker's clock: no reconciliation is due for a week.
        now = dt.datetime.now(dt.UTC)
        con.execute(
            "INSERT INTO ops.runs (run_id, mode, started_at, finished_at, listed_at) "
            "VALUES ('bench', 'full_refresh', ?, ?, ?)",
            [now, now, clock],
        )
    finally:
        con.close()


def measure(orders: int, runs: int, deleted_per_1000: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-deletions-") as tmp:
        data = Path(tmp)
        with SandboxProcess(orders) as sandbox:
            build_warehouse(data / "warehouse.duckdb", sandbox, orders)
            changes = sandbox.simulate_changes(
                advance_seconds=60, delete_orders=deleted_per_1000 / 1000
            )
            deleted = len(changes["deleted_orders"])
            results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
            for repeat in range(runs):
                for mode in MODES:
                    sandbox.reset_counters()
                    result = run_child(
                        [
                            __file__,
                            "child",
                            "--mode",
                            mode,
                            "--base-url",
                            sandbox.base_url,
                            "--token-url",
                            sandbox.token_url,
                            "--data",
                            str(data),
                            "--run-id",
                            f"{mode}-{repeat}",
                        ]
                    )
                    counted = sandbox.counters()
                    result["calls"] = counted["total"]
                    result["by_endpoint"] = {
                        name: entry["requests"] for name, entry in counted["endpoints"].items()
                    }
                    results[mode].append(result)
                    print(f"  {orders} orders, {mode}: {json.dumps(result)}", file=sys.stderr)
    with_, without = results["with"], results["without"]
    extra_calls = [a["calls"] - b["calls"] for a, b in zip(with_, without, strict=True)]
    extra_plan = [
        a["plan_seconds"] - b["plan_seconds"] for a, b in zip(with_, without, strict=True)
    ]
    pages = math.ceil((orders - deleted) / 1000)
    return {
        "orders": orders,
        "deleted": deleted,
        "candidates": [r["candidates"] for r in with_],
        "list_pages": pages,
        "target_calls": math.ceil(orders / 100) + deleted,
        "extra_calls": summary(extra_calls, 0),
        "extra_plan_seconds": summary(extra_plan),
        "plan_seconds": {
            m: summary([r["plan_seconds"] for r in results[m]]) for m in ("with", "without")
        },
        "seconds": {m: summary([r["seconds"] for r in results[m]]) for m in MODES},
        "cpu_seconds": {m: summary([r["cpu_seconds"] for r in results[m]]) for m in MODES},
        "peak_rss_mb": {m: summary([r["peak_rss_mb"] for r in results[m]], 1) for m in MODES},
        "page_bytes": results["raw"][0]["listed"],
        "raw": results,
    }


def report(measured: list[dict[str, Any]], facts: dict[str, Any]) -> str:
    lines = [
        f"# Deletion check: extra calls and time of an incremental run ({dt.date.today()})",
        "",
        "`benchmarks/deletion_check.py --record`: see its docstring for what each row is.",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), load average at start "
        f"{facts['load_average_at_start']}, pinning client `{facts['pinning']['client']}`, "
        f"sandbox `{facts['pinning']['server']}`; commit {facts['commit']}. "
        "Figures: median (min-max) of the runs.",
        "",
        "| known orders | deleted | extra calls (target: a call per 100 orders + one per "
        "deletion) | ID pages | plan with check, s | plan without, s | extra plan time, s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in measured:
        lines.append(
            f"| {m['orders']:,} | {m['deleted']} | {fmt(m['extra_calls'], digits=0)} "
            f"(≤ {m['target_calls']:,}) | {m['list_pages']} | "
            f"{fmt(m['plan_seconds']['with'])} | {fmt(m['plan_seconds']['without'])} | "
            f"{fmt(m['extra_plan_seconds'])} |"
        )
    lines += [
        "",
        "Where the time of the listing goes (whole child process: wall, the client's CPU, "
        "its peak RSS):",
        "",
        "| known orders | MB listed | ID listing (the check) | pages fetched, not parsed "
        "(the floor) | through discovery's per-order work |",
        "| --- | --- | --- | --- | --- |",
    ]
    for m in measured:

        def cell(mode: str, m: dict[str, Any] = m) -> str:
            return (
                f"{fmt(m['seconds'][mode])} s, CPU {fmt(m['cpu_seconds'][mode])} s, "
                f"{fmt(m['peak_rss_mb'][mode], digits=0)} MiB"
            )

        lines.append(
            f"| {m['orders']:,} | {m['page_bytes'] / 1e6:,.0f} | {cell('ids_only')} | "
            f"{cell('raw')} | {cell('headers')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    c = sub.add_parser("child")
    c.add_argument("--mode", choices=MODES, required=True)
    for name in ("--base-url", "--token-url", "--data", "--run-id"):
        c.add_argument(name, required=True)
    parser.add_argument("--orders", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deleted-per-1000", type=float, default=1.0)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    if args.command == "child":
        emit(child(args))
        return 0
    facts = machine_facts()
    measured = [measure(n, args.runs, args.deleted_per_1000) for n in args.orders]
    text = report(measured, facts)
    print(text)
    if args.record:
        stem = RESULTS / f"{dt.date.today()}-deletion-check"
        stem.with_suffix(".md").write_text(text)
        stem.with_suffix(".json").write_text(
            json.dumps({"machine": facts, "results": measured}, indent=1, default=str)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
