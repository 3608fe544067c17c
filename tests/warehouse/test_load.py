"""The loader: upserts, wholesale line replacement, tombstones, quarantine, retries,
watermark, ledger, corrupt chunks and idempotent re-loads, on real DuckDB files."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from decimal import Decimal

import pytest

from twentyfourseven.api.resources import LINE_COLUMNS, ORDER_COLUMNS
from twentyfourseven.pipeline.load import load_run
from twentyfourseven.pipeline.load_apply import CORRUPT_CHUNK_ERROR
from twentyfourseven.pipeline.runfiles.retention import LOADED_MARKER, prune_staging, remove_staging
from twentyfourseven.pipeline.runfiles.runplan import chunk_ids_path
from twentyfourseven.pipeline.runfiles.staging import chunk_dir
from twentyfourseven.warehouse.ops_state import (
    current_watermark,
    known_live_order_ids,
    order_ids_to_retry,
)
from twentyfourseven.warehouse.schema import open_warehouse

from .conftest import (
    checksums,
    failed,
    gone,
    invalid_line,
    line_body,
    ok,
    query,
    reseal,
    stage_run,
)

T1 = "2024-05-01T10:00:00+00:00"
T2 = "2024-05-02T10:00:00+00:00"
T3 = "2024-05-03T10:00:00+00:00"


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def lines_of(warehouse, order_id):
    return query(
        warehouse,
        "SELECT line_id, line_number, price, quantity FROM raw.sales_order_lines "
        "WHERE order_id = ? ORDER BY line_id",
        [order_id],
    )


def first_run(staging):
    """Orders 1-6 in three chunks, two lines each."""
    return stage_run(
        staging,
        "scheduled__2024-05-01T10:00:00+00:00",
        [
            [ok(1, [line_body(11), line_body(12)]), ok(2, [line_body(21), line_body(22)])],
            [ok(3, [line_body(31), line_body(32)]), ok(4, [line_body(41), line_body(42)])],
            [ok(5, [line_body(51), line_body(52)]), ok(6, [line_body(61), line_body(62)])],
        ],
        candidate=T1,
    )


def second_run(staging):
    """Edits order 1's lines, 404 for 2 and for never-seen 99, quarantines 3, fails 4."""
    return stage_run(
        staging,
        "scheduled__2024-05-02T10:00:00+00:00",
        [
            [
                ok(1, [line_body(11, price=Decimal("10.05"))], status="Confirmed"),
                gone(2),
                gone(99),
            ],
            [invalid_line(3, 33, [line_body(31, price=Decimal("999"))]), failed(4, "trk-4")],
        ],
        candidate=T2,
        before=T1,
    )


def test_first_load_of_several_chunks(staging, warehouse, caplog):
    run_dir = first_run(staging)
    with caplog.at_level(logging.INFO, logger="twentyfourseven.pipeline.load"):
        summary = load_run(warehouse, run_dir)

    assert query(warehouse, "SELECT count(*), count(DISTINCT run_id) FROM raw.sales_orders") == [
        (6, 1)
    ]
    assert query(warehouse, "SELECT count(*) FROM raw.sales_order_lines") == [(12,)]
    assert lines_of(warehouse, 1) == [
        (11, 1, Decimal("49.99"), Decimal("2")),
        (12, 2, Decimal("49.99"), Decimal("2")),
    ]
    header = query(
        warehouse,
        "SELECT status, modified_at, header_source, payload, deleted_at FROM raw.sales_orders "
        "WHERE order_id = 1",
    )[0]
    assert header[:3] == ("Invoice", utc("2024-05-01T10:00:00+00:00"), "get")
    assert json.loads(header[3])["netAmount"] == 100.1
    assert header[4] is None
    assert query(
        warehouse, "SELECT count(*) FROM ops.known_orders WHERE last_loaded_run_id IS NOT NULL"
    ) == [(6,)]
    assert summary.complete
    assert summary.watermark_advanced
    assert (summary.orders_ok, summary.lines_loaded, summary.chunks) == (6, 12, 3)
    assert summary.api_calls == 2 + 3 * 5  # plan's requests + each chunk's
    assert summary.api_retries == 3
    assert any("ok 6" in message and "lines loaded 12" in message for message in caplog.messages)
    con = open_warehouse(warehouse)
    try:
        assert current_watermark(con) == utc(T1)
        assert known_live_order_ids(con) == {1, 2, 3, 4, 5, 6}
        assert order_ids_to_retry(con) == set()
    finally:
        con.close()


def test_ledger_row(staging, warehouse):
    load_run(warehouse, first_run(staging))
    summary = load_run(warehouse, second_run(staging))
    row = query(
        warehouse,
        "SELECT mode, orders_requested, orders_ok, orders_deleted, orders_not_found, "
        "orders_failed, orders_quarantined, lines_loaded, api_calls, api_retries, chunks, "
        "corrupt_chunks, watermark_before, watermark_after, started_at <= finished_at, "
        "duration_seconds >= 0 FROM ops.runs WHERE run_id = ?",
        [summary.run_id],
    )
    assert row == [
        ("incremental", 5, 1, 1, 1, 1, 1, 1, 2 + 2 * 5, 2, 2, 0, utc(T1), utc(T2), True, True)
    ]
    assert query(warehouse, "SELECT count(*) FROM ops.runs") == [(2,)]


def test_second_run_edits_tombstones_quarantines_and_fails(staging, warehouse):
    load_run(warehouse, first_run(staging))
    before_3 = query(warehouse, "SELECT * FROM raw.sales_orders WHERE order_id IN (3, 4)")
    lines_3_4 = query(
        warehouse, "SELECT * FROM raw.sales_order_lines WHERE order_id IN (3, 4) ORDER BY ALL"
    )
    run2 = second_run(staging)
    summary = load_run(warehouse, run2)
    run_id = summary.run_id

    # Order 1: line 12 was removed upstream and is gone; line 11 edited; header upserted.
    assert lines_of(warehouse, 1) == [(11, 1, Decimal("10.05"), Decimal("2"))]
    assert query(warehouse, "SELECT status, run_id FROM raw.sales_orders WHERE order_id = 1") == [
        ("Confirmed", run_id)
    ]
    # Order 2: tombstoned at the outcome's extraction time, lines gone from what reports see.
    outcome_time = query(
        warehouse,
        "SELECT extracted_at FROM read_json(?, columns = {'order_id': 'BIGINT', "
        "'extracted_at': 'TIMESTAMPTZ'}) WHERE order_id = 2",
        [str(chunk_dir(run2, 0) / "outcomes.ndjson")],
    )[0][0]
    assert query(
        warehouse, "SELECT deleted_at, deleted_run_id FROM raw.sales_orders WHERE order_id = 2"
    ) == [(outcome_time, run_id)]
    assert lines_of(warehouse, 2) == []
    # 99 was never seen: not found, not deleted; nothing to tombstone or to re-read.
    assert (summary.orders_deleted, summary.orders_not_found) == (1, 1)
    for table in ("raw.sales_orders", "ops.known_orders", "ops.failed_orders"):
        assert query(warehouse, f"SELECT count(*) FROM {table} WHERE order_id = 99") == [(0,)]
    # Orders 3 (quarantined) and 4 (failed) keep their previous version untouched.
    assert query(warehouse, "SELECT * FROM raw.sales_orders WHERE order_id IN (3, 4)") == before_3
    assert (
        query(
            warehouse,
            "SELECT * FROM raw.sales_order_lines WHERE order_id IN (3, 4) ORDER BY ALL",
        )
        == lines_3_4
    )
    quarantine = query(
        warehouse,
        "SELECT run_id, order_id, kind, record_id, reason, payload, resolved_run_id "
        "FROM ops.quarantine",
    )
    assert [q[:5] for q in quarantine] == [(run_id, 3, "line", 33, "discountRate: must be <= 100")]
    assert json.loads(quarantine[0][5])["discountRate"] == 150
    assert quarantine[0][6] is None
    assert query(
        warehouse,
        "SELECT order_id, run_id, error_type, http_status, tracking_id, trace_id, attempts "
        "FROM ops.failed_orders",
    ) == [(4, run_id, "ServerError", 502, "trk-4", "tr-1", 1)]
    con = open_warehouse(warehouse)
    try:
        assert order_ids_to_retry(con) == {3, 4}
        assert known_live_order_ids(con) == {1, 3, 4, 5, 6}
    finally:
        con.close()

    # A later run reads 3 and 4 cleanly and 2 comes back: all resolved.
    run3 = stage_run(
        staging,
        "manual__2024-05-03",
        [[ok(3, [line_body(31)]), ok(4, [line_body(41), line_body(43)]), ok(2, [line_body(21)])]],
        mode="manual",
    )
    third = load_run(warehouse, run3)
    assert query(warehouse, "SELECT count(*) FROM ops.failed_orders") == [(0,)]
    assert query(warehouse, "SELECT resolved_run_id FROM ops.quarantine") == [(third.run_id,)]
    assert [r[0] for r in lines_of(warehouse, 4)] == [41, 43]
    assert query(
        warehouse,
        "SELECT deleted_at, deleted_run_id, run_id FROM raw.sales_orders WHERE order_id = 2",
    ) == [(None, None, third.run_id)]
    assert query(
        warehouse,
        "SELECT first_seen_run_id, last_loaded_run_id, deleted_at FROM ops.known_orders "
        "WHERE order_id = 2",
    ) == [("scheduled__2024-05-01T10:00:00+00:00", third.run_id, None)]
    con = open_warehouse(warehouse)
    try:
        assert order_ids_to_retry(con) == set()
        assert current_watermark(con) == utc(T2)  # a manual run without a candidate
    finally:
        con.close()


def test_a_run_with_nothing_to_read_still_advances_the_watermark_and_is_recorded(
    staging, warehouse
):
    summary = load_run(warehouse, stage_run(staging, "empty", [], candidate=T1, plan_requests=3))
    assert summary.complete
    assert summary.watermark_advanced
    assert query(warehouse, "SELECT value FROM ops.watermark") == [(utc(T1),)]
    assert query(
        warehouse, "SELECT orders_requested, orders_ok, lines_loaded, api_calls FROM ops.runs"
    ) == [(0, 0, 0, 3)]


def test_a_failure_in_two_runs_counts_two_attempts(staging, warehouse):
    load_run(warehouse, stage_run(staging, "r1", [[failed(7, "trk-a")]]))
    load_run(warehouse, stage_run(staging, "r2", [[failed(7, "trk-b")]]))
    assert query(warehouse, "SELECT run_id, tracking_id, attempts FROM ops.failed_orders") == [
        ("r2", "trk-b", 2)
    ]


def test_a_404_for_an_order_never_loaded_is_not_found_and_not_read_again(
    staging, warehouse, caplog
):
    load_run(warehouse, stage_run(staging, "r1", [[failed(7), invalid_line(8, 81)]]))
    with caplog.at_level(logging.INFO, logger="twentyfourseven.pipeline.load"):
        summary = load_run(warehouse, stage_run(staging, "r2", [[gone(7), gone(8), gone(9)]]))
    assert (summary.orders_not_found, summary.orders_deleted) == (3, 0)
    assert any("deleted 0, not found 3, failed 0" in message for message in caplog.messages)
    assert query(warehouse, "SELECT orders_not_found FROM ops.runs WHERE run_id = 'r2'") == [(3,)]
    for table in ("raw.sales_orders", "ops.known_orders", "ops.failed_orders"):
        assert query(warehouse, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert query(warehouse, "SELECT resolved_run_id FROM ops.quarantine") == [("r2",)]
    con = open_warehouse(warehouse)
    try:
        assert order_ids_to_retry(con) == set()
    finally:
        con.close()


def test_a_requested_order_without_an_outcome_is_reported(staging, warehouse):
    run_dir = stage_run(staging, "r1", [[ok(1, [line_body(11)])], [ok(2, [line_body(21)])]])
    (chunk_dir(run_dir, 1) / "manifest.json").unlink()
    chunk_ids_path(run_dir, 1).unlink()  # and with it, which orders chunk 1 held
    summary = load_run(warehouse, run_dir)
    assert (summary.orders_requested, summary.orders_ok, summary.orders_unaccounted) == (2, 1, 1)
    assert any(line.startswith("UNACCOUNTED 1 ") for line in summary.as_log_lines())
    assert load_run(warehouse, first_run(staging)).orders_unaccounted == 0


def test_watermark_advances_only_when_every_chunk_loads_and_never_backwards(staging, warehouse):
    load_run(warehouse, stage_run(staging, "r1", [[ok(1, [line_body(11)])]], candidate=T2))
    assert query(warehouse, "SELECT value, run_id FROM ops.watermark") == [(utc(T2), "r1")]

    corrupt = stage_run(
        staging, "r2", [[ok(2, [line_body(21)])], [ok(3, [line_body(31)])]], candidate=T3
    )
    (chunk_dir(corrupt, 1) / "manifest.json").unlink()
    summary = load_run(warehouse, corrupt)
    assert not summary.complete
    assert not summary.watermark_advanced
    assert query(warehouse, "SELECT value, run_id FROM ops.watermark") == [(utc(T2), "r1")]
    assert query(warehouse, "SELECT watermark_after FROM ops.runs WHERE run_id = 'r2'") == [
        (utc(T2),)
    ]

    load_run(warehouse, stage_run(staging, "r3", [[ok(4, [])]], candidate=T1))
    assert query(warehouse, "SELECT value, run_id FROM ops.watermark") == [(utc(T2), "r1")]

    load_run(warehouse, stage_run(staging, "r4", [[ok(5, [])]], candidate=T3))
    assert query(warehouse, "SELECT value, run_id FROM ops.watermark") == [(utc(T3), "r4")]


def test_corrupt_or_truncated_chunks_are_never_loaded(staging, warehouse):
    load_run(warehouse, stage_run(staging, "r1", [[ok(1, [line_body(11)])]], candidate=T1))
    run2 = stage_run(
        staging,
        "r2",
        [
            [ok(1, [line_body(11), line_body(12)])],
            [ok(2, [line_body(21)]), ok(3, [line_body(31)])],  # truncated lines file
            [ok(4, [line_body(41)])],  # no manifest: extract died
            [ok(5, [line_body(51)])],  # manifest of another run
        ],
        candidate=T2,
    )
    lines = chunk_dir(run2, 1) / "sales_order_lines.ndjson"
    lines.write_bytes(lines.read_bytes()[:-15])
    (chunk_dir(run2, 2) / "manifest.json").unlink()
    manifest = chunk_dir(run2, 3) / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"r2"', '"r0"'))

    summary = load_run(warehouse, run2)

    assert [name for name, _ in summary.corrupt_chunks] == [
        "chunk-0001",
        "chunk-0002",
        "chunk-0003",
    ]
    assert "truncated or corrupt" in summary.corrupt_chunks[0][1]
    assert "no manifest" in summary.corrupt_chunks[1][1]
    assert "'r0'" in summary.corrupt_chunks[2][1]
    assert any("CORRUPT chunk-0001" in line for line in summary.as_log_lines())
    # The good chunk is loaded; none of the others' rows is.
    assert [r[0] for r in lines_of(warehouse, 1)] == [11, 12]
    assert query(warehouse, "SELECT order_id FROM raw.sales_orders ORDER BY 1") == [(1,)]
    assert query(warehouse, "SELECT count(*) FROM raw.sales_order_lines") == [(2,)]
    failed_rows = query(
        warehouse, "SELECT order_id, error_type, message FROM ops.failed_orders ORDER BY 1"
    )
    assert [(r[0], r[1]) for r in failed_rows] == [(o, CORRUPT_CHUNK_ERROR) for o in (2, 3, 4, 5)]
    assert "sales_order_lines.ndjson" in failed_rows[0][2]
    assert summary.orders_failed == 4
    assert query(
        warehouse, "SELECT corrupt_chunks, orders_failed FROM ops.runs WHERE run_id = 'r2'"
    ) == [(3, 4)]
    con = open_warehouse(warehouse)
    try:
        assert order_ids_to_retry(con) == {2, 3, 4, 5}
        assert current_watermark(con) == utc(T1)
    finally:
        con.close()

    # A later run re-extracts them; they load and leave the retry list.
    run3 = stage_run(
        staging, "r3", [[ok(o, [line_body(o * 10 + 1)]) for o in (2, 3, 4, 5)]], candidate=T2
    )
    load_run(warehouse, run3)
    assert query(warehouse, "SELECT count(*) FROM ops.failed_orders") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM raw.sales_orders") == [(5,)]
    assert query(warehouse, "SELECT value FROM ops.watermark") == [(utc(T2),)]


def test_loading_the_same_run_twice_leaves_every_table_identical(staging, warehouse):
    load_run(warehouse, first_run(staging))
    run2 = second_run(staging)
    load_run(warehouse, run2)
    once = checksums(warehouse)
    time.sleep(0.01)
    again = load_run(warehouse, run2)
    assert checksums(warehouse) == once
    assert again.orders_ok == 1
    assert query(warehouse, "SELECT attempts FROM ops.failed_orders") == [(1,)]
    # Sanity: the checksum does see a change.
    load_run(warehouse, stage_run(staging, "r3", [[ok(5, [line_body(51)])]]))
    changed = checksums(warehouse)
    assert changed["raw.sales_order_lines"] != once["raw.sales_order_lines"]


def test_reloading_an_older_run_never_overwrites_newer_reads(staging, warehouse):
    run1 = first_run(staging)
    load_run(warehouse, run1)
    ledger = "SELECT orders_ok, lines_loaded, api_calls FROM ops.runs ORDER BY run_id"
    load_run(warehouse, second_run(staging))
    newer, runs = checksums(warehouse), query(warehouse, ledger)
    summary = load_run(warehouse, run1)
    # Run 2 loaded 1, deleted 2, quarantined 3 and failed 4: run 1's reads of them are older.
    assert summary.orders_stale == 4
    after = checksums(warehouse)
    assert {k: v for k, v in after.items() if k != "ops.runs"} == {
        k: v for k, v in newer.items() if k != "ops.runs"
    }
    assert query(warehouse, ledger) == runs  # the ledger still counts what run 1 read


def test_duplicate_line_ids_quarantine_the_order(staging, warehouse):
    load_run(warehouse, stage_run(staging, "r1", [[ok(1, [line_body(11)])]]))
    load_run(warehouse, stage_run(staging, "r2", [[ok(1, [line_body(11), line_body(11)])]]))
    assert lines_of(warehouse, 1) == [(11, 1, Decimal("49.99"), Decimal("2"))]
    assert query(warehouse, "SELECT run_id FROM raw.sales_orders") == [("r1",)]
    assert query(warehouse, "SELECT run_id, kind, record_id FROM ops.quarantine") == [
        ("r2", "line", 11),
        ("r2", "line", 11),
    ]
    assert query(warehouse, "SELECT orders_quarantined FROM ops.runs WHERE run_id = 'r2'") == [(1,)]


def test_a_load_that_fails_midway_rolls_everything_back(staging, warehouse):
    load_run(warehouse, first_run(staging))
    before = checksums(warehouse)
    run2 = second_run(staging)
    # A value the manifest vouches for but DuckDB cannot cast: the insert fails late.
    lines = chunk_dir(run2, 0) / "sales_order_lines.ndjson"
    lines.write_text(lines.read_text().replace('"price":"10.05"', '"price":"ten"'))
    reseal(chunk_dir(run2, 0))
    with pytest.raises(Exception, match="ten"):
        load_run(warehouse, run2)
    assert checksums(warehouse) == before


def test_decimal_columns_are_decimal_and_exact(staging, warehouse):
    run = stage_run(
        staging,
        "r1",
        [
            [
                ok(
                    1,
                    [line_body(11, price=Decimal("123456789012.123456"), quantity=Decimal("0.1"))],
                    netAmount=Decimal("0.30"),
                    currency={"code": "SEK", "rate": Decimal("11.4567890123")},
                )
            ]
        ],
    )
    load_run(warehouse, run)
    types = dict(
        query(
            warehouse,
            "SELECT table_schema || '.' || table_name || '.' || column_name, data_type "
            "FROM information_schema.columns WHERE table_schema = 'raw'",
        )
    )
    assert not [name for name, kind in types.items() if kind in {"DOUBLE", "FLOAT", "REAL"}]
    for column in ORDER_COLUMNS:
        if column.decimal:
            assert types[f"raw.sales_orders.{column.name}"] == column.sql_type
    for column in LINE_COLUMNS:
        if column.decimal:
            assert types[f"raw.sales_order_lines.{column.name}"] == column.sql_type
    assert query(
        warehouse,
        "SELECT price, quantity, price * quantity::DECIMAL(38,6) FROM raw.sales_order_lines",
    ) == [(Decimal("123456789012.123456"), Decimal("0.1"), Decimal("12345678901.2123456"))]
    assert query(warehouse, "SELECT net_amount, currency_rate FROM raw.sales_orders") == [
        (Decimal("0.30"), Decimal("11.4567890123"))
    ]


def test_open_warehouse_creates_folders_and_schema(tmp_path):
    path = tmp_path / "a" / "b" / "wh.duckdb"
    con = open_warehouse(path, read_only=True)
    try:
        assert current_watermark(con) is None
        assert known_live_order_ids(con) == set()
        assert order_ids_to_retry(con) == set()
    finally:
        con.close()
    assert path.is_file()


def test_a_warehouse_from_before_the_not_found_count_gains_it(staging, warehouse):
    con = open_warehouse(warehouse)
    con.execute("ALTER TABLE ops.runs DROP COLUMN orders_not_found")
    con.execute("INSERT INTO ops.runs (run_id, mode, orders_deleted) VALUES ('old', 'manual', 2)")
    con.close()
    load_run(warehouse, stage_run(staging, "new", [[gone(9)]]))
    assert query(
        warehouse, "SELECT run_id, orders_deleted, orders_not_found FROM ops.runs ORDER BY run_id"
    ) == [("new", 0, 1), ("old", 2, None)]  # an old run's split is unknown, not zero


def test_a_warehouse_from_before_16_decimals_is_widened_and_gains_its_millionths(
    staging, warehouse
):
    # A warehouse as the version with 6 decimals left it: narrower columns, no integers.
    con = open_warehouse(warehouse)
    narrower = {"DECIMAL(28,16)": "DECIMAL(18,6)", "DECIMAL(19,16)": "DECIMAL(9,6)"}
    for table, columns in (("sales_orders", ORDER_COLUMNS), ("sales_order_lines", LINE_COLUMNS)):
        for column in columns:
            if column.name.endswith(("_e6", "_e10")):
                con.execute(f"ALTER TABLE raw.{table} DROP COLUMN {column.name}")
            elif column.sql_type in narrower:
                old = (
                    "DECIMAL(22,10)"
                    if column.name == "currency_rate"
                    else narrower[column.sql_type]
                )
                con.execute(
                    f"ALTER TABLE raw.{table} ALTER COLUMN {column.name} SET DATA TYPE {old}"
                )
    con.execute(
        "INSERT INTO raw.sales_orders (order_id, status, currency_code, currency_rate, run_id, "
        "extracted_at) VALUES (1, 'Invoice', 'EUR', 11.4567890123, 'old', now())"
    )
    con.execute(
        "INSERT INTO raw.sales_order_lines (order_id, line_number, line_id, quantity, price, "
        "cost_price, discount_rate, tax_rate, run_id, extracted_at) "
        "VALUES (1, 1, 11, 2, 49.99, 20.5, 10, 25, 'old', now())"
    )
    con.close()
    third, price = Decimal("0.3333333333"), Decimal("1234.56789012")
    load_run(warehouse, stage_run(staging, "new", [[ok(2, [line_body(21, quantity=third,
                                                                    price=price)])]]))  # fmt: skip
    types = dict(
        query(
            warehouse,
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name IN ('sales_orders', 'sales_order_lines')",
        )
    )
    assert (types["sales_order_lines.price"], types["sales_order_lines.tax_rate"]) == (
        "DECIMAL(28,16)",
        "DECIMAL(19,16)",
    )
    assert types["sales_orders.currency_rate"] == "DECIMAL(28,16)"
    assert query(
        warehouse,
        "SELECT order_id, quantity, price, quantity_e6, price_e6, cost_price_e6, "
        "discount_rate_e6, tax_rate_e6 FROM raw.sales_order_lines ORDER BY order_id",
    ) == [
        (
            1,
            Decimal(2),
            Decimal("49.99"),
            2_000_000,
            49_990_000,
            20_500_000,
            10_000_000,
            25_000_000,
        ),
        (2, third, price, None, None, None, 10_000_000, 25_000_000),
    ]
    assert query(warehouse, "SELECT currency_rate_e10 FROM raw.sales_orders ORDER BY 1") == [
        (114_567_890_123,),
        (114_567_890_123,),
    ]


def test_a_memory_limited_load_gives_the_same_tables(staging, tmp_path):
    run_dir = first_run(staging)
    unlimited, limited = tmp_path / "unlimited.duckdb", tmp_path / "limited.duckdb"
    load_run(unlimited, run_dir)
    load_run(limited, run_dir, memory_limit="256MB")
    assert checksums(limited) == checksums(unlimited)


def test_open_warehouse_applies_the_memory_limit_and_names_a_bad_one(tmp_path):
    con = open_warehouse(tmp_path / "wh.duckdb", memory_limit="64MB")
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert limit == "61.0 MiB"  # 64 MB
    finally:
        con.close()
    with pytest.raises(ValueError, match="load_memory_limit must be a size such as '1GB'"):
        open_warehouse(tmp_path / "other.duckdb", memory_limit="lots")


def test_staging_removed_after_load_and_a_rerun_is_a_no_op(staging, warehouse):
    run_dir = first_run(staging)
    first = load_run(warehouse, run_dir)
    state = checksums(warehouse)
    assert remove_staging(run_dir, staging_root=staging)
    assert not run_dir.exists()
    assert not remove_staging(run_dir, staging_root=staging)
    again = load_run(warehouse, run_dir)
    assert again.already_loaded
    assert (again.run_id, again.orders_ok, again.lines_loaded) == (first.run_id, 6, 12)
    assert "already loaded" in again.as_log_lines()[0]
    assert checksums(warehouse) == state
    with pytest.raises(FileNotFoundError):
        load_run(warehouse, staging / "never-planned")


def test_remove_staging_refuses_a_folder_that_is_not_a_run(tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "data.txt").write_text("keep")
    with pytest.raises(ValueError, match=r"plan\.json"):
        remove_staging(tmp_path / "precious", staging_root=tmp_path)
    assert (tmp_path / "precious" / "data.txt").exists()


def test_prune_staging_keeps_recent_and_unloaded_runs(staging, warehouse):
    old = stage_run(staging, "old", [[ok(1, [])]])
    new = stage_run(staging, "new", [[ok(2, [])]])
    in_flight = stage_run(staging, "in-flight", [[ok(3, [])]])  # planned, not loaded yet
    abandoned = stage_run(staging, "abandoned", [[ok(4, [])]])
    load_run(warehouse, old)
    load_run(warehouse, new)
    (staging / "not-a-run").mkdir()
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old / LOADED_MARKER, (ten_days_ago, ten_days_ago))
    os.utime(abandoned / "plan.json", (ten_days_ago, ten_days_ago))

    assert prune_staging(staging, keep_days=7) == [abandoned, old]
    assert new.exists()
    assert in_flight.exists()
    assert json.loads((new / LOADED_MARKER).read_text())["run_id"] == "new"
    # Retention 0: every loaded folder goes at once, a run still extracting stays.
    assert prune_staging(staging, keep_days=0) == [new]
    assert in_flight.exists()
    assert (staging / "not-a-run").exists()
    assert prune_staging(staging / "missing", keep_days=0) == []
