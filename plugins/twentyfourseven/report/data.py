"""What the dashboard shows, read from a warehouse (or snapshot) opened read-only.

Only the public report views of docs/data_dictionary.md (``reports.rpt_*``) and
the ``ops`` tables are queried, by their documented columns. Sums over several
rows are done in DuckDB on ``DECIMAL`` columns, so they arrive as exact
``Decimal`` values. A view that does not exist (models not built yet) leaves its
section empty with a note; any other error (a renamed column) is raised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from twentyfourseven.duckdb_session import open_duckdb, table_columns

# months in the time-series charts, and the period of the top lists and tax codes
TREND_MONTHS = 24
PERIOD_MONTHS = 12
TOP_N = 10
RECENT_RUNS = 10

Row = dict[str, Any]


@dataclass
class DashboardData:
    """Everything the page needs, as plain rows (amounts are ``Decimal``)."""

    database: Path
    generated_at: dt.datetime
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    revenue_by_month: list[Row] = field(default_factory=list)
    period_totals: Row = field(default_factory=dict)
    top_customers: list[Row] = field(default_factory=list)
    top_products: list[Row] = field(default_factory=list)
    discounts_by_month: list[Row] = field(default_factory=list)
    discount_bands: list[Row] = field(default_factory=list)
    tax_codes: list[Row] = field(default_factory=list)
    categories: list[Row] = field(default_factory=list)
    gross_margin_by_month: list[Row] = field(default_factory=list)
    watermarks: list[Row] = field(default_factory=list)
    # The last run's watermark note, its listing's clock and the watermark, when either
    # the note or a watermark past that clock says something is wrong; else None.
    watermark_warning: Row | None = None
    last_finished_at: dt.datetime | None = None
    runs: list[Row] = field(default_factory=list)
    open_failed_orders: int | None = None
    open_quarantined_orders: int | None = None
    open_quarantine_records: int | None = None
    missing: list[str] = field(default_factory=list)  # relations that do not exist


class _Reader:
    def __init__(self, con: duckdb.DuckDBPyConnection, missing: list[str]) -> None:
        self.con = con
        self.missing = missing

    def rows(self, relation: str, sql: str, params: list[Any] | None = None) -> list[Row] | None:
        """The query's rows as dicts; None (and ``relation`` noted) if it does not exist."""
        try:
            cursor = self.con.execute(sql, params or [])
        except duckdb.CatalogException as error:
            if relation.split(".")[-1] not in str(error):
                raise
            if relation not in self.missing:
                self.missing.append(relation)
            return None
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def open_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that hands timestamps over in UTC."""
    if not database.is_file():
        raise FileNotFoundError(f"no DuckDB file at {database}")
    return open_duckdb(database, read_only=True)


def load_dashboard_data(database: Path, now: dt.datetime | None = None) -> DashboardData:
    con = open_read_only(database)
    try:
        return read_dashboard_data(con, database, now)
    finally:
        con.close()


def read_dashboard_data(
    con: duckdb.DuckDBPyConnection, database: Path, now: dt.datetime | None = None
) -> DashboardData:
    data = DashboardData(database=database, generated_at=now or dt.datetime.now(dt.UTC))
    read = _Reader(con, data.missing)

    months = read.rows(
        "reports.rpt_revenue_by_month",
        """
        select month, booked_order_count, booked_net_amount, pipeline_order_count,
            pipeline_net_amount
        from reports.rpt_revenue_by_month
        where not is_future
            and month > (select max(month) from reports.rpt_revenue_by_month where not is_future)
                - to_months(?::integer)
        order by month
        """,
        [TREND_MONTHS],
    )
    data.revenue_by_month = months or []
    if data.revenue_by_month:
        data.period_end = data.revenue_by_month[-1]["month"]
        start = data.period_end
        for _ in range(PERIOD_MONTHS - 1):
            start = (start - dt.timedelta(days=1)).replace(day=1)
        data.period_start = start
    _read_period(read, data)
    _read_discounts(read, data)
    _read_margin(read, data)
    _read_ops(read, data)
    return data


def _read_period(read: _Reader, data: DashboardData) -> None:
    if data.period_start is None:
        return
    period = [data.period_start, data.period_end]
    totals = read.rows(
        "reports.rpt_revenue_by_month",
        """
        select sum(booked_net_amount) as booked_net_amount,
            sum(booked_order_count) as booked_order_count,
            sum(pipeline_net_amount) as pipeline_net_amount,
            sum(pipeline_order_count) as pipeline_order_count
        from reports.rpt_revenue_by_month
        where month between ? and ?
        """,
        period,
    )
    data.period_totals = totals[0] if totals else {}
    data.top_customers = (
        read.rows(
            "reports.rpt_revenue_by_customer",
            """
            select customer_id, customer_name, country_code,
                sum(booked_net_amount) as booked_net_amount,
                sum(booked_total_amount) as booked_total_amount,
                sum(booked_line_count) as booked_line_count
            from reports.rpt_revenue_by_customer
            where month between ? and ?
            group by customer_id, customer_name, country_code
            having sum(booked_net_amount) <> 0
            order by booked_net_amount desc, customer_id
            limit ?
            """,
            [*period, TOP_N],
        )
        or []
    )
    data.top_products = (
        read.rows(
            "reports.rpt_revenue_by_product",
            """
            select product_id, product_number, product_name,
                sum(booked_quantity) as booked_quantity,
                sum(booked_net_amount) as booked_net_amount,
                sum(booked_line_count) as booked_line_count
            from reports.rpt_revenue_by_product
            where month between ? and ?
            group by product_id, product_number, product_name
            having sum(booked_net_amount) <> 0
            order by booked_net_amount desc, product_id nulls last
            limit ?
            """,
            [*period, TOP_N],
        )
        or []
    )
    data.tax_codes = (
        read.rows(
            "reports.rpt_revenue_by_tax_code",
            """
            select tax_id, tax_number, tax_name, tax_rate,
                sum(booked_line_count) as booked_line_count,
                sum(booked_net_amount) as booked_net_amount,
                sum(booked_tax_amount) as booked_tax_amount,
                sum(booked_total_amount) as booked_total_amount
            from reports.rpt_revenue_by_tax_code
            where month between ? and ?
            group by tax_id, tax_number, tax_name, tax_rate
            having sum(booked_line_count) > 0
            order by tax_number nulls last, tax_id
            """,
            period,
        )
        or []
    )

    data.categories = (
        read.rows(
            "reports.rpt_revenue_by_category",
            """
            select category_id, category_name,
                sum(booked_line_count) as booked_line_count,
                sum(booked_net_amount) as booked_net_amount,
                sum(booked_discount_amount) as booked_discount_amount
            from reports.rpt_revenue_by_category
            where category_level = 1 and month between ? and ?
            group by category_id, category_name
            having sum(booked_line_count) > 0
            order by booked_net_amount desc, category_id nulls last
            limit ?
            """,
            [*period, TOP_N],
        )
        or []
    )


def _read_margin(read: _Reader, data: DashboardData) -> None:
    data.gross_margin_by_month = (
        read.rows(
            "reports.rpt_gross_margin",
            """
            select month,
                sum(net_amount_base) as net_amount,
                sum(cost_amount_base) as cost_amount,
                sum(margin_amount_base) as margin_amount,
                decimal_division(
                    (sum(margin_amount_base) * 100)::decimal(36, 2),
                    nullif(sum(net_amount_base), 0)::decimal(36, 2),
                    2
                ) as margin_pct,
                sum(uncosted_line_count) as uncosted_line_count
            from reports.rpt_gross_margin
            where month > (select max(month) from reports.rpt_gross_margin)
                - to_months(?::integer)
            group by month
            order by month
            """,
            [TREND_MONTHS],
        )
        or []
    )


def _read_discounts(read: _Reader, data: DashboardData) -> None:
    data.discounts_by_month = (
        read.rows(
            "reports.rpt_discounts_by_month",
            """
            select month, line_count, discounted_line_count, discounted_line_share_pct,
                gross_amount, discount_amount, net_amount, effective_discount_rate_pct
            from reports.rpt_discounts_by_month
            where month > (select max(month) from reports.rpt_discounts_by_month)
                - to_months(?::integer)
            order by month
            """,
            [TREND_MONTHS],
        )
        or []
    )
    data.discount_bands = (
        read.rows(
            "reports.rpt_discount_bands",
            """
            select discount_band_order, discount_band, line_count, share_of_lines_pct,
                gross_amount, discount_amount, net_amount, share_of_discount_pct
            from reports.rpt_discount_bands
            order by discount_band_order
            """,
        )
        or []
    )


def _read_ops(read: _Reader, data: DashboardData) -> None:
    data.watermarks = (
        read.rows(
            "ops.watermark",
            "select name, value, run_id, updated_at from ops.watermark order by name",
        )
        or []
    )
    runs = read.rows(
        "ops.runs",
        """
        select run_id, mode, started_at, finished_at, duration_seconds, orders_requested,
            orders_ok, orders_deleted, orders_not_found, orders_failed, orders_quarantined,
            lines_loaded
        from ops.runs
        order by coalesce(finished_at, started_at) desc nulls last, run_id desc
        limit ?
        """,
        [RECENT_RUNS],
    )
    data.runs = runs or []
    data.watermark_warning = _watermark_warning(read, data)
    latest = read.rows("ops.runs", "select max(finished_at) as finished_at from ops.runs")
    data.last_finished_at = latest[0]["finished_at"] if latest else None
    failed = read.rows("ops.failed_orders", "select count(*) as n from ops.failed_orders")
    data.open_failed_orders = failed[0]["n"] if failed else None
    quarantine = read.rows(
        "ops.quarantine",
        """
        select count(distinct order_id) as orders, count(*) as records
        from ops.quarantine where resolved_run_id is null
        """,
    )
    if quarantine:
        data.open_quarantined_orders = quarantine[0]["orders"]
        data.open_quarantine_records = quarantine[0]["records"]


def _watermark_warning(read: _Reader, data: DashboardData) -> Row | None:
    # A file last written before ops.runs had these columns lacks them.
    if not {"listed_at", "watermark_note"} <= table_columns(read.con, "ops", "runs"):
        return None
    last = read.rows(
        "ops.runs",
        """
        select run_id, listed_at, watermark_note from ops.runs
        order by coalesce(finished_at, started_at) desc nulls last, run_id desc
        limit 1
        """,
    )
    if not last:
        return None
    listed_at = last[0]["listed_at"]
    ahead = [
        w["value"] for w in data.watermarks if listed_at is not None and w["value"] > listed_at
    ]
    if not (last[0]["watermark_note"] or ahead):
        return None
    return {**last[0], "watermark_ahead": max(ahead, default=None)}
