"""The master-data resources, as described, read from the sandbox into their raw tables
(issue 15, item 2 in part: the descriptions and the listing path; the DAG does not
read them yet)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from twentyfourseven.api.resources.master_data import (
    CUSTOMERS,
    MASTER_DATA,
    PRODUCT_CATEGORIES,
    PRODUCTS,
)
from twentyfourseven.pipeline.listing import extract_listing, load_listing
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
        "select value from ops.watermark where name = ?", [CUSTOMERS.watermark_name]
    ).fetchone()[0]
    newest = con.execute("select max(modified_at) from raw.customers").fetchone()[0]
    assert watermark == newest


def test_products_and_customers_keep_every_version(sandbox, tmp_path):
    """After renames, moves, address edits and deletions upstream, the history holds the
    old version (closed when the new one began) and the new one (open), and a deleted
    record's last version is closed at its deletion."""
    from twentyfourseven.api import TwentyFourSevenOfficeClient

    wanted = (PRODUCTS, PRODUCT_CATEGORIES, CUSTOMERS)
    con = open_warehouse(tmp_path / "warehouse.duckdb")

    def run(run_id: str) -> None:
        with TwentyFourSevenOfficeClient(**sandbox.client_kwargs(), rate_limit=None) as client:
            for resource in wanted:
                extract_listing(client, resource, tmp_path / run_id, run_id=run_id)
        con.execute("BEGIN TRANSACTION")
        for resource in wanted:
            load_listing(con, resource, tmp_path / run_id, run_id=run_id)
        con.execute("COMMIT")

    run("run-1")
    versions = "select count(*) from raw.products_history"
    assert (
        con.execute(versions).fetchone()[0]
        == con.execute("select count(*) from raw.products").fetchone()[0]
    )
    changed = sandbox.simulate_changes(
        move_products=0.2, rename_products=0.2, edit_customers=0.01, delete_products=0.05
    )
    run("run-2")
    run("run-2")  # loading the same run again adds no version
    moved = changed["moved_products"][0]
    rows = con.execute(
        "select category_id, valid_from, valid_to from raw.products_history "
        "where product_id = ? order by valid_from",
        [moved],
    ).fetchall()
    assert len(rows) == 2
    (old_category, first_from, first_to), (new_category, second_from, second_to) = rows
    assert old_category != new_category
    assert first_to == second_from
    assert second_to is None
    assert str(first_from).startswith("1900-01-01")
    deleted = changed["deleted_products"][0]
    closed = con.execute(
        "select h.valid_to = p.deleted_at from raw.products_history h "
        "join raw.products p using (product_id) where product_id = ? and h.valid_to is not null "
        "order by valid_from desc limit 1",
        [deleted],
    ).fetchone()
    assert closed == (True,)
    edited = changed["edited_customers"][0]
    assert (
        con.execute(
            "select count(*) from raw.customers_history where customer_id = ?", [edited]
        ).fetchone()[0]
        == 2
    )
    con.close()


def test_master_records_that_break_the_schema_are_quarantined_with_the_reason(sandbox, tmp_path):
    """The sandbox serves a stable share of customers with a three-letter country and of
    products with a status outside the enum; each is quarantined, the rest load."""
    from twentyfourseven.api import TwentyFourSevenOfficeClient

    sandbox.set_faults(invalid_record_rate=0.05)
    with TwentyFourSevenOfficeClient(**sandbox.client_kwargs(), rate_limit=None) as client:
        summaries = [
            extract_listing(client, resource, tmp_path / "run", run_id="bad")
            for resource in (CUSTOMERS, PRODUCTS)
        ]
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    con.execute("BEGIN TRANSACTION")
    loads = [load_listing(con, r, tmp_path / "run", run_id="bad") for r in (CUSTOMERS, PRODUCTS)]
    con.execute("COMMIT")
    reasons = dict(
        con.execute(
            "select kind, string_agg(distinct reason, ' | ') from ops.quarantine "
            "where run_id = 'bad' group by kind"
        ).fetchall()
    )
    con.close()
    assert all(summary.quarantined > 0 for summary in summaries)
    assert [load.quarantined for load in loads] == [s.quarantined for s in summaries]
    assert "country_code" in reasons["customers"] or "countryCode" in reasons["customers"]
    assert "status" in reasons["products"]
    assert all(load.loaded > 0 for load in loads)  # the records around them still load
