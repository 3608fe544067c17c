"""Staging files: every outcome recorded, decimals exact, corruption detected."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from twentyfourseven.api import NotFoundError, OrderOutcome, OutcomeStatus, ServerError
from twentyfourseven.api.bulk import InvalidRecord
from twentyfourseven.api.payloads import SalesOrderExtended, parse_json
from twentyfourseven.pipeline.load_stage import COLUMNS
from twentyfourseven.pipeline.runfiles.staging import (
    LINES,
    ChunkWriter,
    CorruptChunkError,
    verify_chunk,
)

from .. import builders
from .conftest import line_body, order_body


def ok(order_id: int, lines: list[dict], header: dict | None = None) -> OrderOutcome:
    return builders.ok(order_id, lines, header or order_body(order_id))


@pytest.fixture
def chunk(tmp_path):
    directory = tmp_path / "run" / "chunk-0000"
    with ChunkWriter(directory, run_id="run-1", chunk=0) as writer:
        writer.add(ok(1, [line_body(10, price=Decimal("123456789012.123456")), line_body(11)]))
        writer.add(OrderOutcome(2, OutcomeStatus.NOT_FOUND, error=NotFoundError("gone")))
        writer.add(
            OrderOutcome(
                3,
                OutcomeStatus.FAILED,
                error=ServerError("boom", status_code=502, tracking_id="trk", trace_id="tr"),
            )
        )
        bad = parse_json(json.dumps(line_body(41, discountRate=150)))
        writer.add(
            OrderOutcome(
                4,
                OutcomeStatus.OK,
                header=SalesOrderExtended.model_validate(order_body(4)),
                lines=(),
                raw_header=order_body(4),
                raw_lines=[bad],
                invalid=(InvalidRecord("line", 4, bad, "discountRate: must be <= 100"),),
            )
        )
        # More decimals than DECIMAL(18,6) holds: refused, not rounded.
        writer.add(ok(5, [line_body(50, price=Decimal("1.12345678901234567"))]))
        writer.add(
            OrderOutcome(6, OutcomeStatus.OK, lines=(), raw_lines=[]),
            listed_header=order_body(6),
        )
        writer.close({"requests": 11})
    return directory


def read(directory, kind):
    con = duckdb.connect()
    return con.execute(
        "select * from read_json(?, columns=?, format='newline_delimited')",
        [str(directory / f"{kind}.ndjson"), COLUMNS[kind]],
    ).fetchall(), [d[0] for d in con.description]


def test_every_requested_order_has_exactly_one_outcome(chunk):
    rows, names = read(chunk, "outcomes")
    outcome = {r[0]: dict(zip(names, r, strict=True)) for r in rows}
    assert {k: v["status"] for k, v in outcome.items()} == {
        1: "ok",
        2: "not_found",
        3: "failed",
        4: "quarantined",
        5: "quarantined",
        6: "ok",
    }
    assert (outcome[3]["tracking_id"], outcome[3]["http_status"], outcome[3]["trace_id"]) == (
        "trk",
        502,
        "tr",
    )
    assert "discountRate" in outcome[4]["message"]
    assert (
        "price 1.12345678901234567 has more than 16 decimal places "
        "(the warehouse keeps DECIMAL(28,16))"
    ) in outcome[5]["message"]
    assert outcome[1]["lines"] == 2


def test_quarantined_orders_load_nothing_and_keep_their_raw_json(chunk):
    orders, names = read(chunk, "sales_orders")
    assert sorted(r[0] for r in orders) == [1, 6]
    sources = {r[0]: dict(zip(names, r, strict=True))["header_source"] for r in orders}
    assert sources == {1: "get", 6: "list"}
    quarantine, qnames = read(chunk, "quarantine")
    entries = [dict(zip(qnames, r, strict=True)) for r in quarantine]
    assert [(e["order_id"], e["kind"], e["record_id"]) for e in entries] == [
        (4, "line", 41),
        (5, "line", 50),
    ]
    assert json.loads(entries[0]["payload"])["discountRate"] == 150


def test_decimals_survive_exactly_into_duckdb(chunk):
    con = duckdb.connect()
    prices = con.execute(
        "select line_id, price::DECIMAL(18,6) from read_json(?, columns=?) order by line_id",
        [str(chunk / "sales_order_lines.ndjson"), COLUMNS[LINES]],
    ).fetchall()
    assert prices == [(10, Decimal("123456789012.123456")), (11, Decimal("49.99"))]
    payload = con.execute(
        "select payload from read_json(?, columns=?) where line_id = 10",
        [str(chunk / "sales_order_lines.ndjson"), COLUMNS[LINES]],
    ).fetchone()[0]
    assert '"price":123456789012.123456' in payload


def test_manifest_matches_and_corruption_is_detected(chunk):
    manifest = verify_chunk(chunk)
    assert manifest.rows == {
        "sales_orders": 2,
        "sales_order_lines": 2,
        "outcomes": 6,
        "quarantine": 2,
    }
    assert manifest.api_stats == {"requests": 11}
    lines = chunk / "sales_order_lines.ndjson"
    lines.write_bytes(lines.read_bytes()[:-20])
    with pytest.raises(CorruptChunkError, match=r"sales_order_lines\.ndjson.*truncated or corrupt"):
        verify_chunk(chunk)


def test_an_unfinished_chunk_has_no_manifest(tmp_path):
    directory = tmp_path / "chunk-0001"

    def extract_that_dies() -> None:
        with ChunkWriter(directory, run_id="r", chunk=1) as writer:
            writer.add(ok(1, []))
            raise RuntimeError("killed mid-chunk")

    with pytest.raises(RuntimeError):
        extract_that_dies()
    with pytest.raises(CorruptChunkError, match="no manifest"):
        verify_chunk(directory)


def test_no_staged_row_exceeds_the_record_limit_and_big_records_are_named(tmp_path):
    """Validation failures and error messages can be as large as what the API sent."""
    from twentyfourseven.pipeline.runfiles import staging

    blob = "b" * (32 << 20)
    bad = parse_json(json.dumps(line_body(71, discountRate=150, vendorBlob=blob)))
    directory = tmp_path / "run" / "chunk-0000"
    with ChunkWriter(directory, run_id="run-1", chunk=0) as writer:
        writer.add(ok(1, [line_body(10)]))
        writer.add(ok(2, [line_body(20, vendorBlob=blob)]))
        writer.add(
            OrderOutcome(
                7,
                OutcomeStatus.OK,
                header=SalesOrderExtended.model_validate(order_body(7)),
                lines=(),
                raw_header=order_body(7),
                raw_lines=[bad],
                invalid=(InvalidRecord("line", 7, bad, "discountRate: must be <= 100"),),
            )
        )
        writer.add(OrderOutcome(8, OutcomeStatus.FAILED, error=ServerError("x" * (20 << 20))))
        writer.close()

    outcomes, names = read(directory, "outcomes")
    status = {r[0]: dict(zip(names, r, strict=True))["status"] for r in outcomes}
    assert status == {1: "ok", 2: "quarantined", 7: "quarantined", 8: "failed"}
    for name in ("sales_orders", "sales_order_lines", "outcomes", "quarantine"):
        with (directory / f"{name}.ndjson").open("rb") as handle:
            longest = max(map(len, handle), default=0)
        assert longest <= staging.MAX_RECORD_BYTES, name
    quarantine, qnames = read(directory, "quarantine")
    entries = {r[0]: dict(zip(qnames, r, strict=True)) for r in quarantine}
    assert (entries[2]["kind"], entries[2]["record_id"]) == ("line", 20)
    assert "too large to stage" in entries[2]["reason"]
    # A record that broke the schema keeps its reason; only its payload is clipped.
    assert entries[7]["reason"] == "discountRate: must be <= 100"
    assert json.loads(entries[7]["payload"])["payload_bytes"] > 32 << 20
