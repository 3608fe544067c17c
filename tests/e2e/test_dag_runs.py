"""The DAG end to end: first load, incremental changes, reconciliation, idempotent reloads."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal

import httpx

from twentyfourseven.pipeline.steps import extract_step, load_step, plan_step

from .conftest import assert_equals_truth, table_checksums

SANDBOX_OPTIONS = {"orders": 300, "seed": 11}
PIPELINE_ENV = {"TWENTYFOURSEVEN_STAGING_RETENTION_DAYS": "1"}  # keep staging for the reload


def test_first_run_loads_every_order_and_line(pipeline):
    pipeline.run()
    lines_requests, order_requests = (
        pipeline.sandbox.count("list_lines"),
        pipeline.sandbox.count("get_order"),
    )
    run = pipeline.last_run()
    assert run["mode"] == "full_refresh"
    assert run["orders_requested"] == run["orders_ok"] == 300
    assert run["orders_failed"] == run["orders_quarantined"] == 0
    assert run["chunks"] == 4  # 300 orders, chunks of at least 40, at most 4
    assert_equals_truth(pipeline)
    assert run["lines_loaded"] == pipeline.query("select count(*) from raw.sales_order_lines")[0][0]
    # The transform task built the models over what was loaded.
    assert pipeline.query("select count(*) from marts.fct_sales_order_lines") == [
        (run["lines_loaded"],)
    ]
    # One lines request per order; the headers came with the listing.
    assert lines_requests == 300
    assert order_requests == 0
    assert_master_data_read(pipeline)


def assert_master_data_read(pipeline):
    """Every master list read whole, each call counted in ops.runs, one call per page (the
    minimum the API allows). Right after the run: the sandbox's counters reset per test."""
    run = pipeline.last_run()
    listings = dict(
        pipeline.query(
            "select resource, status from ops.listings where run_id = ?", [run["run_id"]]
        )
    )
    assert listings == dict.fromkeys(
        (
            "customers",
            "products",
            "product_categories",
            "tax_codes",
            "accounts",
            "currencies",
        ),
        "loaded",
    )
    master_endpoints = (
        "list_customers",
        "list_products",
        "list_product_categories",
        "list_taxes",
        "list_accounts",
        "list_currencies",
    )
    served = sum(pipeline.sandbox.count(endpoint) for endpoint in master_endpoints)
    assert run["master_data_api_calls"] == served > 0
    customers = pipeline.query("select count(*) from raw.customers")[0][0]
    pages = -(-customers // 100)  # Link paging, 100 a page: the fewest calls there can be
    assert pipeline.sandbox.count("list_customers") == pages
    assert (
        run["master_data_records"]
        == pipeline.query(
            "select sum(records) from ops.listings where run_id = ?", [run["run_id"]]
        )[0][0]
    )
    assert run["master_data_failed"] == 0


def test_nested_tax_account_product_are_typed_columns(pipeline):
    types = dict(
        pipeline.query(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw' and table_name = 'sales_order_lines'"
        )
    )
    for column, kind in {
        "tax_id": "BIGINT",
        "tax_number": "BIGINT",
        "tax_rate": "DECIMAL(19,16)",
        "account_id": "BIGINT",
        "account_number": "BIGINT",
        "account_name": "VARCHAR",
        "product_id": "BIGINT",
        "product_number": "VARCHAR",
        "quantity": "DECIMAL(28,16)",
        "price": "DECIMAL(28,16)",
        "discount_rate": "DECIMAL(19,16)",
    }.items():
        assert types[column] == kind, column
    floats = pipeline.query(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'raw' and data_type in ('DOUBLE', 'FLOAT', 'REAL')"
    )
    assert floats == []


def test_incremental_run_reads_only_what_changed(pipeline):
    sandbox = pipeline.sandbox
    changes = sandbox.simulate_changes(
        advance_seconds=3600,
        edit_orders=0.05,
        add_orders=0.03,
        delete_orders=0.02,
        edit_lines=0.03,
        add_lines=0.02,
        delete_lines=0.02,
        line_edit_bumps_modified=True,
    )
    changed = (
        set(changes["edited_orders"])
        | set(changes["created_orders"])
        | set(changes["line_changed_orders"])
    )
    deleted = set(changes["deleted_orders"])
    assert len(changed) > 20
    assert deleted
    sandbox.reset_counters()
    pipeline.run()
    run = pipeline.last_run()
    assert run["mode"] == "incremental"
    assert run["orders_requested"] == len(changed) + len(deleted)
    assert sandbox.count("list_lines") == len(changed)  # nothing unchanged was read
    # Headers came with the listing; a GET only confirms each deletion (a 404).
    assert sandbox.count("get_order") == sandbox.count("get_order", 404) == len(deleted)
    assert run["deletion_check"] is True
    assert run["deletion_candidates"] == run["deleted_confirmed"] == len(deleted)
    assert run["orders_deleted"] == len(deleted)
    # Deletions are invisible to modifiedFrom, but the deletion check found them all.
    assert_equals_truth(pipeline)


def test_an_order_deleted_upstream_leaves_booked_revenue_on_the_next_incremental_run(pipeline):
    sandbox = pipeline.sandbox
    # Confirmed orders: booked revenue, and deletable (the API refuses to delete an invoice).
    booked = dict(
        pipeline.query(
            "select order_id, net_amount_base from marts.fct_sales_orders"
            " where is_booked and status_category = 'confirmed'"
        )
    )
    victims = sorted(booked)[:3]
    revenue = (
        "select sum(booked_order_count), sum(booked_net_amount) from reports.rpt_revenue_by_month"
    )
    count_before, net_before = pipeline.query(revenue)[0]
    with httpx.Client(base_url=sandbox.base_url) as api:
        token = {"Authorization": f"Bearer {sandbox.token()}"}
        for order_id in victims:
            assert api.delete(f"/salesorders/{order_id}", headers=token).status_code == 204
    sandbox.reset_counters()
    output = pipeline.run()  # the next incremental run, not the reconciliation
    run = pipeline.last_run()
    # The task logs say so: the plan's listing, the load's count.
    assert "deletion check: listed " in output
    assert "3 known orders missing from the listing: 3 confirmed deleted (404, tombstoned)" in (
        output
    )
    assert run["mode"] == "incremental"
    assert run["deleted_confirmed"] == run["orders_deleted"] == 3
    assert sandbox.count("get_order", 404) == 3
    assert run["deletion_check_calls"] == sandbox.count("list_orders") - 1 + 3  # IDs + GETs
    assert pipeline.query(revenue)[0] == (
        count_before - 3,
        net_before - sum(booked[order_id] for order_id in victims),
    )
    gone = pipeline.query(
        "select count(*) from marts.fct_sales_order_lines where order_id in (select unnest(?))",
        [victims],
    )
    assert gone == [(0,)]
    assert_equals_truth(pipeline)


def test_reconcile_catches_deletions_and_line_only_edits(pipeline):
    sandbox = pipeline.sandbox
    quiet = sandbox.simulate_changes(
        advance_seconds=600, edit_lines=0.05, delete_orders=0.02, line_edit_bumps_modified=False
    )
    silent = set(quiet["line_changed_orders"])
    assert silent
    assert quiet["deleted_orders"]
    sandbox.reset_counters()
    # With the deletion check off, only the reconciliation finds the deletions.
    pipeline.run(TWENTYFOURSEVEN_DELETION_CHECK_EVERY_RUNS="0")
    assert sandbox.count("list_lines") == 0  # line-only edits do not show in modifiedFrom
    assert sandbox.count("get_order") == 0
    assert pipeline.last_run()["deletion_check"] is False
    pipeline.run({"reconcile": True})
    run = pipeline.last_run()
    assert run["mode"] == "reconcile"
    assert run["orders_deleted"] == len(quiet["deleted_orders"])
    assert_equals_truth(pipeline)
    tombstoned = {
        r[0]
        for r in pipeline.query(
            "select order_id from raw.sales_orders where deleted_at is not null"
        )
    }
    assert tombstoned
    orphan_lines = pipeline.query(
        "select count(*) from raw.sales_order_lines where order_id in (select unnest(?::BIGINT[]))",
        [sorted(tombstoned)],
    )
    assert orphan_lines == [(0,)]


def test_reloading_the_same_run_leaves_every_table_identical(pipeline):
    pipeline.sandbox.simulate_changes(advance_seconds=600, edit_orders=0.05)
    pipeline.run()
    run_id = pipeline.last_run()["run_id"]
    settings = pipeline.settings
    before = table_checksums(settings.warehouse)
    summary = load_step(run_id, settings)
    assert summary["already_loaded"] is False  # staging was kept: a real second load
    assert table_checksums(settings.warehouse) == before
    load_step(run_id, settings)
    assert table_checksums(settings.warehouse) == before


def _load_in_child(run_id: str, settings, queue) -> None:
    """The load task's work in its own process, reporting the loader's log lines."""

    class ToQueue(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            queue.put(record.getMessage())

    logger = logging.getLogger("twentyfourseven.pipeline.load")
    logger.setLevel(logging.INFO)
    logger.addHandler(ToQueue())
    load_step(run_id, settings)
    queue.put("COMMITTED")


def test_a_killed_load_keeps_the_previous_state_and_the_next_run_completes_it(
    pipeline, monkeypatch
):
    sandbox = pipeline.sandbox
    sandbox.simulate_changes(advance_seconds=600, edit_orders=0.1, add_orders=0.05)
    for name, value in pipeline.env().items():
        if name.startswith(("AIRFLOW_CONN_", "TWENTYFOURSEVEN_")):
            monkeypatch.setenv(name, value)
    settings = pipeline.settings
    run_id = "manual__killed_load"
    for chunk in plan_step(run_id, {}, settings):
        extract_step(run_id, chunk, 1, settings)
    before = table_checksums(settings.warehouse)

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_load_in_child, args=(run_id, settings, queue))
    child.start()
    seen: list[str] = []
    while not (seen and seen[-1].startswith("staged run")):  # inside the open transaction
        seen.append(queue.get(timeout=120))
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=60)
    assert child.exitcode == -signal.SIGKILL
    assert table_checksums(settings.warehouse) == before  # nothing of the killed load shows

    pipeline.run()  # the next scheduled run
    assert pipeline.last_run()["orders_ok"] > 0
    assert_equals_truth(pipeline)
