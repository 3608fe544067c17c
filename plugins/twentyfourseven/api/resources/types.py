"""The DuckDB types of money, quantities and rates in raw columns (the money rules)."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

# The API's schema gives quantities, prices and rates as plain JSON numbers, with no limit
# on their digits; the warehouse keeps 16 decimals (a 64-bit float's 1/3 prints as
# 0.3333333333333333) and 12 integer digits (a trillion units or currency units). A value
# beyond that is quarantined with the column's limit as the reason (warehouse/records.py).
QUANTITY = "DECIMAL(28,16)"
PRICE = "DECIMAL(28,16)"
# Discount and tax rates are percentages from 0 to 100: 3 integer digits.
RATE = "DECIMAL(19,16)"
# The exchange rate lies between 10^-10 and 10^9 (the API's schema): 10 integer digits.
CURRENCY_RATE = "DECIMAL(28,16)"
# The API's order totals sum lines of up to 10^24 each (records.AMOUNT_LIMIT), so they need
# more than 12 integer digits: 30 hold the sum of a million such lines and leave the
# models room to subtract the lines' sums (DECIMAL(38,6) differences).
ORDER_AMOUNT = "DECIMAL(36,6)"

# Most values have at most 6 decimals (exchange rates 10); beside the exact DECIMAL the load
# keeps those as integers of 10^-6 (10^-10) units: columns *_e6 (*_e10), null where a value has
# more decimals, so the models compute the money rules in 64-bit integers and take the slower
# exact path only for the rest.
_BIGINT_LIMIT = 2**63


def scaled(get: Any, places: int) -> Any:
    """A getter for ``get``'s value in units of 10^-``places``, an integer, or None where the
    value has more decimals than ``places`` or is beyond 64 bits."""

    def units(model: Any) -> int | None:
        value = get(model)
        if not isinstance(value, Decimal) or not value.is_finite():
            return None
        with localcontext() as context:
            context.prec = 80  # exact for any value the raw columns hold, and beyond
            count = value.scaleb(places)
        if count != count.to_integral_value() or abs(count) >= _BIGINT_LIMIT:
            return None
        return int(count)

    return units
