"""Measure the sandbox's own throughput ceiling at zero latency, on loopback.

Starts ``twentyfourseven sandbox`` in its own process (so the load generator does
not share its interpreter), takes a token, then drives each scenario with a load
generator for a fixed time, several runs each, and records the median:

* ``wrk`` (C, epoll) when installed (``apt-get install -y wrk``): the server is
  the bottleneck, so this is its real ceiling;
* otherwise a multi-process httpx loop, which measures a lower bound.

Bounded in time: scenarios x runs x duration (default 5 x 3 x 5 s, ~1.5 min).
Writes ``benchmarks/results/sandbox_ceiling.json`` and ``.md``.

    .venv/bin/python benchmarks/sandbox_ceiling.py [--runs 3] [--duration 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results"
ORDERS = 10_000
SEED = 7

# name → (description, wrk Lua request function body, path for the python fallback)
SCENARIOS: dict[str, tuple[str, str, str]] = {
    "get_order_hot": (
        "GET /v1/salesorders/{id}, one ID (generator cache hot)",
        'return wrk.format("GET", "/v1/salesorders/100042")',
        "/v1/salesorders/100042",
    ),
    "get_order_random": (
        "GET /v1/salesorders/{id}, random IDs out of 10,000 (mostly generated afresh)",
        'return wrk.format("GET", "/v1/salesorders/" .. (100001 + math.random(0, 9999)))',
        "/v1/salesorders/{random}",
    ),
    "get_lines_random": (
        "GET /v1/salesorders/{id}/lines, random IDs",
        'return wrk.format("GET", "/v1/salesorders/" .. (100001 + math.random(0, 9999))'
        ' .. "/lines")',
        "/v1/salesorders/{random}/lines",
    ),
    "list_page_100_hot": (
        "GET /v1/salesorders?limit=100, the same first page (generator cache hot)",
        'return wrk.format("GET", "/v1/salesorders?limit=100")',
        "/v1/salesorders?limit=100",
    ),
    "list_page_100_random": (
        "GET /v1/salesorders?limit=100&createdFrom=<random day of 2024> (mostly generated afresh)",
        'return wrk.format("GET", string.format('
        '"/v1/salesorders?limit=100&createdFrom=2024-%02d-%02dT00:00:00Z",'
        " math.random(1, 12), math.random(1, 28)))",
        "/v1/salesorders?limit=100&createdFrom=2024-{month}-{day}T00:00:00Z",
    ),
    "unauthorized_401": (
        "GET /v1/salesorders/{id} without a token (middleware + auth only)",
        'return wrk.format("GET", "/v1/salesorders/100042", {["Authorization"] = "Bearer x"})',
        "/v1/salesorders/100042#noauth",
    ),
}


def start_server() -> tuple[subprocess.Popen, str]:
    command = [
        sys.executable,
        "-m",
        "twentyfourseven.cli",
        "sandbox",
        "--orders",
        str(ORDERS),
        "--seed",
        str(SEED),
        "--port",
        "0",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        command, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"API\s+(http://127\.0\.0\.1:\d+)/v1", process.stderr.readline())
        if found:
            root = found.group(1)
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"{root}/_sandbox/health").raise_for_status()
                    return process, root
                except httpx.TransportError:
                    time.sleep(0.05)
    process.kill()
    raise RuntimeError("sandbox did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get_token(root: str) -> str:
    response = httpx.post(
        f"{root}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "audience": "https://api.24sevenoffice.com",
            "login_organization": "sandbox-org",
        },
    )
    response.raise_for_status()
    return response.json()["access_token"]


def run_wrk(
    root: str, token: str, lua_body: str, duration: int, connections: int
) -> dict[str, float]:
    script = (
        "math.randomseed(7)\n"
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"request = function()\n  {lua_body}\nend\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(  # noqa: S603 - fixed wrk arguments
            [
                shutil.which("wrk") or "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{duration}s",
                "--latency",
                "-s",
                handle.name,
                root,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "requests_per_second": rps,
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _python_worker(args: tuple[str, str, str, float]) -> int:
    root, token, path, duration = args
    import random

    rnd = random.Random(os.getpid())  # noqa: S311 - load pattern, not security
    headers = {} if path.endswith("#noauth") else {"Authorization": f"Bearer {token}"}
    path = path.removesuffix("#noauth")
    done = 0
    with httpx.Client(base_url=root, headers=headers) as client:
        end = time.monotonic() + duration
        while time.monotonic() < end:
            url = path.replace("{random}", str(100001 + rnd.randrange(ORDERS)))
            url = url.replace("{month}", f"{rnd.randint(1, 12):02d}")
            client.get(url.replace("{day}", f"{rnd.randint(1, 28):02d}"))
            done += 1
    return done


def run_python(root: str, token: str, path: str, duration: int, workers: int) -> dict[str, float]:
    with multiprocessing.Pool(workers) as pool:
        counts = pool.map(_python_worker, [(root, token, path, duration)] * workers)
    return {"requests_per_second": sum(counts) / duration}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"

    load_before = os.getloadavg()[0]
    process, root = start_server()
    try:
        token = get_token(root)
        results = {}
        for name, (description, lua, path) in SCENARIOS.items():
            runs = []
            for _ in range(args.runs):
                cpu_before = cpu_seconds(process.pid)
                if tool == "wrk":
                    run = run_wrk(root, token, lua, args.duration, args.connections)
                else:
                    run = run_python(root, token, path, args.duration, 2)
                cpu = cpu_seconds(process.pid) - cpu_before
                # Requests per second of server CPU: what one worker would do on a free core,
                # whatever else the machine is running.
                run["server_cpu_s"] = round(cpu, 2)
                run["rps_per_server_cpu_second"] = round(
                    run["requests_per_second"] * args.duration / max(cpu, 1e-6)
                )
                runs.append(run)
            median = statistics.median(r["requests_per_second"] for r in runs)
            per_cpu = statistics.median(r["rps_per_server_cpu_second"] for r in runs)
            results[name] = {
                "description": description,
                "median_rps": round(median),
                "median_rps_per_server_cpu_second": round(per_cpu),
                "runs": runs,
            }
            print(f"{name:20} {median:8.0f} req/s {per_cpu:8.0f} req/CPU-s  ({description})")
        counters = httpx.get(f"{root}/_sandbox/counters").json()
    finally:
        process.terminate()
        process.wait(timeout=10)

    report = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "tool": tool,
        "connections": args.connections,
        "duration_s": args.duration,
        "runs": args.runs,
        "orders": ORDERS,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1m_before": round(load_before, 2),
            "load_average_1m_after": round(os.getloadavg()[0], 2),
        },
        "server": "one uvicorn worker (uvloop + httptools), faults off, zero latency",
        "server_counted_requests": counters["total"],
        "scenarios": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sandbox_ceiling.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "sandbox_ceiling.md").write_text(_markdown(report))
    return 0


def _markdown(report: dict) -> str:
    rows = "\n".join(
        f"| `{name}` | {r['description']} | {r['median_rps']:,} |"
        f" {r['median_rps_per_server_cpu_second']:,} |"
        + (
            f" {statistics.median(x['p50_ms'] for x in r['runs']):.2f} |"
            f" {statistics.median(x['p99_ms'] for x in r['runs']):.2f} |"
            if "p50_ms" in r["runs"][0]
            else " n/a | n/a |"
        )
        for name, r in report["scenarios"].items()
    )
    machine = report["machine"]
    return f"""# Sandbox throughput ceiling

Measured {report["measured_at"]} with `benchmarks/sandbox_ceiling.py`:
{report["tool"]}, {report["connections"]} connections, {report["runs"]} runs of
{report["duration_s"]} s per scenario, median reported.
Server: {report["server"]}, {report["orders"]:,} orders.
Machine: {machine["cpus"]} CPUs shared by load generator and server, Python
{machine["python"]}, 1-minute load average {machine["load_average_1m_before"]} before
and {machine["load_average_1m_after"]} after (other work on the machine lowers the figures).
The server counted {report["server_counted_requests"]:,} requests in total.

| scenario | what | median req/s | req per server CPU-second | p50 ms | p99 ms |
|---|---|---:|---:|---:|---:|
{rows}

*req per server CPU-second* divides the requests served by the CPU time the server
process used: the rate one worker sustains on a core of its own, independent of
whatever else shares the machine. *median req/s* is what it achieved here.

The pipeline's default budget is 5 requests/s per organization
(`api.constants.DEFAULT_RATE_LIMIT`). The per-order endpoints the extract spends
that budget on run about 200 times faster than that, and list pages of 100
orders about 10 to 30 times faster: benchmarks of the pipeline measure the
pipeline, not the emulator.
"""


if __name__ == "__main__":
    sys.exit(main())
