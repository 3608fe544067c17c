"""Records as the API sends them, bulk-reader outcomes built from them, and pipeline runs
through the DAG's own steps (without Airflow), for tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from twentyfourseven.api import OrderOutcome, OutcomeStatus
from twentyfourseven.api.payloads import SalesOrderExtended, SalesOrderLine, dumps_json, parse_json
from twentyfourseven.commands.demo import airflow_env
from twentyfourseven.deployment import PipelineSettings
from twentyfourseven.pipeline.runfiles.runplan import chunk_ids_entry, write_chunk_ids


def write_ids(run_dir: Path, chunks: list[list[OrderOutcome]]) -> None:
    """The run's chunk ID files as the plan writes them: each chunk's orders, no headers."""
    entries = ((n, chunk_ids_entry(o.order_id, None)) for n, out in enumerate(chunks) for o in out)
    write_chunk_ids(run_dir, len(chunks), entries)


def order_body(order_id: int, **fields: Any) -> dict[str, Any]:
    return {"id": order_id, "status": "Invoice", "netAmount": 100.10, **fields}


def line_body(line_id: int, **fields: Any) -> dict[str, Any]:
    """The first line of the documentation page's example (2 at 49.99, 10 % off, 25 % tax)."""
    return {
        "id": line_id,
        "type": "product",
        "product": {"id": 101},
        "description": "Leather handbag",
        "quantity": 2,
        "price": 49.99,
        "discountRate": 10,
        "tax": {"id": 1, "number": 1, "rate": 25},
        "account": {"id": 200001, "number": 3000, "name": "Sales"},
        **fields,
    }


def exact(value: Any) -> Any:
    """JSON as the API would send it, decimals parsed exactly."""
    return parse_json(dumps_json(value))


def ok(order_id: int, lines: Iterable[dict], header: dict[str, Any]) -> OrderOutcome:
    """A successful read of ``header`` and ``lines``."""
    raw_header = exact(header)
    raw_lines = exact(list(lines))
    return OrderOutcome(
        order_id,
        OutcomeStatus.OK,
        header=SalesOrderExtended.model_validate(raw_header),
        lines=tuple(SalesOrderLine.model_validate(r) for r in raw_lines),
        raw_header=raw_header,
        raw_lines=raw_lines,
    )


# One batch of upstream changes between soak runs: what the sandbox's change simulation
# does to 5 % of orders and a few % of lines, modifiedAt bumped for line edits.
SOAK_CHANGES = {
    "advance_seconds": 3600,
    "edit_orders": 0.05,
    "add_orders": 0.03,
    "delete_orders": 0.01,
    "edit_lines": 0.03,
    "add_lines": 0.02,
    "delete_lines": 0.02,
    "line_edit_bumps_modified": True,
}


@contextlib.contextmanager
def sandbox_connection(sandbox: Any, folder: Path) -> Iterator[None]:
    """The environment under which the steps' hook finds ``sandbox`` (an Airflow connection
    as an environment variable, fast and without retries)."""
    env = airflow_env(sandbox, folder / "data", folder / "airflow-home", rate=1000, max_attempts=1)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            if name.startswith(("AIRFLOW", "TWENTYFOURSEVEN_")):
                patch.setenv(name, value)
        yield


def run_steps(run_id: str, settings: PipelineSettings, **params: Any) -> dict[str, Any]:
    """One run as the DAG makes it (plan, extract every chunk and the master data, load);
    the load's summary. Needs :func:`sandbox_connection`."""
    from twentyfourseven.pipeline.steps import (
        extract_master_data_step,
        extract_step,
        load_step,
        plan_step,
    )

    chunks = plan_step(run_id, params, settings)
    for chunk in chunks:
        extract_step(run_id, chunk, 1, settings)
    extract_master_data_step(run_id, 1, settings)
    return load_step(run_id, settings)
