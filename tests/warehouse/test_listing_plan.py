"""Which master-data lists a run reads, and from when (``pipeline.listing.plan_listings``)."""

from __future__ import annotations

import datetime as dt

import pytest

from twentyfourseven.pipeline.listing import plan_listings
from twentyfourseven.warehouse.schema import open_warehouse

OVERLAP = dt.timedelta(minutes=10)
WATERMARK = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def con(tmp_path):
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def _run(con, run_id: str, started: dt.datetime, *, listed: bool) -> None:
    con.execute("insert into ops.runs (run_id, mode, started_at) values (?, 'incremental', ?)",
                [run_id, started])  # fmt: skip
    if listed:
        con.execute(
            "insert into ops.listings (run_id, resource, status, staged_at) "
            "values (?, 'products', 'loaded', ?)",
            [run_id, started + dt.timedelta(minutes=1)],
        )


def test_every_list_every_run_by_default_customers_from_their_watermark(con):
    con.execute(
        "insert into ops.watermark values ('customers_modified_at', ?, 'r0', ?)",
        [WATERMARK, WATERMARK],
    )
    plan = plan_listings(con, every_runs=1, mode="incremental", overlap=OVERLAP)
    assert plan["customers"] == (WATERMARK - OVERLAP).isoformat()
    assert {name for name, since in plan.items() if since is None} == {
        "products",
        "product_categories",
        "tax_codes",
        "accounts",
        "currencies",
    }
    assert (
        plan_listings(con, every_runs=1, mode="full_refresh", overlap=OVERLAP)["customers"] is None
    )  # a full refresh lists everything whole


def test_a_customer_in_quarantine_makes_the_customers_list_whole(con):
    con.execute(
        "insert into ops.watermark values ('customers_modified_at', ?, 'r0', ?)",
        [WATERMARK, WATERMARK],
    )
    con.execute(
        "insert into ops.quarantine (run_id, kind, record_id, reason, quarantined_at) "
        "values ('r0', 'customers', 7, 'countryCode: too long', ?)",
        [WATERMARK],
    )
    assert (
        plan_listings(con, every_runs=1, mode="incremental", overlap=OVERLAP)["customers"] is None
    )


def test_every_third_run_counts_from_the_last_run_that_loaded_them(con):
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    _run(con, "r1", start, listed=True)
    _run(con, "r2", start + dt.timedelta(hours=1), listed=False)
    assert plan_listings(con, every_runs=3, mode="incremental", overlap=OVERLAP) == {}
    _run(con, "r3", start + dt.timedelta(hours=2), listed=False)
    assert plan_listings(con, every_runs=3, mode="incremental", overlap=OVERLAP)
    assert plan_listings(con, every_runs=0, mode="incremental", overlap=OVERLAP) == {}
    assert plan_listings(con, every_runs=0, mode="full_refresh", overlap=OVERLAP)
    assert plan_listings(None, every_runs=3, mode="incremental", overlap=OVERLAP)  # a first run
