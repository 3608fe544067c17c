"""The plan's clamp: which ``modifiedAt`` a listing may advance the watermark to, the
listing's clock, and where each kind of run starts listing."""

from __future__ import annotations

import datetime as dt

import pytest

from twentyfourseven.pipeline.plan import WatermarkScan, listing_clock, listing_start
from twentyfourseven.warehouse.ops_state import WarehouseState

CLOCK = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def scan_of(*stamps: dt.datetime) -> WatermarkScan:
    scan = WatermarkScan(CLOCK, 10 * MINUTE)
    for order_id, stamp in enumerate(stamps, start=1):
        scan.see(order_id, stamp)
    return scan


def test_the_newest_modified_at_behind_the_clock_is_the_candidate():
    scan = scan_of(CLOCK - HOUR, CLOCK - MINUTE, CLOCK - 2 * HOUR)
    assert scan.candidate == CLOCK - MINUTE
    assert scan.ahead == 0


def test_a_modified_at_within_the_tolerance_is_clamped_to_the_clock():
    scan = scan_of(CLOCK - HOUR, CLOCK + 5 * MINUTE)
    assert scan.candidate == CLOCK  # never past the time the listing was taken
    assert scan.ahead == 0


def test_a_modified_at_hours_ahead_is_counted_and_does_not_count():
    scan = scan_of(CLOCK - HOUR, CLOCK + 5 * HOUR, CLOCK + 2 * HOUR, CLOCK - 2 * HOUR)
    assert scan.candidate == CLOCK - HOUR
    assert (scan.ahead, scan.ahead_max, scan.ahead_id) == (2, CLOCK + 5 * HOUR, 2)


def test_a_listing_of_only_future_orders_has_no_candidate_but_a_reset_goes_to_the_clock():
    scan = scan_of(CLOCK + 5 * HOUR)
    assert scan.candidate is None
    assert scan.reset_candidate == CLOCK
    assert scan_of(CLOCK - HOUR).reset_candidate == CLOCK - HOUR


def test_the_warning_names_the_value_and_the_clock(caplog):
    scan_of(CLOCK + 5 * HOUR).warn()
    assert caplog.messages == [
        "watermark held: listed modifiedAt 2025-06-30T17:00:00+00:00 (order 1) is ahead of "
        "the clock 2025-06-30T12:00:00+00:00; 1 listed orders are more than 0:10:00 ahead "
        "and do not move the watermark"
    ]
    caplog.clear()
    scan_of(CLOCK).warn()
    assert caplog.messages == []


@pytest.mark.parametrize(
    ("watermark", "ahead"),
    [(None, False), (CLOCK, False), (CLOCK + 10 * MINUTE, False), (CLOCK + 11 * MINUTE, True)],
)
def test_a_watermark_is_ahead_only_beyond_the_tolerance(watermark, ahead):
    assert scan_of().is_ahead(watermark) is ahead


@pytest.mark.parametrize(
    ("server", "own", "clock"),
    [
        (CLOCK, CLOCK + HOUR, CLOCK),  # the API's clock stamps modifiedAt: it counts
        (CLOCK + HOUR, CLOCK, CLOCK),  # should it jump ahead, ours bounds it
        (None, CLOCK, CLOCK),  # no Date header
    ],
)
def test_the_listing_clock_is_the_earlier_of_the_api_and_ours(server, own, clock):
    assert listing_clock(server, own) == clock


def state(watermark, reconciled_listed_at=None) -> WarehouseState:
    return WarehouseState(watermark, frozenset(), None, 10, reconciled_listed_at)


OVERLAP = 10 * MINUTE


def test_an_incremental_run_lists_from_the_watermark_less_the_overlap():
    assert listing_start("incremental", state(CLOCK), OVERLAP) == CLOCK - OVERLAP
    assert listing_start("incremental", state(None), OVERLAP) is None


def test_a_full_refresh_lists_everything():
    assert listing_start("full_refresh", state(CLOCK, CLOCK - HOUR), OVERLAP) is None


def test_a_reconcile_run_lists_from_the_last_reconciliation_or_the_start():
    jumped = state(CLOCK + 5 * HOUR, reconciled_listed_at=CLOCK - 24 * HOUR)
    assert listing_start("reconcile", jumped, OVERLAP) == CLOCK - 24 * HOUR - OVERLAP
    sane = state(CLOCK - 48 * HOUR, reconciled_listed_at=CLOCK - 24 * HOUR)
    assert listing_start("reconcile", sane, OVERLAP) == CLOCK - 48 * HOUR - OVERLAP
    assert listing_start("reconcile", state(CLOCK), OVERLAP) is None  # not known: everything
