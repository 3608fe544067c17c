"""What one load did (:class:`LoadSummary`), as the task log and ``ops.runs`` tell it,
and the ledger row in ``ops.runs`` that a re-load after staging is gone answers from."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import duckdb

from twentyfourseven.warehouse.schema import open_warehouse

from .runfiles.runplan import PLAN_FILE, RunPlan, run_folder_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadSummary:
    """What one load did: the run's ``ops.runs`` row plus what an on-call engineer needs."""

    run_id: str
    mode: str
    orders_requested: int
    orders_ok: int
    orders_deleted: int  # 404 for an order the warehouse held: tombstoned
    orders_failed: int
    orders_quarantined: int
    lines_loaded: int
    api_calls: int
    api_retries: int
    chunks: int
    corrupt_chunks: tuple[tuple[str, str], ...] = ()  # (chunk folder, reason)
    orders_not_found: int = 0  # 404 for an order the warehouse never held
    orders_stale: int = 0  # skipped: the warehouse holds a later read of them
    watermark_before: dt.datetime | None = None  # as the plan saw it
    watermark_after: dt.datetime | None = None
    watermark_advanced: bool = False  # this load moved it
    listed_at: dt.datetime | None = None  # the listing's clock (API's Date, or ours)
    watermark_note: str | None = None  # why the watermark was held or reset, for on-call
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    duration_seconds: float | None = None
    load_seconds: float = 0.0
    already_loaded: bool = False  # staging was gone; the ledger row was returned
    # The plan's deletion check (None: recorded before it existed). Its calls are the
    # listing's plus one confirming GET per candidate; deleted_confirmed answered 404.
    deletion_check: bool | None = None
    deletion_check_calls: int | None = None
    deletion_candidates: int | None = None
    deleted_confirmed: int | None = None
    deletion_unconfirmed: int = 0  # candidates whose GET failed: left alone
    deletion_check_note: str | None = None  # why it did not run
    sources: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def complete(self) -> bool:
        """Every chunk verified and loaded."""
        return not self.corrupt_chunks

    @property
    def orders_unaccounted(self) -> int:
        """Requested orders that ended neither loaded, deleted, not found, failed nor
        quarantined: always 0, unless an order went missing between plan and load."""
        settled = (
            self.orders_ok
            + self.orders_deleted
            + self.orders_not_found
            + self.orders_failed
            + self.orders_quarantined
        )
        return self.orders_requested - settled

    def as_log_lines(self) -> list[str]:
        """A short account for the Airflow task log."""
        if self.already_loaded:
            return [
                f"run {self.run_id}: already loaded earlier and its staging files are gone; "
                "nothing to do (ledger row below)",
                *self._count_lines(),
            ]
        lines = [
            f"run {self.run_id} ({self.mode}): loaded {self.chunks - len(self.corrupt_chunks)}"
            f" of {self.chunks} chunks in {self.load_seconds:.2f}s",
            *self._count_lines(),
        ]
        if self.orders_stale:
            lines.append(
                f"skipped {self.orders_stale} orders: the warehouse already holds a later read"
            )
        for name, reason in self.corrupt_chunks:
            lines.append(f"CORRUPT {name}: {reason}; its orders are queued for the next run")
        if self.watermark_advanced:
            before, after = self.watermark_before, self.watermark_after
            moved = "reset" if before and after and after < before else "advanced"
            lines.append(f"watermark {moved} to {after}")
        elif self.corrupt_chunks:
            lines.append(f"watermark held at {self.watermark_after} (corrupt chunks)")
        else:
            lines.append(f"watermark unchanged at {self.watermark_after}")
        return lines

    def _deletion_line(self) -> str:
        if self.deletion_check is None:
            return "deletion check not recorded (a run from before it existed)"
        if not self.deletion_check:
            return f"deletion check not run: {self.deletion_check_note or 'see the plan log'}"
        candidates, deleted = self.deletion_candidates or 0, self.deleted_confirmed or 0
        line = (
            f"deletion check: {self.deletion_check_calls} API calls; {candidates} known orders "
            f"missing from the listing: {deleted} confirmed deleted (404, tombstoned)"
        )
        if self.already_loaded:  # the ledger keeps no split of the rest
            return line
        return (
            f"{line}, {candidates - deleted - self.deletion_unconfirmed} still there, "
            f"{self.deletion_unconfirmed} not confirmed (left alone, read again next run)"
        )

    def _count_lines(self) -> list[str]:
        lines = [
            f"orders requested {self.orders_requested}: ok {self.orders_ok}, deleted "
            f"{self.orders_deleted}, not found {self.orders_not_found}, failed "
            f"{self.orders_failed}, quarantined {self.orders_quarantined}; "
            f"lines loaded {self.lines_loaded}",
            f"API calls {self.api_calls} (retries {self.api_retries})",
            self._deletion_line(),
        ]
        if self.orders_unaccounted:
            lines.append(
                f"UNACCOUNTED {self.orders_unaccounted} requested orders have no outcome "
                "(a bug: every requested order must end in one)"
            )
        return lines


def watermark_note(plan: RunPlan, after: dt.datetime | None) -> str | None:
    """What an on-call engineer must know of the watermark, in one line; None if all is well.

    From the plan's view of the watermark, not the one at load: a re-load of the
    run writes the same note.
    """
    listed_at = parse_time(plan.listed_at)
    before = parse_time(plan.watermark_before)
    notes = []
    if plan.modified_ahead:
        notes.append(
            f"watermark held: listed modifiedAt {_text(plan.modified_ahead_max)} is ahead of "
            f"the clock {_text(listed_at)} ({plan.modified_ahead} listed orders beyond the "
            f"tolerance; they do not move the watermark)"
        )
    # The plan asks for a reset of a watermark it found ahead of the clock beyond
    # the tolerance (or for a full refresh); seconds of skew are no news.
    if plan.watermark_reset and before and listed_at and before > listed_at:
        if after != before:
            notes.append(
                f"watermark {_text(before)} was ahead of the clock {_text(listed_at)}; "
                f"reset to {_text(after)}"
            )
        else:
            notes.append(
                f"watermark {_text(before)} is ahead of the clock {_text(listed_at)} and was "
                "not reset (corrupt chunks); incremental runs miss what changed before it "
                "until a run resets it"
            )
    return "; ".join(notes) or None


def _text(value: dt.datetime | str | None) -> str:
    """A time as an on-call engineer reads it: UTC, to the second."""
    if isinstance(value, str):
        value = parse_time(value)
    if value is None:
        return "unknown"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@overload
def parse_time(value: str) -> dt.datetime: ...
@overload
def parse_time(value: None) -> None: ...
@overload
def parse_time(value: str | None) -> dt.datetime | None: ...
def parse_time(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


_LEDGER = (
    "run_id",
    "mode",
    "started_at",
    "finished_at",
    "duration_seconds",
    "orders_requested",
    "orders_ok",
    "orders_deleted",
    "orders_not_found",
    "orders_failed",
    "orders_quarantined",
    "lines_loaded",
    "api_calls",
    "api_retries",
    "chunks",
    "corrupt_chunks",
    "watermark_before",
    "watermark_after",
    "listed_at",
    "watermark_note",
    "deletion_check",
    "deletion_check_calls",
    "deletion_candidates",
    "deleted_confirmed",
)


def write_ledger(con: duckdb.DuckDBPyConnection, summary: LoadSummary) -> None:
    values = {name: getattr(summary, name, None) for name in _LEDGER}
    values["corrupt_chunks"] = len(summary.corrupt_chunks)
    con.execute(
        f"INSERT OR REPLACE INTO ops.runs ({', '.join(_LEDGER)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in _LEDGER)})",
        [values[name] for name in _LEDGER],
    )


def already_loaded(warehouse: Path, run_dir: Path, run_id: str | None) -> LoadSummary:
    missing = FileNotFoundError(f"no {PLAN_FILE} in {run_dir}: nothing to load")
    if not warehouse.exists():
        raise missing
    con = open_warehouse(warehouse, read_only=True)
    try:
        # Every column, by name: a warehouse last written by an older version may
        # lack the newest ones, and read-only it cannot be given them.
        cursor = con.execute("SELECT * FROM ops.runs")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    match = _ledger_row(rows, run_dir.name, run_id)
    if match is None:
        raise missing
    counts: dict[str, Any] = {
        k: match.get(k) or 0 for k in _LEDGER if k.startswith(("orders_", "api_", "lines"))
    }
    summary = LoadSummary(
        run_id=match["run_id"],
        mode=match["mode"],
        **counts,
        chunks=match["chunks"] or 0,
        corrupt_chunks=(
            (("earlier load", f"{match['corrupt_chunks']} corrupt chunks"),)
            if match["corrupt_chunks"]
            else ()
        ),
        watermark_before=match["watermark_before"],
        watermark_after=match["watermark_after"],
        listed_at=match.get("listed_at"),
        watermark_note=match.get("watermark_note"),
        deletion_check=match.get("deletion_check"),
        deletion_check_calls=match.get("deletion_check_calls"),
        deletion_candidates=match.get("deletion_candidates"),
        deleted_confirmed=match.get("deleted_confirmed"),
        started_at=match["started_at"],
        finished_at=match["finished_at"],
        duration_seconds=match["duration_seconds"],
        already_loaded=True,
    )
    for line in summary.as_log_lines():
        log.info("%s", line)
    return summary


def _ledger_row(
    rows: Iterable[dict[str, Any]], folder: str, run_id: str | None
) -> dict[str, Any] | None:
    for row in rows:
        if row["run_id"] == run_id or (run_id is None and run_folder_name(row["run_id"]) == folder):
            return row
    return None
