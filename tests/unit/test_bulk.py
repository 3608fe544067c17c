"""The bulk reader: per-order outcomes, bounded concurrency, invalid records kept."""

from __future__ import annotations

import threading
import time

import pytest

from twentyfourseven.api import InvalidOrderIdError, OutcomeStatus, ServerError

from .conftest import json_response, line_body, order_body


def serve_orders(api, ids):
    for i in ids:
        api.on("GET", f"/v1/salesorders/{i}", json_response(200, order_body(i)))
        api.on(
            "GET",
            f"/v1/salesorders/{i}/lines",
            json_response(200, [line_body(i * 10), line_body(i * 10 + 1)]),
        )


def test_each_order_ends_in_one_outcome(api, client):
    serve_orders(api, [1, 2])
    api.on("GET", "/v1/salesorders/3", json_response(404, {"error": {"name": "NotFound"}}))
    api.on(
        "GET",
        "/v1/salesorders/4",
        json_response(
            500, {"error": {"name": "Internal"}, "trackingId": "trk-4"}, **{"X-Trace-Id": "tr-4"}
        ),
    )
    outcomes = {o.order_id: o for o in client.read_orders([1, 2, 3, 4])}
    assert set(outcomes) == {1, 2, 3, 4}
    assert outcomes[1].status is OutcomeStatus.OK
    assert outcomes[1].header.id == 1
    assert [line.id for line in outcomes[1].lines] == [10, 11]
    assert outcomes[1].raw_lines[0]["description"] == "Leather handbag"
    assert outcomes[3].status is OutcomeStatus.NOT_FOUND
    failed = outcomes[4]
    assert failed.status is OutcomeStatus.FAILED
    assert isinstance(failed.error, ServerError)
    assert (failed.error.tracking_id, failed.error.trace_id) == ("trk-4", "tr-4")
    assert "trk-4" in failed.error_summary


def test_lines_404_after_header_means_deleted_in_between(api, client):
    api.on("GET", "/v1/salesorders/1", json_response(200, order_body(1)))
    api.on("GET", "/v1/salesorders/1/lines", json_response(404, {}))
    (outcome,) = client.read_orders([1])
    assert outcome.status is OutcomeStatus.NOT_FOUND


def test_invalid_records_are_kept_with_their_reasons(api, client):
    api.on("GET", "/v1/salesorders/1", json_response(200, order_body(1)))
    api.on(
        "GET",
        "/v1/salesorders/1/lines",
        json_response(
            200, [line_body(10), line_body(11, discountRate=150), line_body(12, description="")]
        ),
    )
    api.on("GET", "/v1/salesorders/2", json_response(200, {"id": 2, "status": "Shipped"}))
    api.on("GET", "/v1/salesorders/2/lines", json_response(200, []))
    outcomes = {o.order_id: o for o in client.read_orders([1, 2])}
    first = outcomes[1]
    assert first.status is OutcomeStatus.OK
    assert [line.id for line in first.lines] == [10]
    assert [(r.kind, r.raw["id"]) for r in first.invalid] == [("line", 11), ("line", 12)]
    assert "discountRate" in first.invalid[0].reason
    assert "description" in first.invalid[1].reason
    assert len(first.raw_lines) == 3  # every record as received, valid or not
    second = outcomes[2]
    assert second.header is None
    assert second.invalid[0].kind == "order"
    assert second.invalid[0].raw == {"id": 2, "status": "Shipped"}


def test_lines_that_are_not_an_array_fail_the_order(api, client):
    api.on("GET", "/v1/salesorders/1/lines", json_response(200, {"lines": []}))
    (outcome,) = client.read_orders([1], header=False)
    assert outcome.status is OutcomeStatus.FAILED
    assert "not a JSON array" in outcome.error_summary


def test_header_only_and_lines_only(api, client):
    serve_orders(api, [1])
    (header_only,) = client.read_orders([1], lines=False)
    (lines_only,) = client.read_orders([1], header=False)
    assert header_only.lines is None
    assert header_only.header.id == 1
    assert lines_only.header is None
    assert len(lines_only.lines) == 2
    assert len(api.requests_to("GET", "/v1/salesorders/1")) == 1
    assert len(api.requests_to("GET", "/v1/salesorders/1/lines")) == 1
    with pytest.raises(ValueError, match="header=True"):
        list(client.read_orders([1], header=False, lines=False))


def test_concurrency_is_bounded(api, make_client):
    serve_orders(api, range(1, 41))
    api.delay = lambda: time.sleep(0.005)
    client = make_client(max_concurrency=4)
    outcomes = list(client.read_orders(range(1, 41)))
    assert len(outcomes) == 40
    assert 2 <= api.max_in_flight <= 4


def test_ids_are_all_checked_before_any_request_and_duplicates_read_once(api, client):
    with pytest.raises(InvalidOrderIdError, match="got -1"):
        list(client.read_orders([1, 2, -1]))
    assert api.requests == []
    serve_orders(api, [1, 2])
    outcomes = list(client.read_orders([1, "2", 1, 2]))
    assert sorted(o.order_id for o in outcomes) == [1, 2]


def test_an_iterator_of_ids_is_drawn_lazily_a_window_ahead(api, make_client):
    serve_orders(api, range(1, 101))
    drawn = []

    def ids():
        for order_id in [*range(1, 101), 3]:  # 3 again: read once
            drawn.append(order_id)
            yield order_id

    outcomes = make_client(max_concurrency=2).read_orders(ids())
    first = next(outcomes)
    # A window of 2 x max_concurrency IDs, plus one drawn as the first finished.
    assert len(drawn) <= 5
    rest = [o.order_id for o in outcomes]
    assert sorted([first.order_id, *rest]) == list(range(1, 101))
    assert len(drawn) == 101


def test_a_bad_id_in_an_iterator_fails_when_drawn_and_names_it(api, client):
    serve_orders(api, [1, 2])
    with pytest.raises(InvalidOrderIdError, match="got 'x'"):
        list(client.read_orders(iter([1, 2, "x"])))


def test_outcomes_are_yielded_as_they_complete(api, make_client):
    serve_orders(api, [1, 2])
    slow = threading.Event()

    def slow_first(request):
        slow.wait(2)
        return json_response(200, order_body(1))

    api.routes[("GET", "/v1/salesorders/1")].clear()
    api.on("GET", "/v1/salesorders/1", slow_first)
    client = make_client(max_concurrency=2)
    outcomes = client.read_orders([1, 2])
    assert next(outcomes).order_id == 2
    slow.set()
    assert next(outcomes).order_id == 1


def test_closing_early_cancels_queued_work(api, make_client):
    serve_orders(api, range(1, 201))
    client = make_client(max_concurrency=2)
    outcomes = client.read_orders(range(1, 201))
    next(outcomes)
    outcomes.close()
    assert len(api.requests_to("GET", "/v1/salesorders/200")) == 0
    assert len([r for r in api.requests if r.url.path.endswith("/lines")]) < 20


def test_the_rate_budget_spaces_bulk_requests(api, make_client, sleeps):
    serve_orders(api, range(1, 11))
    client = make_client(rate_limit=10, max_concurrency=4)
    start = sleeps.now
    list(client.read_orders(range(1, 11)))
    # 20 requests at 10/s with no burst: the last one is sent 1.9 s after the first.
    assert sleeps.now - start == pytest.approx(1.9)
    bursting = make_client(rate_limit=10, rate_burst=4, max_concurrency=4)
    start = sleeps.now
    list(bursting.read_orders(range(1, 11)))
    # A burst of 4: the first 4 at once, then one per 0.1 s, the last 1.6 s after.
    assert sleeps.now - start == pytest.approx(1.6)
