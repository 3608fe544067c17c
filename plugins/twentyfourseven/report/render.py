"""The dashboard page: one self-contained HTML file (inline CSS, SVG and a tiny script).

The page loads nothing from anywhere: a Content-Security-Policy meta tag allows
only its own inline style and script (by hash), so it opens offline and an
injected tag could not run even if escaping failed. Every string from the data
is escaped (:func:`twentyfourseven.report.svg.esc`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from twentyfourseven.atomic import write_atomically

from .data import PERIOD_MONTHS, DashboardData, Row, load_dashboard_data
from .formatting import (
    CURRENCY,
    format_age,
    format_amount,
    format_count,
    format_duration,
    format_money,
    format_month,
    format_pct,
    format_timestamp,
)
from .svg import Bar, Series, bar_chart, column_chart, esc

BOOKED = "#2563eb"
PIPELINE = "#f59e0b"
DISCOUNT = "#dc2626"
RATE = "#7c3aed"
TAX = "#0d9488"
PRODUCT = "#0891b2"

CSS = """
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb;
  --card: #ffffff; --page: #f3f4f6; --bad: #b91c1c; --ok: #047857; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
header { background: #111827; color: #f9fafb; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 650; }
header p { margin: 0; color: #d1d5db; }
main { max-width: 1340px; margin: 0 auto; padding: 20px 24px 40px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px;
  margin-bottom: 14px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .04em; }
.kpi .value { font-size: 20px; font-weight: 650; margin-top: 2px;
  font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.kpi .sub { color: var(--muted); font-size: 12px; }
h3 { font-size: 13px; margin: 14px 0 0; color: #374151; }
.kpi.bad .value { color: var(--bad); }
.kpi.ok .value { color: var(--ok); }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 1000px) { .grid { grid-template-columns: 1fr; } }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 14px 18px; margin-bottom: 14px; min-width: 0; }
.grid section.card { margin-bottom: 0; }
.grid { margin-bottom: 14px; }
h2 { font-size: 16px; margin: 0 0 2px; }
.note { color: var(--muted); font-size: 12.5px; margin: 0 0 10px; }
svg.chart { display: block; max-width: 100%; height: auto; overflow: visible; }
svg text { font-family: inherit; fill: #374151; font-size: 12px; }
svg .tick { fill: var(--muted); font-size: 11.5px; }
svg .axis-title { fill: var(--muted); font-size: 11.5px; font-weight: 600; }
svg .legend { font-size: 12.5px; }
svg .value { font-size: 12px; font-variant-numeric: tabular-nums; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .grid.zero, svg .axis { stroke: #9ca3af; stroke-width: 1; }
svg .mark:hover { opacity: .75; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin-top: 8px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left;
  white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.bad { color: var(--bad); font-weight: 600; }
.scroll { overflow-x: auto; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--muted); font-size: 13px; }
.empty { color: var(--muted); padding: 24px 0; text-align: center; }
.warning { background: #fef3c7; border: 1px solid #f59e0b; border-radius: 8px;
  padding: 10px 14px; margin-bottom: 16px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px; }
#selfcheck { display: none; }
"""

# Runs first: records any script error so the page (and tests) can tell.
HEAD_SCRIPT = """
window.dashboardErrors = [];
window.addEventListener("error", function (event) {
  window.dashboardErrors.push(String(event.message || event.type));
});
window.addEventListener("unhandledrejection", function (event) {
  window.dashboardErrors.push("unhandled rejection: " + String(event.reason));
});
"""

# Runs last: counts each chart's data marks and checks the browser laid it out.
CHECK_SCRIPT = """
(function () {
  var root = document.documentElement;
  var charts = document.querySelectorAll("svg.chart");
  var drawn = 0;
  for (var i = 0; i < charts.length; i++) {
    var chart = charts[i];
    var marks = chart.querySelectorAll(".mark").length;
    var box = chart.getBoundingClientRect();
    var ok = marks > 0 && box.width > 0 && box.height > 0;
    chart.setAttribute("data-marks", String(marks));
    chart.setAttribute("data-drawn", ok ? "yes" : "no");
    if (ok) { drawn += 1; }
  }
  root.setAttribute("data-charts", String(charts.length));
  root.setAttribute("data-charts-drawn", String(drawn));
  root.setAttribute("data-errors", String(window.dashboardErrors.length));
  document.getElementById("selfcheck").textContent = window.dashboardErrors.join("\\n");
  root.setAttribute("data-dashboard", "ready");
})();
"""


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy() -> str:
    return (
        "default-src 'none'; "
        f"script-src {_hash(HEAD_SCRIPT)} {_hash(CHECK_SCRIPT)}; "
        f"style-src {_hash(CSS)}; img-src data:; base-uri 'none'; form-action 'none'"
    )


# ---------------------------------------------------------------- helpers

_NUM = ' class="num"'


def _cells(values: Iterable[str], numeric: Sequence[bool], tag: str = "td") -> str:
    return "".join(
        f"<{tag}{_NUM if num else ''}>{esc(value)}</{tag}>"
        for value, num in zip(values, numeric, strict=True)
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool]) -> str:
    head = _cells(headers, numeric, "th")
    body = "".join(f"<tr>{_cells(row, numeric)}</tr>" for row in rows)
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _empty(what: str) -> str:
    return f'<p class="empty">{esc(what)}</p>'


def _card(title: str, note: str, body: str, section_id: str) -> str:
    return (
        f'<section class="card" id="{esc(section_id)}"><h2>{esc(title)}</h2>'
        f'<p class="note">{esc(note)}</p>{body}</section>'
    )


def format_rate(rate: Decimal | None) -> str:
    """A tax rate without trailing zeros: ``Decimal('25.000000')`` → ``'25 %'``."""
    if rate is None:
        return "no rate"
    text = format(rate.normalize(), "f") if rate else "0"
    return f"{text} %"


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


# ---------------------------------------------------------------- sections


def _kpis(data: DashboardData) -> str:
    totals = data.period_totals
    discounts = _in_period(data, data.discounts_by_month)
    discount = _sum(discounts, "discount_amount")
    gross = _sum(discounts, "gross_amount")
    rate = (discount * 100 / gross).quantize(Decimal("0.01")) if gross else None
    failed = data.open_failed_orders
    quarantined = data.open_quarantined_orders
    tiles = [
        (
            f"Booked revenue ({CURRENCY})",
            format_amount(totals.get("booked_net_amount")),
            f"excl. tax, {format_count(totals.get('booked_order_count'))} orders",
            "",
        ),
        (
            f"Pipeline ({CURRENCY})",
            format_amount(totals.get("pipeline_net_amount")),
            f"excl. tax, {format_count(totals.get('pipeline_order_count'))} orders",
            "",
        ),
        (
            f"Discount given ({CURRENCY})",
            format_amount(discount if discounts else None),
            f"effective rate {format_pct(rate)}",
            "",
        ),
        (
            "Last run finished",
            format_age(data.last_finished_at, data.generated_at),
            format_timestamp(data.last_finished_at),
            "",
        ),
        (
            "Open failed orders",
            format_count(failed),
            "read again by the next run",
            "bad" if failed else "ok",
        ),
        (
            "Open quarantine",
            f"{format_count(quarantined)} order{'' if quarantined == 1 else 's'}",
            f"{format_count(data.open_quarantine_records)} records unresolved",
            "bad" if quarantined else "ok",
        ),
    ]
    html = []
    for label, value, sub, kind in tiles:
        html.append(
            f'<div class="kpi {kind}"><div class="label">{esc(label)}</div>'
            f'<div class="value">{esc(value)}</div><div class="sub">{esc(sub)}</div></div>'
        )
    return f'<div class="kpis" id="kpis">{"".join(html)}</div>'


def _revenue_by_month(data: DashboardData) -> str:
    rows = data.revenue_by_month
    note = (
        f"Booked (invoiced + confirmed) against pipeline (draft, web, proposal) by order "
        f"month, excluding tax, {CURRENCY}; last {len(rows)} months."
    )
    if not rows:
        return _card("Revenue by month", note, _empty("No revenue yet."), "revenue-by-month")
    months = [format_month(r["month"]) for r in rows]
    booked = [r["booked_net_amount"] for r in rows]
    pipeline = [r["pipeline_net_amount"] for r in rows]
    chart = column_chart(
        "revenue-by-month",
        "Booked revenue and pipeline by month",
        months,
        [
            Series("Booked", booked, [format_money(v) for v in booked], BOOKED),
            Series(
                "Pipeline", pipeline, [format_money(v) for v in pipeline], PIPELINE, kind="line"
            ),
        ],
        left_title=CURRENCY,
    )
    details = table(
        [
            "Month",
            "Booked orders",
            f"Booked ({CURRENCY})",
            "Pipeline orders",
            f"Pipeline ({CURRENCY})",
        ],
        (
            [
                format_month(r["month"]),
                format_count(r["booked_order_count"]),
                format_amount(r["booked_net_amount"]),
                format_count(r["pipeline_order_count"]),
                format_amount(r["pipeline_net_amount"]),
            ]
            for r in rows
        ),
        [False, True, True, True, True],
    )
    body = f"{chart}<details><summary>Monthly figures</summary>{details}</details>"
    return _card("Revenue by month", note, body, "revenue-by-month")


def _top_customers(data: DashboardData) -> str:
    note = f"Booked revenue excluding tax, {CURRENCY}, {_period_text(data)}."
    if not data.top_customers:
        return _card("Top customers", note, _empty("No booked revenue."), "top-customers")
    bars = [
        Bar(
            r["customer_name"] or f"Customer {r['customer_id']}",
            r["booked_net_amount"],
            format_money(r["booked_net_amount"]),
            f"customer {r['customer_id']}, {r['country_code'] or 'no country'}, "
            f"{format_count(r['booked_line_count'])} lines",
        )
        for r in data.top_customers
    ]
    chart = bar_chart(
        "top-customers",
        "Top customers by booked revenue",
        bars,
        color=BOOKED,
        axis_title=CURRENCY,
    )
    return _card(f"Top {len(bars)} customers", note, chart, "top-customers")


def _product_label(row: Row) -> str:
    name = row["product_name"] or "(unnamed product)"
    return f"{row['product_number']} \u00b7 {name}" if row["product_number"] else name


def _top_products(data: DashboardData) -> str:
    note = f"Booked revenue excluding tax, {CURRENCY}, {_period_text(data)}."
    if not data.top_products:
        return _card("Top products", note, _empty("No booked revenue."), "top-products")
    bars = [
        Bar(
            _product_label(r),
            r["booked_net_amount"],
            format_money(r["booked_net_amount"]),
            f"quantity {format_amount(r['booked_quantity'], 2)}, "
            f"{format_count(r['booked_line_count'])} lines",
        )
        for r in data.top_products
    ]
    chart = bar_chart(
        "top-products",
        "Top products by booked revenue",
        bars,
        color=PRODUCT,
        axis_title=CURRENCY,
    )
    return _card(f"Top {len(bars)} products", note, chart, "top-products")


def _discounts_by_month(data: DashboardData) -> str:
    rows = data.discounts_by_month
    note = (
        f"Discount given on booked lines (gross \u2212 net), {CURRENCY}, and the effective "
        f"discount rate (discount in percent of gross); last {len(rows)} months."
    )
    if not rows:
        return _card("Discounts by month", note, _empty("No booked lines."), "discounts")
    months = [format_month(r["month"]) for r in rows]
    amounts = [r["discount_amount"] for r in rows]
    rates = [r["effective_discount_rate_pct"] for r in rows]
    chart = column_chart(
        "discounts-by-month",
        "Discount amount and effective discount rate by month",
        months,
        [
            Series("Discount amount", amounts, [format_money(v) for v in amounts], DISCOUNT),
            Series(
                "Effective discount rate",
                rates,
                [format_pct(v) for v in rates],
                RATE,
                kind="line",
                axis="right",
            ),
        ],
        left_title=CURRENCY,
        right_title="%",
        right_format=lambda v: f"{v:g} %",
    )
    details = table(
        [
            "Month",
            "Lines",
            "Discounted lines",
            f"Gross ({CURRENCY})",
            f"Discount ({CURRENCY})",
            "Effective rate",
        ],
        (
            [
                format_month(r["month"]),
                format_count(r["line_count"]),
                format_count(r["discounted_line_count"]),
                format_amount(r["gross_amount"]),
                format_amount(r["discount_amount"]),
                format_pct(r["effective_discount_rate_pct"]),
            ]
            for r in rows
        ),
        [False, True, True, True, True, True],
    )
    body = f"{chart}<details><summary>Monthly figures</summary>{details}</details>"
    return _card("Discounts by month", note, body, "discounts")


def _discount_bands(data: DashboardData) -> str:
    rows = data.discount_bands
    note = "How booked lines spread over the discount bands, all time; shares in percent."
    if not rows:
        return _card("Discount bands", note, _empty("No booked lines."), "discount-bands")
    bands = [r["discount_band"] for r in rows]
    lines = [r["share_of_lines_pct"] for r in rows]
    cost = [r["share_of_discount_pct"] for r in rows]
    chart = column_chart(
        "discount-bands",
        "Share of booked lines and of discount by discount band",
        bands,
        [
            Series("Share of lines", lines, [format_pct(v) for v in lines], BOOKED),
            Series("Share of discount", cost, [format_pct(v) for v in cost], DISCOUNT),
        ],
        left_title="%",
        left_format=lambda v: f"{v:g} %",
        width=600,
        height=250,
    )
    details = table(
        ["Band", "Lines", f"Discount ({CURRENCY})", f"Net ({CURRENCY})"],
        (
            [
                r["discount_band"],
                format_count(r["line_count"]),
                format_amount(r["discount_amount"]),
                format_amount(r["net_amount"]),
            ]
            for r in rows
        ),
        [False, True, True, True],
    )
    return _card("Discount bands", note, chart + details, "discount-bands")


def _tax_codes(data: DashboardData) -> str:
    rows = data.tax_codes
    note = f"Booked revenue and tax by tax code, {CURRENCY}, {_period_text(data)}."
    if not rows:
        return _card("Revenue by tax code", note, _empty("No booked lines."), "tax-codes")
    labels = [
        f"{r['tax_number'] if r['tax_number'] is not None else '?'} ({format_rate(r['tax_rate'])})"
        for r in rows
    ]
    net = [r["booked_net_amount"] for r in rows]
    tax = [r["booked_tax_amount"] for r in rows]
    chart = column_chart(
        "tax-codes",
        "Booked revenue and tax by tax code",
        labels,
        [
            Series("Net revenue", net, [format_money(v) for v in net], BOOKED),
            Series("Tax", tax, [format_money(v) for v in tax], TAX),
        ],
        left_title=CURRENCY,
        width=600,
        height=250,
    )
    details = table(
        ["Tax code", "Rate", f"Net ({CURRENCY})", f"Tax ({CURRENCY})", f"Total ({CURRENCY})"],
        (
            [
                str(r["tax_number"] if r["tax_number"] is not None else "?"),
                format_rate(r["tax_rate"]),
                format_amount(r["booked_net_amount"]),
                format_amount(r["booked_tax_amount"]),
                format_amount(r["booked_total_amount"]),
            ]
            for r in rows
        ),
        [False, True, True, True, True],
    )
    return _card("Revenue by tax code", note, chart + details, "tax-codes")


def _watermark_warning(warning: Row) -> str:
    """The last run's note on the watermark, or that it is past its listing's clock."""
    text = warning["watermark_note"] or (
        f"watermark {format_timestamp(warning['watermark_ahead'])} is ahead of the clock "
        f"{format_timestamp(warning['listed_at'])} of the last run's listing: incremental runs "
        "list from it and miss anything changed before it; a reconcile or full_refresh run "
        "resets it"
    )
    return (
        '<div class="warning" id="watermark-warning"><strong>Watermark:</strong> '
        f"{esc(text)} (run {esc(warning['run_id'])})</div>"
    )


def _operations(data: DashboardData) -> str:
    watermarks = (
        table(
            ["Name", "Value", "Set by run", "Updated"],
            (
                [
                    w["name"],
                    format_timestamp(w["value"]),
                    w["run_id"],
                    format_timestamp(w["updated_at"]),
                ]
                for w in data.watermarks
            ),
            [False, False, False, False],
        )
        if data.watermarks
        else _empty("No watermark yet: the next run is a full refresh.")
    )
    if data.runs:
        head = [
            "Run",
            "Mode",
            "Finished",
            "Duration",
            "Requested",
            "OK",
            "Deleted",
            "Not found",
            "Failed",
            "Quarantined",
            "Lines",
        ]
        numeric = [False, False, False, True, True, True, True, True, True, True, True]
        body = []
        for r in data.runs:
            cells = [
                r["run_id"],
                r["mode"],
                format_timestamp(r["finished_at"]) if r["finished_at"] else "not finished",
                format_duration(r["duration_seconds"]),
                format_count(r["orders_requested"]),
                format_count(r["orders_ok"]),
                format_count(r["orders_deleted"]),
                format_count(r["orders_not_found"]),
                format_count(r["orders_failed"]),
                format_count(r["orders_quarantined"]),
                format_count(r["lines_loaded"]),
            ]
            tds = []
            for i, (value, num) in enumerate(zip(cells, numeric, strict=True)):
                bad = head[i] in ("Failed", "Quarantined") and value not in ("0", "\u2013")
                cls = " ".join(c for c in ("num" if num else "", "bad" if bad else "") if c)
                attr = f' class="{cls}"' if cls else ""
                tds.append(f"<td{attr}>{esc(value)}</td>")
            body.append(f"<tr>{''.join(tds)}</tr>")
        heads = _cells(head, numeric, "th")
        runs = (
            f'<div class="scroll"><table id="runs"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    else:
        runs = _empty("No runs recorded yet.")
    note = (
        f"Data freshness and the last {len(data.runs)} runs (ops.runs); failed and quarantined "
        "orders are read again by the next run. Not found: order IDs the API answered 404 "
        "that the warehouse never held (deleted: ones it held, now tombstoned). Times in UTC."
    )
    if data.watermark_warning:
        watermarks += _watermark_warning(data.watermark_warning)
    body = f"<h3>Watermark</h3>{watermarks}<h3>Last runs</h3>{runs}"
    return _card("Pipeline operations", note, body, "operations")


def render_html(data: DashboardData) -> str:
    """The whole page as a string."""
    freshness = format_timestamp(data.last_finished_at)
    warning = ""
    if data.missing:
        warning = (
            '<div class="warning" id="missing"><strong>Not available:</strong> '
            f"{esc(', '.join(data.missing))}. Build the models with "
            "<code>twentyfourseven transform</code>.</div>"
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en" data-dashboard="loading">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(content_security_policy())}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="twentyfourseven dashboard">',
        "<title>Sales orders dashboard \u2013 24SevenOffice</title>",
        f"<script>{HEAD_SCRIPT}</script>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header><h1>Sales orders dashboard</h1>",
        f"<p>24SevenOffice sales orders in DuckDB \u00b7 amounts in {CURRENCY} \u00b7 "
        f"data as of the last run: {esc(freshness)} \u00b7 generated "
        f"{esc(format_timestamp(data.generated_at))} from {esc(data.database.name)}</p>",
        "</header>",
        "<main>",
        warning,
        _kpis(data),
        _revenue_by_month(data),
        f'<div class="grid">{_top_customers(data)}{_top_products(data)}</div>',
        _discounts_by_month(data),
        f'<div class="grid">{_discount_bands(data)}{_tax_codes(data)}</div>',
        _operations(data),
        "</main>",
        f"<footer>Period of the totals and top lists: {esc(_period_text(data))} "
        f"(the last {PERIOD_MONTHS} months with data). Booked = invoiced + confirmed "
        "orders; deleted and inactive orders never count.</footer>",
        '<pre id="selfcheck"></pre>',
        f"<script>{CHECK_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts)


def render_dashboard(
    database: Path, output: Path, *, now: dt.datetime | None = None, mode: int = 0o640
) -> Path:
    """Render the dashboard of ``database`` (opened read-only) to ``output`` with permissions
    ``mode``; returns it."""
    database, output = Path(database), Path(output)
    data = load_dashboard_data(database, now=now)
    write_atomically(output, render_html(data), mode=mode)
    return output
