"""The bulk reader under a server rate limit equal to the client's budget R:
no 429 at all, and the budget actually used (at least 0.8 R, at most R).

The sandbox's token bucket allows R requests per second with bursts of R (its
default); the client spaces requests evenly at R across all its threads.
"""

from __future__ import annotations

import time

from twentyfourseven.api import OutcomeStatus

RATE = 40.0  # requests per second, for both sides
SANDBOX_OPTIONS = {"orders": 400, "seed": 13, "faults": {"rate_limit": RATE}}
ORDERS = 60  # two requests each: about 3 s at the budget


def test_bulk_read_at_the_servers_limit_gets_no_429_and_uses_the_budget(
    make_client, sandbox, record_property
):
    client = make_client(rate_limit=RATE, max_concurrency=8)
    client.get_sales_order(100001)  # the token, outside the measured window
    sandbox.reset_counters()
    wanted = list(range(100101, 100101 + ORDERS))

    started = time.monotonic()
    outcomes = list(client.read_orders(wanted))
    elapsed = time.monotonic() - started

    assert sorted(o.order_id for o in outcomes) == wanted
    assert {o.status for o in outcomes} == {OutcomeStatus.OK}
    counters = sandbox.counters()
    assert counters["statuses"] == {"200": 2 * ORDERS}  # not a single 429
    assert client.stats.get("rate_limited", 0) == 0

    requests = 2 * ORDERS
    # n requests spaced 1/R apart span (n - 1)/R seconds, plus one round trip.
    achieved = requests / elapsed
    fraction = achieved / RATE
    record_property("rate_budget_fraction", round(fraction, 3))
    print(f"\nrate budget R={RATE}/s: {achieved:.1f} req/s = {fraction:.1%} of R, {elapsed:.2f} s")
    assert fraction >= 0.8, f"only {fraction:.1%} of the budget used"
    assert (requests - 1) / RATE <= elapsed  # never faster than the budget
