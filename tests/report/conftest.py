"""Fixtures for the dashboard tests.

``report_warehouse`` (package scope, read-only for the tests) is a warehouse file
loaded from a sandbox through the DAG's own steps (plan, extract every chunk,
load, transform) without Airflow: a clean first run, then a run with upstream
changes and faults, so ``ops.runs`` has failed and quarantined orders and the
quarantine and failed-orders tables have open entries.

``airflow_probes`` (package scope) runs ``airflow plugins -o json`` and
``airflow_probe.py`` (Airflow's API server app answering for the dashboard) in
fresh processes with a temporary AIRFLOW_HOME. Airflow takes many seconds to
start, so when any collected test needs them they are started as the package's
first test begins and run while the warehouse is built.

``chromium`` (session scope) is the path of a headless-capable Chromium. If
``/usr/bin/chromium`` is missing it installs Debian's package with apt-get (CI
runs as root); if that fails the tests using it FAIL with apt's output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from twentyfourseven.deployment import PipelineSettings

from ..builders import run_steps, sandbox_connection

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_OUTPUT = PROJECT_ROOT / "test-output"


@pytest.fixture(scope="package")
def report_warehouse(
    sandbox_factory: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A warehouse loaded from the sandbox by the pipeline's steps, models built."""
    from twentyfourseven.pipeline.steps import transform_step

    sandbox = sandbox_factory(orders=200, seed=11)
    folder = tmp_path_factory.mktemp("report-warehouse")
    settings = PipelineSettings(
        warehouse=folder / "data" / "warehouse.duckdb",
        staging=folder / "data" / "staging",
        snapshot=folder / "data" / "snapshot.duckdb",
        dashboard=folder / "data" / "dashboard.html",
        min_chunk_size=100,
    )
    with sandbox_connection(sandbox, folder):
        first = run_steps("manual__first", settings)
        assert first["orders_ok"] > 0
        sandbox.simulate_changes(advance_seconds=3600, edit_orders=0.1, add_orders=0.05)
        sandbox.set_faults(invalid_record_rate=0.05, error_500=0.05, seed=3)
        second = run_steps("scheduled__second", settings, reconcile=True)
        sandbox.clear_faults()
        transform_step(settings)
    assert second["orders_failed"] > 0, second
    assert second["orders_quarantined"] > 0, second
    return settings.warehouse


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing; a failed install fails."""
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None:
            pytest.fail(f"{CHROMIUM} is missing and there is no apt-get to install it")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
        ):
            result = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=900, check=False
            )
            if result.returncode != 0:
                pytest.fail(
                    f"{CHROMIUM} is missing and `{' '.join(command)}` failed "
                    f"({result.returncode}; root is needed):\n"
                    f"{(result.stdout + result.stderr)[-4000:]}"
                )
        if not CHROMIUM.exists():
            pytest.fail(f"apt-get installed chromium but {CHROMIUM} is still missing")
    return CHROMIUM


@pytest.fixture(scope="session")
def test_output() -> Path:
    """The git-ignored folder for artifacts to review (screenshots)."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    return TEST_OUTPUT


AIRFLOW = Path(sys.executable).with_name("airflow")
PROBE = Path(__file__).with_name("airflow_probe.py")


class AirflowProbes:
    """The Airflow processes, started; :meth:`answers` waits for them."""

    def __init__(self, folder: Path) -> None:
        from twentyfourseven.report import render_dashboard

        from .synthetic import NOW, build_synthetic

        home = folder / "airflow-home"
        home.mkdir()
        database = build_synthetic(folder / "warehouse.duckdb")
        self.dashboard = render_dashboard(database, folder / "site" / "dashboard.html", now=NOW)
        self.missing = home / "nothing-yet.html"
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
            "TWENTYFOURSEVEN_DATA_DIR": str(home / "data"),
            "TWENTYFOURSEVEN_DASHBOARD": str(self.dashboard),
            "PROBE_MISSING_DASHBOARD": str(self.missing),
        }
        self.commands = {
            "plugins": [str(AIRFLOW), "plugins", "-o", "json"],
            "server": [sys.executable, str(PROBE)],
        }
        self.processes = {
            name: subprocess.Popen(
                command,
                env=env,
                cwd=home,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, command in self.commands.items()
        }
        self._answers: dict[str, Any] | None = None

    def answers(self) -> dict[str, Any]:
        if self._answers is None:
            answers = {}
            for name, process in self.processes.items():
                stdout, stderr = process.communicate(timeout=300)
                if process.returncode != 0:
                    pytest.fail(
                        f"{self.commands[name]} failed ({process.returncode}):\n{stderr[-4000:]}"
                    )
                answers[name] = _last_json_line(stdout)
            self._answers = answers
        return self._answers

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()


def _last_json_line(stdout: str) -> Any:
    """The JSON document among Airflow's log lines (which also go to stdout)."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(("[{", "[]", '{"')):
            return json.loads(line)
    pytest.fail(f"no JSON in the output:\n{stdout[-4000:]}")


@pytest.fixture(scope="package")
def airflow_probes(tmp_path_factory: pytest.TempPathFactory):
    probes = AirflowProbes(tmp_path_factory.mktemp("airflow-probes"))
    yield probes
    probes.stop()


@pytest.fixture(scope="package", autouse=True)
def _start_airflow_early(request: pytest.FixtureRequest) -> None:
    """Start the slow Airflow processes now if any collected test will need them."""
    if any("airflow_probes" in getattr(item, "fixturenames", ()) for item in request.session.items):
        request.getfixturevalue("airflow_probes")
