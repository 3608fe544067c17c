"""A big run: load throughput (measured, reported) and a load SIGKILLed mid-transaction."""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import time
from decimal import Decimal
from pathlib import Path
from queue import Empty
from typing import Any

import pytest

from twentyfourseven.pipeline.load import load_run
from twentyfourseven.pipeline.runfiles.runplan import RunPlan, chunk_ids_entry, write_chunk_ids
from twentyfourseven.pipeline.runfiles.staging import ChunkWriter, chunk_dir

from .conftest import checksums, line_body, ok, query, reseal, stage_run

ORDERS, LINES_PER_ORDER, CHUNKS = 5_000, 20, 4


def _template(tmp: Path) -> dict[str, dict]:
    """One row of each staging file, as ChunkWriter writes them."""
    directory = tmp / "template"
    with ChunkWriter(directory, run_id="big", chunk=0) as writer:
        writer.add(ok(1, [line_body(1)]))
        writer.close()
    return {
        kind: json.loads((directory / f"{kind}.ndjson").read_text())
        for kind in ("sales_orders", "sales_order_lines", "outcomes")
    }


def build_big_run(staging: Path, tmp: Path, orders: int = ORDERS) -> Path:
    """``orders`` orders of LINES_PER_ORDER lines in CHUNKS chunks, written straight from
    ChunkWriter's own rows (validating 100k lines through pydantic would take ~40 s)."""
    template = _template(tmp)
    run_dir = staging / "big"
    per_chunk = orders // CHUNKS
    for chunk in range(CHUNKS):
        directory = chunk_dir(run_dir, chunk)
        ids = range(chunk * per_chunk + 1, (chunk + 1) * per_chunk + 1)
        files = {kind: [] for kind in ("sales_orders", "sales_order_lines", "outcomes")}
        for order_id in ids:
            files["sales_orders"].append({**template["sales_orders"], "order_id": order_id})
            files["outcomes"].append(
                {**template["outcomes"], "order_id": order_id, "lines": LINES_PER_ORDER}
            )
            for number in range(1, LINES_PER_ORDER + 1):
                files["sales_order_lines"].append(
                    {
                        **template["sales_order_lines"],
                        "order_id": order_id,
                        "line_id": order_id * 100 + number,
                        "line_number": number,
                        "price": f"{order_id}.{number:02d}",
                    }
                )
        directory.mkdir(parents=True)
        for kind, rows in files.items():
            text = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows)
            (directory / f"{kind}.ndjson").write_text(text)
        (directory / "quarantine.ndjson").write_text("")
        manifest = {
            "run_id": "big",
            "chunk": chunk,
            "rows": {"sales_orders": 0, "sales_order_lines": 0, "outcomes": 0, "quarantine": 0},
            "blake2b": {
                "sales_orders": "",
                "sales_order_lines": "",
                "outcomes": "",
                "quarantine": "",
            },
            "api_stats": {"requests": 2 * per_chunk},
            "started_at": template["outcomes"]["extracted_at"],
            "finished_at": template["outcomes"]["extracted_at"],
        }
        (directory / "manifest.json").write_text(json.dumps(manifest))
        reseal(directory)
    every = range(1, CHUNKS * per_chunk + 1)
    write_chunk_ids(
        run_dir, CHUNKS, (((i - 1) // per_chunk, chunk_ids_entry(i, None)) for i in every)
    )
    RunPlan(
        run_id="big",
        mode="full_refresh",
        started_at=template["outcomes"]["extracted_at"],
        chunks=CHUNKS,
        orders_requested=orders,
        watermark_candidate="2024-06-01T00:00:00+00:00",
    ).write(run_dir)
    return run_dir


@pytest.fixture(scope="module")
def big_run(tmp_path_factory) -> Path:
    """100,000 lines."""
    tmp = tmp_path_factory.mktemp("big")
    return build_big_run(tmp / "staging", tmp)


@pytest.fixture(scope="module")
def half_run(tmp_path_factory) -> Path:
    """50,000 lines: a load that takes long enough to be killed mid-transaction."""
    tmp = tmp_path_factory.mktemp("half")
    return build_big_run(tmp / "staging", tmp, ORDERS // 2)


def test_load_throughput(big_run, tmp_path, capsys):
    warehouse = tmp_path / "wh.duckdb"
    started = time.perf_counter()
    summary = load_run(warehouse, big_run)
    first = time.perf_counter() - started
    started = time.perf_counter()
    load_run(warehouse, big_run)
    again = time.perf_counter() - started
    lines = ORDERS * LINES_PER_ORDER
    assert summary.lines_loaded == lines
    (total,) = query(warehouse, "SELECT sum(price) FROM raw.sales_order_lines")[0]
    expected = sum(o * LINES_PER_ORDER * 100 + sum(range(1, 21)) for o in range(1, ORDERS + 1))
    assert total == Decimal(expected).scaleb(-2)  # exact: a Decimal, every cent
    with capsys.disabled():
        print(
            f"\n[load throughput] {lines} lines, {ORDERS} orders: first load {first:.2f}s "
            f"({lines / first:,.0f} lines/s); re-load replacing them all {again:.2f}s "
            f"({lines / again:,.0f} lines/s)"
        )


class _QueueHandler(logging.Handler):
    def __init__(self, queue: Any) -> None:
        super().__init__(logging.INFO)
        self.queue = queue

    def emit(self, record: logging.LogRecord) -> None:
        self.queue.put(record.getMessage())


def _load_in_child(warehouse: str, run_dir: str, queue: Any) -> None:
    """The load as the Airflow task runs it, in its own process; reports its log lines."""
    logger = logging.getLogger("twentyfourseven.pipeline.load")
    logger.setLevel(logging.INFO)
    logger.addHandler(_QueueHandler(queue))
    load_run(Path(warehouse), Path(run_dir))
    queue.put("COMMITTED")


def _drain(queue: Any) -> list[str]:
    lines = []
    with contextlib.suppress(Empty):
        while True:
            lines.append(queue.get(timeout=0.2))
    return lines


def test_a_load_killed_mid_transaction_leaves_the_previous_state(half_run, tmp_path, staging):
    warehouse = tmp_path / "wh.duckdb"
    # The previous state: an earlier run (its order 2 was read after the big run's, so the
    # big run leaves it alone; 900001 is not in the big run).
    load_run(warehouse, stage_run(staging, "r1", [[ok(900_001, [line_body(1)]), ok(2, [])]]))
    before = checksums(warehouse)
    reference = tmp_path / "reference.duckdb"
    shutil.copy(warehouse, reference)
    if warehouse.with_name(warehouse.name + ".wal").exists():
        shutil.copy(
            warehouse.with_name(warehouse.name + ".wal"),
            reference.with_name(reference.name + ".wal"),
        )

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_load_in_child, args=(str(warehouse), str(half_run), queue))
    child.start()
    seen = []
    while not (seen and seen[-1].startswith("staged run big")):  # transaction open, data staged
        seen.append(queue.get(timeout=60))
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=60)
    assert child.exitcode == -signal.SIGKILL, seen
    seen.extend(_drain(queue))
    assert "COMMITTED" not in seen
    assert not any(line.startswith("run big") for line in seen)  # the final summary

    assert checksums(warehouse) == before

    # The next attempt completes it, exactly as an uninterrupted load would have.
    summary = load_run(warehouse, half_run)
    load_run(reference, half_run)
    assert summary.lines_loaded == ORDERS // 2 * LINES_PER_ORDER
    assert checksums(warehouse) == checksums(reference)
    assert summary.orders_stale == 1
    assert query(warehouse, "SELECT count(*) FROM raw.sales_order_lines") == [
        (ORDERS // 2 * LINES_PER_ORDER - LINES_PER_ORDER + 1,)
    ]
