"""The sandbox's state: generated base orders plus the changes made to them.

Only changes are stored: edited or created headers (``_headers``), line lists that
differ from the generated ones (``_lines``), and deleted IDs. Everything else is
regenerated from the seed on every read, so memory grows with the number of
changes, not with N.

Listing merges two ascending streams of IDs: base orders in the index range the
time filters allow (skipping changed and deleted ones), and the changed headers,
kept as a sorted ID list. Both are tested against the filters on their skeleton,
so a page costs the candidates it scans, never the whole data set.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .clock import SandboxClock
from .generator import (
    INVOICE_NUMBER_BASE,
    INVOICED,
    LINE_ID_FACTOR,
    MAX_MODIFIED_DELAY,
    ORDER_ID_BASE,
    OrderGenerator,
    Skeleton,
    iso_date,
    iso_timestamp,
)
from .money import order_totals

FIRST_NEW_LINE_ID = 1_500_000_000
_END_OF_DAY = 86_399


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """The filters of ``GET /salesorders``; times in epoch seconds, bounds inclusive."""

    date: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    status: str | None = None
    customer_id: str | None = None
    invoice_number: str | None = None
    created_from: float | None = None
    created_to: float | None = None
    modified_from: float | None = None
    modified_to: float | None = None

    def matches(self, sk: Skeleton) -> bool:
        if self.status is not None and sk.status != self.status:
            return False
        if self.customer_id is not None and str(sk.customer_id) != self.customer_id:
            return False
        if self.invoice_number is not None and str(sk.invoice_number) != self.invoice_number:
            return False
        if self.date is not None and sk.date != self.date:
            return False
        if self.date_from is not None and sk.date < self.date_from:
            return False
        if self.date_to is not None and sk.date > self.date_to:
            return False
        if self.created_from is not None and sk.created < self.created_from:
            return False
        if self.created_to is not None and sk.created > self.created_to:
            return False
        if self.modified_from is not None and sk.modified < self.modified_from:
            return False
        return not (self.modified_to is not None and sk.modified > self.modified_to)

    def created_bounds(self) -> tuple[float | None, float | None]:
        """Bounds on a *base* order's createdAt implied by the filters.

        Base orders have ``date`` = the UTC day of ``createdAt`` and
        ``createdAt ≤ modifiedAt ≤ createdAt + MAX_MODIFIED_DELAY``.
        """
        lows: list[float] = []
        highs: list[float] = []
        if self.created_from is not None:
            lows.append(self.created_from)
        if self.created_to is not None:
            highs.append(self.created_to)
        if self.modified_from is not None:
            lows.append(self.modified_from - MAX_MODIFIED_DELAY)
        if self.modified_to is not None:
            highs.append(self.modified_to)
        for day in (self.date, self.date_from):
            if day is not None:
                lows.append(_day_epoch(day))
        for day in (self.date, self.date_to):
            if day is not None:
                highs.append(_day_epoch(day) + _END_OF_DAY)
        return (max(lows) if lows else None, min(highs) if highs else None)


def _day_epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def _epoch(value: str) -> int:
    return int(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def skeleton_of(header: dict[str, Any]) -> Skeleton:
    """The skeleton of a stored (edited or created) header."""
    invoice_number = (header.get("invoice") or {}).get("number")
    return Skeleton(
        id=header["id"],
        created=_epoch(header["createdAt"]),
        modified=_epoch(header["modifiedAt"]),
        date=header.get("date") or iso_date(_epoch(header["createdAt"])),
        status=header.get("status") or "Draft",
        customer_id=(header.get("customer") or {}).get("id"),
        invoice_number=invoice_number,
    )


class NotFound(LookupError):
    """The order or line does not exist (or was deleted)."""


class SalesOrderStore:
    """Reads and writes orders and lines; all calls come from the event loop thread."""

    def __init__(self, generator: OrderGenerator, clock: SandboxClock) -> None:
        self.generator = generator
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        """Forget every change: back to the generated data set."""
        self._headers: dict[int, dict[str, Any]] = {}
        self._meta: dict[int, Skeleton] = {}
        self._sorted_ids: list[int] = []
        self._lines: dict[int, list[dict[str, Any]]] = {}
        self._deleted: set[int] = set()
        self._next_order_id = ORDER_ID_BASE + 1 + self.generator.orders
        self._next_line_id = FIRST_NEW_LINE_ID
        self._next_invoice_number = INVOICE_NUMBER_BASE + self.generator.orders
        self.change_batches = 0

    # --- reads --------------------------------------------------------------

    def exists(self, order_id: int) -> bool:
        if order_id in self._deleted:
            return False
        return order_id in self._headers or self.generator.index_of(order_id) is not None

    def header(self, order_id: int) -> dict[str, Any]:
        """The current header (shared; callers copy before changing it)."""
        if order_id in self._deleted:
            raise NotFound(order_id)
        stored = self._headers.get(order_id)
        if stored is not None:
            return stored
        i = self.generator.index_of(order_id)
        if i is None:
            raise NotFound(order_id)
        return self.generator.header(i)

    def lines(self, order_id: int) -> list[dict[str, Any]] | tuple[dict[str, Any], ...]:
        """The current lines (shared; callers copy before changing them)."""
        if order_id in self._deleted:
            raise NotFound(order_id)
        stored = self._lines.get(order_id)
        if stored is not None:
            return stored
        i = self.generator.index_of(order_id)
        if i is None:
            if order_id in self._headers:
                return []
            raise NotFound(order_id)
        return self.generator.lines(i)

    def line(self, order_id: int, line_id: int) -> dict[str, Any]:
        for line in self.lines(order_id):
            if line["id"] == line_id:
                return line
        raise NotFound(line_id)

    def order(self, order_id: int, *, extended: bool = True) -> dict[str, Any]:
        """The order as the API serves it: header plus amounts from the lines.

        The list endpoint serves ``SalesOrder``, which has no ``dimensions``.
        """
        header = self.header(order_id)
        body = {k: v for k, v in header.items() if extended or k != "dimensions"}
        i = self.generator.index_of(order_id)
        if i is not None and order_id not in self._lines:
            body.update(self.generator.totals(i))  # cached: a page sums hundreds of lines
        else:
            body.update(order_totals(self.lines(order_id)))
        return body

    def count(self) -> int:
        """Orders that currently exist."""
        created = self._next_order_id - (ORDER_ID_BASE + 1 + self.generator.orders)
        return self.generator.orders + created - len(self._deleted)

    def list_ids(self, flt: OrderFilter, after: int, limit: int) -> tuple[list[int], bool]:
        """Up to ``limit`` IDs > ``after`` matching ``flt``, ascending, and whether more exist."""
        merged = heapq.merge(
            self._base_candidates(flt, after), self._changed_candidates(flt, after)
        )
        ids = list(itertools.islice(merged, limit + 1))
        return ids[:limit], len(ids) > limit

    def _base_candidates(self, flt: OrderFilter, after: int) -> Iterator[int]:
        gen = self.generator
        low, high = flt.created_bounds()
        start = gen.first_index_created_at_or_after(low) if low is not None else 0
        stop = gen.first_index_created_after(high) if high is not None else gen.orders
        if flt.invoice_number is not None:
            if not flt.invoice_number.isdigit():
                return
            # Base invoice numbers are INVOICE_NUMBER_BASE + index: one candidate at most.
            i = int(flt.invoice_number) - INVOICE_NUMBER_BASE
            start, stop = max(start, i), min(stop, i + 1)
        after_index = after - ORDER_ID_BASE  # first index with ID > after
        start = max(start, after_index)
        changed, deleted = self._headers, self._deleted
        customer = flt.customer_id
        for i in range(start, stop):
            order_id = ORDER_ID_BASE + 1 + i
            if order_id in changed or order_id in deleted:
                continue
            # The customer pick is the cheapest field to test; skip whole skeletons.
            if customer is not None and str(gen.customer_id_of(i)) != customer:
                continue
            if flt.matches(gen.skeleton(i)):
                yield order_id

    def _changed_candidates(self, flt: OrderFilter, after: int) -> Iterator[int]:
        ids = self._sorted_ids
        for n in range(bisect.bisect_right(ids, after), len(ids)):
            order_id = ids[n]
            if flt.matches(self._meta[order_id]):
                yield order_id

    # --- writes -------------------------------------------------------------

    def _store_header(self, header: dict[str, Any]) -> None:
        order_id = header["id"]
        if order_id not in self._headers:
            bisect.insort(self._sorted_ids, order_id)
        self._headers[order_id] = header
        self._meta[order_id] = skeleton_of(header)

    def editable_header(self, order_id: int) -> dict[str, Any]:
        """A private deep copy of the header, to change and then :meth:`save_header`."""
        return copy.deepcopy(self.header(order_id))

    def save_header(self, header: dict[str, Any], *, modified: int | None = None) -> None:
        """Store a changed header, stamping ``modifiedAt`` (default: now)."""
        stamp = self.clock.now() if modified is None else modified
        header["modifiedAt"] = iso_timestamp(max(stamp, _epoch(header["createdAt"])))
        self._store_header(header)

    def touch(self, order_id: int, *, modified: int | None = None) -> None:
        """Bump ``modifiedAt`` without other changes."""
        self.save_header(self.editable_header(order_id), modified=modified)

    def editable_lines(self, order_id: int) -> list[dict[str, Any]]:
        """The order's lines as a private list, stored from now on (change in place)."""
        stored = self._lines.get(order_id)
        if stored is None:
            stored = copy.deepcopy(list(self.lines(order_id)))
            self._lines[order_id] = stored
        return stored

    def new_order_id(self) -> int:
        order_id = self._next_order_id
        self._next_order_id += 1
        return order_id

    def new_line_id(self) -> int:
        line_id = self._next_line_id
        self._next_line_id += 1
        return line_id

    def new_invoice_number(self) -> int:
        self._next_invoice_number += 1
        return self._next_invoice_number

    def insert(self, header: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        """Store a new order (header with ``id``, ``createdAt`` and ``modifiedAt`` set)."""
        self._store_header(header)
        self._lines[header["id"]] = lines

    def delete(self, order_id: int) -> None:
        if not self.exists(order_id):
            raise NotFound(order_id)
        self._deleted.add(order_id)
        if self._headers.pop(order_id, None) is not None:
            del self._meta[order_id]
            self._sorted_ids.remove(order_id)
        self._lines.pop(order_id, None)

    def is_invoiced(self, order_id: int) -> bool:
        return self.header(order_id).get("status") in INVOICED

    def random_existing_id(self, rnd: Any) -> int | None:
        """A uniformly drawn existing order ID (None if there is none)."""
        if self.count() == 0:
            return None
        low, high = ORDER_ID_BASE + 1, self._next_order_id - 1
        for _ in range(1000):
            order_id = rnd.randint(low, high)
            if self.exists(order_id):
                return order_id
        return None

    def stats(self) -> dict[str, int]:
        return {
            "orders": self.count(),
            "base_orders": self.generator.orders,
            "changed_headers": len(self._headers),
            "changed_line_lists": len(self._lines),
            "deleted": len(self._deleted),
            "created": self._next_order_id - (ORDER_ID_BASE + 1 + self.generator.orders),
            "change_batches": self.change_batches,
        }

    @staticmethod
    def base_line_id(order_id: int, n: int) -> int:
        return order_id * LINE_ID_FACTOR + n + 1
