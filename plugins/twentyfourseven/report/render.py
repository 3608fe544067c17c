"""The dashboard page: one self-contained HTML file (inline CSS, SVG and a tiny script).

The markup is ``templates/dashboard.html.j2``, its style ``templates/dashboard.css``
and its two scripts ``templates/errors.js`` and ``templates/selfcheck.js``, inlined
into the page (:mod:`.templating`). The chart sections are the descriptions of
:mod:`.sections`; this module reads the data into plain values and renders the
template.

The page loads nothing from anywhere: a Content-Security-Policy meta tag allows
only its own inline style and script (by hash), so it opens offline and an
injected tag could not run even if escaping failed. Every string from the data
is escaped as the template writes it, by the one escape function the charts use
too (:func:`twentyfourseven.report.templating.esc`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from twentyfourseven.atomic import write_atomically

from .data import PERIOD_MONTHS, DashboardData, Row, load_dashboard_data
from .formatting import (
    CURRENCY,
    format_age,
    format_amount,
    format_count,
    format_duration,
    format_month,
    format_pct,
    format_timestamp,
)
from .sections import SECTIONS, Cell, Column, Table, section_view, table
from .templating import asset, render, trusted


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy() -> str:
    return (
        "default-src 'none'; "
        f"script-src {_hash(asset('errors.js'))} {_hash(asset('selfcheck.js'))}; "
        f"style-src {_hash(asset('dashboard.css'))}; img-src data:; base-uri 'none'; "
        "form-action 'none'"
    )


def _period_text(data: DashboardData) -> str:
    if data.period_start is None or data.period_end is None:
        return "no data yet"
    return f"{format_month(data.period_start)} \u2013 {format_month(data.period_end)}"


def _in_period(data: DashboardData, rows: Iterable[Row]) -> list[Row]:
    if data.period_start is None or data.period_end is None:
        return []
    return [r for r in rows if data.period_start <= r["month"] <= data.period_end]


def _sum(rows: Iterable[Row], column: str) -> Decimal:
    return sum((r[column] or Decimal(0) for r in rows), Decimal(0))


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    sub: str
    kind: str = ""  # "bad" or "ok" colours the value


def _kpis(data: DashboardData) -> list[Tile]:
    totals = data.period_totals
    discounts = _in_period(data, data.discounts_by_month)
    discount = _sum(discounts, "discount_amount")
    gross = _sum(discounts, "gross_amount")
    rate = (discount * 100 / gross).quantize(Decimal("0.01")) if gross else None
    failed = data.open_failed_orders
    quarantined = data.open_quarantined_orders
    return [
        Tile(
            f"Booked revenue ({CURRENCY})",
            format_amount(totals.get("booked_net_amount")),
            f"excl. tax, {format_count(totals.get('booked_order_count'))} orders",
        ),
        Tile(
            f"Pipeline ({CURRENCY})",
            format_amount(totals.get("pipeline_net_amount")),
            f"excl. tax, {format_count(totals.get('pipeline_order_count'))} orders",
        ),
        Tile(
            f"Discount given ({CURRENCY})",
            format_amount(discount if discounts else None),
            f"effective rate {format_pct(rate)}",
        ),
        Tile(
            "Last run finished",
            format_age(data.last_finished_at, data.generated_at),
            format_timestamp(data.last_finished_at),
        ),
        Tile(
            "Open failed orders",
            format_count(failed),
            "read again by the next run",
            "bad" if failed else "ok",
        ),
        Tile(
            "Open quarantine",
            f"{format_count(quarantined)} order{'' if quarantined == 1 else 's'}",
            f"{format_count(data.open_quarantine_records)} records unresolved",
            "bad" if quarantined else "ok",
        ),
    ]


WATERMARKS = (
    Column("Name", lambda w: w["name"], numeric=False),
    Column("Value", lambda w: format_timestamp(w["value"]), numeric=False),
    Column("Set by run", lambda w: w["run_id"], numeric=False),
    Column("Updated", lambda w: format_timestamp(w["updated_at"]), numeric=False),
)


def _finished(run: Row) -> str:
    return format_timestamp(run["finished_at"]) if run["finished_at"] else "not finished"


def _counted(header: str, column: str) -> Column:
    return Column(header, lambda run: format_count(run[column]))


RUNS = (
    Column("Run", lambda run: run["run_id"], numeric=False),
    Column("Mode", lambda run: run["mode"], numeric=False),
    Column("Finished", _finished, numeric=False),
    Column("Duration", lambda run: format_duration(run["duration_seconds"])),
    _counted("Requested", "orders_requested"),
    _counted("OK", "orders_ok"),
    _counted("Deleted", "orders_deleted"),
    _counted("Not found", "orders_not_found"),
    _counted("Failed", "orders_failed"),
    _counted("Quarantined", "orders_quarantined"),
    _counted("Lines", "lines_loaded"),
)
# Any of these above zero needs someone's attention: the cell shows in red.
ALARMING = {"Failed", "Quarantined"}


def _runs(data: DashboardData) -> Table:
    plain = table(RUNS, data.runs)
    rows = [
        [
            Cell(cell.text, (*cell.classes, "bad"))
            if column.header in ALARMING and cell.text not in ("0", "\u2013")
            else cell
            for column, cell in zip(RUNS, row, strict=True)
        ]
        for row in plain.rows
    ]
    return Table(RUNS, rows)


def _watermark_warning(warning: Row | None) -> dict[str, Any] | None:
    """The last run's note on the watermark, or that it is past its listing's clock."""
    if not warning:
        return None
    text = warning["watermark_note"] or (
        f"watermark {format_timestamp(warning['watermark_ahead'])} is ahead of the clock "
        f"{format_timestamp(warning['listed_at'])} of the last run's listing: incremental runs "
        "list from it and miss anything changed before it; a reconcile or full_refresh run "
        "resets it"
    )
    return {"text": text, "run_id": warning["run_id"]}


def _operations(data: DashboardData) -> dict[str, Any]:
    return {
        "note": (
            f"Data freshness and the last {len(data.runs)} runs (ops.runs); failed and "
            "quarantined orders are read again by the next run. Not found: order IDs the API "
            "answered 404 that the warehouse never held (deleted: ones it held, now "
            "tombstoned). Times in UTC."
        ),
        "watermarks": table(WATERMARKS, data.watermarks) if data.watermarks else None,
        "warning": _watermark_warning(data.watermark_warning),
        "runs": _runs(data) if data.runs else None,
    }


def render_html(data: DashboardData) -> str:
    """The whole page as a string."""
    period = _period_text(data)
    return render(
        "dashboard.html.j2",
        csp=content_security_policy(),
        css=trusted(asset("dashboard.css")),
        errors_js=trusted(asset("errors.js")),
        selfcheck_js=trusted(asset("selfcheck.js")),
        currency=CURRENCY,
        freshness=format_timestamp(data.last_finished_at),
        generated=format_timestamp(data.generated_at),
        database=data.database.name,
        missing=data.missing,
        kpis=_kpis(data),
        sections=[[section_view(s, data, period) for s in row] for row in SECTIONS],
        operations=_operations(data),
        period=period,
        period_months=PERIOD_MONTHS,
    )


def render_dashboard(
    database: Path, output: Path, *, now: dt.datetime | None = None, mode: int = 0o640
) -> Path:
    """Render the dashboard of ``database`` (opened read-only) to ``output`` with permissions
    ``mode``; returns it."""
    database, output = Path(database), Path(output)
    data = load_dashboard_data(database, now=now)
    write_atomically(output, render_html(data), mode=mode)
    return output
