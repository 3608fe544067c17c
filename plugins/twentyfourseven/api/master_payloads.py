"""The master-data records as the API returns them: customers, products and their
categories, tax codes, ledger accounts and currencies (the vendor's ``CustomerResponse``,
``ProductResponse``, ``CategoryResponse``, ``TaxResponse``, ``Account1`` and
``Currency``). Only the fields the warehouse keeps are typed; the rest are kept as
received (``extra="allow"``), like every response model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from .payloads import Amount, ApiModel, Int32, Percent


class PersonName(ApiModel):
    first_name: str | None = None
    last_name: str | None = None


class Address(ApiModel):
    """A visit, postal, billing or delivery address (``AddressBasic`` + ``countryCode``)."""

    name: str | None = None
    street: str | None = None
    postal_code: str | None = None
    postal_area: str | None = None
    country_subdivision: str | None = None
    country_code: Annotated[str, Field(max_length=2)] | None = None


class Addresses(ApiModel):
    visit: Address | None = None
    postal: Address | None = None
    billing: Address | None = None
    delivery: Address | None = None


class MasterCustomer(ApiModel):
    """``GET /customers``: a company or a person, possibly also a supplier."""

    id: Int32
    name: str | None = None
    person: PersonName | None = None
    is_company: bool
    is_supplier: bool = False
    organization_number: str | None = None
    address: Addresses | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None


class Units(ApiModel):
    id: int | None = None
    name: str | None = None
    symbol: str | None = None


class CategoryReference(ApiModel):
    id: int | None = None
    name: str | None = None


class ProductType(StrEnum):
    DEFAULT = "default"
    STRUCTURE = "structure"


class ProductStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class MasterProduct(ApiModel):
    """``GET /products``."""

    id: Int32
    name: str
    number: str | None = None
    type: ProductType | None = None
    status: ProductStatus | None = None
    cost_price: Amount | None = None
    sales_price: Amount | None = None
    units: Units | None = None
    category: CategoryReference | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None


class ProductCategory(ApiModel):
    """``GET /productcategories``: a node of the category tree (``parentId`` 0: a root)."""

    id: Int32
    name: str
    alternative_reference: str | None = None
    parent_id: int | None = None
    modified_at: dt.datetime | None = None


class TaxCode(ApiModel):
    """``GET /taxes``."""

    id: Int32
    number: Int32 | None = None
    name: str | None = None
    rate: Percent | None = None


class LedgerAccount(ApiModel):
    """``GET /accounts``: a ledger account and the tax code it books with."""

    id: Int32
    number: Int32 | None = None
    name: str | None = None
    tax_id: int | None = None


class CurrencyRate(ApiModel):
    """``GET /currencies``: a currency and today's rate to the base currency."""

    code: Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]
    rate: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None
