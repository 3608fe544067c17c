"""A small Airflow cluster on loopback, shaped like docker-compose.yml without Docker:
PostgreSQL (metadata and Celery result backend), Redis (Celery broker), the api-server,
the scheduler, the dag-processor and Celery workers, plus the 24SevenOffice sandbox.

PostgreSQL and Redis are Debian's packages (installed with apt-get when missing, which
needs root), run from their own binaries with data under a temporary folder and on
free ports, so nothing of the machine's own services is touched. Every process is
started in its own session and stopped, by its process group, in :meth:`Cluster.stop`.

Each worker gets a hostname of its own: in a UTS namespace (``unshare --uts``, as a
separate machine would have), else, where namespaces are not allowed, through
Airflow's ``[core] hostname_callable`` (``worker_hostname.hostname``; forced with
``TWENTYFOURSEVEN_DISTRIBUTED_HOSTNAMES=callable``).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AIRFLOW = BIN / "airflow"
TWENTYFOURSEVEN = BIN / "twentyfourseven"


def log(message: str) -> None:
    print(f"[distributed {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check: Callable[[], bool], timeout: float, interval: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")


def _apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        raise RuntimeError(
            f"{' '.join(packages)} missing and not root: "
            f"sudo apt-get install -y {' '.join(packages)}"
        )
    log(f"installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = shutil.which("apt-get") or "/usr/bin/apt-get"
    subprocess.run([apt, "update", "-qq"], check=True, env=env)
    subprocess.run([apt, "install", "-y", "-qq", *packages], check=True, env=env)


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian's layout), installing it if need be."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        _apt_install("postgresql")
        return postgres_bin()
    return Path(found[-1]).parent


def redis_server() -> str:
    path = shutil.which("redis-server")
    if not path:
        _apt_install("redis-server")
        path = shutil.which("redis-server")
    assert path
    return path


def can_unshare_uts() -> bool:
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    probe = subprocess.run(
        [unshare, "--uts", "sh", "-c", "hostname probe-host && hostname"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "probe-host"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    """Everything the distributed test starts, and how to stop it again."""

    root: Path
    orders: int
    rate_limit: float
    rate_limit_burst: int
    parallel_extracts: int
    workers: tuple[str, ...] = ("worker-1", "worker-2")
    worker_concurrency: int = 2
    # The Celery queue of the tasks that open the warehouse (TWENTYFOURSEVEN_WAREHOUSE_QUEUE);
    # on a shared disk every worker serves it.
    warehouse_queue: str = "warehouse"
    processes: list[Process] = field(default_factory=list)
    pg_data: Path | None = None
    pg_bin: Path | None = None
    ports: dict[str, int] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    hostname_mode: str = ""
    setup_seconds: float = 0.0
    _token: str | None = None
    _http: httpx.Client | None = None

    # --- paths and settings -----------------------------------------------------------

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow-home"

    @property
    def data_dir(self) -> Path:
        """The shared folder: staging files, warehouse, snapshot (a shared volume)."""
        return self.root / "shared-data"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['sandbox']}"

    def env(self, **extra: str) -> dict[str, str]:
        """docker-compose.yml's x-airflow-common environment, on loopback ports."""
        pg = f"airflow:airflow@127.0.0.1:{self.ports['postgres']}/airflow"
        connection = {
            "conn_type": "twentyfourseven",
            "login": "sandbox-client",
            "password": "sandbox-secret",
            "extra": {
                "organization_id": "sandbox-org",
                "api_base_url": f"{self.sandbox_url}/v1",
                "token_url": f"{self.sandbox_url}/oauth/token",
                "rate_limit": self.rate_limit,
            },
        }
        return {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.airflow_home),
            # As in docker-compose.yml:
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{pg}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{pg}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://:@127.0.0.1:{self.ports['redis']}/0",
            "AIRFLOW__CORE__FERNET_KEY": self.keys["fernet"],
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": self.keys["jwt"],
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "TWENTYFOURSEVEN_DATA_DIR": str(self.data_dir),
            "TWENTYFOURSEVEN_PARALLEL_EXTRACTS": str(self.parallel_extracts),
            "TWENTYFOURSEVEN_WAREHOUSE_QUEUE": self.warehouse_queue,
            "AIRFLOW_CONN_TWENTYFOURSEVEN_DEFAULT": json.dumps(connection),
            # This test's own: loopback ports, a shared API secret, a small machine,
            # a user for the REST API, and only the runs it triggers (no schedule).
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.ports["api"]),
            "AIRFLOW__API__SECRET_KEY": self.keys["api"],
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(
                self.ports["scheduler_health"]
            ),
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "tester:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(
                self.airflow_home / "passwords.json"
            ),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.root / "task-logs"),
            **extra,
        }

    # --- processes ----------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Process:
        log_path = self.logs / f"{name}.log"
        out = log_path.open("ab")
        popen = subprocess.Popen(
            args,
            env=env or self.env(),
            cwd=self.root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        out.close()
        process = Process(name, popen, log_path)
        self.processes.append(process)
        log(f"started {name} (pid {popen.pid})")
        return process

    def _run(self, name: str, args: list[str], *, timeout: float = 300, **kw: Any) -> None:
        log_path = self.logs / f"{name}.log"
        with log_path.open("ab") as out:
            result = subprocess.run(
                args, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False, **kw
            )
        if result.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"{name} failed ({result.returncode}):\n{tail}")

    def _as_postgres(self) -> list[str]:
        """initdb and postgres refuse to run as root: run them as Debian's postgres user."""
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start_postgres(self) -> None:
        self.pg_bin = postgres_bin()
        self.pg_data = self.root / "postgres"
        sockets = self.root / "pg-sockets"
        server_logs = self.root / "pg-logs"
        for path in (self.pg_data, sockets, server_logs):
            path.mkdir()
        password = self.root / "pg-password"
        password.write_text("airflow\n")
        if os.geteuid() == 0:
            for path in (self.pg_data, sockets, server_logs, password):
                shutil.chown(path, "postgres", "postgres")
        self._run(
            "postgres-initdb",
            [
                *self._as_postgres(),
                str(self.pg_bin / "initdb"),
                "-D", str(self.pg_data), "-U", "airflow", f"--pwfile={password}",
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C",
            ],
        )  # fmt: skip
        options = (
            f"-p {self.ports['postgres']} -c listen_addresses=127.0.0.1 -k {sockets} "
            "-c max_connections=200 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        self._run(
            "postgres",
            [
                *self._as_postgres(),
                str(self.pg_bin / "pg_ctl"),
                "-D", str(self.pg_data), "-o", options,
                "-l", str(server_logs / "server.log"), "-w", "-t", "60", "start",
            ],
        )  # fmt: skip
        self._run(
            "postgres-createdb",
            [
                str(self.pg_bin / "createdb"),
                "-h", "127.0.0.1", "-p", str(self.ports["postgres"]), "-U", "airflow", "airflow",
            ],
            env={**os.environ, "PGPASSWORD": "airflow"},
        )  # fmt: skip
        log(f"PostgreSQL {self.pg_bin.parent.name} on 127.0.0.1:{self.ports['postgres']}")

    def stop_postgres(self) -> None:
        if self.pg_bin and self.pg_data and (self.pg_data / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self._as_postgres(),
                    str(self.pg_bin / "pg_ctl"),
                    "-D", str(self.pg_data), "-m", "fast", "-w", "stop",
                ],
                capture_output=True,
                timeout=60,
                check=False,
            )  # fmt: skip

    def start_redis(self) -> None:
        port = self.ports["redis"]
        self._spawn(
            "redis",
            [
                redis_server(), "--port", str(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.root),
            ],
        )  # fmt: skip

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        wait_for("redis", ping, 30, 0.2)
        log(f"Redis on 127.0.0.1:{port}")

    def start_sandbox(self) -> None:
        self._spawn(
            "sandbox",
            [
                str(TWENTYFOURSEVEN), "sandbox", "--port", str(self.ports["sandbox"]),
                "--orders", str(self.orders), "--seed", "7",
                "--rate-limit", str(self.rate_limit),
                "--rate-limit-burst", str(self.rate_limit_burst),
                "--log-level", "warning",
            ],
        )  # fmt: skip
        wait_for(
            "sandbox",
            lambda: httpx.get(f"{self.sandbox_url}/_sandbox/health", timeout=5).is_success,
            120,
        )
        log(
            f"sandbox on {self.sandbox_url}: {self.orders} orders, rate limit "
            f"{self.rate_limit}/s (burst {self.rate_limit_burst})"
        )

    def airflow(self, name: str, *args: str, timeout: float = 300) -> None:
        self._run(name, [str(AIRFLOW), *args], env=self.env(), timeout=timeout)

    def start_airflow(self) -> None:
        self.airflow_home.mkdir()
        (self.airflow_home / "passwords.json").write_text(json.dumps({"tester": self.keys["user"]}))
        started = time.monotonic()
        self.airflow("airflow-db-migrate", "db", "migrate", timeout=420)
        log(f"airflow db migrate (PostgreSQL): {time.monotonic() - started:.0f} s")
        # as docker-compose.yml's airflow-init does
        self.airflow(
            "airflow-pools",
            "pools", "set", "twentyfourseven_warehouse", "1", "One writer for the DuckDB warehouse",
        )  # fmt: skip
        self._spawn(
            "api-server", [str(AIRFLOW), "api-server", "--port", str(self.ports["api"]), "-w", "1"]
        )
        self._spawn("scheduler", [str(AIRFLOW), "scheduler"])
        self._spawn("dag-processor", [str(AIRFLOW), "dag-processor"])
        forced = os.environ.get("TWENTYFOURSEVEN_DISTRIBUTED_HOSTNAMES") == "callable"
        uts = not forced and can_unshare_uts()
        self.hostname_mode = "UTS namespace" if uts else "hostname_callable"
        for number, hostname in enumerate(self.workers, 1):
            self.start_worker(number, hostname)
        wait_for(
            "api-server",
            lambda: httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).is_success,
            240,
            2,
        )
        wait_for(
            "scheduler",
            lambda: (
                httpx.get(
                    f"http://127.0.0.1:{self.ports['scheduler_health']}/health", timeout=5
                ).is_success
            ),
            240,
            2,
        )
        for hostname in self.workers:
            self.wait_for_worker(hostname, hostname)
        log(f"Airflow up in {time.monotonic() - started:.0f} s; workers {', '.join(self.workers)}")

    def start_worker(
        self,
        number: int,
        hostname: str,
        *,
        queues: str | None = None,
        name: str | None = None,
        **extra: str,
    ) -> None:
        """Start a Celery worker serving ``queues`` (default: the default queue and the
        warehouse's), its log named ``name`` (default: its hostname), with ``extra``
        environment of its own."""
        env = self.env(
            # Each worker serves its task logs on a port of its own (one machine here).
            AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(self.ports[f"worker{number}_logs"]),
            **extra,
        )
        args = [
            str(AIRFLOW), "celery", "worker",
            "--celery-hostname", f"celery@{hostname}",
            "--concurrency", str(self.worker_concurrency),
            "--queues", queues or f"default,{self.warehouse_queue}",
        ]  # fmt: skip
        if self.hostname_mode == "UTS namespace":
            # A machine of its own as far as hostnames go: socket.getfqdn() is `hostname`.
            unshare = shutil.which("unshare") or "unshare"
            args = [unshare, "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', hostname, *args]
        else:
            env["PYTHONPATH"] = f"{Path(__file__).parent}:{env.get('PYTHONPATH', '')}"
            env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] = "worker_hostname.hostname"
            env["TWENTYFOURSEVEN_TEST_WORKER_HOSTNAME"] = hostname
        self._spawn(name or hostname, args, env)

    def wait_for_worker(self, name: str, hostname: str) -> None:
        process = next(p for p in self.processes if p.name == name)
        wait_for(
            f"celery worker {hostname}",
            lambda: f"celery@{hostname} ready" in process.tail(400),
            240,
            2,
        )

    def stop_process(self, process: Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.popen.pid, signal.SIGTERM)
        try:
            process.popen.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait(timeout=10)
        self.processes.remove(process)

    def restart_workers(self, scenario: str, workers: dict[str, dict[str, Any]]) -> None:
        """Stop the workers and start them again as ``workers`` says: hostname ->
        ``queues`` and environment of its own (its logs named ``<hostname>-<scenario>``)."""
        for hostname in self.workers:
            running = [p for p in self.processes if p.name.startswith(hostname)]
            for process in running:
                self.stop_process(process)
        for number, hostname in enumerate(self.workers, 1):
            self.ports[f"worker{number}_logs"] = free_port()
            self.start_worker(number, hostname, name=f"{hostname}-{scenario}", **workers[hostname])
        for hostname in self.workers:
            self.wait_for_worker(f"{hostname}-{scenario}", hostname)
        # the settings' names only: the connection's value holds the bucket's keys
        shown = {
            host: {k: v if k == "queues" else "…" for k, v in w.items()}
            for host, w in workers.items()
        }
        log(f"workers restarted for {scenario}: {shown}")

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)  # the postgres user reaches its data folder under it
        self.logs.mkdir()
        self.data_dir.mkdir()
        names = ["postgres", "redis", "api", "scheduler_health", "sandbox"]
        names += [f"worker{n}_logs" for n in range(1, len(self.workers) + 1)]
        used: set[int] = set()
        for name in names:
            port = free_port()
            while port in used:
                port = free_port()
            used.add(port)
            self.ports[name] = port
        self.keys = {k: secrets.token_urlsafe(24) for k in ("jwt", "api", "user")}
        self.keys["fernet"] = Fernet.generate_key().decode()
        self.start_postgres()
        self.start_redis()
        self.start_sandbox()
        self.start_airflow()

    def stop(self) -> None:
        """Stop every process started, newest first (workers before the API they report to)."""
        for process in reversed(self.processes):
            if not process.alive():
                continue
            try:
                os.killpg(process.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + 30
        for process in reversed(self.processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):  # what is left of its group
                os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait(timeout=10)
        self.stop_postgres()
        if self._http:
            self._http.close()
        log("stopped everything started")

    def dead(self) -> list[str]:
        return [p.name for p in self.processes if not p.alive()]

    def report_logs(self, lines: int = 40) -> str:
        parts = [f"--- {p.name} ({p.log_path}) ---\n{p.tail(lines)}" for p in self.processes]
        return "\n".join(parts)

    # --- Airflow's REST API, as a user ------------------------------------------------------

    def api(self, method: str, path: str, **kw: Any) -> Any:
        if self._http is None:
            self._http = httpx.Client(base_url=self.api_url, timeout=30)
        if self._token is None:
            response = self._http.post(
                "/auth/token", json={"username": "tester", "password": self.keys["user"]}
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        response = self._http.request(
            method, path, headers={"Authorization": f"Bearer {self._token}"}, **kw
        )
        if response.is_error:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None
