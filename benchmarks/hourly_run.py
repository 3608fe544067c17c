"""What an hourly run costs on a large warehouse: an incremental run of a few hundred changed
orders against a warehouse that already holds millions of lines, step by step.

For each size (``--lines``, 1 and 10 million by default), builds a warehouse file the way
``models_10m.py`` does (lines, orders and master data generated straight into ``raw.*``),
then every model, the data tests, the snapshot and the dashboard once (the state after the
run before). Then ``--runs`` incremental runs, each of ``--changed`` orders that changed
upstream (a new status, new prices, a line added or removed, a new ``modifiedAt``), staged
through the pipeline's own writer (``ChunkWriter``, a ``RunPlan``) and loaded by the DAG's
load step. Each run is timed step by step, with each step's peak memory (the process's
``VmHWM``, reset before the step):

- ``load``: the DAG's load step (staged files → ``raw`` and ``ops``, one transaction);
- ``models:<layer>``: the models of each layer (staging, marts, reports), as the transform
  step builds them after an incremental load (``run_models(incremental=True)``: the
  incremental facts update the changed orders only, on code that has them);
- ``data tests``: every data test (the row-level ones on the changed orders only, likewise);
- ``snapshot``: ``publish_snapshot`` (the analysts' read-only copy), as the publish step
  runs it: brought up to date from the previous snapshot where it can be;
- ``snapshot (fresh)``: ``publish_snapshot(fresh=True)`` of the same warehouse into another
  file, the whole build every run did before (shown beside, not counted in the total);
- ``dashboard``: ``render_dashboard`` from the snapshot.

    .venv/bin/python benchmarks/hourly_run.py --quick            # 100,000 lines, 1 run
    .venv/bin/python benchmarks/hourly_run.py --record           # 1 M and 10 M lines, 3 runs
    .venv/bin/python benchmarks/hourly_run.py --lines 1000000 --runs 2 --label baseline

With ``--record``, writes ``benchmarks/results/<date>-hourly-run[-label].md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _harness import RESULTS, fmt, machine_facts, peak_rss_mb, summary  # noqa: E402
from models_10m import LINES_PER_ORDER, generate  # noqa: E402

from twentyfourseven.api import OrderOutcome, OutcomeStatus  # noqa: E402
from twentyfourseven.api.payloads import (  # noqa: E402
    SalesOrderExtended,
    SalesOrderLine,
    dumps_json,
    parse_json,
)
from twentyfourseven.deployment import PipelineSettings  # noqa: E402
from twentyfourseven.pipeline.runfiles.runplan import (  # noqa: E402
    RunPlan,
    chunk_ids_entry,
    run_staging_dir,
    utc_now,
    write_chunk_ids,
)
from twentyfourseven.pipeline.runfiles.staging import ChunkWriter, chunk_dir  # noqa: E402
from twentyfourseven.pipeline.steps import load_step, publish_step, transform_step  # noqa: E402
from twentyfourseven.report import render_dashboard  # noqa: E402
from twentyfourseven.warehouse.model_runner import run_models  # noqa: E402
from twentyfourseven.warehouse.snapshot import publish_snapshot  # noqa: E402

STEPS = (
    "load",
    "models:staging",
    "models:marts",
    "models:reports",
    "data tests",
    "snapshot",
    "dashboard",
)
# Measured beside the steps, not counted in the total: what they replaced.
COMPARED = {"snapshot (fresh)": "snapshot"}


# --- measuring ------------------------------------------------------------------------


def _reset_peak_rss() -> None:
    # Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so each step's peak is
    # its own and not the largest of everything before it.
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


@contextmanager
def measured(figures: dict[str, dict[str, float]], step: str) -> Iterator[None]:
    _reset_peak_rss()
    started = time.perf_counter()
    yield
    figures[step] = {
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
    }
    print(
        f"  {step:<16} {figures[step]['seconds']:7.2f} s  {figures[step]['peak_rss_mb']:7.0f} MB",
        flush=True,
    )


# --- the warehouse and the changes -------------------------------------------------------


def settings_in(folder: Path) -> PipelineSettings:
    return PipelineSettings(
        warehouse=folder / "warehouse.duckdb",
        staging=folder / "staging",
        snapshot=folder / "snapshot.duckdb",
        dashboard=folder / "dashboard.html",
        load_memory_limit="1GB",
    )


def build_warehouse(settings: PipelineSettings, lines: int) -> dict[str, float]:
    """The warehouse after the run before this one: raw data, models, snapshot, dashboard."""
    settings.staging.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        generated = generate(con, lines)
    started = time.perf_counter()
    transform_step(settings)
    transformed = time.perf_counter() - started
    started = time.perf_counter()
    publish_step(settings)
    return {
        "generate_seconds": generated,
        "full_transform_seconds": transformed,
        "full_publish_seconds": time.perf_counter() - started,
    }


def changed_orders(settings: PipelineSettings, changed: int, run: int) -> list[OrderOutcome]:
    """``changed`` orders spread over the warehouse, as the API would send them after an edit:
    status moved on, prices changed, one line more or less than before."""
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        (orders,) = con.execute("select count(*) from raw.sales_orders").fetchone()
        step = max(1, orders // changed)
        ids = [1 + (run * 7919 + n * step) % orders for n in range(changed)]
        headers = dict(
            con.execute(
                "select order_id, customer_id from raw.sales_orders where order_id in "
                "(select unnest($ids))",
                {"ids": ids},
            ).fetchall()
        )
    modified = dt.datetime.now(dt.UTC).isoformat()
    outcomes = []
    for n, order_id in enumerate(ids):
        line_count = LINES_PER_ORDER + (1 if n % 3 == 0 else -1 if n % 3 == 1 else 0)
        header = {
            "id": order_id,
            "status": ("Invoice", "Confirmed", "Draft")[n % 3],
            "date": "2025-03-01",
            "customer": {"id": headers.get(order_id, 1), "name": f"Customer {order_id}"},
            "currency": {"code": "NOK", "rate": 1},
            "modifiedAt": modified,
        }
        lines = [
            {
                "id": order_id * 100 + k,
                "type": "product",
                "product": {"id": 1 + (order_id + k) % 2000},
                "description": f"Changed in run {run}",
                "quantity": 1 + k,
                "price": f"{100 + run}.{k * 13 % 100:02d}",
                "discountRate": (0, 10, 25)[k % 3],
                "tax": {"id": 3, "number": 3, "rate": 25},
                "account": {"id": 3000, "number": 3000, "name": "Sales"},
            }
            for k in range(1, line_count + 1)
        ]
        raw_header, raw_lines = (parse_json(dumps_json(v)) for v in (header, lines))
        outcomes.append(
            OrderOutcome(
                order_id,
                OutcomeStatus.OK,
                header=SalesOrderExtended.model_validate(raw_header),
                lines=tuple(SalesOrderLine.model_validate(r) for r in raw_lines),
                raw_header=raw_header,
                raw_lines=raw_lines,
            )
        )
    return outcomes


def stage_run(settings: PipelineSettings, run_id: str, outcomes: list[OrderOutcome]) -> None:
    """The files the plan and extract tasks would leave for the load: one chunk."""
    run_dir = run_staging_dir(settings.staging, run_id)
    run_dir.mkdir(parents=True)
    write_chunk_ids(run_dir, 1, ((0, chunk_ids_entry(o.order_id, None)) for o in outcomes))
    RunPlan(
        run_id=run_id,
        mode="incremental",
        started_at=utc_now(),
        chunks=1,
        orders_requested=len(outcomes),
        sources={"discovered": len(outcomes)},
    ).write(run_dir)
    with ChunkWriter(chunk_dir(run_dir, 0), run_id=run_id, chunk=0) as writer:
        for outcome in outcomes:
            writer.add(outcome)
        writer.close()


# --- one run ----------------------------------------------------------------------------


def hourly_run(settings: PipelineSettings, run: int, changed: int) -> dict[str, dict[str, float]]:
    run_id = f"hourly_{run}"
    stage_run(settings, run_id, changed_orders(settings, changed, run))
    figures: dict[str, dict[str, float]] = {}
    with measured(figures, "load"):
        loaded = load_step(run_id, settings)
    if loaded["orders_ok"] != changed:
        raise SystemExit(
            f"the load took {loaded['orders_ok']} of {changed} changed orders: {loaded}"
        )
    with duckdb.connect(str(settings.warehouse)) as con:
        _reset_peak_rss()
        # as the DAG's transform after an incremental load (transform_step(mode=...))
        summary = run_models(con, incremental=True, raise_on_failure=False)
        peak = peak_rss_mb()
    for layer in ("staging", "marts", "reports"):
        seconds = sum(r.seconds for r in summary.models if r.relation.startswith(f"{layer}."))
        figures[f"models:{layer}"] = {"seconds": seconds, "peak_rss_mb": peak}
        print(f"  models:{layer:<9} {seconds:7.2f} s", flush=True)
    figures["data tests"] = {"seconds": summary.test_seconds, "peak_rss_mb": peak}
    print(f"  data tests       {summary.test_seconds:7.2f} s", flush=True)
    for model in summary.models:
        figures[f"model:{model.relation}"] = {"seconds": model.seconds, "peak_rss_mb": peak}
    for test in summary.tests:
        figures[f"test:{test.test.name}"] = {"seconds": test.seconds, "peak_rss_mb": peak}
    print(f"  incremental: {summary.as_dict()['incremental_models']}", flush=True)
    if summary.failed_tests:
        failed = "\n".join(t.describe() for t in summary.failed_tests)
        raise SystemExit(f"data tests failed:\n{failed}")
    with measured(figures, "snapshot"):
        published = publish_snapshot(settings.warehouse, settings.snapshot)
    print(f"    {published.describe()}", flush=True)
    with measured(figures, "snapshot (fresh)"):
        publish_snapshot(
            settings.warehouse, settings.snapshot.with_name("fresh-snapshot.duckdb"), fresh=True
        )
    with measured(figures, "dashboard"):
        render_dashboard(settings.snapshot, settings.dashboard)
    figures["total"] = {
        "seconds": sum(f["seconds"] for name, f in figures.items() if name in STEPS),
        "peak_rss_mb": max(f["peak_rss_mb"] for name, f in figures.items() if name in STEPS),
    }
    return figures


def measure_size(lines: int, runs: int, changed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hourly-bench-") as folder:
        settings = settings_in(Path(folder))
        print(f"{lines:,} lines: building the warehouse …", flush=True)
        setup = build_warehouse(settings, lines)
        print(f"  set-up: {setup}", flush=True)
        size_mb = settings.warehouse.stat().st_size / 2**20
        per_run = []
        for run in range(1, runs + 1):
            print(f" run {run}: {changed} changed orders", flush=True)
            per_run.append(hourly_run(settings, run, changed))
    steps = [*_shown_steps(), "total"]
    details = sorted({k for r in per_run for k in r if k.startswith(("model:", "test:"))})
    return {
        "lines": lines,
        "warehouse_mb": round(size_mb),
        "setup": {k: round(v, 2) for k, v in setup.items()},
        "runs": per_run,
        "seconds": {
            step: summary([r[step]["seconds"] for r in per_run if step in r])
            for step in [*steps, *details]
        },
        "peak_rss_mb": {
            step: round(max(r[step]["peak_rss_mb"] for r in per_run)) for step in steps
        },
    }


# --- the report -------------------------------------------------------------------------


def _shown_steps() -> list[str]:
    """The steps, each compared one after the step it is compared with."""
    shown = []
    for step in STEPS:
        shown.append(step)
        shown += [name for name, beside in COMPARED.items() if beside == step]
    return shown


def render_markdown(result: dict[str, Any]) -> str:
    sizes = result["sizes"]
    label = f", {result['label']}" if result["label"] else ""
    out = [
        f"# Hourly run on a large warehouse ({result['date']}{label})",
        "",
        f"An incremental run of {result['changed']} changed orders, {result['runs']} run(s) per "
        "size: median (min-max) seconds, and each step's peak RSS. Command: "
        f"`{result['command']}`.",
        "",
        "| step | " + " | ".join(f"{s['lines']:,} lines" for s in sizes) + " |",
        "| --- | " + " | ".join("---" for _ in sizes) + " |",
    ]
    for step in [*_shown_steps(), "total"]:
        cells = []
        for size in sizes:
            cells.append(f"{fmt(size['seconds'][step], ' s')}, {size['peak_rss_mb'][step]} MB")
        out.append(f"| {step} | " + " | ".join(cells) + " |")
    out += [
        "",
        "The models and data tests that took longest (median seconds):",
        "",
        "| model or test | " + " | ".join(f"{s['lines']:,} lines" for s in sizes) + " |",
        "| --- | " + " | ".join("---" for _ in sizes) + " |",
    ]
    slowest = sorted(
        {k for s in sizes for k in s["seconds"] if k.startswith(("model:", "test:"))},
        key=lambda k: -max(s["seconds"].get(k, {}).get("median", 0) for s in sizes),
    )[:12]
    for key in slowest:
        cells = [
            f"{s['seconds'][key]['median']:.2f} s" if key in s["seconds"] else "" for s in sizes
        ]
        out.append(f"| {key} | " + " | ".join(cells) + " |")
    out += [
        "",
        "| set-up | " + " | ".join(f"{s['lines']:,} lines" for s in sizes) + " |",
        "| --- | " + " | ".join("---" for _ in sizes) + " |",
    ]
    for key in ("generate_seconds", "full_transform_seconds", "full_publish_seconds"):
        out.append(f"| {key} | " + " | ".join(f"{s['setup'][key]:.1f} s" for s in sizes) + " |")
    out.append("| warehouse file | " + " | ".join(f"{s['warehouse_mb']} MB" for s in sizes) + " |")
    m = result["machine"]
    out += [
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, DuckDB "
        f"{m['versions']['duckdb']}, commit {m['commit']}, load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changed", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="100,000 lines, 1 run")
    parser.add_argument("--record", action="store_true", help="write benchmarks/results/")
    parser.add_argument("--label", default="", help="a note, also in the report's file name")
    args = parser.parse_args(argv)
    logging.getLogger("twentyfourseven").setLevel(logging.WARNING)  # the steps' own figures
    if args.quick:
        args.lines, args.runs = [100_000], 1
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "label": args.label,
        "changed": args.changed,
        "runs": args.runs,
        "command": "benchmarks/hourly_run.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine_facts(),
        "sizes": [measure_size(lines, args.runs, args.changed) for lines in args.lines],
    }
    markdown = render_markdown(result)
    print(markdown)
    if args.record:
        name = f"{result['date']}-hourly-run" + (f"-{args.label}" if args.label else "")
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / f"{name}.md").write_text(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
