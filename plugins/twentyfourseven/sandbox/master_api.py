"""The master-data endpoints, as the official document specifies them: ``/v1/customers``
(Link paging, ``modifiedFrom``), ``/v1/products`` (``page``/``limit``),
``/v1/productcategories`` (a tree by ``parentId``), and plain arrays on
``/v1/taxes``, ``/v1/accounts`` and ``/v1/currencies``; one record by ID where the
document has it.

Auth, error bodies, counters and faults are those of the sales-order endpoints: the
router shares ``require_token``, the middleware classifies these paths by the
names in ``master.RESOURCES``, and a chosen share of customers and products is
served broken when ``invalid_record_rate`` is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from twentyfourseven.api.constants import INT32_MAX

from .api import decode_token, encode_token, link_header, require_token, sandbox_of
from .error_bodies import json_response, not_found, validation_error
from .master import (
    ACCOUNTS,
    CATEGORIES,
    CUSTOMERS,
    PRODUCTS,
    RESOURCES,
    TAXES,
    Predicate,
    Resource,
    wildcard,
)
from .state import Sandbox

router = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

RecordId = Annotated[int, Path(ge=0, le=INT32_MAX)]
CUSTOMER_PAGE = 25  # the document's default limit on /customers
CUSTOMER_MAX_PAGE = 100  # and its maximum
PRODUCT_PAGE = 25


def _served(sandbox: Sandbox, resource: Resource, records: Iterable[dict]) -> list[dict]:
    return [sandbox.faults.corrupt_record(resource.name, record) for record in records]


def _one(request: Request, resource: Resource, record_id: int) -> Response:
    sandbox = sandbox_of(request)
    record = sandbox.master.get(resource, record_id)
    if record is None:
        raise not_found(f"{resource.label} {record_id} not found")
    return json_response(_served(sandbox, resource, [record])[0])


def _at_or_after(field: str, value: dt.datetime) -> Predicate:
    """Records whose ``field`` (a timestamp as the sandbox writes them) is ≥ ``value``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    bound = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return lambda record: record[field] >= bound


# --- customers: Link paging with a continuation token, modifiedFrom ------------------


@router.get("/customers")
async def list_customers(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    continuation_token: Annotated[str | None, Query(alias="continuationToken")] = None,
    organization_number: Annotated[str | None, Query(alias="organizationNumber")] = None,
    is_company: Annotated[bool | None, Query(alias="isCompany")] = None,
    is_supplier: Annotated[bool | None, Query(alias="isSupplier")] = None,
    modified_from: Annotated[dt.datetime | None, Query(alias="modifiedFrom")] = None,
    created_from: Annotated[dt.datetime | None, Query(alias="createdFrom")] = None,
) -> Response:
    """One page of customers, ascending by ID; ``Link: <…>; rel="next"`` while more remain.

    ``modifiedFrom`` and ``createdFrom`` compare greater or equal, as documented; the
    page size is capped at the document's maximum (100).
    """
    sandbox = sandbox_of(request)
    page_size = min(limit or CUSTOMER_PAGE, CUSTOMER_MAX_PAGE)
    after = decode_token(continuation_token) if continuation_token else -1
    tests: list[Predicate] = []
    if organization_number is not None:
        tests.append(lambda c: c.get("organizationNumber") == organization_number)
    if is_company is not None:
        tests.append(lambda c: c["isCompany"] is is_company)
    if is_supplier is not None:
        tests.append(lambda c: c["isSupplier"] is is_supplier)
    for field, value in (("modifiedAt", modified_from), ("createdAt", created_from)):
        if value is not None:
            tests.append(_at_or_after(field, value))
    page: list[dict[str, Any]] = []
    more = False
    for customer_id, customer in sandbox.master.table(CUSTOMERS).items():
        if customer_id <= after or not all(test(customer) for test in tests):
            continue
        if len(page) == page_size:
            more = True
            break
        page.append(customer)
    links = {}
    if more:
        links["next"] = {"limit": page_size, "continuationToken": encode_token(page[-1]["id"])}
    return json_response(_served(sandbox, CUSTOMERS, page), headers=link_header(request, links))


# --- products: page/limit ------------------------------------------------------------


def _category_ids(text: str) -> set[int]:
    try:
        return {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise validation_error([("categoryIds", "pattern")]) from None


@router.get("/products")
async def list_products(
    request: Request,
    page: Annotated[int, Query(ge=1, le=INT32_MAX)] = 1,
    limit: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    product_search: Annotated[str | None, Query(alias="productSearch")] = None,
    category_ids: Annotated[str | None, Query(alias="categoryIds")] = None,
    product_number: Annotated[str | None, Query(alias="productNumber")] = None,
) -> Response:
    """Page ``page`` of the products (ascending ID), ``limit`` a page (default 25);
    ``Link`` with ``first``, ``prev`` and ``next`` (while more remain)."""
    sandbox = sandbox_of(request)
    size = min(limit or PRODUCT_PAGE, sandbox.settings.max_page_size)
    tests: list[Predicate] = []
    if product_search:
        tests.append(wildcard(product_search))
    if category_ids is not None:
        wanted = _category_ids(category_ids)
        tests.append(lambda p: p["category"]["id"] in wanted)
    if product_number is not None:
        tests.append(lambda p: p.get("number") == product_number)
    products = [p for p in sandbox.master.records(PRODUCTS) if all(test(p) for test in tests)]
    start = (page - 1) * size
    links: dict[str, dict[str, Any]] = {"first": {"page": 1, "limit": size}}
    if page > 1:
        links["prev"] = {"page": page - 1, "limit": size}
    if start + size < len(products):
        links["next"] = {"page": page + 1, "limit": size}
    body = _served(sandbox, PRODUCTS, products[start : start + size])
    return json_response(body, headers=link_header(request, links))


# --- whole lists: the category tree, tax codes, accounts, currencies --------------------


def _whole_list(resource: Resource, summary: str) -> None:
    """Register ``GET /v1/<resource>``: every live record, ascending by ID, no paging."""

    async def list_all(request: Request) -> Response:
        sandbox = sandbox_of(request)
        return json_response(_served(sandbox, resource, sandbox.master.records(resource)))

    router.add_api_route(
        f"/{resource.name}", list_all, methods=["GET"], name=resource.list_endpoint, summary=summary
    )


_whole_list(CATEGORIES, "Every category (a tree: parentId 0 for a root)")
_whole_list(TAXES, "Every tax code")


@router.get("/accounts")
async def list_accounts(
    request: Request, query: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    """Every account; ``query`` keeps those with the keyword in their name or number."""
    sandbox = sandbox_of(request)
    accounts = sandbox.master.records(ACCOUNTS)
    if query:
        accounts = [a for a in accounts if wildcard(f"%{query}%")(a)]
    return json_response(_served(sandbox, ACCOUNTS, accounts))


@router.get("/currencies")
async def list_currencies(request: Request) -> Response:
    """NOK and the currencies orders use, at this month's rate (NOK per unit)."""
    sandbox = sandbox_of(request)
    return json_response(sandbox.master.currencies(sandbox.clock.now()))


def _one_record(resource: Resource) -> None:
    """Register ``GET /v1/<resource>/{id}``: one live record; 404 if unknown or deleted."""

    async def get_one(request: Request, id: RecordId) -> Response:
        return _one(request, resource, id)

    router.add_api_route(
        f"/{resource.name}/{{id}}", get_one, methods=["GET"], name=resource.get_endpoint
    )


for _resource in RESOURCES:
    if _resource.get_endpoint is not None:
        _one_record(_resource)
