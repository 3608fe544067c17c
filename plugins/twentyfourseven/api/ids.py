"""Order IDs as the API accepts them, checked before any request is built."""

from __future__ import annotations

from . import settings
from .errors import InvalidOrderIdError


def check_order_id(value: object) -> int:
    """``value`` as an order ID, or :class:`InvalidOrderIdError` naming what was wrong.

    The API's IDs are int32 and positive; digits in a string (from a DAG param or
    a file) are accepted, anything else (bools, floats, signs, blanks) is not.
    """
    if isinstance(value, bool):
        raise InvalidOrderIdError(f"order ID must be an integer, got {value!r}")
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    elif isinstance(value, int):
        number = value
    else:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise InvalidOrderIdError(f"order ID must be a positive integer, got {shown}")
    if not 1 <= number <= settings.INT32_MAX:
        raise InvalidOrderIdError(
            f"order ID must be between 1 and {settings.INT32_MAX} (a positive 32-bit integer), "
            f"got {number}"
        )
    return number
