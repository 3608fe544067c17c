"""SVG charts: grouped columns with optional lines (two axes), horizontal bars.

This module computes each chart's geometry (scales, ticks, positions, every
coordinate written as text by :func:`_f`); ``templates/charts.svg.j2`` draws it,
escaping every text as it writes it. Values only set geometry (floats are fine
there) while the exact text of each value is passed in already formatted and
shown in the mark's ``<title>`` tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from .formatting import format_axis
from .templating import macro

Number = Decimal | int | float


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


def _legend(series: Sequence[Series], x: float, y: float) -> list[dict[str, Any]]:
    items = []
    for item in series:
        label = item.name + (" (right axis)" if item.axis == "right" else "")
        items.append(
            {
                "line": item.kind == "line",
                "color": item.color,
                "x": _f(x),
                "x_end": _f(x + 18),
                "x_mid": _f(x + 9),
                "y": _f(y),
                "y_box": _f(y - 6),
                "text": label,
                "text_x": _f(x + 24),
                "text_y": _f(y + 4),
            }
        )
        x += 24 + 7.2 * len(label) + 26
    return items


def _title(text: str, x: float, y: float, anchor: str = "") -> dict[str, str]:
    return {"text": text, "x": _f(x), "y": _f(y), "anchor": anchor}


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
    left_ticks = [
        {
            "zero": tick == 0,
            "x1": _f(left),
            "x2": _f(width - right),
            "y": _f(y),
            "text": left_format(tick),
            "text_x": _f(left - 8),
            "text_y": _f(y + 4),
        }
        for tick in scales["left"].ticks
        for y in [scales["left"].at(tick, top, bottom)]
    ]
    right_ticks = [
        {"text": right_format(tick), "text_x": _f(width - right + 8), "text_y": _f(y + 4)}
        for tick in (scales["right"].ticks if has_right else ())
        for y in [scales["right"].at(tick, top, bottom)]
    ]
    # x labels: thin them out so they never collide
    every = max(1, math.ceil(n * 64 / plot_w))
    max_chars = max(4, int(band * every / 7.0))
    labels = [
        {
            "x": _f(left + band * (i + 0.5)),
            "y": _f(bottom + 18),
            "text": truncate(category, max_chars),
            "title": category,
        }
        for i, category in enumerate(categories)
        if not i % every
    ]
    bars = [s for s in series if s.kind == "bar"]
    group_w = min(band * (0.72 if len(bars) > 1 else 0.62), 56.0 * max(len(bars), 1))
    bar_w = group_w / max(len(bars), 1)
    columns = []
    for k, item in enumerate(bars):
        zero = scales[item.axis].at(0.0, top, bottom)
        for i, (value, text) in enumerate(zip(item.values, item.texts, strict=True)):
            if value is None:
                continue
            y = scales[item.axis].at(float(value), top, bottom)
            x = left + band * i + (band - group_w) / 2 + bar_w * k
            y0, h = min(y, zero), max(abs(zero - y), 0.75)  # a zero still shows a hairline
            columns.append(
                {
                    "x": _f(x),
                    "y": _f(y0),
                    "width": _f(max(bar_w - 1, 1)),
                    "height": _f(h),
                    "color": item.color,
                    "title": f"{categories[i]} · {item.name}: {text}",
                }
            )
    lines = []
    for item in (s for s in series if s.kind == "line"):
        points = [
            (left + band * (i + 0.5), scales[item.axis].at(float(v), top, bottom), i, text)
            for i, (v, text) in enumerate(zip(item.values, item.texts, strict=True))
            if v is not None
        ]
        marks = [
            {"x": _f(x), "y": _f(y), "title": f"{categories[i]} · {item.name}: {text}"}
            for x, y, i, text in points
        ]
        path = " ".join(f"{_f(x)},{_f(y)}" for x, y, _, _ in points) if len(points) > 1 else ""
        lines.append({"color": item.color, "points": path, "marks": marks})
    return macro("charts.svg.j2", "columns")(
        {
            "id": chart_id,
            "label": label,
            "width": width,
            "height": height,
            "left_ticks": left_ticks,
            "left_title": _title(left_title, left - 8, top - 14, "end"),
            "right_ticks": right_ticks,
            "right_title": (
                _title(right_title or "", width - right + 8, top - 14) if has_right else None
            ),
            "categories": labels,
            "bars": columns,
            "lines": lines,
            "axis": {"x": _f(left), "y1": _f(top), "y2": _f(bottom)},
            "legend": _legend(series, left, 20.0),
        }
    )


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
    bottom = top + row_height * len(bars)

    def x_at(value: float) -> float:
        span = scale.high - scale.low or 1.0
        return left + (value - scale.low) / span * plot_w

    ticks = [
        {
            "zero": tick == 0,
            "x": _f(x_at(tick)),
            "y1": _f(top - 4),
            "y2": _f(bottom),
            "text_y": _f(bottom + 16),
            "text": format_axis(tick),
        }
        for tick in scale.ticks
    ]
    zero = x_at(0.0)
    max_chars = max(8, int(label_width / 7.4))
    rows = []
    for i, bar in enumerate(bars):
        y = top + row_height * i
        x = x_at(float(bar.value))
        x0, w = min(x, zero), max(abs(x - zero), 0.75)
        rows.append(
            {
                "label": truncate(bar.label, max_chars),
                "tooltip": f"{bar.label}: {bar.text}" + (f" ({bar.detail})" if bar.detail else ""),
                "label_x": _f(left - 10),
                "text_y": _f(y + row_height / 2 + 4),
                "x": _f(x0),
                "y": _f(y + 5),
                "width": _f(w),
                "height": _f(row_height - 10),
                "value_x": _f(max(x, zero) + 6),
                "text": bar.text,
            }
        )
    return macro("charts.svg.j2", "bars")(
        {
            "id": chart_id,
            "label": label,
            "width": width,
            "height": height,
            "ticks": ticks,
            "title": _title(axis_title, left, top - 14),
            "bars": rows,
            "color": color,
        }
    )
