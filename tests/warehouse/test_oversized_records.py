"""A record too large for DuckDB's JSON reader quarantines its own order, with the
reason, and never stops the load of the other orders of its chunk or run."""

from __future__ import annotations

import hashlib
import json
import re

from twentyfourseven.api.payloads import dumps_json
from twentyfourseven.pipeline.load import load_run
from twentyfourseven.pipeline.runfiles import staging as staging_files
from twentyfourseven.pipeline.runfiles.runplan import (
    chunk_ids_entry,
    read_chunk_ids,
    write_chunk_ids,
)
from twentyfourseven.pipeline.runfiles.staging import chunk_dir

from ..builders import exact, line_body
from .conftest import ok, order_body, query, stage_run

MEMO = "m" * (16 << 20)  # a 16 MiB memo
BLOB = "b" * (32 << 20)  # a 32 MiB field the vendor added, unknown to the models


def _staged_size(reason: str) -> int:
    match = re.search(r"([\d,]+) bytes", reason)
    assert match, reason
    return int(match.group(1).replace(",", ""))


def test_oversized_records_are_quarantined_and_the_rest_of_their_chunk_loads(staging, warehouse):
    run_dir = stage_run(
        staging,
        "manual__oversized",
        [
            [
                ok(1, [line_body(10)]),
                ok(2, [line_body(20)], memo=MEMO),
                ok(3, [line_body(30), line_body(31, vendorBlob=BLOB)]),
                ok(4, [line_body(40)]),
            ],
            [ok(5, [line_body(50)])],
        ],
        candidate="2024-05-01T10:00:00+00:00",
    )
    summary = load_run(warehouse, run_dir)

    assert summary.complete
    assert (summary.orders_ok, summary.orders_quarantined, summary.lines_loaded) == (3, 2, 3)
    assert summary.watermark_advanced
    orders = query(warehouse, "select order_id from raw.sales_orders order by 1")
    assert orders == [(1,), (4,), (5,)]
    lines = query(warehouse, "select line_id from raw.sales_order_lines order by 1")
    assert lines == [(10,), (40,), (50,)]
    quarantine = query(
        warehouse,
        "select order_id, kind, record_id, reason, payload from ops.quarantine order by order_id",
    )
    assert [row[:3] for row in quarantine] == [(2, "order", 2), (3, "line", 31)]
    limit = staging_files.MAX_RECORD_BYTES
    received = [exact(order_body(2, memo=MEMO)), exact(line_body(31, vendorBlob=BLOB))]
    for (_, _, _, reason, payload), raw in zip(quarantine, received, strict=True):
        assert f"over the limit of {limit:,} bytes" in reason
        assert _staged_size(reason) > max(len(MEMO), limit)
        clipped = json.loads(payload)  # still JSON: marked, measured and fingerprinted
        sent = dumps_json(raw)
        assert clipped["payload_clipped"] is True
        assert clipped["payload_bytes"] == len(sent)
        assert clipped["payload_blake2b"] == hashlib.blake2b(sent).hexdigest()
        assert sent.decode().startswith(clipped["payload_head"])
    assert query(warehouse, "select order_id from ops.failed_orders") == []


def test_an_oversized_listed_header_stays_out_of_the_ids_file(staging, warehouse):
    """The ids file is what a corrupt chunk's orders are queued from: it must stay readable."""
    run_dir = stage_run(staging, "manual__corrupt", [[ok(1, []), ok(2, [])]])
    headers = [(1, order_body(1, vendorBlob=BLOB)), (2, order_body(2))]
    write_chunk_ids(run_dir, 1, [(0, chunk_ids_entry(i, header)) for i, header in headers])
    (chunk_dir(run_dir, 0) / "sales_orders.ndjson").write_text("")  # corrupt: not loaded
    summary = load_run(warehouse, run_dir)
    assert summary.orders_failed == 2
    assert query(warehouse, "select order_id from ops.failed_orders order by 1") == [(1,), (2,)]
    # The extract reads the header of an order listed without one.
    assert list(read_chunk_ids(run_dir, 0)) == [(1, None), (2, exact(order_body(2)))]
    ids_file = run_dir / "chunk-0000.ids.ndjson"
    assert max(map(len, ids_file.read_bytes().splitlines())) < staging_files.MAX_RECORD_BYTES
