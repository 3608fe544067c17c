"""
### Example consumer of the published snapshot

Runs whenever `twentyfourseven_sales_orders` publishes a new snapshot (the
`twentyfourseven_snapshot` Asset), and logs how fresh it is and last month's
booked revenue: the place to hang exports, BI cache refreshes or alerts.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task

from twentyfourseven import assets
from twentyfourseven.deployment import warehouse_queue


@dag(
    dag_id="twentyfourseven_snapshot_consumer",
    schedule=[assets.SNAPSHOT],
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    default_args={"retries": 1},
    tags=["24sevenoffice", "example"],
    doc_md=__doc__,
)
def twentyfourseven_snapshot_consumer():
    @task(**warehouse_queue())  # the snapshot is a file beside the warehouse
    def report_freshness() -> dict:
        """Read the snapshot (read-only: it never blocks the pipeline) and log a summary."""
        import logging

        from twentyfourseven.deployment import PipelineSettings, airflow_variable
        from twentyfourseven.duckdb_session import open_duckdb, single_row

        settings = PipelineSettings.load(airflow_variable)
        with open_duckdb(settings.snapshot, read_only=True) as con:
            (loaded_at,) = single_row(con, "select max(finished_at) from ops.runs")
            month, booked = single_row(
                con,
                "select month, booked_net_amount from reports.rpt_revenue_by_month"
                " order by month desc limit 1",
            )
        logging.getLogger(__name__).info(
            "Snapshot of %s: last load %s; booked net revenue %s in %s",
            settings.snapshot,
            loaded_at,
            booked,
            month,
        )
        return {"last_load": str(loaded_at), "month": str(month), "booked_net": str(booked)}

    report_freshness()


twentyfourseven_snapshot_consumer()
