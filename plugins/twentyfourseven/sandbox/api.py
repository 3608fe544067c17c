"""The ``/v1/salesorders`` endpoints, with the official document's paths,
parameters, status codes, headers and body shapes.

Request bodies are validated with the project's shared models (``SalesOrderCreate``,
``SalesOrderUpdate``, ``SalesOrderLineCreate``); failures become the API's
``ValidationError`` body. Responses are plain dicts in wire form, encoded with
``dumps_json`` so money stays exact; a test
validates them against ``SalesOrder``, ``SalesOrderExtended`` and ``SalesOrderLine``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ValidationError

from twentyfourseven.api.constants import INT32_MAX
from twentyfourseven.api.payloads import (
    SalesOrderCreate,
    SalesOrderLineCreate,
    SalesOrderUpdate,
    parse_json,
)

from . import catalogue as cat
from .error_bodies import (
    bad_request,
    conflict,
    issues_from_pydantic,
    json_response,
    not_found,
    unauthorized,
    validation_error,
)
from .generator import INVOICED, currency_rate, due_date, iso_date, iso_timestamp, kid
from .limits import line_number_issues, too_deep
from .money import round2
from .state import Sandbox
from .store import NotFound, OrderFilter

_Entry = TypeVar("_Entry")  # a catalogue entry: a product, a tax code


def sandbox_of(request: Request) -> Sandbox:
    return request.app.state.sandbox


async def require_token(request: Request) -> None:
    """401 unless the request carries a valid, unexpired bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Missing bearer token")
    problem = sandbox_of(request).tokens.check(token.strip())
    if problem == "expired":
        raise unauthorized("The access token has expired")
    if problem is not None:
        raise unauthorized("Invalid access token")


router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

OrderId = Annotated[int, Path(ge=-INT32_MAX - 1, le=INT32_MAX)]


class StatusFilter(enum.StrEnum):
    """The ``status`` filter's enum in the official document (it lists no Inactive)."""

    DRAFT = "Draft"
    WEB = "Web"
    PROPOSAL = "Proposal"
    CONFIRMED = "Confirmed"
    INVOICE = "Invoice"
    ADVANCE_INVOICE = "AdvanceInvoice"


# Wire order of header fields, as in the official examples.
_HEADER_ORDER = (
    "id",
    "customer",
    "currency",
    "status",
    "deliveryCustomer",
    "deliveryDate",
    "invoice",
    "accrual",
    "date",
    "internalMemo",
    "memo",
    "yourReference",
    "ourReference",
    "paymentMethod",
    "referenceNumber",
    "salesType",
    "createdAt",
    "modifiedAt",
    "dimensions",
)
_SERVER_FIELDS = ("id", "createdAt", "modifiedAt")
_LINE_ORDER = (
    "id",
    "type",
    "product",
    "description",
    "quantity",
    "price",
    "costPrice",
    "discountRate",
    "tax",
    "account",
    "isHidden",
    "dimensions",
    "accrual",
)


# --- helpers ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A model dump in wire form: enums as values, dates as ISO strings, Decimals kept."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


async def _body_json(request: Request) -> Any:
    """The request body parsed (numbers exact); 400 if it is not JSON or nests too deep."""
    body = await request.body()
    if too_deep(body):
        raise validation_error([("", "maxDepth")])
    try:
        return parse_json(body)
    except ValueError:
        raise validation_error([("", "type")]) from None


async def _validated(request: Request, model: type[BaseModel], drop: tuple[str, ...] = ()) -> dict:
    """The request body checked against ``model``, as a wire-form dict of the fields sent."""
    data = await _body_json(request)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in drop}
    # Bounds the shared models do not carry, reported along with the models' own issues.
    bounds = line_number_issues(data) if issubclass(model, SalesOrderLineCreate) else []
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(issues_from_pydantic(exc.errors()) + bounds) from None
    if bounds:
        raise validation_error(bounds)
    return _plain(parsed.model_dump(exclude_unset=True, by_alias=True))


def _ordered(header: dict[str, Any]) -> dict[str, Any]:
    known = {k: header[k] for k in _HEADER_ORDER if k in header}
    known.update({k: v for k, v in header.items() if k not in known})
    return known


def _deep_merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value


def _order_body(sandbox: Sandbox, order_id: int, *, extended: bool = True) -> dict[str, Any]:
    try:
        body = sandbox.store.order(order_id, extended=extended)
        has_lines = bool(sandbox.store.lines(order_id))
    except NotFound:
        raise not_found(f"Sales order {order_id} not found") from None
    return sandbox.faults.corrupt_order(body, has_lines)


def _lines_of(sandbox: Sandbox, order_id: int) -> Any:
    try:
        return sandbox.store.lines(order_id)
    except NotFound:
        raise not_found(f"Sales order {order_id} not found") from None


def _invoice_now(sandbox: Sandbox, header: dict[str, Any]) -> None:
    """Give an order becoming invoiced its invoice number, dates and KID."""
    invoice = header.setdefault("invoice", {})
    today = dt.date.fromisoformat(iso_date(sandbox.clock.now()))
    invoice.setdefault("number", sandbox.store.new_invoice_number())
    invoice.setdefault("date", today.isoformat())
    terms = invoice.setdefault("paymentTerms", {"type": "NumberOfDays", "value": 14})
    if terms.get("type") != "FixedDate" and "dueDate" not in invoice:
        try:
            invoice["dueDate"] = due_date(today, terms).isoformat()
        except (OverflowError, ValueError):  # past 9999-12-31: the document sets no maximum
            raise validation_error([("invoice.paymentTerms.value", "maximum")]) from None
    invoice.setdefault("remittanceReference", kid(invoice["number"]))


def _lines_changed(sandbox: Sandbox, order_id: int) -> None:
    if sandbox.settings.line_edit_bumps_modified:
        sandbox.store.touch(order_id)


def _by_ref(table: Mapping[int, _Entry], ref: Any) -> _Entry | None:
    """The catalogue entry a reference such as ``{"id": 3}`` names; None without one."""
    ref_id = (ref or {}).get("id")
    return table.get(ref_id) if ref_id is not None else None


def _complete_line(line: dict[str, Any], header: dict[str, Any]) -> dict[str, Any]:
    """Fill what the server derives: product number, tax and account from the catalogue."""
    product = _by_ref(cat.PRODUCT_BY_ID, line.get("product"))
    if product is not None:
        line["product"] = {"id": product.id, "number": product.number}  # number is read-only
        line.setdefault("description", product.name)
        if "price" not in line:
            rate = Decimal((header.get("currency") or {}).get("rate", 1))
            line["price"] = round2(product.price / rate)
        line.setdefault("tax", product.tax.as_api())
        line.setdefault("account", product.account.as_api())
    tax = _by_ref(cat.TAX_BY_ID, line.get("tax"))
    if tax is not None:
        line["tax"] = {**tax.as_api(), **line["tax"]}
    line.setdefault("type", "product")
    line.setdefault("quantity", Decimal(1))
    line.setdefault("discountRate", Decimal(0))
    ordered = {k: line[k] for k in _LINE_ORDER if k in line}
    ordered.update({k: v for k, v in line.items() if k not in ordered})
    return ordered


def encode_token(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def decode_token(token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "after":
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise validation_error([("continuationToken", "format")]) from None


def link_header(request: Request, links: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """``Link: <url>; rel="next", …``: the request's URL with each relation's query changes."""
    if not links:
        return {}
    parts = [
        f'<{request.url.include_query_params(**params)}>; rel="{rel}"'
        for rel, params in links.items()
    ]
    return {"Link": ", ".join(parts)}


def epoch(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


# --- sales orders ------------------------------------------------------------------


@router.get("/salesorders")
async def list_sales_orders(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    continuation_token: Annotated[str | None, Query(alias="continuationToken")] = None,
    date: Annotated[dt.date | None, Query()] = None,
    date_from: Annotated[dt.date | None, Query(alias="dateFrom")] = None,
    date_to: Annotated[dt.date | None, Query(alias="dateTo")] = None,
    status: Annotated[StatusFilter | None, Query()] = None,
    customer_id: Annotated[str | None, Query(alias="customerId")] = None,
    invoice_number: Annotated[str | None, Query(alias="invoiceNumber")] = None,
    created_from: Annotated[dt.datetime | None, Query(alias="createdFrom")] = None,
    created_to: Annotated[dt.datetime | None, Query(alias="createdTo")] = None,
    modified_from: Annotated[dt.datetime | None, Query(alias="modifiedFrom")] = None,
    modified_to: Annotated[dt.datetime | None, Query(alias="modifiedTo")] = None,
) -> Response:
    """One page of orders (``SalesOrder``), ascending by ID; ``Link: <…>; rel="next"`` if more."""
    sandbox = sandbox_of(request)
    settings = sandbox.settings
    page_size = min(limit or settings.default_page_size, settings.max_page_size)
    after = decode_token(continuation_token) if continuation_token else 0
    flt = OrderFilter(
        date=date.isoformat() if date else None,
        date_from=date_from.isoformat() if date_from else None,
        date_to=date_to.isoformat() if date_to else None,
        status=status.value if status else None,
        customer_id=customer_id,
        invoice_number=invoice_number,
        created_from=epoch(created_from),
        created_to=epoch(created_to),
        modified_from=epoch(modified_from),
        modified_to=epoch(modified_to),
    )
    ids, more = sandbox.store.list_ids(flt, after, page_size)
    body = [_order_body(sandbox, order_id, extended=False) for order_id in ids]
    links = {}
    if more:
        links["next"] = {"limit": page_size, "continuationToken": encode_token(ids[-1])}
    return json_response(body, headers=link_header(request, links))


@router.post("/salesorders")
async def create_sales_order(request: Request) -> Response:
    """Create an order (``SalesOrderRequestPost``); 200 with the ``SalesOrderExtended``."""
    sandbox = sandbox_of(request)
    fields = await _validated(request, SalesOrderCreate)
    for key in _SERVER_FIELDS:
        fields.pop(key, None)
    if fields.get("status") in INVOICED:
        raise bad_request("NoLines", "No lines in the sales order", ["lineItems"])
    now = sandbox.clock.now()
    header: dict[str, Any] = {"status": "Draft", "date": iso_date(now), **fields}
    currency = header.setdefault("currency", {})
    currency.setdefault("code", "NOK")
    if "rate" not in currency:
        currency["rate"] = currency_rate(currency["code"], dt.date.fromisoformat(header["date"]))
    header["id"] = sandbox.store.new_order_id()
    header["createdAt"] = header["modifiedAt"] = iso_timestamp(now)
    sandbox.store.insert(_ordered(header), [])
    return json_response(_order_body(sandbox, header["id"]))


@router.get("/salesorders/{id}")
async def get_sales_order(request: Request, id: OrderId) -> Response:
    """One order with dimensions (``SalesOrderExtended``)."""
    return json_response(_order_body(sandbox_of(request), id))


@router.patch("/salesorders/{id}")
async def update_sales_order(request: Request, id: OrderId) -> Response:
    """Change an order (``SalesOrderRequestPatch``); invoicing needs at least one line."""
    sandbox = sandbox_of(request)
    if not sandbox.store.exists(id):
        raise not_found(f"Sales order {id} not found")
    changes = await _validated(request, SalesOrderUpdate)
    for key in _SERVER_FIELDS:
        changes.pop(key, None)
    header = sandbox.store.editable_header(id)
    if changes.get("status") in INVOICED and header.get("status") not in INVOICED:
        if not sandbox.store.lines(id):
            raise bad_request("NoLines", "No lines in the sales order", ["lineItems"])
        _deep_merge(header, changes)
        _invoice_now(sandbox, header)
    else:
        _deep_merge(header, changes)
    if (header.get("paymentMethod") or {}).get("id", 0) is None:
        del header["paymentMethod"]  # documented: id null removes the payment method
    sandbox.store.save_header(_ordered(header))
    return json_response(_order_body(sandbox, id))


@router.delete("/salesorders/{id}", status_code=204)
async def delete_sales_order(request: Request, id: OrderId) -> Response:
    """Delete an order; 409 if it is invoiced."""
    sandbox = sandbox_of(request)
    if not sandbox.store.exists(id):
        raise not_found(f"Sales order {id} not found")
    if sandbox.store.is_invoiced(id):
        raise conflict(f"Sales order {id} is invoiced and cannot be deleted")
    sandbox.store.delete(id)
    return Response(status_code=204)


# --- lines ------------------------------------------------------------------------


@router.get("/salesorders/{id}/lines")
async def list_sales_order_lines(request: Request, id: OrderId) -> Response:
    """All lines of an order (``Line``); no paging, no filters."""
    sandbox = sandbox_of(request)
    return json_response(sandbox.faults.corrupt_lines(id, _lines_of(sandbox, id)))


@router.post("/salesorders/{id}/lines")
async def create_sales_order_line(request: Request, id: OrderId) -> Response:
    """Add a line (``LineWithoutId``); 200 with the ``Line``."""
    sandbox = sandbox_of(request)
    _lines_of(sandbox, id)
    fields = await _validated(request, SalesOrderLineCreate)
    fields["id"] = sandbox.store.new_line_id()
    line = _complete_line(fields, sandbox.store.header(id))
    sandbox.store.editable_lines(id).append(line)
    _lines_changed(sandbox, id)
    return json_response(line)


LineId = Annotated[int, Path(alias="lineId", ge=-INT32_MAX - 1, le=INT32_MAX)]


def _check_line_exists(sandbox: Sandbox, order_id: int, line_id: int) -> None:
    """404 unless the order and its line both exist."""
    _lines_of(sandbox, order_id)
    try:
        sandbox.store.line(order_id, line_id)
    except NotFound:
        raise not_found(f"Line {line_id} of sales order {order_id} not found") from None


@router.get("/salesorders/{id}/lines/{lineId}")
async def get_sales_order_line(
    request: Request,
    id: OrderId,
    line_id: LineId,
) -> Response:
    """One line of an order."""
    sandbox = sandbox_of(request)
    lines = sandbox.faults.corrupt_lines(id, _lines_of(sandbox, id))
    for line in lines:
        if line["id"] == line_id:
            return json_response(line)
    raise not_found(f"Line {line_id} of sales order {id} not found")


@router.patch("/salesorders/{id}/lines/{lineId}")
async def update_sales_order_line(
    request: Request,
    id: OrderId,
    line_id: LineId,
) -> Response:
    """Change a line (body ``Line``; an ``id`` must match the path)."""
    sandbox = sandbox_of(request)
    _check_line_exists(sandbox, id, line_id)
    raw = await _body_json(request)
    if isinstance(raw, dict) and "id" in raw and raw["id"] != line_id:
        raise validation_error([("id", "const")])
    changes = await _validated(request, SalesOrderLineCreate, drop=("id",))
    lines = sandbox.store.editable_lines(id)
    index = next(n for n, line in enumerate(lines) if line["id"] == line_id)
    merged = dict(lines[index])
    if "tax" in changes:
        merged.pop("tax", None)
    if "product" in changes:
        merged.pop("product", None)
    merged.update(changes)
    lines[index] = _complete_line(merged, sandbox.store.header(id))
    _lines_changed(sandbox, id)
    return json_response(lines[index])


@router.delete("/salesorders/{id}/lines/{lineId}", status_code=204)
async def delete_sales_order_line(
    request: Request,
    id: OrderId,
    line_id: LineId,
) -> Response:
    """Delete a line; 409 if the order is invoiced."""
    sandbox = sandbox_of(request)
    _check_line_exists(sandbox, id, line_id)
    if sandbox.store.is_invoiced(id):
        raise conflict(f"Sales order {id} is invoiced; its lines cannot be deleted")
    lines = sandbox.store.editable_lines(id)
    lines[:] = [line for line in lines if line["id"] != line_id]
    _lines_changed(sandbox, id)
    return Response(status_code=204)
