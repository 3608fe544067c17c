"""Order IDs as the API accepts them, checked before any request is built."""

from __future__ import annotations

from . import constants
from .errors import InvalidOrderIdError

_MAX_DIGITS = len(str(constants.INT32_MAX))


def check_order_id(value: object) -> int:
    """``value`` as an order ID, or :class:`InvalidOrderIdError` naming what was wrong.

    The API's IDs are int32 and positive; ASCII digits in a string (from a DAG param
    or a file) are accepted, anything else (bools, floats, signs, blanks) is not.
    Other Unicode digits (superscripts, fullwidth, Arabic-Indic) are refused by name:
    ``str.isdigit`` takes them, and ``int`` reads fullwidth "123" as 123, an order
    nobody typed.
    """
    if isinstance(value, bool):
        raise InvalidOrderIdError(f"order ID must be an integer, got {value!r}")
    if isinstance(value, str):
        digits = value.strip()
        if not (digits.isascii() and digits.isdigit()):
            rule = "written in ASCII digits 0-9" if digits.isdigit() else "a positive integer"
            raise InvalidOrderIdError(f"order ID must be {rule}, got {_shown(value)}")
        # Longer than int32 allows: out of range, and never parsed (huge strings are slow).
        number = int(digits) if len(digits) <= _MAX_DIGITS else constants.INT32_MAX + 1
    elif isinstance(value, int):
        number = value
    else:
        raise InvalidOrderIdError(f"order ID must be a positive integer, got {_shown(value)}")
    if not 1 <= number <= constants.INT32_MAX:
        raise InvalidOrderIdError(
            f"order ID must be between 1 and {constants.INT32_MAX} (a positive 32-bit integer), "
            f"got {_shown(value)}"
        )
    return number


def _shown(value: object, limit: int = 40) -> str:
    text = repr(value) if not isinstance(value, int) else str(value)
    return text if len(text) <= limit else text[:limit] + "…"
