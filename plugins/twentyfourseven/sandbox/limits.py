"""Bounds on what the sandbox accepts, so that no request body can make it fail (500).

The official document bounds a line's ``costPrice`` (at most 999999999999.9999, four
decimals), ``discountRate`` and tax ``rate`` (0..100) and the currency ``rate``, which
the shared models check; it gives no bound for ``quantity`` and ``price``, nor for the
size or nesting of a body. The sandbox's own choices for those:

- ``quantity`` and ``price`` within ±999999999999.9999999999999999, the largest value the
  warehouse's DECIMAL(28, 16) columns hold (costPrice's bound, 999999999999.9999, would
  keep tests from writing the values at the warehouse's edge): 400 ``maximum``/``minimum``.
  Their decimals are not bounded, as the API bounds none: a value of more than 16 decimals
  is accepted here and quarantined by the pipeline;
- a body of at most 1 MiB (the runtime setting ``max_body_bytes``): 413
  ``PayloadTooLargeError``;
- JSON nested at most 64 arrays/objects deep: 400 ``maxDepth`` on the path ``""``
  (Python's parser would otherwise give up with a RecursionError near 1,000 levels).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

MAX_BODY_BYTES = 1 << 20
MAX_JSON_DEPTH = 64
MAX_NUMBER = Decimal("999999999999.9999999999999999")
BOUNDED_LINE_NUMBERS = ("quantity", "price")

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects more than ``limit`` deep (brackets
    inside strings do not count; malformed text is left to the parser)."""
    depth = 0
    for bracket in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def line_number_issues(fields: Any) -> list[tuple[str, str]]:
    """``(path, keyword)`` for a line's quantity or price beyond ±MAX_NUMBER."""
    if not isinstance(fields, Mapping):
        return []
    issues = []
    for name in BOUNDED_LINE_NUMBERS:
        value = fields.get(name)
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            continue
        number = Decimal(value)
        if abs(number) > MAX_NUMBER:
            issues.append((name, "maximum" if number > 0 else "minimum"))
    return issues
