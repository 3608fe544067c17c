"""A master-data list the API fails does not hold back the orders or the other lists:
the run loads, ``ops.listings`` says which list failed with the API's trackingId, and the
next run lists it again (issue 15, item 2)."""

from __future__ import annotations

from twentyfourseven.deployment import PipelineSettings
from twentyfourseven.duckdb_session import open_duckdb

from ..builders import run_steps, sandbox_connection


def _query(settings: PipelineSettings, sql: str) -> list[tuple]:
    with open_duckdb(settings.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_failed_list_is_recorded_and_read_again_while_the_orders_load(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(orders=80, seed=29)
    data = tmp_path / "data"
    settings = PipelineSettings(
        warehouse=data / "warehouse.duckdb",
        staging=data / "staging",
        snapshot=data / "snapshot.duckdb",
        dashboard=data / "dashboard.html",
    )
    with sandbox_connection(sandbox, tmp_path):
        sandbox.script_fault("500", endpoint="list_products", count=1)  # no retries here
        first = run_steps("manual__first", settings)
        assert first["orders_ok"] == 80  # the orders loaded
        assert first["master_data"]["products"]["status"] == "failed"
        assert first["master_data"]["customers"]["status"] == "loaded"
        failed = _query(
            settings,
            "select error_type, http_status, tracking_id, message from ops.listings "
            "where run_id = 'manual__first' and resource = 'products'",
        )
        ((error_type, status, tracking_id, message),) = failed
        assert (error_type, status) == ("ServerError", 500)
        assert tracking_id
        assert tracking_id in message
        assert _query(settings, "select count(*) from raw.products") == [(0,)]
        assert _query(
            settings, "select master_data_failed from ops.runs where run_id = 'manual__first'"
        ) == [(1,)]

        second = run_steps("manual__second", settings)
        assert second["master_data"]["products"]["status"] == "loaded"
        assert _query(settings, "select count(*) > 0 from raw.products") == [(True,)]
