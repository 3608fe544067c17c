"""Reading many orders at once: header and lines per order, bounded and budgeted.

The API has no bulk endpoint for lines (one request per order), so throughput
comes from concurrency under the client's shared rate budget. Each order ends
in one :class:`OrderOutcome`, yielded as soon as it is complete; a failure of
one order never stops the others.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import ValidationError as PydanticValidationError

from .errors import ApiError, NotFoundError, ResponseFormatError
from .ids import check_order_id
from .payloads import SalesOrderExtended, SalesOrderLine, describe_validation_error
from .resources import SALES_ORDERS, Resource


class JsonReader(Protocol):
    """What the bulk reader needs of a client: one budgeted ``GET`` and how many may be
    in flight. The client calls the bulk reader, never the other way round."""

    max_concurrency: int

    def get_json(self, path: str) -> Any: ...


class OutcomeStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class InvalidRecord:
    """A record the API sent that does not fit the models: kept, with why, for quarantine."""

    kind: str  # "order" or "line"
    order_id: int
    raw: Any
    reason: str


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """What reading one order gave.

    ``ok``: ``header`` and/or ``lines`` as requested (records that failed validation
    are in ``invalid`` instead, with the raw JSON of every record in ``raw_*``);
    ``not_found``: the API answered 404, it has no such order (deleted upstream, or
    never there: the caller knows which, the API does not); ``failed``: ``error``
    says why, with the API's trackingId when it gave one.
    """

    order_id: int
    status: OutcomeStatus
    header: SalesOrderExtended | None = None
    lines: tuple[SalesOrderLine, ...] | None = None
    raw_header: Any = None
    raw_lines: list[Any] | None = None
    invalid: tuple[InvalidRecord, ...] = ()
    error: ApiError | None = field(default=None, repr=False)

    @property
    def error_summary(self) -> str | None:
        return str(self.error) if self.error else None


def validate_order_ids(order_ids: Iterable[int | str]) -> list[int]:
    """Every ID checked (before any request) and deduplicated, first occurrence first."""
    return list(dict.fromkeys(check_order_id(value) for value in order_ids))


def _checked_as_read(order_ids: Iterable[int | str]) -> Iterator[int]:
    """Each ID checked and deduplicated as it is drawn, not all up front."""
    seen: set[int] = set()
    for value in order_ids:
        order_id = check_order_id(value)
        if order_id not in seen:
            seen.add(order_id)
            yield order_id


def read_orders(
    client: JsonReader,
    order_ids: Iterable[int | str],
    *,
    header: bool = True,
    lines: bool = True,
    concurrency: int | None = None,
    resource: Resource = SALES_ORDERS,
) -> Iterator[OrderOutcome]:
    """Read ``order_ids`` with up to ``concurrency`` orders in flight; yield as completed.

    Each is read as ``resource`` describes it: the record at its item path
    (``header``) and its child list (``lines``), one request each.

    A collection of IDs (list, tuple, range, set) is validated in full first, so a
    bad ID fails the call before any request. Any other iterable is drawn lazily,
    a few IDs ahead of the requests, and validated as it is drawn: a caller can
    stream a million IDs, each with its payload, without holding them. Only a
    small window of work is queued at a time, so memory does not grow with the
    number of IDs, and closing the iterator early cancels what is queued.
    """
    if not (header or lines):
        raise ValueError("read_orders needs header=True, lines=True, or both")
    if isinstance(order_ids, Collection):
        remaining = iter(validate_order_ids(order_ids))
    else:
        remaining = _checked_as_read(order_ids)
    workers = concurrency or client.max_concurrency
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="24so-read")
    pending: set[Future[OrderOutcome]] = set()

    def submit(batch: Iterable[int]) -> None:
        for order_id in batch:
            pending.add(pool.submit(_read_one, client, resource, order_id, header, lines))

    try:
        submit(itertools.islice(remaining, workers * 2))
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending.discard(future)
                submit(itertools.islice(remaining, 1))
                yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_one(
    client: JsonReader, resource: Resource, order_id: int, header: bool, lines: bool
) -> OrderOutcome:
    path = resource.item_path(order_id)
    child = resource.children[0] if lines else None
    try:
        raw_header = client.get_json(path) if header else None
        raw_lines = client.get_json(resource.child_path(child, order_id)) if child else None
    except NotFoundError:
        return OrderOutcome(order_id, OutcomeStatus.NOT_FOUND)
    except ApiError as exc:
        return OrderOutcome(order_id, OutcomeStatus.FAILED, error=exc)

    invalid: list[InvalidRecord] = []
    parsed_header = _validate_header(resource, order_id, raw_header, invalid) if header else None
    parsed_lines: tuple[SalesOrderLine, ...] | None = None
    if child:
        if not isinstance(raw_lines, list):
            error = ResponseFormatError(
                f"lines of order {order_id} are not a JSON array", method="GET", url=path
            )
            return OrderOutcome(order_id, OutcomeStatus.FAILED, error=error)
        parsed_lines = _validate_lines(resource, order_id, raw_lines, invalid)
    return OrderOutcome(
        order_id,
        OutcomeStatus.OK,
        header=parsed_header,
        lines=parsed_lines,
        raw_header=raw_header,
        raw_lines=raw_lines,
        invalid=tuple(invalid),
    )


def _validate_header(
    resource: Resource, order_id: int, raw: Any, invalid: list[InvalidRecord]
) -> SalesOrderExtended | None:
    try:
        return (resource.detail_model or resource.model).model_validate(raw)  # type: ignore[return-value]
    except PydanticValidationError as exc:
        invalid.append(InvalidRecord("order", order_id, raw, describe_validation_error(exc)))
        return None


def _validate_lines(
    resource: Resource, order_id: int, raw_lines: list[Any], invalid: list[InvalidRecord]
) -> tuple[SalesOrderLine, ...]:
    child = resource.children[0]
    try:  # the common case: every line valid, validated in one pass
        return tuple(child.list_model.validate_python(raw_lines))
    except PydanticValidationError:
        pass
    valid: list[Any] = []
    for raw in raw_lines:
        try:
            valid.append(child.model.model_validate(raw))
        except PydanticValidationError as exc:
            invalid.append(InvalidRecord("line", order_id, raw, describe_validation_error(exc)))
    return tuple(valid)
