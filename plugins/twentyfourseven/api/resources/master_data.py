"""The master data that gives orders their meaning: customers, products, product
categories, tax codes, ledger accounts and currencies. Small lists, read as listings:
customers by ``modifiedFrom`` (Link paging), products by ``page``/``limit``, the
others whole (one plain array each)."""

from __future__ import annotations

from ..master_payloads import (
    CurrencyRate,
    LedgerAccount,
    MasterCustomer,
    MasterProduct,
    ProductCategory,
    TaxCode,
)
from .base import Column, Paging, Resource, field, text
from .types import CURRENCY_RATE, PRICE, RATE

CUSTOMERS = Resource(
    name="customers",
    path="/customers",
    paging=Paging.LINK,
    model=MasterCustomer,
    key="customer_id",
    cursor="modifiedFrom",
    cursor_column="modified_at",
    history=True,
    columns=(
        Column("customer_id", "BIGINT", field("id")),
        Column("name", "VARCHAR", field("name")),
        Column("is_company", "BOOLEAN", field("is_company")),
        Column("is_supplier", "BOOLEAN", field("is_supplier")),
        Column("organization_number", "VARCHAR", field("organization_number")),
        Column("first_name", "VARCHAR", field("person", "first_name")),
        Column("last_name", "VARCHAR", field("person", "last_name")),
        Column("street", "VARCHAR", field("address", "visit", "street")),
        Column("postal_code", "VARCHAR", field("address", "visit", "postal_code")),
        Column("city", "VARCHAR", field("address", "visit", "postal_area")),
        Column("country_subdivision", "VARCHAR", field("address", "visit", "country_subdivision")),
        Column("country_code", "VARCHAR", field("address", "visit", "country_code")),
        Column("created_at", "TIMESTAMPTZ", field("created_at")),
        Column("modified_at", "TIMESTAMPTZ", field("modified_at")),
    ),
)

PRODUCTS = Resource(
    name="products",
    path="/products",
    paging=Paging.PAGE,
    model=MasterProduct,
    key="product_id",
    history=True,
    columns=(
        Column("product_id", "BIGINT", field("id")),
        Column("product_number", "VARCHAR", field("number")),
        Column("name", "VARCHAR", field("name")),
        Column("product_type", "VARCHAR", text("type")),
        Column("status", "VARCHAR", text("status")),
        Column("unit_name", "VARCHAR", field("units", "name")),
        Column("unit_symbol", "VARCHAR", field("units", "symbol")),
        Column("cost_price", PRICE, field("cost_price")),
        Column("sales_price", PRICE, field("sales_price")),
        Column("category_id", "BIGINT", field("category", "id")),
        Column("created_at", "TIMESTAMPTZ", field("created_at")),
        Column("modified_at", "TIMESTAMPTZ", field("modified_at")),
    ),
)

PRODUCT_CATEGORIES = Resource(
    name="product_categories",
    path="/productcategories",
    paging=Paging.LINK,
    model=ProductCategory,
    key="category_id",
    columns=(
        Column("category_id", "BIGINT", field("id")),
        Column("name", "VARCHAR", field("name")),
        Column("alternative_reference", "VARCHAR", field("alternative_reference")),
        Column("parent_id", "BIGINT", field("parent_id")),
        Column("modified_at", "TIMESTAMPTZ", field("modified_at")),
    ),
)

TAX_CODES = Resource(
    name="tax_codes",
    path="/taxes",
    paging=Paging.NONE,
    model=TaxCode,
    key="tax_id",
    columns=(
        Column("tax_id", "BIGINT", field("id")),
        Column("tax_number", "BIGINT", field("number")),
        Column("name", "VARCHAR", field("name")),
        Column("rate", RATE, field("rate")),
    ),
)

ACCOUNTS = Resource(
    name="accounts",
    path="/accounts",
    paging=Paging.NONE,
    model=LedgerAccount,
    key="account_id",
    columns=(
        Column("account_id", "BIGINT", field("id")),
        Column("account_number", "BIGINT", field("number")),
        Column("name", "VARCHAR", field("name")),
        Column("tax_id", "BIGINT", field("tax_id")),
    ),
)

CURRENCIES = Resource(
    name="currencies",
    path="/currencies",
    paging=Paging.NONE,
    model=CurrencyRate,
    key="currency_code",
    columns=(
        Column("currency_code", "VARCHAR", field("code")),
        Column("rate", CURRENCY_RATE, field("rate")),
    ),
)

MASTER_DATA: tuple[Resource, ...] = (
    CUSTOMERS,
    PRODUCTS,
    PRODUCT_CATEGORIES,
    TAX_CODES,
    ACCOUNTS,
    CURRENCIES,
)
