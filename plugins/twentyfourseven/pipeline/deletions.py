"""Deletions found by every incremental run, not only by the weekly reconciliation.

The API announces no deletion, and ``modifiedFrom`` never lists an order that is
gone. So the plan lists every order ID (``GET /salesorders`` without a filter, one
call per page of up to :data:`PAGE_SIZE`) and compares it with the known live
orders of the warehouse. Each known order missing from the listing is a
*candidate*: the plan adds it to the run's orders, and the extract reads it with
``GET /salesorders/{id}`` like any order without a listed header. A 404 makes it
``deleted`` and the load tombstones it (the same path a reconciliation takes);
any other answer leaves it alone: read again if the API still has it (a listing
can miss a record while pages shift), or, if the read failed, kept as it was,
logged with the API's trackingId and read again by the next run.

The listing is the costly part at a large organization (a page of 1,000 headers is
about 1 MB: the API has no field selection), so only what the comparison needs is
kept of it: the ID of each record, in one compact array (8 bytes an order). No
header is validated, spooled or looked up in the warehouse, and the warehouse is
read once, as one sorted stream merged with the sorted IDs.
``deletion_check_every_runs`` bounds how often it runs.

Line-only edits that do not move the order's ``modifiedAt`` stay invisible to
this check (the order is still listed); the reconciliation run catches them.
"""

from __future__ import annotations

import itertools
import logging
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from twentyfourseven.api import ApiError, TwentyFourSevenOfficeClient, check_order_id
from twentyfourseven.api.constants import DEFAULT_PAGE_SIZE
from twentyfourseven.api.resources import SALES_ORDERS
from twentyfourseven.duckdb_session import single_row, table_columns
from twentyfourseven.warehouse.ops_state import live_ids_ascending

log = logging.getLogger(__name__)

# The largest page the listing is asked for. The vendor's document sets no maximum
# for ``limit`` on /salesorders; an API that refuses this one (a 400 on the first
# page) is asked again with the default page of 100.
PAGE_SIZE = 1000
FALLBACK_PAGE_SIZE = DEFAULT_PAGE_SIZE
_NAMED_CANDIDATES = 20  # IDs named in the plan's log line; the rest are counted

# Runs that read every known order, and so find every deletion themselves.
RECONCILING_MODES = ("reconcile", "full_refresh")


@dataclass(frozen=True)
class DeletionCheck:
    """What the plan's deletion check did.

    ``ran``: the listing completed and was compared. ``calls``: the listing's
    requests (retries included). ``candidates``: known live orders it lacked, to
    be confirmed by the extract's GET. ``note``: why it did not run, or how it
    failed (then ``ran`` is False and no order is a candidate).
    """

    ran: bool
    calls: int = 0
    listed: int = 0
    page_size: int = 0
    candidates: tuple[int, ...] = ()
    seconds: float = 0.0
    note: str | None = None

    def describe(self) -> str:
        if not self.ran:
            return f"deletion check not run: {self.note}"
        named = ", ".join(str(i) for i in self.candidates[:_NAMED_CANDIDATES])
        more = len(self.candidates) - _NAMED_CANDIDATES
        missing = (
            f"{len(self.candidates)} known live orders missing from it ({named}"
            + (f" and {more} more" if more > 0 else "")
            + "), each confirmed by GET /salesorders/{id} in the extract"
            if self.candidates
            else "no known live order missing from it"
        )
        return (
            f"deletion check: listed {self.listed} order IDs in pages of up to "
            f"{self.page_size} ({self.calls} API calls, {self.seconds:.1f} s); {missing}"
        )


def check_deletions(
    client: TwentyFourSevenOfficeClient,
    con: duckdb.DuckDBPyConnection | None,
    *,
    mode: str,
    every_runs: int,
) -> DeletionCheck:
    """List every order ID if the check is due, and compare with the known live orders
    of ``con`` (the plan's read-only connection); never raises for the API's sake.

    A listing the API fails (after the client's retries) leaves the run without a
    check, logged as a warning: the run's other orders still load, and the next
    run, finding no check since, lists again.
    """
    reason = not_due(con, mode=mode, every_runs=every_runs)
    if reason:
        log.info("deletion check not run: %s", reason)
        return DeletionCheck(ran=False, note=reason)
    started, before = time.monotonic(), client.stats.get("requests", 0)
    try:
        listed, page_size = list_order_ids(client)
    except ApiError as exc:
        calls = client.stats.get("requests", 0) - before
        log.warning(
            "deletion check failed after %d API calls: %s; deletions are looked for again "
            "by the next run",
            calls,
            exc,
        )
        return DeletionCheck(ran=False, calls=calls, note=f"listing failed: {exc}")
    candidates = tuple(missing_ids(live_ids_ascending(con), listed))
    check = DeletionCheck(
        ran=True,
        calls=client.stats.get("requests", 0) - before,
        listed=len(listed),
        page_size=page_size,
        candidates=candidates,
        seconds=time.monotonic() - started,
    )
    log.info("%s", check.describe())
    return check


def not_due(con: duckdb.DuckDBPyConnection | None, *, mode: str, every_runs: int) -> str | None:
    """Why this run does no deletion check, or None if it does.

    Only incremental runs check (a reconciliation or full refresh reads every known
    order anyway), every ``every_runs`` runs counted from the last run that found
    deletions either way (0: never).
    """
    if mode != "incremental":
        return f"a {mode} run reads every known order"
    if every_runs <= 0:
        return "turned off (deletion_check_every_runs is 0)"
    if con is None or not table_columns(con, "ops", "runs"):
        return "the warehouse knows no orders yet"
    if every_runs > 1:
        since = runs_since_check(con)
        if since + 1 < every_runs:
            return f"not due (every {every_runs} runs; {since} since the last check)"
    return None


def runs_since_check(con: duckdb.DuckDBPyConnection) -> int:
    """Runs recorded since the last that looked for deletions (all of them if none did)."""
    checked = "mode IN ('reconcile', 'full_refresh')"
    # Read-only: a warehouse last written before the column existed lacks it.
    if "deletion_check" in table_columns(con, "ops", "runs"):
        checked += " OR deletion_check"
    return int(
        single_row(
            con,
            "SELECT count(*) FROM ops.runs WHERE started_at > coalesce(("  # noqa: S608
            f"SELECT max(started_at) FROM ops.runs WHERE {checked}), '-infinity'::TIMESTAMPTZ)",
        )[0]
    )


def list_order_ids(client: TwentyFourSevenOfficeClient) -> tuple[array, int]:
    """Every order ID the API lists, ascending, and the page size it took.

    A record without a usable ID is skipped with a warning: an order it hides looks
    missing and is confirmed by its GET, which finds it.
    """
    for page_size in (PAGE_SIZE, FALLBACK_PAGE_SIZE):
        ids: array = array("q")
        pages = 0
        try:
            for page in client.list_pages(SALES_ORDERS, page_size=page_size):
                pages += 1
                ids.extend(_listed_ids(page))
        except ApiError as exc:
            if exc.status_code == 400 and pages == 0 and page_size != FALLBACK_PAGE_SIZE:
                log.warning(
                    "the API refused pages of %d orders (%s); listing with pages of %d",
                    page_size,
                    exc,
                    FALLBACK_PAGE_SIZE,
                )
                continue
            raise
        if any(a >= b for a, b in itertools.pairwise(ids)):  # the API promises no order
            ids = array("q", sorted(set(ids)))
        return ids, page_size
    raise AssertionError("unreachable: the fallback page size raises or returns")


def _listed_ids(page: list) -> Iterable[int]:
    for raw in page:
        try:
            yield check_order_id(raw.get("id") if isinstance(raw, dict) else None)
        except ValueError:
            log.warning("deletion check: listed record without a usable id: %.200r", raw)


def missing_ids(known: Iterable[int], listed: array) -> list[int]:
    """The IDs of ``known`` (ascending) that ``listed`` (ascending) lacks: one merge,
    nothing held but the result."""
    missing: list[int] = []
    position, end = 0, len(listed)
    for order_id in known:
        while position < end and listed[position] < order_id:
            position += 1
        if position == end or listed[position] != order_id:
            missing.append(order_id)
    return missing


@dataclass(frozen=True)
class Confirmations:
    """What the extract's GET said of the run's deletion candidates."""

    deleted: int  # 404: tombstoned by this load
    present: int  # the API still has them: read (loaded or quarantined), left live
    unconfirmed: int  # the read failed (or its chunk was corrupt): left alone


def confirm_candidates(con: duckdb.DuckDBPyConnection, candidates: list[int]) -> Confirmations:
    """Count the candidates' outcomes in the load's ``_stage_outcomes`` (before stale
    reads are set apart: the ledger counts what the run read) and log each one left
    alone, with the API's answer."""
    if not candidates:
        return Confirmations(0, 0, 0)
    rows = con.execute(
        "SELECT order_id, status, http_status, tracking_id, message FROM _stage_outcomes "
        "WHERE order_id IN (SELECT unnest(?::BIGINT[])) ORDER BY order_id",
        [candidates],
    ).fetchall()
    deleted = sum(1 for row in rows if row[1] == "deleted")
    present = sum(1 for row in rows if row[1] in ("ok", "quarantined"))
    for order_id, status, http_status, tracking_id, message in rows:
        if status == "failed":
            log.warning(
                "deletion candidate %d not confirmed: GET answered %s (trackingId %s: %s); "
                "left alone, read again by the next run",
                order_id,
                http_status or "no HTTP status",
                tracking_id or "none",
                message,
            )
        elif status in ("ok", "quarantined"):
            log.info(
                "order %d was missing from the listing but GET found it (%s): not deleted",
                order_id,
                status,
            )
    return Confirmations(deleted, present, len(candidates) - deleted - present)
