"""Reading a dashboard page (as rendered, or as Chromium dumped it) with the stdlib parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

CHARTS = (
    "revenue-by-month",
    "top-customers",
    "top-products",
    "categories",
    "gross-margin-by-month",
    "discounts-by-month",
    "discount-bands",
    "tax-codes",
)


@dataclass
class Page:
    root: dict[str, str | None] = field(default_factory=dict)  # <html> attributes
    charts: dict[str, dict[str, str | None]] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    selfcheck: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.chart: str | None = None
        self.depth = 0
        self.capture: list[str] | None = None
        self.in_selfcheck = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.page.tags.append((tag, values))
        if tag == "html":
            self.page.root = values
        if tag == "svg" and "chart" in (values.get("class") or "").split():
            self.chart = values.get("data-chart") or "?"
            self.page.charts[self.chart] = values
            self.page.marks[self.chart] = 0
            self.depth = 0
        elif self.chart is not None:
            self.depth += 1
            if "mark" in (values.get("class") or "").split():
                self.page.marks[self.chart] += 1
        if tag == "script":
            self.capture = self.page.scripts
            self.page.scripts.append("")
        elif tag == "style":
            self.capture = self.page.styles
            self.page.styles.append("")
        self.in_selfcheck = values.get("id") == "selfcheck"

    def handle_endtag(self, tag: str) -> None:
        if self.chart is not None:
            if tag == "svg" and self.depth == 0:
                self.chart = None
            else:
                self.depth -= 1
        if tag in ("script", "style"):
            self.capture = None
        self.in_selfcheck = False

    def handle_data(self, data: str) -> None:
        if self.capture is not None:
            self.capture[-1] += data
        else:
            self.page.text.append(data)
        if self.in_selfcheck:
            self.page.selfcheck += data


def parse_page(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page
