"""Exact, display-ready text for the dashboard's numbers and times.

Money is ``Decimal`` from DuckDB's ``DECIMAL`` columns and is formatted with
``Decimal`` arithmetic only (never through ``float``), so a displayed total is
exactly the warehouse's. Axis ticks are chart geometry and may be floats
(:func:`format_axis`).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

CURRENCY = "NOK"
_CENT = Decimal("0.01")
_MINUS = "\u2212"  # a real minus sign: does not wrap, lines up with digits


def _decimal(value: Decimal | int) -> Decimal:
    if isinstance(value, float):  # a float here would be a bug upstream: refuse it
        raise TypeError(f"money must be Decimal or int, got float {value!r}")
    return value if isinstance(value, Decimal) else Decimal(value)


def format_amount(value: Decimal | int | None, places: int = 2) -> str:
    """``Decimal('-1234567.8')`` -> ``'\u22121,234,567.80'`` (half away from zero).

    None gives an en dash.
    """
    if value is None:
        return "\u2013"
    exponent = Decimal(1).scaleb(-places)
    with localcontext() as context:
        context.prec = 80  # DECIMAL(38, x) has up to 38 digits; the default context holds 28
        rounded = _decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)
        text = f"{abs(rounded):,.{places}f}"
    return f"{_MINUS}{text}" if rounded < 0 else text


def format_money(value: Decimal | int | None, places: int = 2) -> str:
    """An amount in the base currency: ``'NOK 1,234,567.80'``."""
    if value is None:
        return "\u2013"
    return f"{CURRENCY} {format_amount(value, places)}"


def format_count(value: int | None) -> str:
    return "\u2013" if value is None else f"{value:,}".replace("-", _MINUS)


def format_pct(value: Decimal | int | None, places: int = 2) -> str:
    """A percentage that is already in percent: ``Decimal('12.5')`` → ``'12.50 %'``."""
    return "\u2013" if value is None else f"{format_amount(value, places)} %"


def format_axis(value: float) -> str:
    """A compact axis tick: 1_500_000 → ``'1.5M'``, 2_000 → ``'2k'``, 0 → ``'0'``."""
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            text = f"{size / limit:.2f}".rstrip("0").rstrip(".") + suffix
            break
    else:
        text = f"{size:.2f}".rstrip("0").rstrip(".") or "0"
    return f"{_MINUS}{text}" if value < 0 and text != "0" else text


def format_month(month: dt.date) -> str:
    return month.strftime("%b %Y")


def format_timestamp(value: dt.datetime | None) -> str:
    """A timestamp in UTC to the second: ``'2025-03-01 12:00:05 UTC'``."""
    if value is None:
        return "\u2013"
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def format_age(value: dt.datetime | None, now: dt.datetime) -> str:
    """How long ago: ``'3 h 5 min ago'``; ``'in the future'`` on clock skew."""
    if value is None:
        return "never"
    seconds = int((now - value).total_seconds())
    if seconds < 0:
        return "in the future"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h ago"
    if hours:
        return f"{hours} h {minutes} min ago"
    if minutes:
        return f"{minutes} min ago"
    return "just now"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "\u2013"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s"
