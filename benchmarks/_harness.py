"""Shared pieces of the benchmark harness: the sandbox in its own (pinned) process,
child processes that report JSON, CPU pinning, medians and machine facts."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
PYTHON = sys.executable

# No phoning home from dlt, whatever the harness runs.
QUIET_ENV = {"RUNTIME__DLTHUB_TELEMETRY": "false", "PYTHONUNBUFFERED": "1"}


# --- CPU pinning --------------------------------------------------------------------


def cores() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def pinning() -> tuple[list[str], list[str]]:
    """``taskset`` prefixes for the client and the server: different cores when the
    machine has at least two and ``taskset`` exists, nothing otherwise."""
    available = cores()
    if len(available) < 2 or not shutil.which("taskset"):
        return [], []
    return (["taskset", "-c", str(available[0])], ["taskset", "-c", str(available[1])])


CLIENT_PIN, SERVER_PIN = pinning()


# --- the sandbox as a separate process ---------------------------------------------


class SandboxProcess:
    """``twentyfourseven sandbox`` on a free loopback port, pinned to the server core."""

    def __init__(self, orders: int, *, seed: int = 7, extra: Iterable[str] = ()) -> None:
        self.orders = orders
        command = [
            *SERVER_PIN,
            PYTHON,
            "-m",
            "twentyfourseven.cli",
            "sandbox",
            "--orders",
            str(orders),
            "--seed",
            str(seed),
            "--port",
            "0",
            "--log-level",
            "warning",
            *extra,
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            command, stderr=subprocess.PIPE, text=True, env={**os.environ, **QUIET_ENV}
        )
        deadline = time.monotonic() + 60
        self.root = ""
        while time.monotonic() < deadline and not self.root:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            found = re.search(r"API\s+(http://127\.0\.0\.1:\d+)/v1", line)
            if found:
                self.root = found.group(1)
        if not self.root:
            self.process.kill()
            raise RuntimeError("the sandbox did not start")
        self.http = httpx.Client(base_url=self.root, timeout=120)
        while True:
            try:
                self.http.get("/_sandbox/health").raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    # what a client needs
    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    @property
    def token_url(self) -> str:
        return f"{self.root}/oauth/token"

    client_id = "sandbox-client"
    client_secret = "sandbox-secret"  # noqa: S105 - the sandbox's published test credential
    organization_id = "sandbox-org"
    audience = "https://api.24sevenoffice.com"

    def client_kwargs(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "organization_id": self.organization_id,
            "base_url": self.base_url,
            "token_url": self.token_url,
            "audience": self.audience,
        }

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"/_sandbox{path}", json=body)
        response.raise_for_status()
        return response.json()

    def set_faults(self, **faults: Any) -> Any:
        """Replace the fault configuration (anything not given is off)."""
        return self.admin("PUT", "/faults", faults)

    def reset_counters(self) -> None:
        self.admin("DELETE", "/counters")

    def counters(self) -> dict[str, Any]:
        return self.admin("GET", "/counters")

    def simulate_changes(self, **changes: Any) -> dict[str, Any]:
        return self.admin("POST", "/changes", changes)

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- children that report JSON ------------------------------------------------------


def run_child(
    args: list[str], *, pin: bool = True, timeout: float = 1800, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``python <args>`` (pinned to the client core); its last stdout line is JSON.

    Adds the child's peak RSS (``VmHWM`` equivalent: ``ru_maxrss`` of the waited child).
    """
    command = [*(CLIENT_PIN if pin else []), PYTHON, *args]
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own scripts
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **QUIET_ENV, **(env or {})},
        cwd=ROOT,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({process.returncode}):\n{err[-4000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(args[:3])} printed no JSON:\n{out[-2000:]}\n{err[-2000:]}")
    result = json.loads(lines[-1])
    result.setdefault("child_wall_seconds", round(wall, 3))
    return result


def peak_rss_mb() -> float:
    """This process's peak RSS so far, from /proc (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(result: dict[str, Any]) -> None:
    """What a child prints last: one JSON line."""
    print(json.dumps(result, default=str), flush=True)


# --- statistics ---------------------------------------------------------------------


def summary(values: list[float], digits: int = 2) -> dict[str, Any]:
    """Median, min, max and the spread ((max - min) / median) of some runs."""
    values = [float(v) for v in values]
    median = statistics.median(values)
    return {
        "median": round(median, digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "spread_pct": round(100 * (max(values) - min(values)) / median, 1) if median else 0.0,
        "runs": [round(v, digits) for v in values],
    }


def fmt(stat: dict[str, Any] | None, unit: str = "", digits: int | None = None) -> str:
    """``median (min-max)`` for a report cell."""
    if not stat:
        return "n/a"

    def number(value: float) -> str:
        if digits is not None:
            return f"{value:,.{digits}f}"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:,.1f}"
        return f"{value:,.2f}"

    return f"{number(stat['median'])}{unit} ({number(stat['min'])}-{number(stat['max'])})"


# --- machine facts ------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    import duckdb

    versions: dict[str, str] = {"python": platform.python_version(), "duckdb": duckdb.__version__}
    for name in ("httpx", "pydantic", "airflow", "py24so", "dlt", "httpx2", "uvicorn"):
        try:
            from importlib.metadata import version

            versions[name] = version("apache-airflow" if name == "airflow" else name)
        except Exception:  # noqa: S112 - an optional peer not installed
            continue
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout.strip()
    meminfo = Path("/proc/meminfo").read_text().splitlines()[0].split()
    return {
        "nproc": os.cpu_count(),
        "usable_cores": cores(),
        "pinning": {
            "client": " ".join(CLIENT_PIN) or "none",
            "server": " ".join(SERVER_PIN) or "none",
        },
        "memory_gib": round(int(meminfo[1]) / 1024 / 1024, 1),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "commit": commit,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
