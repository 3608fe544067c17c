"""The load of a run with staging on S3 against the same load with local staging.

    .venv/bin/python benchmarks/s3_staging.py [--base 2000] [--times 50] [--runs 3]

A real run of ``--base`` orders is staged from the sandbox (plan + extract, as the
``load`` section of ``bench.py`` does) and copied ``--times`` over with shifted IDs
(100,000 orders by default). Then ``load_step``, the DAG's load task, loads it into a
fresh warehouse, alternately with ``staging`` that local folder and with ``staging`` an
``s3://`` URL on moto's S3 server (``moto_server``, its own process on a loopback port,
reached through an Airflow ``aws`` connection), the run folder uploaded beforehand. On
S3 the task fetches the run folder to local disk, verifies it and loads it; the time of
the fetch is reported apart. Each load runs in a child process of its own. The report
goes to ``results/<date>-s3-staging.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import PYTHON, machine_facts, run_child, summary
from bench import staged_run

RESULTS = Path(__file__).resolve().parent / "results"
BUCKET = "staging"
ACCESS_KEY, SECRET_KEY = "bench-access", "bench-secret"  # moto accepts any
CONN_ID = "bench_staging"


def log(message: str) -> None:
    print(f"[s3-staging {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connection_json(endpoint: str) -> str:
    return json.dumps(
        {
            "conn_type": "aws",
            "login": ACCESS_KEY,
            "password": SECRET_KEY,
            "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"},
        }
    )


def load_once(args: argparse.Namespace) -> dict[str, Any]:
    """In a child: ``load_step`` of the run into a fresh warehouse; its time, and the
    fetch's time from the transfer's own log line."""
    import logging
    import re

    from twentyfourseven.deployment import PipelineSettings
    from twentyfourseven.locations import staging_location
    from twentyfourseven.pipeline.steps import load_step

    fetched: list[float] = []

    class Fetch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if found := re.search(r"^fetched .* in ([\d.]+) s$", record.getMessage()):
                fetched.append(float(found.group(1)))

    logging.getLogger("twentyfourseven.pipeline.runfiles.transfer").addHandler(Fetch())
    logging.getLogger("twentyfourseven").setLevel(logging.INFO)
    data = Path(args.data)
    settings = PipelineSettings(
        warehouse=data / "warehouse.duckdb",
        staging=staging_location(args.staging, CONN_ID),
        snapshot=data / "snapshot.duckdb",
        dashboard=data / "dashboard.html",
        staging_retention_days=1,  # the run folder stays for the next repetition
        staging_conn_id=CONN_ID,
    )
    started = time.perf_counter()
    result = load_step(args.run_id, settings)
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "fetch_seconds": fetched[0] if fetched else 0.0,
        "orders_ok": result["orders_ok"],
        "lines_loaded": result["lines_loaded"],
    }


def child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    output = subprocess.run(  # noqa: S603 - our own script
        [PYTHON, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, **(env or {})},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=2000)
    parser.add_argument("--times", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--load-once", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--staging", help=argparse.SUPPRESS)
    parser.add_argument("--run-id", default="bench__full", help=argparse.SUPPRESS)
    parser.add_argument("--report", help="rewrite the markdown of this JSON report only")
    args = parser.parse_args()
    if args.report:
        report = json.loads(Path(args.report).read_text())
        Path(args.report).with_suffix(".md").write_text(markdown(report))
        return 0
    if args.load_once:
        print(json.dumps(load_once(args)))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    moto = None
    try:
        _, staged = staged_run({"load_base_orders": args.base}, tmp)
        log(f"staged {staged['orders']} orders, {staged['lines']} lines")
        local_root = tmp / "staging"
        run_dir = local_root / Path(staged["run_dir"]).name
        made = run_child(
            [
                "benchmarks/pipeline_steps.py",
                "replicate",
                "--source",
                staged["run_dir"],
                "--target",
                str(run_dir),
                "--times",
                str(args.times),
            ],
            timeout=3600,
        )
        orders = staged["orders"] * args.times
        size = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file())
        log(f"replicated x{args.times}: {made['orders']} orders, {size / 1e6:.0f} MB")

        port = free_port()
        moto = subprocess.Popen(  # noqa: S603 - moto's server from our venv
            [str(Path(PYTHON).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        endpoint = f"http://127.0.0.1:{port}"
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                s3.create_bucket(Bucket=BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        started = time.perf_counter()
        for path in sorted(run_dir.rglob("*")):
            if path.is_file():
                s3.upload_file(str(path), BUCKET, f"runs/{path.relative_to(local_root)}")
        log(f"uploaded the run folder in {time.perf_counter() - started:.1f} s")
        env = {f"AIRFLOW_CONN_{CONN_ID.upper()}": connection_json(endpoint)}
        wheres = {"local": str(local_root), "s3": f"s3://{BUCKET}/runs"}
        runs: dict[str, list[dict[str, Any]]] = {where: [] for where in wheres}
        for n in range(args.runs):
            for where, staging in wheres.items():  # alternately: the same conditions
                data = tmp / f"warehouse-{where}-{n}"
                data.mkdir()
                result = child(
                    "--load-once",
                    "--data",
                    str(data),
                    "--staging",
                    staging,
                    "--run-id",
                    "bench__full",
                    env=env,
                )
                assert result["orders_ok"] == orders, result
                runs[where].append(result)
                log(f"load {orders:,} orders, staging {where}: {result}")
                shutil.rmtree(data)
    finally:
        if moto is not None:
            moto.terminate()
            moto.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    local = summary([r["seconds"] for r in runs["local"]])
    remote = summary([r["seconds"] for r in runs["s3"]])
    fetch = summary([r["fetch_seconds"] for r in runs["s3"]])
    ratio = remote["median"] / local["median"]
    report = {
        "date": dt.date.today().isoformat(),
        "machine": machine_facts(),
        "orders": orders,
        "lines": runs["local"][0]["lines_loaded"],
        "staging_bytes": size,
        "runs": runs,
        "local_seconds": local,
        "s3_seconds": remote,
        "s3_fetch_seconds": fetch,
        "ratio": round(ratio, 2),
    }
    stem = RESULTS / f"{report['date']}-s3-staging"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
    log(f"local {local['median']} s, S3 {remote['median']} s: ratio {ratio:.2f}; {stem}.md")
    return 0


def markdown(report: dict[str, Any]) -> str:
    def cell(stat: dict[str, Any]) -> str:
        return f"{stat['median']} s ({stat['min']}-{stat['max']})"

    machine = report["machine"]
    return "\n".join(
        [
            f"# Load with staging on S3 against local staging ({report['date']})",
            "",
            "`benchmarks/s3_staging.py`: `load_step` (the DAG's load task) of one run of "
            f"{report['orders']:,} orders ({report['lines']:,} lines, "
            f"{report['staging_bytes'] / 1e6:.0f} MB of staging files) into a fresh "
            "warehouse, in a child process each time, local and S3 alternately. S3 is "
            "moto's server on loopback (its own process, on the same 2 cores): the "
            "task fetches the run folder to local disk, verifies every checksum and "
            "loads. Median (min-max) of "
            f"{len(report['runs']['local'])} runs each.",
            "",
            "| staging | load task | of which fetching the run folder |",
            "| --- | --- | --- |",
            f"| local folder | {cell(report['local_seconds'])} | - |",
            f"| S3 (moto) | {cell(report['s3_seconds'])} | {cell(report['s3_fetch_seconds'])} |",
            "",
            f"**Ratio S3 / local: {report['ratio']}.**",
            "",
            f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
            f"load average at start {machine['load_average_at_start']} (shared with other "
            f"work: read the ratio, whose two sides alternate under the same load), "
            f"commit {machine['commit']}.",
            "",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
