"""Builders for staging runs and a checksum of every loader-owned table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from twentyfourseven.api import NotFoundError, OrderOutcome, OutcomeStatus, ServerError
from twentyfourseven.api.bulk import InvalidRecord
from twentyfourseven.api.payloads import SalesOrderExtended, SalesOrderLine
from twentyfourseven.pipeline.runfiles.runplan import (
    RunPlan,
    run_folder_name,
    utc_now,
)
from twentyfourseven.pipeline.runfiles.staging import ChunkWriter, chunk_dir

from .. import builders
from ..builders import exact as _exact
from ..builders import line_body, write_ids


def order_body(order_id: int, **fields: Any) -> dict[str, Any]:
    return builders.order_body(
        order_id,
        **{"modifiedAt": "2024-05-01T10:00:00Z", "currency": {"code": "EUR", "rate": 11.4567890123}}
        | fields,
    )


def ok(order_id: int, lines: Iterable[dict], **header: Any) -> OrderOutcome:
    return builders.ok(order_id, lines, order_body(order_id, **header))


def gone(order_id: int) -> OrderOutcome:
    return OrderOutcome(order_id, OutcomeStatus.NOT_FOUND, error=NotFoundError("not found"))


def failed(order_id: int, tracking_id: str = "trk-1") -> OrderOutcome:
    error = ServerError("upstream 502", status_code=502, tracking_id=tracking_id, trace_id="tr-1")
    return OrderOutcome(order_id, OutcomeStatus.FAILED, error=error)


def invalid_line(order_id: int, line_id: int, good_lines: Iterable[dict] = ()) -> OrderOutcome:
    """An order the API sent with one line that breaks the model: quarantined whole."""
    bad = _exact(line_body(line_id, discountRate=150))
    good = _exact(list(good_lines))
    return OrderOutcome(
        order_id,
        OutcomeStatus.OK,
        header=SalesOrderExtended.model_validate(_exact(order_body(order_id))),
        lines=tuple(SalesOrderLine.model_validate(r) for r in good),
        raw_header=_exact(order_body(order_id)),
        raw_lines=[*good, bad],
        invalid=(InvalidRecord("line", order_id, bad, "discountRate: must be <= 100"),),
    )


def stage_run(
    staging: Path,
    run_id: str,
    chunks: list[list[OrderOutcome]],
    *,
    candidate: str | None = None,
    before: str | None = None,
    mode: str = "incremental",
    plan_requests: int = 2,
    chunk_requests: int = 5,
    **plan_fields: Any,
) -> Path:
    """A run folder as plan + extract leave it: plan.json, ID files, sealed chunks.

    ``plan_fields``: further :class:`RunPlan` fields (``listed_at``, ``watermark_reset``…).
    """
    run_dir = staging / run_folder_name(run_id)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_ids(run_dir, chunks)
    for number, outcomes in enumerate(chunks):
        with ChunkWriter(chunk_dir(run_dir, number), run_id=run_id, chunk=number) as writer:
            for outcome in outcomes:
                writer.add(outcome)
            writer.close({"requests": chunk_requests, "retries": 1})
    RunPlan(
        run_id=run_id,
        mode=mode,
        started_at=utc_now(),
        chunks=len(chunks),
        orders_requested=sum(len(c) for c in chunks),
        watermark_before=before,
        watermark_candidate=candidate,
        sources={"discovered": sum(len(c) for c in chunks)},
        api_stats={"requests": plan_requests, "retries": 0},
        **plan_fields,
    ).write(run_dir)
    return run_dir


def reseal(directory: Path) -> None:
    """Rewrite a chunk's manifest to match its (tampered) files: corruption it cannot see."""
    manifest = json.loads((directory / "manifest.json").read_text())
    for name in manifest["rows"]:
        data = (directory / f"{name}.ndjson").read_bytes()
        manifest["rows"][name] = data.count(b"\n")
        manifest["blake2b"][name] = hashlib.blake2b(data).hexdigest()
    (directory / "manifest.json").write_text(json.dumps(manifest))


# count and md5 of all rows, sorted; literal SQL per table.
CHECKSUM_SQL = {
    "raw.sales_orders": (
        "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), '')) "
        "FROM raw.sales_orders r"
    ),
    "raw.sales_order_lines": (
        "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), '')) "
        "FROM raw.sales_order_lines r"
    ),
    "ops.known_orders": (
        "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), '')) "
        "FROM ops.known_orders r"
    ),
    "ops.failed_orders": (
        "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), '')) "
        "FROM ops.failed_orders r"
    ),
    "ops.quarantine": (
        "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), '')) "
        "FROM ops.quarantine r"
    ),
    "ops.watermark": (
        "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), '')) "
        "FROM ops.watermark r"
    ),
    # Every column but the run's timing, which a re-load sets afresh.
    "ops.runs": (
        "SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, chr(10) ORDER BY r::VARCHAR), '')) "
        "FROM (SELECT * EXCLUDE (finished_at, duration_seconds) FROM ops.runs) r"
    ),
}


def checksums(path: Path) -> dict[str, str]:
    """One hash per loader-owned table over all its rows, sorted (ops.runs timing left out)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        result = {}
        for table, sql in CHECKSUM_SQL.items():
            count, digest = con.execute(sql).fetchone()
            result[table] = f"{count}:{digest}"
        return result
    finally:
        con.close()


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    return tmp_path / "staging"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "warehouse.duckdb"
