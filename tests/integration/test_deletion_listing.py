"""The deletion check's ID listing against the sandbox: a refused page size, a failed
listing (``pipeline.deletions``), over loopback HTTP with a real DuckDB file."""

from __future__ import annotations

import datetime as dt

import pytest

from twentyfourseven.api.constants import INT32_MAX
from twentyfourseven.pipeline import deletions
from twentyfourseven.warehouse.schema import open_warehouse

from .conftest import live_orders

SANDBOX_OPTIONS = {"orders": 250, "seed": 4}


@pytest.fixture
def warehouse(tmp_path):
    """A warehouse with one run recorded and no order known yet."""
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    con.execute(
        "insert into ops.runs (run_id, mode, started_at) values ('r0', 'full_refresh', ?)",
        [dt.datetime.now(dt.UTC)],
    )
    yield con
    con.close()


def test_a_refused_page_size_falls_back_to_pages_of_100(client, sandbox, monkeypatch):
    # The sandbox, like the API, answers a limit beyond int32 with a 400 ValidationError.
    monkeypatch.setattr(deletions, "PAGE_SIZE", INT32_MAX + 1)
    ids, page_size = deletions.list_order_ids(client)
    assert page_size == deletions.FALLBACK_PAGE_SIZE == 100
    assert len(ids) == len(set(ids)) == live_orders(sandbox)
    assert list(ids) == sorted(ids)
    assert sandbox.count("list_orders", 400) == 1  # refused once, not retried
    assert sandbox.count("list_orders", 200) == 3  # 250 orders in pages of 100


def test_a_listing_the_api_fails_leaves_the_run_without_a_check(client, sandbox, warehouse):
    ids, _ = deletions.list_order_ids(client)
    warehouse.executemany(
        "insert into ops.known_orders (order_id, first_seen_run_id) values (?, 'r0')",
        [[order_id] for order_id in [*ids, 99_999_999]],
    )
    found = deletions.check_deletions(client, warehouse, mode="incremental", every_runs=1)
    assert found.ran
    assert found.candidates == (99_999_999,)  # only the one the API lacks

    sandbox.reset_counters()
    sandbox.script_fault("503", endpoint="list_orders", count=client.retry.max_attempts)
    failed = deletions.check_deletions(client, warehouse, mode="incremental", every_runs=1)
    assert not failed.ran
    assert failed.candidates == ()  # nothing is a candidate on a listing that failed
    assert failed.calls == client.retry.max_attempts == sandbox.count("list_orders", 503)
    assert (failed.note or "").startswith("listing failed: ")
    assert "503" in (failed.note or "")
