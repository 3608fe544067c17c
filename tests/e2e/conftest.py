"""End-to-end fixtures: real Airflow (``airflow dags test``, SQLite metadata), the real
sandbox over loopback, a real DuckDB file, and the sandbox's truth to compare with."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from twentyfourseven.api import TwentyFourSevenOfficeClient
from twentyfourseven.demo import DAG_ID, airflow_env
from twentyfourseven.pipeline.settings import WAREHOUSE_POOL, PipelineSettings

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


ORDER_FIELDS = ("status", "net_amount", "gross_amount", "tax_amount", "modified_at")
LINE_FIELDS = (
    "line_id", "line_type", "description", "quantity", "price", "discount_rate",
    "tax_id", "tax_number", "tax_rate", "account_id", "account_number", "account_name",
    "product_id", "product_number",
)  # fmt: skip


def sandbox_truth(sandbox) -> dict[int, tuple[tuple, list[tuple]]]:
    """Every live order of the sandbox with its lines, read through the API (faults off)."""
    saved = sandbox.counters()
    with TwentyFourSevenOfficeClient(
        **sandbox.client_kwargs(), rate_limit=None, max_concurrency=8
    ) as client:
        ids = [order.id for order in client.list_sales_orders(page_size=1000)]
        truth = {}
        for outcome in client.read_orders(ids):
            assert outcome.status.value == "ok", outcome
            header = outcome.header
            truth[outcome.order_id] = (
                (
                    str(header.status),
                    header.net_amount,
                    header.gross_amount,
                    header.tax_amount,
                    header.modified_at,
                ),
                sorted(_line_fields(line) for line in outcome.lines),
            )
    assert saved is not None
    return truth


def _line_fields(line) -> tuple:
    product = line.product
    return (
        line.id, str(line.type), line.description, line.quantity, line.price,
        line.discount_rate, line.tax.id, line.tax.number, line.tax.rate,
        line.account.id, line.account.number, line.account.name,
        product.id if product else None, product.number if product else None,
    )  # fmt: skip


def warehouse_view(pipeline: Pipeline) -> dict[int, tuple[tuple, list[tuple]]]:
    """What reports see: live orders and their lines, in the truth's shape."""
    orders = pipeline.query(
        f"select order_id, {', '.join(ORDER_FIELDS)} from raw.sales_orders where deleted_at is null"
    )
    lines = pipeline.query(
        f"select order_id, {', '.join(LINE_FIELDS)} from raw.sales_order_lines"
        " where order_id in (select order_id from raw.sales_orders where deleted_at is null)"
    )
    view: dict[int, tuple[tuple, list[tuple]]] = {row[0]: (tuple(row[1:]), []) for row in orders}
    for row in lines:
        view[row[0]][1].append(tuple(row[1:]))
    return {k: (header, sorted(found)) for k, (header, found) in view.items()}


def assert_equals_truth(pipeline: Pipeline) -> None:
    truth = sandbox_truth(pipeline.sandbox)
    view = warehouse_view(pipeline)
    missing, extra = sorted(set(truth) - set(view)), sorted(set(view) - set(truth))
    assert not missing, f"orders missing from the warehouse: {missing[:10]}"
    assert not extra, f"orders in the warehouse the sandbox does not have: {extra[:10]}"
    for order_id, (header, lines) in truth.items():
        assert view[order_id][0] == header, f"order {order_id} header differs"
        assert view[order_id][1] == lines, f"order {order_id} lines differ"
    assert any(isinstance(h[1], Decimal) for h, _ in view.values())


def table_checksums(path: Path) -> dict[str, str]:
    """A checksum of every table's rows (ops.runs without its timing columns)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        sums = {}
        for (table,) in tables:
            exclude = " exclude (finished_at, duration_seconds)" if table == "ops.runs" else ""
            sums[table] = con.execute(
                f"select count(*) || ':' || coalesce(sum(hash(t)), 0)"
                f" from (select *{exclude} from {table}) t"
            ).fetchone()[0]
    return sums
