"""Publishing the snapshot: the former whole-file copy, the fresh build, and the update of
an existing snapshot when nothing changed.

    .venv/bin/python benchmarks/snapshot_publish.py --orders 10000 --times 10 [--runs 3]

A sandbox of ``--orders`` orders is planned and extracted once, that run is copied
``--times`` times with shifted IDs (``pipeline_steps.py replicate``; needs the ``bench``
extra), loaded and transformed. Then, alternating, ``--runs`` times each on that one
warehouse: ``copy`` (CHECKPOINT, then a copy of the whole file: what publish did
before the snapshot held only what analysts read) and ``publish``
(:func:`publish_snapshot`). Prints one JSON line: wall and CPU seconds (median, min-max;
CPU time is every thread's, and moves less than wall time on a busy machine) and size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
import pipeline_steps
from _harness import SandboxProcess, emit, summary


def _warehouse(folder: Path, orders: int, times: int) -> Path:
    from twentyfourseven.pipeline.load import load_run
    from twentyfourseven.warehouse.model_runner import run_models

    with SandboxProcess(orders) as sandbox:
        staged = pipeline_steps.stage(
            argparse.Namespace(
                base_url=sandbox.base_url, token_url=sandbox.token_url, data=folder, chunks=4
            )
        )
    copies = folder / "staging" / "copies"
    pipeline_steps.replicate(
        argparse.Namespace(source=staged["run_dir"], target=copies, times=times)
    )
    warehouse = folder / "warehouse.duckdb"
    load_run(warehouse, copies, run_id=pipeline_steps.RUN_ID)
    run_models(warehouse)
    shutil.rmtree(folder / "staging")
    return warehouse


def _copy(warehouse: Path, target: Path) -> int:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CHECKPOINT")
    shutil.copyfile(warehouse, target)
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())
    return target.stat().st_size


def _publish(warehouse: Path, target: Path) -> int:
    from twentyfourseven.warehouse.snapshot import publish_snapshot

    return publish_snapshot(warehouse, target, fresh=True).bytes


def _update(warehouse: Path, target: Path) -> int:
    from twentyfourseven.warehouse.snapshot import publish_snapshot

    published = publish_snapshot(warehouse, target)
    assert published.kind == "incremental", published.describe()
    return published.bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="snapshot-bench-") as temp:
        folder = Path(temp)
        warehouse = _warehouse(folder, args.orders, args.times)
        ways = {"copy": _copy, "publish": _publish, "update": _update}
        seconds: dict[str, list[float]] = {name: [] for name in ways}
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        sizes: dict[str, int] = {}
        _publish(warehouse, folder / "update.duckdb")  # the snapshot each update starts from
        for _ in range(args.runs):
            for name, publish in ways.items():
                target = folder / f"{name}.duckdb"
                started, cpu_started = time.perf_counter(), time.process_time()
                sizes[name] = publish(warehouse, target)
                seconds[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
                if name != "update":
                    target.unlink()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            [(orders, lines)] = con.execute(
                "select (select count(*) from marts.fct_sales_orders),"
                " (select count(*) from marts.fct_sales_order_lines)"
            ).fetchall()
        emit(
            {
                "orders": orders,
                "lines": lines,
                "warehouse_mb": round(warehouse.stat().st_size / 1e6, 1),
                **{f"{name}_seconds": summary(values) for name, values in seconds.items()},
                **{f"{name}_cpu_seconds": summary(values) for name, values in cpu.items()},
                **{f"{name}_mb": round(size / 1e6, 1) for name, size in sizes.items()},
            }
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
