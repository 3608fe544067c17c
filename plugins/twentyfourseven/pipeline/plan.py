"""Step 1, plan: decide which orders a run reads and cut them into a bounded number of chunks.

Sources, in union: the run's ``order_ids`` param; discovery (``GET /salesorders``
modified since the watermark minus an overlap, which also yields headers); the
orders the last runs failed or quarantined; on a reconciliation run, every known
live order; and on an incremental run, the known live orders a listing of every
order ID lacks (deletion candidates, see :mod:`.deletions`). A discovered order
whose ``modifiedAt`` equals the version already loaded is not read again, so the
overlap costs list pages, not reads.

The watermark candidate never passes the time the listing was taken (the API's
``Date``, or our clock if earlier): an order changed after that moment may have
been missed by the cursor. A listed ``modifiedAt`` further ahead than the clock
tolerance is a clock error upstream (a vendor clock jump): it is warned about and
does not count, so one such order cannot make every later listing start in the
future. A reconciliation run lists from the last reconciliation's listing (or
from the start if unknown), so it finds what a watermark gone wrong hid. A
watermark found ahead of the clock is reset: by an incremental run to the last
reconciliation's listing (if known), so the next run lists from there.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import logging
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from twentyfourseven.api import (
    InvalidOrderIdError,
    TwentyFourSevenOfficeClient,
    TwentyFourSevenOfficeError,
    check_order_id,
)
from twentyfourseven.api.payloads import dumps_json
from twentyfourseven.deployment import PipelineSettings
from twentyfourseven.pipeline.runfiles.runplan import (
    RunPlan,
    chunk_ids_entry,
    utc_now,
    write_chunk_ids,
)
from twentyfourseven.pipeline.runfiles.staging import RECORDS
from twentyfourseven.warehouse.ops_state import (
    WarehouseState,
    known_live_ids,
    loaded_versions,
    read_only,
    read_state,
)

from .deletions import check_deletions
from .listing import plan_listings

log = logging.getLogger(__name__)

# The listed field the watermark follows (the order's modifiedAt).
CURSOR = RECORDS.cursor_column or ""

DISCOVERED_SPOOL = "discovered.ndjson"
_NAMED_INVALID_IDS = 10  # a message that lists a thousand bad values helps nobody


class InvalidRunRequestError(TwentyFourSevenOfficeError, ValueError):
    """Params no run can be made of: the same params fail the same way every time, so
    the DAG fails its task at once rather than retrying it."""


@dataclass(frozen=True)
class RunRequest:
    """What a run was asked to do (the DAG run's params)."""

    order_ids: tuple[int, ...] = ()
    reconcile: bool = False
    full_refresh: bool = False

    @classmethod
    def from_params(
        cls, params: dict[str, Any], *, max_order_ids: int = PipelineSettings.max_order_ids
    ) -> RunRequest:
        """Params as given in the trigger form or ``--conf``; IDs checked before any request.

        ``order_ids`` may be a list or a comma/space separated string of at most
        ``max_order_ids`` entries, each an order ID. Anything else raises
        :class:`InvalidRunRequestError` naming every bad value and why.
        """
        raw = params.get("order_ids") or []
        if isinstance(raw, str):
            raw = raw.replace(",", " ").split()
        if not isinstance(raw, list | tuple):
            raise InvalidRunRequestError(
                f"order_ids must be a list of order IDs (or a comma-separated string), "
                f"got {type(raw).__name__}"
            )
        if len(raw) > max_order_ids:
            raise InvalidRunRequestError(
                f"order_ids lists {len(raw):,} order IDs; a run accepts at most "
                f"{max_order_ids:,} (setting max_order_ids: Airflow Variable "
                "twentyfourseven_max_order_ids or TWENTYFOURSEVEN_MAX_ORDER_IDS). Split them "
                "over several runs, or raise the setting."
            )
        return cls(
            order_ids=_checked_order_ids(raw),
            reconcile=bool(params.get("reconcile")),
            full_refresh=bool(params.get("full_refresh")),
        )


def _checked_order_ids(values: list[Any] | tuple[Any, ...]) -> tuple[int, ...]:
    """Every value as an order ID, deduplicated in order; else one error naming the bad ones
    (all of them at once, so a fix is not found one failed run at a time)."""
    order_ids: dict[int, None] = {}
    problems: list[str] = []
    for value in values:
        try:
            order_ids[check_order_id(value)] = None
        except InvalidOrderIdError as exc:
            problems.append(str(exc))
    if problems:
        shown = "; ".join(problems[:_NAMED_INVALID_IDS])
        more = len(problems) - _NAMED_INVALID_IDS
        raise InvalidRunRequestError(
            f"order_ids: {len(problems)} of {len(values)} values are not order IDs: {shown}"
            + (f"; and {more} more" if more > 0 else "")
        )
    return tuple(order_ids)


def choose_mode(
    request: RunRequest, state: WarehouseState, settings: PipelineSettings, now: dt.datetime
) -> str:
    """``full_refresh`` (asked for, or nothing loaded yet), ``reconcile`` (asked for, or
    due) or ``incremental``."""
    if request.full_refresh or (state.watermark is None and not state.known_count):
        return "full_refresh"
    if request.reconcile:
        return "reconcile"
    every = settings.reconcile_every
    if (
        every
        and state.known_count
        and (state.last_reconciled_at is None or now - state.last_reconciled_at >= every)
    ):
        return "reconcile"
    return "incremental"


def plan_run(
    client: TwentyFourSevenOfficeClient,
    *,
    run_id: str,
    run_dir: Path,
    request: RunRequest,
    settings: PipelineSettings,
    now: dt.datetime | None = None,
) -> RunPlan:
    """Write the run's plan and chunk files under ``run_dir``; return the plan."""
    started_at = utc_now()
    now = now or dt.datetime.now(dt.UTC)
    state = read_state(settings.warehouse)
    mode = choose_mode(request, state, settings, now)
    run_dir.mkdir(parents=True, exist_ok=True)
    sources: Counter[str] = Counter()

    # Discovery streams headers to a spool file: a full listing of a million
    # orders must not sit in memory.
    since = listing_start(mode, state, settings.overlap)
    spool = run_dir / DISCOVERED_SPOOL
    discovered: set[int] = set()
    scan: WatermarkScan | None = None
    versions: dict[int, dt.datetime] = {}
    listing = client.list_pages(RECORDS, since=since)

    def scan_from_now_on() -> WatermarkScan:
        return WatermarkScan(listing_clock(listing.server_time, now), settings.clock_tolerance)

    # One read-only connection for the whole listing; the plan task holds the
    # warehouse pool's slot, so no load can want the write lock meanwhile.
    with spool.open("wb") as handle, read_only(settings.warehouse) as known:
        listings = plan_listings(
            known, every_runs=settings.master_data_every_runs, mode=mode, overlap=settings.overlap
        )
        for page in listing:
            scan = scan or scan_from_now_on()  # the first page has come: its Date is known
            listed: list[tuple[int, Any, dt.datetime | None]] = []
            for raw in page:
                order_id, modified_at = _identify(raw)
                if order_id is None:
                    sources["unidentifiable"] += 1
                    log.warning(
                        "Listed record without a usable id skipped: %.200s", dumps_json(raw)
                    )
                    continue
                listed.append((order_id, raw, modified_at))
                if modified_at is not None:
                    scan.see(order_id, modified_at)
            if mode != "full_refresh":
                versions.update(loaded_versions(known, [i for i, _, _ in listed]))
            for order_id, raw, modified_at in listed:
                if order_id in discovered:  # listed twice: it changed while we paged
                    continue
                if modified_at is not None and versions.get(order_id) == modified_at:
                    sources["unchanged"] += 1
                    continue
                discovered.add(order_id)
                handle.write(b"%d\t%s" % (order_id, chunk_ids_entry(order_id, raw)))
        deletion = check_deletions(
            client, known, mode=mode, every_runs=settings.deletion_check_every_runs
        )
    sources["discovered"] = len(discovered)
    scan = scan or scan_from_now_on()
    scan.warn()
    reset = mode == "full_refresh" or scan.is_ahead(state.watermark)
    candidate = scan.reset_candidate if reset else scan.candidate
    if reset and mode == "incremental" and state.last_reconciled_listed_at is not None:
        # This listing started in the future and saw nothing before it; the last
        # reconciliation saw everything up to its own listing.
        candidate = min(scan.reset_candidate, state.last_reconciled_listed_at)
    if reset and mode != "full_refresh":
        log.warning(
            "watermark %s is ahead of the clock %s: listings from it miss anything changed "
            "before it; reset to %s, from where the next run lists",
            _iso(state.watermark),
            _iso(scan.clock),
            _iso(candidate),
        )

    wanted = set(discovered)
    wanted.update(request.order_ids)
    sources["param"] = len(request.order_ids)
    retry = state.retry_ids - wanted
    wanted |= retry
    sources["retry"] = len(retry)
    if mode in ("reconcile", "full_refresh"):
        before = len(wanted)
        wanted.update(known_live_ids(settings.warehouse))
        sources["known"] = len(wanted) - before
    if deletion.candidates:
        before = len(wanted)
        wanted.update(deletion.candidates)
        sources["deletion_candidates"] = len(wanted) - before

    ids = sorted(wanted)
    chunks = _chunk_count(len(ids), settings)
    bounds = [ids[(len(ids) * k) // chunks] for k in range(1, chunks)] if ids else []
    _write_chunks(run_dir, ids, bounds, discovered, spool)

    plan = RunPlan(
        run_id=run_id,
        mode=mode,
        started_at=started_at,
        chunks=chunks,
        orders_requested=len(ids),
        watermark_before=state.watermark.isoformat() if state.watermark else None,
        watermark_candidate=_iso(candidate),
        listed_at=_iso(scan.clock),
        modified_ahead=scan.ahead,
        modified_ahead_max=_iso(scan.ahead_max),
        watermark_reset=reset,
        sources=dict(sources),
        api_stats=client.stats,
        listings=listings,
        deletion_check=deletion.ran,
        deletion_check_calls=deletion.calls,
        deletion_candidates=list(deletion.candidates),
        deletion_check_note=deletion.note,
    )
    plan.write(run_dir)
    log.info(
        "Plan %s (%s): %d orders in %d chunks; sources %s; watermark %s -> candidate %s%s"
        " (listed from %s at %s: API Date %s, worker clock %s)",
        run_id,
        mode,
        len(ids),
        chunks,
        json.dumps(dict(sources)),
        plan.watermark_before,
        plan.watermark_candidate,
        ", reset" if reset else "",
        _iso(since) or "the start",
        plan.listed_at,
        _iso(listing.server_time) or "not sent",
        _iso(now),
    )
    return plan


def listing_start(mode: str, state: WarehouseState, overlap: dt.timedelta) -> dt.datetime | None:
    """The ``modifiedFrom`` of the run's listing; None lists every order.

    Incremental: the watermark minus the overlap. Reconcile: the earlier of the
    watermark and the last reconciliation's listing, minus the overlap, so a
    watermark that went wrong since then hides nothing from it; from the start
    if that listing's time is unknown (the reads of every known order cost far
    more than listing them all). Full refresh: from the start.
    """
    if mode == "full_refresh" or state.watermark is None:
        return None
    if mode == "reconcile":
        if state.last_reconciled_listed_at is None:
            return None
        return min(state.watermark, state.last_reconciled_listed_at) - overlap
    return state.watermark - overlap


def listing_clock(server_time: dt.datetime | None, own_time: dt.datetime) -> dt.datetime:
    """When the listing was taken: the API's ``Date`` or our clock, whichever is earlier.

    The API stamps ``modifiedAt``, so its clock is the one to compare with; ours
    bounds it should the API's clock itself jump ahead.
    """
    return own_time if server_time is None else min(server_time, own_time)


@dataclass
class WatermarkScan:
    """What one listing may advance the watermark to: the newest sane ``modifiedAt``
    listed, never later than the listing's ``clock``.

    A ``modifiedAt`` more than ``tolerance`` ahead of the clock is a clock error
    upstream: counted (``ahead``, ``ahead_max``, ``ahead_id``), not a candidate.
    Taking it would make every later listing start in the future and find nothing.
    """

    clock: dt.datetime
    tolerance: dt.timedelta
    newest: dt.datetime | None = None
    ahead: int = 0
    ahead_max: dt.datetime | None = None
    ahead_id: int | None = None

    def see(self, order_id: int, modified_at: dt.datetime) -> None:
        if modified_at > self.clock + self.tolerance:
            self.ahead += 1
            if self.ahead_max is None or modified_at > self.ahead_max:
                self.ahead_max, self.ahead_id = modified_at, order_id
        elif self.newest is None or modified_at > self.newest:
            self.newest = modified_at

    @property
    def candidate(self) -> dt.datetime | None:
        """The watermark this listing supports; None if it listed nothing usable."""
        return None if self.newest is None else min(self.newest, self.clock)

    @property
    def reset_candidate(self) -> dt.datetime:
        """What to reset the watermark to: the candidate, else the clock (the listing
        saw nothing usable up to it)."""
        return self.candidate or self.clock

    def is_ahead(self, watermark: dt.datetime | None) -> bool:
        """Whether ``watermark`` is past the clock by more than the tolerance."""
        return watermark is not None and watermark > self.clock + self.tolerance

    def warn(self) -> None:
        if self.ahead:
            log.warning(
                "watermark held: listed modifiedAt %s (order %s) is ahead of the clock %s; "
                "%d listed orders are more than %s ahead and do not move the watermark",
                _iso(self.ahead_max),
                self.ahead_id,
                _iso(self.clock),
                self.ahead,
                self.tolerance,
            )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _identify(raw: Any) -> tuple[int | None, dt.datetime | None]:
    """The order ID and modifiedAt of a listed record, or None where unreadable."""
    try:
        order = RECORDS.model.model_validate(raw)
        return RECORDS.key_column.get(order), RECORDS.column(CURSOR).get(order)
    except ValidationError:
        value = raw.get("id") if isinstance(raw, dict) else None
        try:
            return check_order_id(value), None
        except ValueError:
            return None, None


def _chunk_count(orders: int, settings: PipelineSettings) -> int:
    """Tens of chunks at most, whatever the number of orders; at least one (the load
    always runs, to record the run)."""
    return max(1, min(settings.max_chunks, math.ceil(orders / settings.min_chunk_size)))


def _write_chunks(
    run_dir: Path, ids: list[int], bounds: list[int], discovered: set[int], spool: Path
) -> None:
    """Route each order to its chunk file: discovered ones with their listed header
    (copied from the spool as they are), the others with none."""

    def routed() -> Iterator[tuple[int, bytes]]:
        with spool.open("rb") as listed:
            for line in listed:
                listed_id, _, entry = line.partition(b"\t")
                yield bisect.bisect_right(bounds, int(listed_id)), entry
        for order_id in ids:
            if order_id not in discovered:
                yield bisect.bisect_right(bounds, order_id), chunk_ids_entry(order_id, None)

    write_chunk_ids(run_dir, len(bounds) + 1, routed())
    spool.unlink()
