"""A change batch may pick an order twice for line deletes: the first delete can take its
last line, and the second must then leave it be, not fail the batch (found by the soak run
of 5,000 orders, seed 53, whose first batch answered 500)."""

from __future__ import annotations

from ..builders import SOAK_CHANGES

SANDBOX_OPTIONS = {"orders": 5000, "seed": 53}


def test_a_batch_that_empties_an_order_of_lines_still_applies(sandbox, api):
    sandbox.reset()
    report = sandbox.simulate_changes(**SOAK_CHANGES)
    assert report["line_changed_orders"]
    emptied = [
        order_id
        for order_id in report["line_changed_orders"]
        if order_id not in report["deleted_orders"]
        and api.get(f"/salesorders/{order_id}/lines").json() == []
    ]
    assert emptied  # the case this file is about did happen in this batch
