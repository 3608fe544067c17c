"""End-to-end fixtures: real Airflow (``airflow dags test``, SQLite metadata), the real
sandbox over loopback, a real DuckDB file, and the sandbox's truth to compare with."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from twentyfourseven.commands.demo import DAG_ID, airflow_env
from twentyfourseven.deployment import WAREHOUSE_POOL, PipelineSettings

from ..truth import assert_equals_truth as _assert_equals_truth
from ..truth import read_truth

AIRFLOW = Path(sys.executable).with_name("airflow")
# Seconds one `airflow dags test` may take; the full reliability form needs hours.
RUN_TIMEOUT = float(os.environ.get("TWENTYFOURSEVEN_TEST_RUN_TIMEOUT", "600"))


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated Airflow metadata database for the whole session."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    for args in (
        ["db", "migrate"],
        ["pools", "set", WAREHOUSE_POOL, "1", "One writer for the DuckDB warehouse"],
    ):
        subprocess.run([str(AIRFLOW), *args], env=env, check=True, capture_output=True, timeout=300)
    return home


@dataclass
class Pipeline:
    """The DAG of one test module: its sandbox, its data folder, and how to run it."""

    sandbox: Any
    data_dir: Path
    airflow_home: Path
    settings_env: dict[str, str] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    connection_extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> PipelineSettings:
        saved = dict(os.environ)
        os.environ.update(self.env())
        try:
            return PipelineSettings.load()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    @contextlib.contextmanager
    def task_env(self) -> Iterator[PipelineSettings]:
        """The environment of the DAG's tasks, set in this process (and inherited by its
        children) to run the pipeline's steps without Airflow; yields their settings."""
        saved = dict(os.environ)
        task = ("AIRFLOW_CONN_", "TWENTYFOURSEVEN_")
        os.environ.update((k, v) for k, v in self.env().items() if k.startswith(task))
        try:
            yield PipelineSettings.load()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def env(self, **overrides: str) -> dict[str, str]:
        env = airflow_env(
            self.sandbox, self.data_dir, self.airflow_home, rate=1000, **self.connection_extra
        )
        return {**env, **self.settings_env, **overrides}

    def run(self, conf: dict[str, Any] | None = None, *, check: bool = True, **env: str) -> str:
        """Run the DAG once with ``airflow dags test``; return its output."""
        args = [str(AIRFLOW), "dags", "test", DAG_ID]
        if conf:
            args += ["--conf", json.dumps(conf)]
        result = subprocess.run(
            args, env=self.env(**env), capture_output=True, text=True, timeout=RUN_TIMEOUT
        )
        output = result.stdout + result.stderr
        self.logs.append(output)
        if check and result.returncode != 0:
            pytest.fail(f"airflow dags test failed ({result.returncode}):\n{output[-6000:]}")
        return output

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def task_instances(self) -> dict[tuple[str, int], tuple[int, str]]:
        """``(task, map index) -> (try number, state)`` of the latest DAG run, from
        Airflow's own metadata database: how often Airflow tried each task."""
        with sqlite3.connect(self.airflow_home / "airflow.db") as con:
            rows = con.execute(
                "select task_id, map_index, try_number, state from task_instance"
                " where run_id = (select run_id from dag_run where dag_id = ?"
                " order by id desc limit 1)",
                [DAG_ID],
            ).fetchall()
        return {(task, index): (tries, state) for task, index, tries, state in rows}

    def last_run(self) -> dict[str, Any]:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            cursor = con.execute("select * from ops.runs order by started_at desc limit 1")
            names = [d[0] for d in cursor.description]
            return dict(zip(names, cursor.fetchone(), strict=True))


@pytest.fixture(scope="module")
def pipeline(sandbox, airflow_home, tmp_path_factory, request) -> Pipeline:
    settings_env = {
        "TWENTYFOURSEVEN_MIN_CHUNK_SIZE": "40",
        "TWENTYFOURSEVEN_MAX_CHUNKS": "4",
        **getattr(request.module, "PIPELINE_ENV", {}),
    }
    return Pipeline(
        sandbox,
        tmp_path_factory.mktemp("data"),
        airflow_home,
        settings_env,
        connection_extra=getattr(request.module, "CONNECTION_EXTRA", {}),
    )


def assert_equals_truth(pipeline: Pipeline, *, stale: set[int] | frozenset[int] = frozenset()):
    """The warehouse equals the sandbox over plain HTTP, raw tables and facts
    (:func:`tests.truth.assert_equals_truth`); ``pipeline`` needs ``sandbox`` and ``query``."""
    return _assert_equals_truth(read_truth(pipeline.sandbox), pipeline.query, stale=stale)


def table_checksums(path: Path) -> dict[str, str]:
    """A checksum of every table's rows (ops.runs without its timing columns). Not of
    ops.changed_orders: work for the next transform, not state; a load repeated after a
    transform marks its orders again (the facts then update them to the same rows)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_type = 'BASE TABLE' and table_name <> 'changed_orders' order by 1"
        ).fetchall()
        sums = {}
        for (table,) in tables:
            exclude = " exclude (finished_at, duration_seconds)" if table == "ops.runs" else ""
            sums[table] = con.execute(
                f"select count(*) || ':' || coalesce(sum(hash(t)), 0)"
                f" from (select *{exclude} from {table}) t"
            ).fetchone()[0]
    return sums
