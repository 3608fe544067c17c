"""Fixtures for the SQL model tests.

``golden`` (module scope, read-only) and ``fresh_golden`` (one per test, to
corrupt) are in-memory warehouses holding the hand-computed data set of
``golden.py`` with every model built.
``sandbox_warehouse`` is a warehouse file loaded from a sandbox of a few hundred
orders the way the DAG loads it, without Airflow (plan, extract every chunk,
load, and the master data read as listings; then changes upstream, including deletions,
renamed and moved products, and a reconcile run), with the models built; package scope,
read-only for the tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from twentyfourseven.warehouse.model_runner import (
    SQL_DIR,
    ModelRunSummary,
    build_models,
    run_models,
)

from .golden import load_golden, load_master_data

SANDBOX_ORDERS = 300


def _golden() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_golden(con)
    build_models(con)
    return con


@pytest.fixture(scope="module")
def golden() -> Iterator[duckdb.DuckDBPyConnection]:
    """The golden warehouse, shared by a module's tests: do not change it."""
    con = _golden()
    yield con
    con.close()


@pytest.fixture(scope="module")
def golden_master() -> Iterator[duckdb.DuckDBPyConnection]:
    """The golden warehouse with the golden master data beside it (read-only)."""
    con = duckdb.connect()
    load_golden(con)
    load_master_data(con)
    build_models(con)
    yield con
    con.close()


@pytest.fixture
def fresh_golden() -> Iterator[duckdb.DuckDBPyConnection]:
    """A golden warehouse of the test's own, to corrupt."""
    con = _golden()
    yield con
    con.close()


@pytest.fixture
def sql_dir(tmp_path: Path) -> Path:
    """A copy of sql/ to break."""
    return Path(shutil.copytree(SQL_DIR, tmp_path / "sql"))


@pytest.fixture
def raw() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database holding the golden raw tables, for the models to build on."""
    con = duckdb.connect()
    load_golden(con)
    yield con
    con.close()


def load_from_sandbox(
    sandbox: Any,
    warehouse: Path,
    staging: Path,
    run_id: str,
    *,
    settings_overrides: dict[str, Any] | None = None,
    **params: Any,
):
    """One pipeline run (plan, extract each chunk, load) against ``sandbox``; the run's
    params as keywords, settings other than the defaults in ``settings_overrides``."""
    from twentyfourseven.api import TwentyFourSevenOfficeClient
    from twentyfourseven.deployment import PipelineSettings
    from twentyfourseven.pipeline.extract import extract_chunk
    from twentyfourseven.pipeline.load import load_run
    from twentyfourseven.pipeline.plan import RunRequest, plan_run

    settings = PipelineSettings(
        warehouse=warehouse,
        staging=staging,
        snapshot=staging.parent / "snapshot.duckdb",
        dashboard=staging.parent / "dashboard.html",
        **{"min_chunk_size": 100, **(settings_overrides or {})},
    )
    run_dir = staging / run_id
    with TwentyFourSevenOfficeClient(
        **sandbox.client_kwargs(), rate_limit=None, max_concurrency=16
    ) as client:
        plan = plan_run(
            client,
            run_id=run_id,
            run_dir=run_dir,
            request=RunRequest.from_params(params),
            settings=settings,
        )
        for chunk in range(plan.chunks):
            extract_chunk(client, run_dir, chunk)
    return load_run(warehouse, run_dir, run_id=run_id)


def load_master_from_sandbox(sandbox: Any, warehouse: Path, staging: Path, run_id: str) -> None:
    """Read every master-data resource from ``sandbox`` and load it, as the DAG's load step
    does for a run (in a folder of its own beside the run's)."""
    from twentyfourseven.api import TwentyFourSevenOfficeClient
    from twentyfourseven.api.resources.master_data import MASTER_DATA
    from twentyfourseven.pipeline.listing import extract_listing, load_listing
    from twentyfourseven.warehouse.schema import open_warehouse

    folder = staging / f"{run_id}-master"
    with TwentyFourSevenOfficeClient(**sandbox.client_kwargs(), rate_limit=None) as client:
        for resource in MASTER_DATA:
            extract_listing(client, resource, folder, run_id=run_id)
    con = open_warehouse(warehouse)
    try:
        con.execute("BEGIN TRANSACTION")
        for resource in MASTER_DATA:
            load_listing(con, resource, folder, run_id=run_id)
        con.execute("COMMIT")
    finally:
        con.close()


@pytest.fixture(scope="package")
def sandbox_warehouse(
    sandbox_factory: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ModelRunSummary]:
    """A sandbox-loaded warehouse with the models built and tested: (path, summary)."""
    sandbox = sandbox_factory(orders=SANDBOX_ORDERS, seed=11)
    folder = tmp_path_factory.mktemp("sandbox-warehouse")
    warehouse, staging = folder / "warehouse.duckdb", folder / "staging"
    load_from_sandbox(sandbox, warehouse, staging, "run-1")
    load_master_from_sandbox(sandbox, warehouse, staging, "run-1")
    sandbox.simulate_changes(
        advance_seconds=3600,
        edit_orders=0.05,
        add_orders=0.03,
        delete_orders=0.05,
        edit_lines=0.05,
        rename_products=0.2,
        move_products=0.2,
    )
    load_from_sandbox(sandbox, warehouse, staging, "run-2", reconcile=True)
    load_master_from_sandbox(sandbox, warehouse, staging, "run-2")
    shutil.rmtree(staging, ignore_errors=True)
    summary = run_models(warehouse, raise_on_failure=False)
    return warehouse, summary


@pytest.fixture(scope="module")
def sandbox_db(sandbox_warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    """The sandbox-loaded warehouse, opened read-only for a module's tests."""
    path, _ = sandbox_warehouse
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def by_first_column(con: duckdb.DuckDBPyConnection, sql: str) -> dict[Any, tuple[Any, ...]]:
    """The rows of ``sql`` keyed by their first column (the rest as a tuple)."""
    return {row[0]: tuple(row[1:]) for row in con.execute(sql).fetchall()}
