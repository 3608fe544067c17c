"""A new API entity is one declaration: a resource described here, in the tests alone,
flows from a sandbox-style HTTP listing to its ``raw`` table with no change to the
package.

The entity ("widgets") exists nowhere in production code. The sandbox gets a
``GET /v1/widgets`` route behind its own token check, paged by ``page``/``limit`` as
the API's ``/products`` is; the real client lists it, the real staging writer stages
it, the real load puts it in a real DuckDB file.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

import pytest
from fastapi import Depends, Query

from twentyfourseven.api.payloads import ApiModel
from twentyfourseven.api.resources import Column, Paging, Resource, field, text
from twentyfourseven.pipeline.listing import extract_listing, load_listing
from twentyfourseven.sandbox.api import require_token
from twentyfourseven.warehouse.schema import open_warehouse

SANDBOX_OPTIONS = {"orders": 5, "seed": 7}
PAGE_SIZE = 100  # the client's default page size
WIDGETS_SERVED = 2 * PAGE_SIZE + 17  # three pages, the last one short


class Widget(ApiModel):
    id: int
    name: str
    colour: str | None = None
    weight: Decimal


WIDGETS = Resource(
    name="widgets",
    path="/widgets",
    paging=Paging.PAGE,
    model=Widget,
    key="widget_id",
    columns=(
        Column("widget_id", "BIGINT", field("id")),
        Column("name", "VARCHAR", text("name")),
        Column("colour", "VARCHAR", field("colour")),
        Column("weight", "DECIMAL(18,6)", field("weight")),
    ),
)


def _widget(number: int) -> dict[str, Any]:
    return {"id": number, "name": f"Widget {number}", "colour": "blue", "weight": f"{number}.125"}


@dataclass
class Served:
    """What the sandbox's widgets route serves (the test edits it) and the pages asked."""

    widgets: dict[int, dict[str, Any]]
    pages: list[int] = dataclass_field(default_factory=list)


@pytest.fixture
def served(sandbox) -> Served:
    """A fresh widget list behind ``GET /v1/widgets`` (the route replaced per test)."""
    served = Served({number: _widget(number) for number in range(1, WIDGETS_SERVED + 1)})
    app = sandbox.app.app

    def list_widgets(page: int = Query(1), limit: int = Query(25)) -> list[dict[str, Any]]:
        served.pages.append(page)
        records = [served.widgets[key] for key in sorted(served.widgets)]
        return records[(page - 1) * limit : page * limit]

    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/v1/widgets"]
    app.add_api_route("/v1/widgets", list_widgets, dependencies=[Depends(require_token)])
    return served


def _run(client, resource: Resource, tmp_path, warehouse, run_id: str) -> Any:
    run_dir = tmp_path / run_id
    summary = extract_listing(client, resource, run_dir, run_id=run_id)
    con = open_warehouse(warehouse)
    try:
        con.execute("BEGIN TRANSACTION")
        loaded = load_listing(con, resource, run_dir, run_id=run_id)
        con.execute("COMMIT")
    finally:
        con.close()
    return summary, loaded


def _raw(warehouse) -> dict[int, tuple]:
    con = open_warehouse(warehouse, read_only=True)
    try:
        rows = con.execute(
            "select widget_id, name, colour, weight, deleted_at is not null from raw.widgets"
        ).fetchall()
    finally:
        con.close()
    return {row[0]: row[1:] for row in rows}


def test_a_resource_declared_in_a_test_lands_in_its_raw_table(client, served, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    summary, loaded = _run(client, WIDGETS, tmp_path, warehouse, "run-1")

    assert served.pages == [1, 2, 3]  # page/limit paging, stopped at the short page
    assert summary.records == loaded.loaded == WIDGETS_SERVED
    assert summary.api_requests == 3  # one call per page; the token request is not the API's
    raw = _raw(warehouse)
    assert sorted(raw) == sorted(served.widgets)
    assert raw[7] == ("Widget 7", "blue", Decimal("7.125"), False)
    assert isinstance(raw[7][2], Decimal)  # money and measures stay exact


def test_invalid_records_are_quarantined_and_deletions_tombstoned(client, served, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _run(client, WIDGETS, tmp_path, warehouse, "run-1")

    served.widgets[5] = {"id": 5, "name": "Widget 5", "weight": "not a number"}  # breaks the model
    served.widgets[6]["name"] = "Widget six"  # renamed
    del served.widgets[9]  # gone upstream
    summary, loaded = _run(client, WIDGETS, tmp_path, warehouse, "run-2")

    assert (summary.quarantined, loaded.quarantined, loaded.tombstoned) == (1, 1, 1)
    raw = _raw(warehouse)
    assert raw[6][0] == "Widget six"
    assert raw[9][3] is True  # tombstoned, kept
    assert raw[5] == ("Widget 5", "blue", Decimal("5.125"), False)  # the last good version
    con = open_warehouse(warehouse, read_only=True)
    try:
        reason = con.execute(
            "select reason from ops.quarantine where kind = 'widgets' and record_id = 5 "
            "and resolved_run_id is null"
        ).fetchall()
    finally:
        con.close()
    assert len(reason) == 1
    assert "weight" in reason[0][0]

    served.widgets[5] = _widget(5)  # repaired upstream: the next run resolves the quarantine
    _run(client, WIDGETS, tmp_path, warehouse, "run-3")
    con = open_warehouse(warehouse, read_only=True)
    try:
        open_rows = con.execute(
            "select count(*) from ops.quarantine where kind = 'widgets' and resolved_run_id is null"
        ).fetchone()[0]
    finally:
        con.close()
    assert open_rows == 0


def test_an_unfinished_listing_loads_nothing_and_says_why(client, served, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _run(client, WIDGETS, tmp_path, warehouse, "run-1")
    run_dir = tmp_path / "run-2"
    extract_listing(client, WIDGETS, run_dir, run_id="run-2")
    staged = run_dir / "listing-widgets" / "widgets.ndjson"
    staged.write_bytes(staged.read_bytes()[:-40])  # truncated after sealing
    con = open_warehouse(warehouse)
    try:
        loaded = load_listing(con, WIDGETS, run_dir, run_id="run-2")
    finally:
        con.close()
    assert loaded.loaded == 0
    assert "truncated or corrupt" in (loaded.error or "")
    assert len(_raw(warehouse)) == WIDGETS_SERVED  # the previous records stay
