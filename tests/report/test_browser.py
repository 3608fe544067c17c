"""The dashboard in headless Chromium, rendered from a warehouse the pipeline's own
steps loaded from the sandbox: it loads with no console message and no script
error, every chart is laid out with its data marks, the totals are the
warehouse's to the cent, and a screenshot is saved to test-output/ for review."""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from twentyfourseven.report import render_dashboard
from twentyfourseven.report.formatting import format_amount

from .pagecheck import CHARTS, Page, parse_page
from .synthetic import NOW, build_synthetic

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]
WINDOW = (1400, 2400)


@dataclass
class Loaded:
    dom: str
    page: Page
    console: list[str]  # every console message Chromium logged for the page
    screenshot: Path | None = None


def _chromium(chromium: Path, *args: str) -> subprocess.Popen[str]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    return subprocess.Popen(
        [str(chromium), *FLAGS, f"--user-data-dir={profile}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], what: str) -> tuple[str, str]:
    try:
        stdout, stderr = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        pytest.fail(f"chromium {what} timed out:\n{stderr[-3000:]}")
    if process.returncode != 0:
        pytest.fail(f"chromium {what} failed ({process.returncode}):\n{stderr[-3000:]}")
    return stdout, stderr


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def load(chromium: Path, html: Path, screenshot: Path | None = None) -> Loaded:
    """Dump the DOM after load (and take a screenshot), in two Chromiums side by side."""
    url = html.resolve().as_uri()
    dump = _chromium(chromium, "--dump-dom", url)
    shot = None
    if screenshot is not None:
        screenshot.unlink(missing_ok=True)
        size = f"--window-size={WINDOW[0]},{WINDOW[1]}"
        shot = _chromium(chromium, f"--screenshot={screenshot}", size, url)
    dom, stderr = _finish(dump, "--dump-dom")
    console = _console(stderr)
    if shot is not None:
        console += _console(_finish(shot, "--screenshot")[1])
    return Loaded(dom, parse_page(dom), console, screenshot)


@pytest.fixture(scope="module")
def rendered(report_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_dashboard(report_warehouse, tmp_path_factory.mktemp("browser") / "dashboard.html")


@pytest.fixture(scope="module")
def loaded(chromium: Path, rendered: Path, test_output: Path) -> Loaded:
    (test_output / "dashboard.html").write_bytes(rendered.read_bytes())  # for review too
    return load(chromium, rendered, test_output / "dashboard.png")


def test_the_page_loads_without_console_messages_or_script_errors(loaded):
    assert loaded.console == []  # CSP violations, blocked requests, exceptions all log here
    assert loaded.page.root.get("data-dashboard") == "ready"  # the last script ran
    assert loaded.page.root.get("data-errors") == "0"
    assert loaded.page.selfcheck == ""


def test_every_chart_is_laid_out_with_its_data_marks(loaded, report_warehouse):
    page = loaded.page
    assert set(page.charts) == set(CHARTS)
    assert page.root.get("data-charts") == str(len(CHARTS))
    assert page.root.get("data-charts-drawn") == str(len(CHARTS))
    for chart, attributes in page.charts.items():
        assert attributes.get("data-drawn") == "yes", chart  # marks > 0 and a non-empty box
        assert int(attributes["data-marks"] or 0) == page.marks[chart] > 0, chart
    with duckdb.connect(str(report_warehouse), read_only=True) as con:
        months = con.execute(
            "select count(*) from reports.rpt_revenue_by_month where not is_future"
        ).fetchone()[0]
        bands = con.execute("select count(*) from reports.rpt_discount_bands").fetchone()[0]
    assert page.marks["revenue-by-month"] == 2 * min(months, 24)  # a bar and a point a month
    assert page.marks["discount-bands"] == 2 * bands == 12  # all six bands, two shares each
    assert page.marks["top-customers"] == 10
    assert page.marks["top-products"] == 10


def test_the_totals_are_the_warehouses_to_the_cent(loaded, report_warehouse):
    with duckdb.connect(str(report_warehouse), read_only=True) as con:
        booked, pipeline = con.execute(
            """
            select sum(booked_net_amount), sum(pipeline_net_amount)
            from reports.rpt_revenue_by_month
            where not is_future and month > (
                select max(month) from reports.rpt_revenue_by_month where not is_future
            ) - interval 12 month
            """
        ).fetchone()
        failed = con.execute("select count(*) from ops.failed_orders").fetchone()[0]
        runs = con.execute("select run_id from ops.runs order by finished_at desc").fetchall()
    assert isinstance(booked, Decimal)
    text = re.sub(r"\s+", " ", " ".join(loaded.page.text))
    assert f"Booked revenue (NOK) {format_amount(booked)}" in text
    assert f"Pipeline (NOK) {format_amount(pipeline)}" in text
    assert failed > 0
    assert f"Open failed orders {failed} " in text
    last_runs = text[text.index("Last runs") :]  # run IDs also name the watermarks' runs
    order = [last_runs.index(run_id) for (run_id,) in runs]
    assert order == sorted(order)  # newest run first


def test_the_screenshot_is_saved_for_review(loaded):
    shot = loaded.screenshot
    assert shot is not None
    assert shot.is_file()
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == WINDOW
    assert shot.stat().st_size > 100_000  # charts and text, not a blank page


def test_hostile_names_stay_text_in_the_browser(chromium, tmp_path):
    database = build_synthetic(tmp_path / "evil.duckdb")
    html = render_dashboard(database, tmp_path / "evil.html", now=NOW)
    evil = load(chromium, html)
    assert evil.console == []
    assert evil.page.root.get("data-dashboard") == "ready"
    assert evil.page.root.get("data-errors") == "0"
    assert [tag for tag, _ in evil.page.tags if tag == "img"] == []
    assert len([tag for tag, _ in evil.page.tags if tag == "script"]) == 2
    assert "window.pwned=1" in "".join(evil.page.text)  # shown, not run
    assert "<title>Sales orders dashboard" in evil.dom  # onerror never retitled it
