"""The dashboard's chart sections, described as data.

Each :class:`Section` names the rows it shows (an attribute of
:class:`~.data.DashboardData`), its title and note, the chart drawn from those
rows (:class:`Columns` or :class:`Bars`, drawn by :mod:`.svg`) and the table of
exact figures under it. :data:`SECTIONS` lays them out in page rows (two
sections in a row share it side by side); :func:`section_view` turns one into
the plain values ``templates/dashboard.html.j2`` renders, so a new chart is a new
entry here, not new markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from .data import DashboardData, Row
from .formatting import (
    CURRENCY,
    format_amount,
    format_count,
    format_money,
    format_month,
    format_pct,
)
from .svg import Bar, Series, bar_chart, column_chart

BOOKED = "#2563eb"
PIPELINE = "#f59e0b"
DISCOUNT = "#dc2626"
RATE = "#7c3aed"
TAX = "#0d9488"
PRODUCT = "#0891b2"
MARGIN = "#16a34a"

Text = Callable[[Row], str]


def format_rate(rate: Decimal | None) -> str:
    """A tax rate without trailing zeros: ``Decimal('25.000000')`` → ``'25 %'``."""
    if rate is None:
        return "no rate"
    text = format(rate.normalize(), "f") if rate else "0"
    return f"{text} %"


def _pct_tick(value: float) -> str:
    return f"{value:g} %"


# --- what a section is made of ---------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column: its header and the text of its cell in a row."""

    header: str
    cell: Text
    numeric: bool = True


def month(column: str = "month") -> Column:
    return Column("Month", lambda row: format_month(row[column]), numeric=False)


def count(header: str, column: str) -> Column:
    return Column(header, lambda row: format_count(row[column]))


def amount(header: str, column: str) -> Column:
    return Column(f"{header} ({CURRENCY})", lambda row: format_amount(row[column]))


def pct(header: str, column: str) -> Column:
    return Column(header, lambda row: format_pct(row[column]))


@dataclass(frozen=True)
class Measure:
    """One series of a :class:`Columns` chart: a column of the rows and how to show it."""

    name: str
    column: str
    color: str
    text: Callable[[Any], str] = format_money
    kind: str = "bar"  # or "line"
    axis: str = "left"  # or "right"


@dataclass(frozen=True)
class Columns:
    """Grouped columns (and lines) over one category a row: :func:`.svg.column_chart`.

    ``options`` are that function's keyword arguments (axis titles and formats, size);
    the left axis is titled with the currency unless they say otherwise.
    """

    label: str
    category: Text
    measures: tuple[Measure, ...]
    options: Mapping[str, Any] = field(default_factory=dict)

    def draw(self, chart_id: str, rows: Sequence[Row]) -> Markup:
        series = []
        for m in self.measures:
            values = [row[m.column] for row in rows]
            texts = [m.text(v) for v in values]
            series.append(Series(m.name, values, texts, m.color, kind=m.kind, axis=m.axis))
        categories = [self.category(row) for row in rows]
        options = {"left_title": CURRENCY, **self.options}
        return column_chart(chart_id, self.label, categories, series, **options)


@dataclass(frozen=True)
class Bars:
    """One horizontal bar a row, its exact value at its end: :func:`.svg.bar_chart`."""

    label: str
    bar_label: Text
    column: str
    detail: Text
    color: str

    def draw(self, chart_id: str, rows: Sequence[Row]) -> Markup:
        bars = [
            Bar(self.bar_label(r), r[self.column], format_money(r[self.column]), self.detail(r))
            for r in rows
        ]
        return bar_chart(chart_id, self.label, bars, color=self.color, axis_title=CURRENCY)


@dataclass(frozen=True)
class Section:
    """One card of the page: a chart of some rows and, optionally, their figures.

    ``key`` is the :class:`~.data.DashboardData` attribute holding the rows; with
    dashes for underscores it is the chart's ``data-chart`` and the card's id (unless
    ``card_id`` says otherwise). ``note`` may use ``{currency}``, ``{period}`` (the
    period of the totals) and ``{count}`` (how many rows); so may ``counted_title``,
    the title once there are rows (``title`` otherwise). ``folded`` puts the table in
    a ``<details>`` with that summary.
    """

    key: str
    title: str
    note: str
    chart: Columns | Bars
    empty: str = "No booked lines."
    card_id: str = ""
    columns: tuple[Column, ...] = ()
    folded: str = ""
    counted_title: str = ""

    @property
    def chart_id(self) -> str:
        return self.key.replace("_", "-")


# --- the sections ------------------------------------------------------------------


def _customer(row: Row) -> str:
    return row["customer_name"] or f"Customer {row['customer_id']}"


def _customer_detail(row: Row) -> str:
    return (
        f"customer {row['customer_id']}, {row['country_code'] or 'no country'}, "
        f"{format_count(row['booked_line_count'])} lines"
    )


def _product(row: Row) -> str:
    name = row["product_name"] or "(unnamed product)"
    return f"{row['product_number']} \u00b7 {name}" if row["product_number"] else name


def _product_detail(row: Row) -> str:
    return (
        f"quantity {format_amount(row['booked_quantity'], 2)}, "
        f"{format_count(row['booked_line_count'])} lines"
    )


def _tax_code(row: Row) -> str:
    return str(row["tax_number"] if row["tax_number"] is not None else "?")


def _by_month(
    key: str,
    title: str,
    note: str,
    *,
    label: str,
    measures: tuple[Measure, ...],
    columns: tuple[Column, ...],
    options: Mapping[str, Any] | None = None,
    **texts: str,
) -> Section:
    """A trend over the last months: a chart with a column a month, the figures folded below
    (the month first). ``texts`` are the section's ``empty`` or ``card_id``."""
    return Section(
        key,
        title,
        f"{note}; last {{count}} months.",
        Columns(label, lambda row: format_month(row["month"]), measures, options or {}),
        columns=(month(), *columns),
        folded="Monthly figures",
        **texts,
    )


REVENUE_BY_MONTH = _by_month(
    "revenue_by_month",
    "Revenue by month",
    "Booked (invoiced + confirmed) against pipeline (draft, web, proposal) by order month, "
    "excluding tax, {currency}",
    empty="No revenue yet.",
    label="Booked revenue and pipeline by month",
    measures=(
        Measure("Booked", "booked_net_amount", BOOKED),
        Measure("Pipeline", "pipeline_net_amount", PIPELINE, kind="line"),
    ),
    columns=(
        count("Booked orders", "booked_order_count"),
        amount("Booked", "booked_net_amount"),
        count("Pipeline orders", "pipeline_order_count"),
        amount("Pipeline", "pipeline_net_amount"),
    ),
)


def _top(what: str, bar_label: Text, detail: Text, color: str) -> Section:
    """A top list of the period: one bar per customer or product, by booked revenue."""
    return Section(
        key=f"top_{what}",
        title=f"Top {what}",
        counted_title=f"Top {{count}} {what}",
        note="Booked revenue excluding tax, {currency}, {period}.",
        empty="No booked revenue.",
        chart=Bars(f"Top {what} by booked revenue", bar_label, "booked_net_amount", detail, color),
    )


TOP_CUSTOMERS = _top("customers", _customer, _customer_detail, BOOKED)
TOP_PRODUCTS = _top("products", _product, _product_detail, PRODUCT)

DISCOUNTS_BY_MONTH = _by_month(
    "discounts_by_month",
    "Discounts by month",
    "Discount given on booked lines (gross \u2212 net), {currency}, and the effective "
    "discount rate (discount in percent of gross)",
    card_id="discounts",
    label="Discount amount and effective discount rate by month",
    measures=(
        Measure("Discount amount", "discount_amount", DISCOUNT),
        Measure(
            "Effective discount rate",
            "effective_discount_rate_pct",
            RATE,
            text=format_pct,
            kind="line",
            axis="right",
        ),
    ),
    options={"right_title": "%", "right_format": _pct_tick},
    columns=(
        count("Lines", "line_count"),
        count("Discounted lines", "discounted_line_count"),
        amount("Gross", "gross_amount"),
        amount("Discount", "discount_amount"),
        pct("Effective rate", "effective_discount_rate_pct"),
    ),
)

# the size of a chart that shares its row with another
HALF_WIDTH = {"width": 600, "height": 250}

DISCOUNT_BANDS = Section(
    key="discount_bands",
    title="Discount bands",
    note="How booked lines spread over the discount bands, all time; shares in percent.",
    chart=Columns(
        "Share of booked lines and of discount by discount band",
        lambda row: row["discount_band"],
        (
            Measure("Share of lines", "share_of_lines_pct", BOOKED, text=format_pct),
            Measure("Share of discount", "share_of_discount_pct", DISCOUNT, text=format_pct),
        ),
        {"left_title": "%", "left_format": _pct_tick, **HALF_WIDTH},
    ),
    columns=(
        Column("Band", lambda row: row["discount_band"], numeric=False),
        count("Lines", "line_count"),
        amount("Discount", "discount_amount"),
        amount("Net", "net_amount"),
    ),
)

TAX_CODES = Section(
    key="tax_codes",
    title="Revenue by tax code",
    note="Booked revenue and tax by tax code, {currency}, {period}.",
    chart=Columns(
        "Booked revenue and tax by tax code",
        lambda row: f"{_tax_code(row)} ({format_rate(row['tax_rate'])})",
        (
            Measure("Net revenue", "booked_net_amount", BOOKED),
            Measure("Tax", "booked_tax_amount", TAX),
        ),
        HALF_WIDTH,
    ),
    columns=(
        Column("Tax code", _tax_code, numeric=False),
        Column("Name", lambda row: row["tax_name"] or "", numeric=False),
        Column("Rate", lambda row: format_rate(row["tax_rate"])),
        amount("Net", "booked_net_amount"),
        amount("Tax", "booked_tax_amount"),
        amount("Total", "booked_total_amount"),
    ),
)


def _category(row: Row) -> str:
    return row["category_name"] or f"Category {row['category_id']}"


CATEGORIES = Section(
    key="categories",
    title="Revenue by product category",
    note="Booked revenue and discount by top-level product category (the product's category "
    "at the time of the sale), {currency}, {period}.",
    empty="No booked revenue.",
    chart=Columns(
        "Booked revenue and discount by top-level product category",
        _category,
        (
            Measure("Net revenue", "booked_net_amount", BOOKED),
            Measure("Discount", "booked_discount_amount", DISCOUNT),
        ),
    ),
    columns=(
        Column("Category", _category, numeric=False),
        count("Lines", "booked_line_count"),
        amount("Net", "booked_net_amount"),
        amount("Discount", "booked_discount_amount"),
    ),
)

GROSS_MARGIN_BY_MONTH = _by_month(
    "gross_margin_by_month",
    "Gross margin by month",
    "Gross margin of booked lines (net \u2212 quantity \u00d7 cost price: the line's cost "
    "price, else the product's at the time of the sale), {currency}, and the margin in percent "
    "of net; lines without a cost price are left out and counted",
    card_id="margin",
    empty="No booked lines with a cost price.",
    label="Gross margin and margin rate by month",
    measures=(
        Measure("Gross margin", "margin_amount", MARGIN),
        Measure("Margin rate", "margin_pct", RATE, text=format_pct, kind="line", axis="right"),
    ),
    options={"right_title": "%", "right_format": _pct_tick},
    columns=(
        amount("Net", "net_amount"),
        amount("Cost", "cost_amount"),
        amount("Margin", "margin_amount"),
        pct("Margin rate", "margin_pct"),
        count("Lines without cost", "uncosted_line_count"),
    ),
)

# The page's rows of chart sections, top to bottom.
SECTIONS: tuple[tuple[Section, ...], ...] = (
    (REVENUE_BY_MONTH,),
    (TOP_CUSTOMERS, TOP_PRODUCTS),
    (CATEGORIES,),
    (GROSS_MARGIN_BY_MONTH,),
    (DISCOUNTS_BY_MONTH,),
    (DISCOUNT_BANDS, TAX_CODES),
)


# --- from description to what the template shows ----------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    columns: Sequence[Column]
    rows: list[list[Cell]]


def table(columns: Sequence[Column], rows: Sequence[Row]) -> Table:
    """The cells of ``columns`` for each row; numeric cells align right."""
    return Table(
        columns,
        [[Cell(c.cell(row), ("num",) if c.numeric else ()) for c in columns] for row in rows],
    )


@dataclass(frozen=True)
class SectionView:
    """A section filled in from the data: what the template renders."""

    id: str
    title: str
    note: str
    empty: str
    chart: Markup | None  # the svg; None when there are no rows
    table: Table | None
    folded: str


def section_view(section: Section, data: DashboardData, period: str) -> SectionView:
    rows: list[Row] = getattr(data, section.key)
    words = {"currency": CURRENCY, "period": period, "count": len(rows)}
    title = section.counted_title if rows and section.counted_title else section.title
    return SectionView(
        id=section.card_id or section.chart_id,
        title=title.format(**words),
        note=section.note.format(**words),
        empty=section.empty,
        chart=section.chart.draw(section.chart_id, rows) if rows else None,
        table=table(section.columns, rows) if rows and section.columns else None,
        folded=section.folded,
    )
