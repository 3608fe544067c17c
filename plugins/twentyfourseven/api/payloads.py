"""Typed models of the sales-order resources, field for field from the official
OpenAPI document (Finago Office Public API 0.56.0).

Shared by the client (to read responses and build requests) and by the sandbox
(to validate requests and shape responses), so both speak one contract.

Response models keep unknown fields (``extra="allow"``): a field the vendor adds
tomorrow is carried along, never a reason to fail a run. Request models forbid
them, so a misspelt field fails here instead of being ignored by the API.
Attributes are snake_case; the wire names (camelCase) are their aliases.

Money, quantities and rates are ``Decimal``. Parse response bodies with
:func:`parse_json`, which reads JSON numbers exactly; pydantic's own JSON mode
goes through binary floats for long numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from .constants import INT32_MAX

Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
Amount = Annotated[Decimal, Field(allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]


def parse_json(content: bytes | str) -> Any:
    """Parse a JSON body with every non-integer number as an exact ``Decimal``.

    ``NaN`` and ``Infinity`` are not JSON (RFC 8259), though Python's parser takes
    them: they raise ``ValueError`` here, so such a body counts as malformed.
    """
    return json.loads(content, parse_float=Decimal, parse_constant=_not_json)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def dumps_json(value: Any) -> bytes:
    """Encode to JSON with ``Decimal`` written as an exact JSON number, not a string.

    The C encoder walks the value; each Decimal comes out as a marked string that
    one regex pass then unquotes. The mark starts with NUL, which JSON text always
    escapes, so only a string that is exactly the mark followed by a number could
    be mistaken for one.
    """
    return _MARKED.sub(r"\1", _ENCODER.encode(value)).encode()


_MARK = "\x00\x1fdecimal\x1f"
_MARKED = re.compile(r'"\\u0000\\u001fdecimal\\u001f(-?[0-9][0-9.Ee+\-]*)"')


def _encode_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return _MARK + str(value)
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_encode_default, allow_nan=False)


class ApiModel(BaseModel):
    """A resource as the API returns it: camelCase on the wire, unknown fields kept."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
    )

    def to_api(self) -> dict[str, Any]:
        """The body for :func:`dumps_json`: wire names, no unset fields, Decimals kept."""
        return self.model_dump(exclude_unset=True)


class RequestModel(ApiModel):
    """A request body we send: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class SalesOrderStatus(StrEnum):
    DRAFT = "Draft"
    WEB = "Web"
    PROPOSAL = "Proposal"
    CONFIRMED = "Confirmed"
    INVOICE = "Invoice"
    ADVANCE_INVOICE = "AdvanceInvoice"
    INACTIVE = "Inactive"


class LineType(StrEnum):
    PRODUCT = "product"
    TEXT = "text"


class DistributionMethod(StrEnum):
    AUTOMATIC = ""
    MANUAL = "manualdistribution"
    EFAKTURA = "efakturadistribution"
    EHF = "ehfdistribution"
    POSTAL = "postaldistribution"
    PRINT = "printdistribution"
    EMAIL = "emaildistribution"


# --- nested objects -----------------------------------------------------------


class Customer(ApiModel):
    """The customer as it was when the order was created (``Customer1``)."""

    id: int | None = None
    organization_number: Annotated[str, Field(max_length=20)] | None = None
    invoice_email_addresses: list[str] | None = None
    gln: Annotated[str, Field(min_length=13, max_length=13)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    street: Annotated[str, Field(max_length=250)] | None = None
    postal_code: Annotated[str, Field(max_length=50)] | None = None
    postal_area: Annotated[str, Field(max_length=50)] | None = None
    city: Annotated[str, Field(max_length=50)] | None = None
    country_subdivision: Annotated[str, Field(max_length=50)] | None = None
    country_code: Annotated[str, Field(max_length=2)] | None = None


class CustomerRequired(Customer):
    """The customer of a create request: ``id`` and ``name`` are required."""

    model_config = ConfigDict(extra="forbid")

    id: int
    name: Annotated[str, Field(max_length=200)]


class DeliveryCustomer(ApiModel):
    id: int | None = None
    name: Annotated[str, Field(max_length=250)] | None = None
    street: Annotated[str, Field(max_length=250)] | None = None
    postal_code: Annotated[str, Field(max_length=16)] | None = None
    postal_area: Annotated[str, Field(max_length=200)] | None = None
    city: Annotated[str, Field(max_length=50)] | None = None
    country_subdivision: Annotated[str, Field(max_length=100)] | None = None
    country_code: Annotated[str, Field(max_length=2)] | None = None


class NumberOfDaysTerms(ApiModel):
    """Due date a number of days after the invoice date."""

    type: Literal["NumberOfDays"]
    value: Annotated[int, Field(ge=0)]


class OutMonthPlusDaysTerms(ApiModel):
    """Due date a number of days after the end of the invoicing month."""

    type: Literal["OutMonthPlusDays"]
    value: Annotated[int, Field(ge=0)]


class FixedDateTerms(ApiModel):
    """Due date on a fixed day (new invoicing module only)."""

    type: Literal["FixedDate"]
    value: dt.date


PaymentTerms = Annotated[
    NumberOfDaysTerms | OutMonthPlusDaysTerms | FixedDateTerms, Field(discriminator="type")
]


class InvoiceTransaction(ApiModel):
    id: str | None = None


class Invoice(ApiModel):
    """The invoice of an order (``Invoice1``)."""

    number: Int32 | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    distribution_method: DistributionMethod | None = None
    payment_terms: PaymentTerms | None = None
    remittance_reference: str | None = None
    transaction: InvoiceTransaction | None = None


class Accrual(ApiModel):
    """Accrual period; the empty object resets it, otherwise both fields are required."""

    model_config = ConfigDict(extra="forbid")

    start_date: dt.date | None = None
    length: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Accrual:
        if (self.start_date is None) != (self.length is None):
            raise ValueError("accrual needs both startDate and length, or neither")
        return self


class Currency(ApiModel):
    """Order currency (``Currency2``); ``rate`` converts to the base currency."""

    code: Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")] | None = None
    rate: Annotated[Decimal, Field(ge=Decimal("1e-10"), le=1_000_000_000)] = Decimal(1)


class PersonReference(ApiModel):
    id: Amount | None = None
    name: str | None = None


class PaymentMethodReference(ApiModel):
    id: int | None


class SalesType(ApiModel):
    """Sales type; a negative ID is system-defined."""

    id: int | None = None


class Dimension(ApiModel):
    """A department, project or other dimension value (``Dimension1``)."""

    model_config = ConfigDict(extra="forbid")

    dimension_type: int
    value: str
    name: str


class Product(ApiModel):
    """The product as it was when the line was created."""

    id: int | None = None
    number: Annotated[str, Field(max_length=100)] | None = None


class Tax(ApiModel):
    id: int | None = None
    number: Int32 | None = None
    rate: Percent | None = None


class Account(ApiModel):
    id: int | None = None
    number: Int32 | None = None
    name: Annotated[str, Field(max_length=75)] | None = None


# --- sales orders ------------------------------------------------------------


class SalesOrderBasic(ApiModel):
    """Fields shared by orders as read and as written (``SalesOrderBasic``)."""

    currency: Currency | None = None
    status: SalesOrderStatus | None = None
    delivery_customer: DeliveryCustomer | None = None
    delivery_date: dt.date | None = None
    invoice: Invoice | None = None
    accrual: Accrual | None = None
    date: dt.date | None = None
    internal_memo: Annotated[str, Field(max_length=300)] | None = None
    memo: str | None = None
    your_reference: PersonReference | None = None
    our_reference: PersonReference | None = None
    payment_method: PaymentMethodReference | None = None
    reference_number: Annotated[str, Field(max_length=50)] | None = None
    sales_type: SalesType | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None


class SalesOrder(SalesOrderBasic):
    """An order as listed by ``GET /salesorders``."""

    id: int
    customer: Customer | None = None
    gross_amount: Amount | None = None
    net_amount: Amount | None = None
    tax_amount: Amount | None = None


class SalesOrderExtended(SalesOrder):
    """An order as read by ``GET /salesorders/{id}`` (adds dimensions)."""

    dimensions: list[Dimension] | None = None


class SalesOrderCreate(SalesOrderBasic, RequestModel):
    """The body of ``POST /salesorders`` (``SalesOrderRequestPost``)."""

    customer: CustomerRequired
    dimensions: list[Dimension] | None = None


class SalesOrderUpdate(SalesOrderBasic, RequestModel):
    """The body of ``PATCH /salesorders/{id}`` (``SalesOrderRequestPatch``)."""

    customer: Customer | None = None
    dimensions: list[Dimension] | None = None


# --- lines --------------------------------------------------------------------


class SalesOrderLineFields(ApiModel):
    """The fields of a line (``LineWithoutId``)."""

    type: LineType | None = None
    product: Product | None = None
    description: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    quantity: Amount | None = None
    price: Amount | None = None
    cost_price: (
        Annotated[Decimal, Field(multiple_of=Decimal("0.0001"), le=Decimal("999999999999.9999"))]
        | None
    ) = None
    discount_rate: Percent | None = None
    tax: Tax | None = None
    account: Account | None = None
    is_hidden: bool | None = None
    dimensions: list[Dimension] | None = None
    accrual: Accrual | None = None


class SalesOrderLine(SalesOrderLineFields):
    """A line as read by ``GET /salesorders/{id}/lines`` (``Line``)."""

    id: int


class SalesOrderLineCreate(SalesOrderLineFields, RequestModel):
    """The body of ``POST /salesorders/{id}/lines``; the API allows no extra fields."""


# --- error bodies ---------------------------------------------------------------


class ErrorDetail(ApiModel):
    name: str | None = None
    message: str | None = None
    payload: dict[str, Any] | None = None


class ErrorBody(ApiModel):
    """``{"error": {"name", "message"|"payload"}, "trackingId"}`` as the API sends it."""

    error: ErrorDetail | None = None
    tracking_id: str | None = None


def describe_validation_error(exc: ValidationError, limit: int = 5) -> str:
    """A one-line account of a pydantic error: each field path and what it broke."""
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
