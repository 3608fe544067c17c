"""Deterministic sales orders, lines and customers, derived on demand from a seed.

Order ``i`` (0 ≤ i < N) has ID ``ORDER_ID_BASE + 1 + i`` and is a pure function
of ``(seed, i)``; nothing is stored, so a million orders cost no memory. Its
*skeleton* (timestamps, status, customer, invoice number) comes from one cheap
hash so list filters can test candidates without building whole orders; the
rest comes from a ``random.Random`` seeded from the same pair.

``createdAt`` grows strictly with ``i`` over ``history_days`` ending at the
sandbox's start time, and ``modifiedAt`` lies within ``MAX_MODIFIED_DELAY`` after
it, so time filters reduce to an index range found by bisection.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from . import catalogue as cat
from .determinism import (
    SALT_CUSTOMER,
    SALT_CUSTOMER_PICK,
    SALT_LINES,
    SALT_ORDER,
    SALT_PERIODS,
    SALT_PERSON,
    SALT_SKELETON,
    mix,
    unit,
)
from .money import order_totals, round2

ORDER_ID_BASE = 100_000
INVOICE_NUMBER_BASE = 500_000
LINE_ID_FACTOR = 100  # base line IDs are order ID * 100 + 1, + 2, …
CUSTOMER_ID_BASE = 10_000
CUSTOMER_COUNT = 5_000
FOREIGN_SHARE = 0.08  # customers abroad, invoiced in their own currency
PERSON_SHARE = 0.07  # Norwegian customers who are private persons, not companies
MAX_MODIFIED_DELAY = 45 * 86_400
# Periods, drawn from a stream of their own (SALT_PERIODS) so every other field stays as it
# was: invoiced orders whose invoice is dated in the month after the order date (the ledger
# and the sales view then disagree), and product lines that carry an accrual of their own.
NEXT_MONTH_INVOICE_SHARE = 0.12
LINE_ACCRUAL_SHARE = 0.04
ACCRUAL_LENGTHS = (2, 3, 6, 12, 12, 24, 36)
RECENT = 45 * 86_400

INVOICED = frozenset({"Invoice", "AdvanceInvoice"})
_DAY = 86_400

# (status, cumulative weight) for recent and for older orders
_RECENT_STATUS = (
    ("Draft", 0.22),
    ("Web", 0.30),
    ("Proposal", 0.42),
    ("Confirmed", 0.65),
    ("Invoice", 0.95),
    ("AdvanceInvoice", 0.98),
    ("Inactive", 1.0),
)
_OLD_STATUS = (
    ("Draft", 0.03),
    ("Web", 0.04),
    ("Proposal", 0.07),
    ("Confirmed", 0.11),
    ("Invoice", 0.91),
    ("AdvanceInvoice", 0.95),
    ("Inactive", 1.0),
)
_LINE_COUNTS = (1, 2, 3, 4, 5, 6, 7, 8)
_LINE_COUNT_WEIGHTS = (30, 22, 15, 10, 7, 5, 3, 2)
_DISCOUNTS = tuple(Decimal(d) for d in ("5", "10", "12.5", "15", "20", "25", "30", "40", "50"))


def iso_timestamp(epoch: int) -> str:
    """``2024-05-01T08:30:00Z``: the form the API uses for createdAt/modifiedAt."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def iso_date(epoch: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The fields list filters test, in cheap-to-compare form."""

    id: int
    created: int  # epoch seconds
    modified: int
    date: str  # ISO date, compares correctly as a string
    status: str
    customer_id: int | None
    invoice_number: int | None


class _CreatedAtIndex:
    """A read-only sequence of createdAt by index, for ``bisect``."""

    def __init__(self, generator: OrderGenerator) -> None:
        self._generator = generator

    def __len__(self) -> int:
        return self._generator.orders

    def __getitem__(self, i: int) -> int:
        return self._generator.created_at(i)


class OrderGenerator:
    """Builds the base data set; every method is a pure function of its arguments."""

    def __init__(self, *, seed: int, orders: int, end: int, history_days: int) -> None:
        self.seed = seed
        self.orders = orders
        self.end = end
        self.start = end - history_days * _DAY
        self._slot = (end - self.start) / max(orders, 1)
        self._created_index = _CreatedAtIndex(self)
        # Bounded caches: a page read and the line reads that follow it hit these.
        self.header = lru_cache(maxsize=4096)(self._header)
        self.lines = lru_cache(maxsize=4096)(self._lines)
        self.totals = lru_cache(maxsize=4096)(self._totals)
        self.customer = lru_cache(maxsize=CUSTOMER_COUNT)(self._customer)

    # --- identities ---------------------------------------------------------

    def index_of(self, order_id: int) -> int | None:
        """The base index of ``order_id``, or None if it is not a base order."""
        i = order_id - ORDER_ID_BASE - 1
        return i if 0 <= i < self.orders else None

    @staticmethod
    def order_id(i: int) -> int:
        return ORDER_ID_BASE + 1 + i

    # --- skeleton -----------------------------------------------------------

    def created_at(self, i: int) -> int:
        u = (mix(self.seed, SALT_SKELETON, i) & 0xFFFFF) / 0x100000
        return self.start + int((i + u) * self._slot)

    def first_index_created_at_or_after(self, epoch: float) -> int:
        """The smallest base index whose createdAt ≥ ``epoch`` (N if none)."""
        return bisect.bisect_left(self._created_index, epoch)

    def first_index_created_after(self, epoch: float) -> int:
        """The smallest base index whose createdAt > ``epoch`` (N if none)."""
        return bisect.bisect_right(self._created_index, epoch)

    def skeleton(self, i: int) -> Skeleton:
        h = mix(self.seed, SALT_SKELETON, i)
        created = self.start + int((i + (h & 0xFFFFF) / 0x100000) * self._slot)
        r_delay = ((h >> 20) & 0xFFFFF) / 0x100000
        if r_delay < 0.35:
            delay = 0
        elif r_delay < 0.80:
            delay = int((r_delay - 0.35) / 0.45 * 8 * 3600)  # within the working day
        else:
            delay = int((r_delay - 0.80) / 0.20 * MAX_MODIFIED_DELAY)
        modified = min(created + delay, self.end)
        r_status = ((h >> 40) & 0xFFFFF) / 0x100000
        table = _RECENT_STATUS if self.end - created < RECENT else _OLD_STATUS
        status = next(name for name, bound in table if r_status < bound)
        return Skeleton(
            id=self.order_id(i),
            created=created,
            modified=modified,
            date=iso_date(created),
            status=status,
            customer_id=self.customer_id_of(i),
            invoice_number=INVOICE_NUMBER_BASE + i if status in INVOICED else None,
        )

    def customer_id_of(self, i: int) -> int:
        """The customer of base order ``i`` (cheaper than the whole skeleton)."""
        # Squaring skews the pick: a few big customers, a long tail of small ones.
        r = unit(self.seed, SALT_CUSTOMER_PICK, i)
        return CUSTOMER_ID_BASE + int(CUSTOMER_COUNT * r * r)

    # --- customers ----------------------------------------------------------

    def person_of(self, customer_id: int) -> tuple[str, str] | None:
        """``(first name, last name)`` if ``customer_id`` is a private person, else None.

        About ``PERSON_SHARE`` of the Norwegian customers, chosen by a stream of their
        own: the companies, and every order, stay as they would be without persons.
        """
        if unit(self.seed, SALT_PERSON, customer_id) >= PERSON_SHARE:
            return None
        if self._foreign(random.Random(mix(self.seed, SALT_CUSTOMER, customer_id))):  # noqa: S311 - data
            return None
        rnd = random.Random(mix(self.seed, SALT_PERSON, customer_id, 1))  # noqa: S311 - data, not secrets
        return rnd.choice(cat.FIRST_NAMES), rnd.choice(cat.LAST_NAMES)

    @staticmethod
    def _foreign(rnd: random.Random) -> bool:
        """The first draw of a customer's stream: abroad or not."""
        return rnd.random() < FOREIGN_SHARE

    def _customer(self, customer_id: int) -> tuple[dict[str, Any], str]:
        """The customer snapshot of ``customer_id`` and its currency code."""
        rnd = random.Random(mix(self.seed, SALT_CUSTOMER, customer_id))  # noqa: S311 - data, not secrets
        if self._foreign(rnd):
            country = rnd.choice(tuple(cat.FOREIGN_COUNTRIES))
            base, form = cat.FOREIGN_COMPANY[country]
            street, postal_code, city, subdivision = rnd.choice(cat.FOREIGN_PLACES[country])
            name = f"{base} {rnd.choice(('Group', 'Partners', 'International', 'Nord'))} {form}"
            customer = {
                "id": customer_id,
                "organizationNumber": str(rnd.randint(10**9, 10**10 - 1)),
                "name": name,
                "street": street,
                "postalCode": postal_code,
                "postalArea": city,
                "city": city,
                "countrySubdivision": subdivision,
                "countryCode": country,
            }
            return customer, cat.FOREIGN_COUNTRIES[country]
        person = self.person_of(customer_id)
        if person is not None:  # a name and a home address: no organisation number, no GLN
            place = rnd.choice(cat.NORWEGIAN_PLACES)
            street = f"{rnd.choice(cat.STREETS)} {rnd.randint(1, 120)}"
            return {"id": customer_id, "name": " ".join(person), **_address(street, place)}, "NOK"
        first, second = rnd.choice(cat.COMPANY_FIRST), rnd.choice(cat.COMPANY_SECOND)
        place = rnd.choice(cat.NORWEGIAN_PLACES)
        customer = {"id": customer_id, "organizationNumber": _org_number(rnd)}
        if rnd.random() < 0.5:
            customer["invoiceEmailAddresses"] = [f"faktura@{_slug(first + second)}.no"]
        if rnd.random() < 0.3:
            customer["gln"] = gln(rnd)
        customer.update(
            {
                "name": f"{first} {second} {rnd.choice(cat.COMPANY_FORMS)}",
                **_address(f"{rnd.choice(cat.STREETS)} {rnd.randint(1, 120)}", place),
            }
        )
        return customer, "NOK"

    # --- orders -------------------------------------------------------------

    def _header(self, i: int) -> dict[str, Any]:
        """The base header of order ``i`` (no amounts; those come from the lines)."""
        sk = self.skeleton(i)
        rnd = random.Random(mix(self.seed, SALT_ORDER, i))  # noqa: S311 - data, not secrets
        return self.build_header(rnd, sk)

    def build_header(self, rnd: random.Random, sk: Skeleton) -> dict[str, Any]:
        """A header for skeleton ``sk``, details drawn from ``rnd``."""
        customer, currency = self.customer(sk.customer_id)
        order_date = dt.date.fromisoformat(sk.date)
        end_date = dt.date.fromisoformat(iso_date(self.end))
        header: dict[str, Any] = {"id": sk.id, "customer": customer}
        header["currency"] = {"code": currency, "rate": currency_rate(currency, order_date)}
        header["status"] = sk.status
        delivery = {k: v for k, v in customer.items() if k not in _NOT_DELIVERY}
        if rnd.random() < 0.15:  # another delivery address (goods reception, or a cabin)
            if "organizationNumber" in customer:
                delivery["name"] = f"{customer['name']} v/ varemottak"
            delivery["street"] = f"{rnd.choice(cat.STREETS)} {rnd.randint(1, 120)}"
        header["deliveryCustomer"] = delivery
        header["deliveryDate"] = (order_date + dt.timedelta(days=rnd.randint(0, 21))).isoformat()
        next_month = unit(self.seed, SALT_PERIODS, sk.id) < NEXT_MONTH_INVOICE_SHARE
        header["invoice"] = self._invoice(rnd, sk, order_date, end_date, next_month=next_month)
        if rnd.random() < 0.03:
            header["accrual"] = {"startDate": order_date.replace(day=1).isoformat(), "length": 12}
        header["date"] = sk.date
        if rnd.random() < 0.15:
            header["internalMemo"] = rnd.choice(cat.INTERNAL_MEMOS)
        if rnd.random() < 0.3:
            header["memo"] = rnd.choice(cat.MEMOS)
        if rnd.random() < 0.6:
            person = f"{rnd.choice(cat.FIRST_NAMES)} {rnd.choice(cat.LAST_NAMES)}"
            header["yourReference"] = {"id": rnd.randint(100, 9999), "name": person}
        if rnd.random() < 0.7:
            header["ourReference"] = {"id": rnd.randint(1, 12)}
        if rnd.random() < 0.2:
            header["paymentMethod"] = {"id": rnd.choice((1, 2, 3))}
        if rnd.random() < 0.3:
            header["referenceNumber"] = f"PO-{rnd.randint(10000, 99999)}"
        header["salesType"] = {"id": rnd.choice(cat.SALES_TYPES)}
        header["createdAt"] = iso_timestamp(sk.created)
        header["modifiedAt"] = iso_timestamp(sk.modified)
        if rnd.random() < 0.4:
            header["dimensions"] = [dict(d) for d in rnd.sample(cat.DIMENSIONS, rnd.randint(1, 2))]
        return header

    @staticmethod
    def _invoice(
        rnd: random.Random,
        sk: Skeleton,
        order_date: dt.date,
        end_date: dt.date,
        *,
        next_month: bool = False,
    ) -> dict[str, Any]:
        if rnd.random() < 0.7:
            terms = {"type": "NumberOfDays", "value": rnd.choice((10, 14, 14, 30))}
        else:
            terms = {"type": "OutMonthPlusDays", "value": rnd.choice((15, 20, 30))}
        method = rnd.choice(("", "emaildistribution", "ehfdistribution", "efakturadistribution"))
        invoice: dict[str, Any] = {}
        if sk.invoice_number is not None:
            # within days of the order, or in the first days of the next month; never after
            # the sandbox's present
            first = _next_month(order_date) if next_month else order_date
            invoice_date = min(first + dt.timedelta(days=rnd.randint(0, 5)), end_date)
            invoice["number"] = sk.invoice_number
            invoice["date"] = invoice_date.isoformat()
            invoice["dueDate"] = due_date(invoice_date, terms).isoformat()
        invoice["distributionMethod"] = method
        invoice["paymentTerms"] = terms
        if sk.invoice_number is not None:
            invoice["remittanceReference"] = kid(sk.invoice_number)
        return invoice

    # --- lines --------------------------------------------------------------

    def _lines(self, i: int) -> tuple[dict[str, Any], ...]:
        """The base lines of order ``i`` (a tuple: cached values must not be mutated)."""
        rnd = random.Random(mix(self.seed, SALT_LINES, i))  # noqa: S311 - data, not secrets
        header = self.header(i)
        r = rnd.random()
        if r < 0.04:
            count = 0
        elif r < 0.05:
            count = rnd.randint(10, 40)
        else:
            count = rnd.choices(_LINE_COUNTS, _LINE_COUNT_WEIGHTS)[0]
        order_id = header["id"]
        return tuple(
            self.build_line(rnd, header, order_id * LINE_ID_FACTOR + n + 1) for n in range(count)
        )

    def _totals(self, i: int) -> dict[str, Decimal]:
        """Order-level amounts of base order ``i``, from its base lines."""
        return order_totals(self.lines(i))

    def build_line(self, rnd: random.Random, header: dict[str, Any], line_id: int) -> dict:
        """One line for the order ``header``: product, text or credit line."""
        currency = header.get("currency") or {}
        rate = Decimal(currency.get("rate", 1))
        foreign = (header.get("customer") or {}).get("countryCode", "NO") != "NO"
        if rnd.random() < 0.07:
            return self._text_line(rnd, line_id, foreign)
        product = rnd.choice(cat.PRODUCTS)
        if product.unit_fraction:
            quantity = Decimal(rnd.randint(1, 80)) / 4
        elif product.price > 2000:
            quantity = Decimal(rnd.randint(1, 5))
        else:
            quantity = Decimal(rnd.randint(1, 40))
        description = product.name
        if rnd.random() < 0.03:
            quantity = -quantity
            description = f"Kreditering: {product.name}"
        price = product.price
        if rnd.random() < 0.2:  # negotiated price
            price = round2(price * Decimal(rnd.randint(85, 110)) / 100)
        if rate != 1:
            price = round2(price / rate)
        r = rnd.random()
        if r < 0.80:
            discount = Decimal(0)
        elif r < 0.975:
            discount = rnd.choice(_DISCOUNTS)
        else:
            discount = Decimal(100)
        tax, account = (
            (cat.TAX_EXPORT, cat.ACC_EXPORT) if foreign else (product.tax, product.account)
        )
        line: dict[str, Any] = {
            "id": line_id,
            "type": "product",
            "product": {"id": product.id, "number": product.number},
            "description": description,
            "quantity": quantity,
            "price": price,
        }
        if rnd.random() < 0.4:
            line["costPrice"] = round2(price * Decimal("0.62"))
        line["discountRate"] = discount
        line["tax"] = tax.as_api()
        line["account"] = account.as_api()
        accrual = self._line_accrual(header, line_id)
        if accrual is not None:
            line["accrual"] = accrual
        return line

    def _line_accrual(self, header: dict[str, Any], line_id: int) -> dict[str, Any] | None:
        """A line's own accrual (a subscription or a service contract) on about
        ``LINE_ACCRUAL_SHARE`` of the product lines, from the order's month or the next."""
        draw = mix(self.seed, SALT_PERIODS, header["id"], line_id)
        if draw / 2.0**64 >= LINE_ACCRUAL_SHARE or not header.get("date"):
            return None
        start = dt.date.fromisoformat(header["date"]).replace(day=1)
        if draw & 1:
            start = _next_month(start)
        length = ACCRUAL_LENGTHS[(draw >> 8) % len(ACCRUAL_LENGTHS)]
        return {"startDate": start.isoformat(), "length": length}

    @staticmethod
    def _text_line(rnd: random.Random, line_id: int, foreign: bool) -> dict[str, Any]:
        if rnd.random() < 0.7:
            quantity, price = Decimal(0), Decimal("0.00")
        else:
            quantity, price = Decimal(1), Decimal(rnd.choice(("150.00", "250.00", "49.50")))
        tax, account = (
            (cat.TAX_EXPORT, cat.ACC_EXPORT) if foreign else (cat.TAX_HIGH, cat.ACC_SERVICES)
        )
        return {
            "id": line_id,
            "type": "text",
            "description": rnd.choice(cat.TEXT_LINES),
            "quantity": quantity,
            "price": price,
            "discountRate": Decimal(0),
            "tax": tax.as_api(),
            "account": account.as_api(),
        }

    def new_order(
        self, rnd: random.Random, order_id: int, now: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A freshly created order (not yet invoiced) and its lines, for the change simulator.

        Line IDs are left 0 for the store to allocate.
        """
        r_customer = rnd.random()
        sk = Skeleton(
            id=order_id,
            created=now,
            modified=now,
            date=iso_date(now),
            status=rnd.choice(("Draft", "Draft", "Web", "Proposal", "Confirmed")),
            customer_id=CUSTOMER_ID_BASE + int(CUSTOMER_COUNT * r_customer * r_customer),
            invoice_number=None,
        )
        header = self.build_header(rnd, sk)
        count = rnd.choices(_LINE_COUNTS, _LINE_COUNT_WEIGHTS)[0]
        lines = [self.build_line(rnd, header, 0) for _ in range(count)]
        return header, lines


_NOT_DELIVERY = frozenset({"organizationNumber", "invoiceEmailAddresses", "gln"})


def currency_rate(code: str, day: dt.date) -> Decimal:
    """NOK per unit of ``code`` in the month of ``day``: a base rate moving ±3 % by month."""
    base = cat.CURRENCY_RATES.get(code)
    if base is None:
        return Decimal(1)
    month = day.year * 12 + day.month
    wobble = Decimal(int(unit(month, sum(map(ord, code))) * 600) - 300) / 10_000
    return (base * (1 + wobble)).quantize(Decimal("0.0001"))


def _next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def due_date(invoice_date: dt.date, terms: dict[str, Any]) -> dt.date:
    if terms["type"] == "OutMonthPlusDays":
        return _next_month(invoice_date) - dt.timedelta(days=1) + dt.timedelta(days=terms["value"])
    return invoice_date + dt.timedelta(days=terms["value"])


def kid(invoice_number: int) -> str:
    """A Norwegian KID: the invoice number padded to 8 digits plus a MOD10 (Luhn) check digit."""
    digits = f"{invoice_number:08d}"
    total = 0
    for n, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if n % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def _address(street: str, place: tuple[str, str, str]) -> dict[str, str]:
    """A Norwegian snapshot address: ``street`` in ``place`` (postal code, city, county)."""
    postal_code, city, county = place
    return {
        "street": street,
        "postalCode": postal_code,
        "postalArea": city,
        "city": city,
        "countrySubdivision": county,
        "countryCode": "NO",
    }


def _org_number(rnd: random.Random) -> str:
    """A 9-digit Norwegian organisation number with a valid MOD11 check digit."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        body = [rnd.choice((8, 9))] + [rnd.randint(0, 9) for _ in range(7)]
        check = 11 - sum(w * d for w, d in zip(weights, body, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, body)) + str(check)


def gln(rnd: random.Random) -> str:
    """A 13-digit GLN (Norwegian prefix 70) with its GS1 check digit."""
    body = "70" + "".join(str(rnd.randint(0, 9)) for _ in range(10))
    total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})
    return "".join(ch for ch in text.translate(table).lower() if ch.isalnum())
