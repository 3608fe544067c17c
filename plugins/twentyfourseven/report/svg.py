"""Hand-written SVG charts: grouped columns with optional lines (two axes), horizontal bars.

Every string that reaches the markup goes through :func:`esc`; values only set
geometry (floats are fine there) while the exact text of each value is passed in
already formatted and shown in the mark's ``<title>`` tooltip. Each chart is an
``<svg class="chart" data-chart=…>``; its data marks carry ``class="mark"`` so
tests (and the page's self-check) can count what was drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

from .formatting import format_axis

Number = Decimal | int | float


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML and inline SVG (quotes included)."""
    return escape(str(value), quote=True)


def _f(value: float) -> str:
    """A coordinate: short and locale-free."""
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class Series:
    """One series of a column chart; ``texts`` are the exact values for tooltips."""

    name: str
    values: Sequence[Number | None]
    texts: Sequence[str]
    color: str
    kind: str = "bar"  # "bar" or "line"
    axis: str = "left"  # "left" or "right"


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    ticks: tuple[float, ...]

    def at(self, value: float, top: float, bottom: float) -> float:
        span = self.high - self.low or 1.0
        return bottom - (value - self.low) / span * (bottom - top)


def nice_scale(values: Sequence[float], count: int = 5) -> Scale:
    """A domain including 0 with round ticks (1, 2, 2.5 or 5 times a power of 10)."""
    low = min([0.0, *values])
    high = max([0.0, *values])
    if low == high:
        high = 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    ticks = []
    tick = start
    while tick <= end + step / 2:
        ticks.append(round(tick, 10))
        tick += step
    return Scale(start, end, tuple(ticks))


def _title(text: str) -> str:
    return f"<title>{esc(text)}</title>"


def _svg_open(chart_id: str, label: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" data-chart="{esc(chart_id)}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{esc(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
    )


def _finished(parts: list[str]) -> Markup:
    """The chart as markup a template inlines as it is: every text in it went through esc."""
    return Markup("".join(parts) + "</svg>")  # noqa: S704 (escaped part by part above)


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for item in series:
        if item.kind == "line":
            parts.append(
                f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x + 18)}" y2="{_f(y)}" '
                f'stroke="{esc(item.color)}" stroke-width="2.5"/>'
                f'<circle cx="{_f(x + 9)}" cy="{_f(y)}" r="3.5" fill="{esc(item.color)}"/>'
            )
        else:
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(y - 6)}" width="18" height="12" rx="2" '
                f'fill="{esc(item.color)}"/>'
            )
        label = item.name + (" (right axis)" if item.axis == "right" else "")
        parts.append(f'<text class="legend" x="{_f(x + 24)}" y="{_f(y + 4)}">{esc(label)}</text>')
        x += 24 + 7.2 * len(label) + 26
    return parts


def column_chart(
    chart_id: str,
    label: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    left_title: str,
    right_title: str | None = None,
    right_format: Callable[[float], str] = format_axis,
    left_format: Callable[[float], str] = format_axis,
    width: int = 1200,
    height: int = 300,
) -> Markup:
    """Grouped columns (``kind="bar"``) and lines (``kind="line"``) over categories."""
    has_right = any(s.axis == "right" for s in series)
    left, right = 78.0, (78.0 if has_right else 24.0)
    top, bottom = 56.0, height - 30.0
    plot_w = width - left - right
    n = max(len(categories), 1)
    band = plot_w / n

    def scale_for(axis: str) -> Scale:
        values = [float(v) for s in series if s.axis == axis for v in s.values if v is not None]
        return nice_scale(values)

    scales = {"left": scale_for("left")}
    if has_right:
        scales["right"] = scale_for("right")
    parts = [_svg_open(chart_id, label, width, height)]
    # grid and left axis
    for tick in scales["left"].ticks:
        y = scales["left"].at(tick, top, bottom)
        parts.append(
            f'<line class="grid{" zero" if tick == 0 else ""}" x1="{_f(left)}" y1="{_f(y)}" '
            f'x2="{_f(width - right)}" y2="{_f(y)}"/>'
            f'<text class="tick" x="{_f(left - 8)}" y="{_f(y + 4)}" text-anchor="end">'
            f"{esc(left_format(tick))}</text>"
        )
    parts.append(
        f'<text class="axis-title" x="{_f(left - 8)}" y="{_f(top - 14)}" text-anchor="end">'
        f"{esc(left_title)}</text>"
    )
    if has_right:
        for tick in scales["right"].ticks:
            y = scales["right"].at(tick, top, bottom)
            parts.append(
                f'<text class="tick" x="{_f(width - right + 8)}" y="{_f(y + 4)}">'
                f"{esc(right_format(tick))}</text>"
            )
        parts.append(
            f'<text class="axis-title" x="{_f(width - right + 8)}" y="{_f(top - 14)}">'
            f"{esc(right_title or '')}</text>"
        )
    # x labels: thin them out so they never collide
    every = max(1, math.ceil(n * 64 / plot_w))
    max_chars = max(4, int(band * every / 7.0))
    for i, category in enumerate(categories):
        if i % every:
            continue
        x = left + band * (i + 0.5)
        parts.append(
            f'<text class="tick" x="{_f(x)}" y="{_f(bottom + 18)}" text-anchor="middle">'
            f"{esc(truncate(category, max_chars))}{_title(category)}</text>"
        )
    # bars
    bars = [s for s in series if s.kind == "bar"]
    group_w = min(band * (0.72 if len(bars) > 1 else 0.62), 56.0 * max(len(bars), 1))
    bar_w = group_w / max(len(bars), 1)
    for k, item in enumerate(bars):
        scale = scales[item.axis]
        zero = scale.at(0.0, top, bottom)
        for i, (value, text) in enumerate(zip(item.values, item.texts, strict=True)):
            if value is None:
                continue
            y = scale.at(float(value), top, bottom)
            x = left + band * i + (band - group_w) / 2 + bar_w * k
            y0, h = min(y, zero), max(abs(zero - y), 0.75)  # a zero still shows a hairline
            parts.append(
                f'<rect class="mark" x="{_f(x)}" y="{_f(y0)}" width="{_f(max(bar_w - 1, 1))}" '
                f'height="{_f(h)}" fill="{esc(item.color)}">'
                f"{_title(f'{categories[i]} · {item.name}: {text}')}</rect>"
            )
    # lines on top
    for item in (s for s in series if s.kind == "line"):
        scale = scales[item.axis]
        points = [
            (left + band * (i + 0.5), scale.at(float(v), top, bottom), categories[i], text)
            for i, (v, text) in enumerate(zip(item.values, item.texts, strict=True))
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{_f(x)},{_f(y)}" for x, y, _, _ in points)
            parts.append(
                f'<polyline class="line" points="{path}" fill="none" '
                f'stroke="{esc(item.color)}" stroke-width="2.5" stroke-linejoin="round"/>'
            )
        for x, y, category, text in points:
            parts.append(
                f'<circle class="mark" cx="{_f(x)}" cy="{_f(y)}" r="3.5" '
                f'fill="{esc(item.color)}" stroke="#fff" stroke-width="1">'
                f"{_title(f'{category} · {item.name}: {text}')}</circle>"
            )
    parts.append(
        f'<line class="axis" x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(bottom)}"/>'
    )
    parts.extend(_legend(series, left, 20.0))
    return _finished(parts)


@dataclass(frozen=True)
class Bar:
    label: str
    value: Number
    text: str  # the exact value, shown at the bar's end
    detail: str = ""  # more for the tooltip


def bar_chart(
    chart_id: str,
    label: str,
    bars: Sequence[Bar],
    *,
    color: str,
    axis_title: str,
    width: int = 600,
    label_width: int = 200,
    row_height: int = 26,
) -> Markup:
    """Horizontal bars, one row each, with the label left and the exact value right."""
    top, value_w = 30.0, 150.0
    height = int(top + row_height * max(len(bars), 1) + 30)
    left = float(label_width)
    plot_w = width - left - value_w
    scale = nice_scale([float(b.value) for b in bars], count=4)
    parts = [_svg_open(chart_id, label, width, height)]
    bottom = top + row_height * len(bars)

    def x_at(value: float) -> float:
        span = scale.high - scale.low or 1.0
        return left + (value - scale.low) / span * plot_w

    for tick in scale.ticks:
        x = x_at(tick)
        parts.append(
            f'<line class="grid{" zero" if tick == 0 else ""}" x1="{_f(x)}" y1="{_f(top - 4)}" '
            f'x2="{_f(x)}" y2="{_f(bottom)}"/>'
            f'<text class="tick" x="{_f(x)}" y="{_f(bottom + 16)}" text-anchor="middle">'
            f"{esc(format_axis(tick))}</text>"
        )
    parts.append(
        f'<text class="axis-title" x="{_f(left)}" y="{_f(top - 14)}">{esc(axis_title)}</text>'
    )
    zero = x_at(0.0)
    max_chars = max(8, int(label_width / 7.4))
    for i, bar in enumerate(bars):
        y = top + row_height * i
        x = x_at(float(bar.value))
        x0, w = min(x, zero), max(abs(x - zero), 0.75)
        tooltip = f"{bar.label}: {bar.text}" + (f" ({bar.detail})" if bar.detail else "")
        parts.append(
            f'<text class="bar-label" x="{_f(left - 10)}" y="{_f(y + row_height / 2 + 4)}" '
            f'text-anchor="end">{esc(truncate(bar.label, max_chars))}{_title(tooltip)}</text>'
            f'<rect class="mark" x="{_f(x0)}" y="{_f(y + 5)}" width="{_f(w)}" '
            f'height="{_f(row_height - 10)}" rx="2" fill="{esc(color)}">{_title(tooltip)}</rect>'
            f'<text class="value" x="{_f(max(x, zero) + 6)}" y="{_f(y + row_height / 2 + 4)}">'
            f"{esc(bar.text)}</text>"
        )
    return _finished(parts)
