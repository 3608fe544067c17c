"""Sales orders and their lines: listed by ``modifiedFrom`` with Link paging, each
order's lines read with one request per order."""

from __future__ import annotations

from ..payloads import SalesOrder, SalesOrderExtended, SalesOrderLine
from .base import Child, Column, Paging, Resource, field, text
from .types import CURRENCY_RATE, ORDER_AMOUNT, PRICE, QUANTITY, RATE, scaled

ORDER_COLUMNS: tuple[Column, ...] = (
    Column("order_id", "BIGINT", field("id")),
    Column("status", "VARCHAR", text("status")),
    Column("order_date", "DATE", field("date")),
    Column("delivery_date", "DATE", field("delivery_date")),
    Column("created_at", "TIMESTAMPTZ", field("created_at")),
    Column("modified_at", "TIMESTAMPTZ", field("modified_at")),
    Column("customer_id", "BIGINT", field("customer", "id")),
    Column("customer_name", "VARCHAR", field("customer", "name")),
    Column("customer_organization_number", "VARCHAR", field("customer", "organization_number")),
    Column("customer_gln", "VARCHAR", field("customer", "gln")),
    Column("customer_street", "VARCHAR", field("customer", "street")),
    Column("customer_postal_code", "VARCHAR", field("customer", "postal_code")),
    Column("customer_postal_area", "VARCHAR", field("customer", "postal_area")),
    Column("customer_city", "VARCHAR", field("customer", "city")),
    Column("customer_country_subdivision", "VARCHAR", field("customer", "country_subdivision")),
    Column("customer_country_code", "VARCHAR", field("customer", "country_code")),
    Column("delivery_customer_id", "BIGINT", field("delivery_customer", "id")),
    Column("delivery_customer_name", "VARCHAR", field("delivery_customer", "name")),
    Column("delivery_city", "VARCHAR", field("delivery_customer", "city")),
    Column("delivery_country_code", "VARCHAR", field("delivery_customer", "country_code")),
    Column("currency_code", "VARCHAR", field("currency", "code")),
    Column("currency_rate", CURRENCY_RATE, field("currency", "rate")),
    Column("net_amount", ORDER_AMOUNT, field("net_amount")),
    Column("gross_amount", ORDER_AMOUNT, field("gross_amount")),
    Column("tax_amount", ORDER_AMOUNT, field("tax_amount")),
    Column("invoice_number", "BIGINT", field("invoice", "number")),
    Column("invoice_date", "DATE", field("invoice", "date")),
    Column("invoice_due_date", "DATE", field("invoice", "due_date")),
    Column("accrual_start_date", "DATE", field("accrual", "start_date")),
    Column("accrual_length", "INTEGER", field("accrual", "length")),
    Column("sales_type_id", "BIGINT", field("sales_type", "id")),
    Column("reference_number", "VARCHAR", field("reference_number")),
    Column("memo", "VARCHAR", field("memo")),
    Column("internal_memo", "VARCHAR", field("internal_memo")),
    # the currency rate in units of 10^-10, where it has at most 10 decimals (types.scaled)
    Column("currency_rate_e10", "BIGINT", scaled(field("currency", "rate"), 10)),
)

LINE_COLUMNS: tuple[Column, ...] = (
    Column("line_id", "BIGINT", field("id")),
    Column("line_type", "VARCHAR", text("type")),
    Column("description", "VARCHAR", field("description")),
    Column("product_id", "BIGINT", field("product", "id")),
    Column("product_number", "VARCHAR", field("product", "number")),
    Column("quantity", QUANTITY, field("quantity")),
    Column("price", PRICE, field("price")),
    Column("cost_price", PRICE, field("cost_price")),
    Column("discount_rate", RATE, field("discount_rate")),
    Column("tax_id", "BIGINT", field("tax", "id")),
    Column("tax_number", "BIGINT", field("tax", "number")),
    Column("tax_rate", RATE, field("tax", "rate")),
    Column("account_id", "BIGINT", field("account", "id")),
    Column("account_number", "BIGINT", field("account", "number")),
    Column("account_name", "VARCHAR", field("account", "name")),
    Column("is_hidden", "BOOLEAN", field("is_hidden")),
    Column("accrual_start_date", "DATE", field("accrual", "start_date")),
    Column("accrual_length", "INTEGER", field("accrual", "length")),
    # the same values in millionths, where they have at most 6 decimals (types.scaled)
    Column("quantity_e6", "BIGINT", scaled(field("quantity"), 6)),
    Column("price_e6", "BIGINT", scaled(field("price"), 6)),
    Column("cost_price_e6", "BIGINT", scaled(field("cost_price"), 6)),
    Column("discount_rate_e6", "BIGINT", scaled(field("discount_rate"), 6)),
    Column("tax_rate_e6", "BIGINT", scaled(field("tax", "rate"), 6)),
)

SALES_ORDER_LINES = Child(
    name="sales_order_lines",
    path="lines",
    model=SalesOrderLine,
    key="line_id",
    columns=LINE_COLUMNS,
)

SALES_ORDERS = Resource(
    name="sales_orders",
    path="/salesorders",
    paging=Paging.LINK,
    model=SalesOrder,
    detail_model=SalesOrderExtended,
    key="order_id",
    cursor="modifiedFrom",
    cursor_column="modified_at",
    columns=ORDER_COLUMNS,
    children=(SALES_ORDER_LINES,),
)
