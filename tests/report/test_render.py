"""The dashboard page from a small hand-made warehouse: exact money, escaping, offline,
every chart drawn, atomic writes, read-only access and the CLI."""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import os
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from twentyfourseven.commands.report import register
from twentyfourseven.report import render, render_dashboard, sections
from twentyfourseven.report.formatting import (
    format_amount,
    format_axis,
    format_money,
    format_pct,
)

from .pagecheck import CHARTS, parse_page
from .synthetic import BIG_SUM_TEXT, EVIL, EVIL_CUSTOMER, NOW, build_synthetic


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic(tmp_path_factory.mktemp("synthetic") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def page_html(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    output = tmp_path_factory.mktemp("page") / "dashboard.html"
    assert render_dashboard(synthetic, output, now=NOW) == output
    return output.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567.8"), "1,234,567.80"),
        (Decimal("-1234.5"), "\u22121,234.50"),
        (Decimal("0.005"), "0.01"),  # half away from zero
        (Decimal("-0.005"), "\u22120.01"),
        (Decimal("9999999999999999.99"), "9,999,999,999,999,999.99"),
        # the largest DECIMAL(38,2) the warehouse holds: beyond Decimal's default 28 digits
        (Decimal("-" + "9" * 36 + ".99"), "\u2212" + format(10**36 - 1, ",") + ".99"),
        (Decimal("0"), "0.00"),
        (12, "12.00"),
        (None, "\u2013"),
    ],
)
def test_amounts_are_formatted_exactly(value, text):
    assert format_amount(value) == text


def test_money_says_nok_and_refuses_floats():
    assert format_money(Decimal("1000")) == "NOK 1,000.00"
    assert format_pct(Decimal("12.5")) == "12.50 %"
    with pytest.raises(TypeError, match="float"):
        format_money(0.1)  # type: ignore[arg-type]


def test_axis_ticks_are_compact():
    assert [format_axis(v) for v in (0, 250, 2000, 1_500_000, 2e9, -3000)] == [
        "0",
        "250",
        "2k",
        "1.5M",
        "2bn",
        "\u22123k",
    ]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", " ".join(parse_page(html).text))


def test_displayed_totals_are_the_exact_decimal_sums(page_html):
    text = _text(page_html)
    # booked revenue of the period: 4,999,999,999,999,999.99 + 5,000,000,000,000,000.00
    assert BIG_SUM_TEXT in text
    assert "10,000,000,000,000,000" not in text  # what a float sum would show
    assert "NOK 3,000.15" in text  # the evil customer: 1000.05 + 2000.10 over two months
    assert "Discount given (NOK) 350.01" in text  # discount of the period
    assert "8.75 %" in text  # 350.01 * 100 / 4000.00, recomputed from the sums
    assert "\u221250.00" in text  # a credit-only customer keeps its sign


def test_the_category_and_margin_sections_show_exact_sums(page_html):
    text = _text(page_html)
    # the evil top-level category over the period: 600.05 + 400.05; a level-2 row left out
    assert "1,000.10" in text
    assert "Not a top level" not in text
    assert "(no category)" in text
    # February's margin: 199.99 + 50.00 of a net 400.00, and one line without a cost price
    assert "249.99" in text
    assert "62.50 %" in text  # 249.99 x 100 / 400.00, recomputed from the sums


def test_strings_from_the_data_are_escaped(page_html):
    page = parse_page(page_html)
    assert "<script>window.pwned" not in page_html
    assert "<img src=x" not in page_html
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page_html
    assert not [t for t, a in page.tags if t == "img"]
    assert len(page.scripts) == 2  # only the page's own
    assert all("pwned" not in s for s in page.scripts)
    assert any(EVIL_CUSTOMER[:40] in t for t in page.text)  # shown as text, intact
    # the full names sit in <title> tooltips and table cells, quotes escaped too
    assert html.escape(EVIL, quote=True) in page_html
    assert 'onerror="' not in page_html


def test_the_page_is_self_contained_and_its_csp_allows_only_its_own_code(page_html):
    page = parse_page(page_html)
    # no resource reference at all: nothing to fetch, online or off
    references = {"src", "href", "srcset", "action", "data", "poster", "xlink:href"}
    assert [(t, a) for t, a in page.tags if references & set(a)] == []
    assert "@import" not in page.styles[0]
    assert "url(" not in page.styles[0]
    links = [a for t, a in page.tags if t in ("link", "iframe", "object", "embed", "img")]
    assert links == []
    csp = next(
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp
    for source in page.scripts + page.styles:
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp


def test_every_chart_is_in_the_page_with_data_marks(page_html):
    page = parse_page(page_html)
    assert set(page.charts) == set(CHARTS)
    assert page.marks == {
        "revenue-by-month": 4,  # 2 months x (booked bar + pipeline point)
        "top-customers": 3,
        "top-products": 2,
        "categories": 4,  # 2 top-level categories x (net + discount)
        "gross-margin-by-month": 4,  # 2 months x (margin bar + rate point)
        "discounts-by-month": 4,
        "discount-bands": 4,  # 2 bands x 2 shares
        "tax-codes": 4,  # 2 codes x (net + tax)
    }
    assert page.root["data-dashboard"] == "loading"  # the script marks it ready in a browser


def test_operations_show_freshness_runs_and_open_problems(page_html):
    text = _text(page_html)
    assert "1 h 30 min ago" in text  # last finished run, against the render time
    assert "2025-02-20 10:30:00 UTC" in text
    assert "2025-02-20 10:25:00 UTC" in text  # the watermark
    # 2 open failed orders; quarantine: 1 order (2 records) unresolved, 1 resolved
    assert re.search(r"Open failed orders</div><div class=\"value\">2<", page_html)
    assert re.search(r"Open quarantine</div><div class=\"value\">1 order<", page_html)
    assert "2 records unresolved" in text
    runs = re.search(r'<table id="runs">(.*?)</table>', page_html, re.S)
    assert runs
    assert runs.group(1).index("incremental") < runs.group(1).index("full_refresh")  # newest first
    cells = [
        re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", runs[1])
    ]
    heads = re.findall(r"<th[^>]*>(.*?)</th>", runs[1])
    shown = [dict(zip(heads, row, strict=True)) for row in cells if row]
    counts = ("Requested", "OK", "Deleted", "Not found", "Failed", "Quarantined")
    assert [[run[k] for k in counts] for run in shown] == [
        ["5", "1", "0", "1", "2", "1"],
        ["10", "10", "0", "\u2013", "0", "0"],  # a run from before the not-found count
    ]
    assert '<td class="num">1</td><td class="num bad">2</td><td class="num bad">1</td>' in runs[1]


def test_the_chart_sections_are_the_described_ones(synthetic, tmp_path, monkeypatch):
    """One renderer draws every chart section: a description is all a section needs."""
    bands = sections.Section(
        key="discount_bands",
        card_id="bands-only",
        title="Bands",
        note="Lines in {count} bands, amounts in {currency}.",
        chart=sections.Columns(
            "Lines by band",
            lambda row: row["discount_band"],
            (sections.Measure("Lines", "line_count", "#000000", text=str),),
        ),
        columns=(
            sections.Column("Band", lambda row: row["discount_band"], numeric=False),
            sections.amount("Discount", "discount_amount"),
        ),
        folded="Band figures",
    )
    monkeypatch.setattr(render, "SECTIONS", ((bands,),))
    html_text = render_dashboard(synthetic, tmp_path / "one.html", now=NOW).read_text()
    page = parse_page(html_text)
    assert page.marks == {"discount-bands": 2}  # one column a band, nothing else drawn
    cards = re.findall(r'<section class="card" id="([^"]+)"><h2>([^<]*)</h2>', html_text)
    assert cards == [("bands-only", "Bands"), ("operations", "Pipeline operations")]
    assert "Lines in 2 bands, amounts in NOK." in _text(html_text)
    figures = re.search(r"<details><summary>Band figures</summary>(.*?)</details>", html_text, re.S)
    assert figures
    assert '<th>Band</th><th class="num">Discount (NOK)</th>' in figures.group(1)
    assert f"<td>band {html.escape(EVIL, quote=True)}</td>" in figures.group(1)
    assert '<td class="num">350.01</td>' in figures.group(1)


def test_a_warehouse_without_models_renders_with_a_note(tmp_path):
    database = build_synthetic(tmp_path / "bare.duckdb", reports=False)
    html = render_dashboard(database, tmp_path / "out.html", now=NOW).read_text()
    page = parse_page(html)
    assert page.charts == {}
    missing = re.search(r'id="missing">(.*?)</div>', html, re.S)
    assert missing
    for view in ("rpt_revenue_by_month", "rpt_discounts_by_month", "rpt_discount_bands"):
        assert f"reports.{view}" in missing.group(1)
    assert "No revenue yet." in html


def test_the_database_is_only_read(synthetic, tmp_path):
    before = hashlib.sha256(synthetic.read_bytes()).hexdigest()
    render_dashboard(synthetic, tmp_path / "a.html", now=NOW)
    assert hashlib.sha256(synthetic.read_bytes()).hexdigest() == before
    # while another process could hold a read-only connection too (no write lock taken)
    with duckdb.connect(str(synthetic), read_only=True):
        render_dashboard(synthetic, tmp_path / "b.html", now=NOW)


def test_a_missing_database_is_an_error_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no DuckDB file"):
        render_dashboard(tmp_path / "absent.duckdb", tmp_path / "out.html")
    assert list(tmp_path.iterdir()) == []


def test_the_output_is_replaced_atomically(synthetic, tmp_path, monkeypatch):
    output = tmp_path / "site" / "dashboard.html"
    render_dashboard(synthetic, output, now=NOW)
    first = output.read_bytes()
    assert oct(output.stat().st_mode & 0o777) == "0o640"  # owner and group only, by default

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        render_dashboard(synthetic, output, now=NOW)
    assert output.read_bytes() == first  # the old page stays whole
    assert [p.name for p in output.parent.iterdir()] == ["dashboard.html"]  # no temp left


def _cli(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="twentyfourseven")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_defaults_to_the_snapshot_when_there_is_one(synthetic, tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TWENTYFOURSEVEN_DATA_DIR", str(data))
    for name in ("WAREHOUSE", "SNAPSHOT", "DASHBOARD"):
        monkeypatch.delenv(f"TWENTYFOURSEVEN_{name}", raising=False)
    (data / "warehouse.duckdb").write_bytes(synthetic.read_bytes())

    args = _cli(["dashboard"])
    assert args.func(args) == 0
    assert f"dashboard of {data / 'warehouse.duckdb'} written to {data / 'dashboard.html'}" in (
        capsys.readouterr().out
    )
    assert "syn" not in (data / "dashboard.html").read_text()  # the file's name is shown
    assert "from warehouse.duckdb" in (data / "dashboard.html").read_text()

    (data / "snapshot.duckdb").write_bytes(synthetic.read_bytes())
    assert args.func(args) == 0
    assert "from snapshot.duckdb" in (data / "dashboard.html").read_text()


def test_cli_takes_explicit_paths_and_fails_cleanly(synthetic, tmp_path, capsys):
    args = _cli(["dashboard", "--database", str(synthetic), "--output", str(tmp_path / "x.html")])
    assert args.func(args) == 0
    assert (tmp_path / "x.html").read_text().startswith("<!DOCTYPE html>")
    args = _cli(["dashboard", "--database", str(tmp_path / "nope.duckdb")])
    assert args.func(args) == 1
    assert "no DuckDB file" in capsys.readouterr().err


def test_a_watermark_ahead_of_the_clock_is_shown_plainly(tmp_path, page_html):
    assert 'id="watermark-warning"' not in page_html  # all well: nothing shown
    database = build_synthetic(tmp_path / "ahead.duckdb")
    con = duckdb.connect(str(database))
    note = (
        "watermark held: listed modifiedAt 2025-02-20 15:30:00 UTC is ahead of the clock "
        f"2025-02-20 10:29:00 UTC (1 listed orders beyond the tolerance) {EVIL}"
    )
    con.execute(
        "update ops.runs set listed_at = finished_at - interval 1 minute, watermark_note = ?"
        " where mode = 'incremental'",
        [note],
    )
    con.close()
    html_text = render_dashboard(database, tmp_path / "ahead.html", now=NOW).read_text()
    warning = re.search(r'<div class="warning" id="watermark-warning">(.*?)</div>', html_text, re.S)
    assert warning, "no watermark warning on the page"
    assert html.escape(note) in warning.group(1)

    # Without a note, a watermark past the last listing's clock is still called out.
    con = duckdb.connect(str(database))
    con.execute("update ops.runs set watermark_note = null")
    con.execute("update ops.watermark set value = timestamptz '2025-02-20 16:00:00+00'")
    con.close()
    html_text = render_dashboard(database, tmp_path / "ahead2.html", now=NOW).read_text()
    warning = re.search(r'<div class="warning" id="watermark-warning">(.*?)</div>', html_text, re.S)
    assert warning
    assert (
        "watermark 2025-02-20 16:00:00 UTC is ahead of the clock 2025-02-20 10:29:00 UTC"
        in _text(warning.group(1))
    )
