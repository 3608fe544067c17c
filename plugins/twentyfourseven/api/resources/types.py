"""The DuckDB types of money, quantities and rates in raw columns (the money rules)."""

from __future__ import annotations

AMOUNT = "DECIMAL(18,6)"
# The API's order totals sum lines of up to 10^24 each (records.AMOUNT_LIMIT), so they need
# more than AMOUNT's 12 integer digits: 30 hold the sum of a million such lines and leave the
# models room to subtract the lines' sums (DECIMAL(38,6) differences).
ORDER_AMOUNT = "DECIMAL(36,6)"
RATE = "DECIMAL(9,6)"
CURRENCY_RATE = "DECIMAL(22,10)"
