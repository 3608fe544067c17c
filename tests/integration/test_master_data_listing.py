"""The master-data resources, as described, read from the sandbox into their raw tables
(issue 15, item 2 in part: the descriptions and the listing path; the DAG does not
read them yet)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from twentyfourseven.api.resources.master_data import CUSTOMERS, MASTER_DATA
from twentyfourseven.pipeline.listing import extract_listing, load_listing, watermark_name
from twentyfourseven.warehouse.schema import open_warehouse

SANDBOX_OPTIONS = {"orders": 120, "seed": 23}


@pytest.fixture(scope="module")
def loaded(sandbox, tmp_path_factory):
    from twentyfourseven.api import TwentyFourSevenOfficeClient

    folder = tmp_path_factory.mktemp("master")
    summaries = {}
    with TwentyFourSevenOfficeClient(**sandbox.client_kwargs(), rate_limit=None) as client:
        for resource in MASTER_DATA:
            summaries[resource.name] = extract_listing(
                client, resource, folder / "run", run_id="run-1"
            )
    con = open_warehouse(folder / "warehouse.duckdb")
    con.execute("BEGIN TRANSACTION")
    loads = {r.name: load_listing(con, r, folder / "run", run_id="run-1") for r in MASTER_DATA}
    con.execute("COMMIT")
    yield con, summaries, loads
    con.close()


def test_every_master_record_the_sandbox_lists_lands_in_its_raw_table(sandbox, loaded):
    con, summaries, loads = loaded
    for resource in MASTER_DATA:
        served = sandbox.admin("GET", "/health").get(resource.name)
        rows = con.execute(f"select count(*) from raw.{resource.name}").fetchone()[0]
        assert rows == loads[resource.name].loaded == summaries[resource.name].records > 0
        if served is not None:  # the sandbox reports its own count where it has one
            assert rows == served


def test_names_and_prices_are_the_master_datas_own(loaded):
    con, _, _ = loaded
    tax = con.execute("select tax_number, name, rate from raw.tax_codes order by tax_id").fetchall()
    assert all(name for _, name, _ in tax)  # a tax code has a name, not only a number
    assert all(isinstance(rate, Decimal) for _, _, rate in tax if rate is not None)
    cost = con.execute(
        "select cost_price from raw.products where cost_price is not null"
    ).fetchall()
    assert cost
    assert all(isinstance(value, Decimal) for (value,) in cost)


def test_customers_are_listed_by_cursor_and_the_watermark_follows(loaded):
    con, summaries, _ = loaded
    assert summaries[CUSTOMERS.name].api_requests > 1  # Link paging walked
    watermark = con.execute(
        "select value from ops.watermark where name = ?", [watermark_name(CUSTOMERS)]
    ).fetchone()[0]
    newest = con.execute("select max(modified_at) from raw.customers").fetchone()[0]
    assert watermark == newest
