"""Master data: customers, products, product categories, tax codes, accounts and
currencies, consistent with the generated orders.

Customers are the order generator's own customers (same IDs, names, organisation
numbers and addresses as the snapshots orders carry; the generator's private
persons are persons here too), plus a few private persons no order names; products,
categories, tax codes and accounts come from the catalogue the lines are built
from. A few records orders reference are deleted in every data set (``deleted``),
so a consumer's fallback for a missing dimension is exercised: some customers, two
products, one category (a product still points at it), one tax code and one
revenue account.

The lists are small (about five thousand customers), so they are built on first use
and held, and the change simulation edits them in place. Everything is a pure
function of the seed until then.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import catalogue as cat
from .determinism import SALT_MASTER, mix, unit
from .generator import (
    CUSTOMER_COUNT,
    CUSTOMER_ID_BASE,
    OrderGenerator,
    currency_rate,
    iso_timestamp,
)
from .generator import gln as gtin13
from .money import round2

PERSON_COUNT = 100  # private persons, IDs after the generator's companies
PERSON_ID_BASE = CUSTOMER_ID_BASE + CUSTOMER_COUNT
DELETED_CUSTOMER_SHARE = 0.01
DELETED_PRODUCTS = 2
# One of each is deleted (chosen by seed): codes and accounts a modest share of lines
# use, and no remaining account points at the deleted tax code.
DELETED_TAX_CHOICES = (cat.TAX_FOOD, cat.TAX_LOW)  # about 13 % and 9 % of lines
DELETED_ACCOUNT_CHOICES = (cat.ACC_EXEMPT, cat.ACC_RENT)  # about 4 % and 2 % of lines
COST_SHARE = Decimal("0.62")  # the cost price lines carry is 62 % of their price
_DAY = 86_400

# Salt offsets inside SALT_MASTER, one stream per use.
_CUSTOMER, _PERSON, _PRODUCT, _DELETED, _CATEGORY, _DELETED_CODE = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True, slots=True)
class Resource:
    """One master list as the API serves it."""

    name: str  # the path segment under /v1
    label: str  # for 404 messages
    list_endpoint: str  # counter and fault names
    get_endpoint: str | None


CUSTOMERS = Resource("customers", "Customer", "list_customers", "get_customer")
PRODUCTS = Resource("products", "Product", "list_products", "get_product")
CATEGORIES = Resource(
    "productcategories", "Product category", "list_product_categories", "get_product_category"
)
TAXES = Resource("taxes", "Tax code", "list_taxes", "get_tax")
ACCOUNTS = Resource("accounts", "Account", "list_accounts", "get_account")
CURRENCIES = Resource("currencies", "Currency", "list_currencies", None)
RESOURCES = (CUSTOMERS, PRODUCTS, CATEGORIES, TAXES, ACCOUNTS, CURRENCIES)


class MasterData:
    """The master lists of one sandbox: records by ID (ascending), and the IDs deleted."""

    def __init__(self, generator: OrderGenerator) -> None:
        self.generator = generator
        self._records: dict[str, dict[int, dict[str, Any]]] | None = None
        self.deleted: dict[str, set[int]] = {}

    def reset(self) -> None:
        """Forget every change: rebuilt from the seed on next use."""
        self._records = None
        self.deleted = {}

    # --- reads --------------------------------------------------------------

    def table(self, resource: Resource) -> dict[int, dict[str, Any]]:
        """The live records of ``resource`` by ID, in ascending ID order (editable)."""
        if self._records is None:
            self._records, self.deleted = self._build()
        return self._records[resource.name]

    def records(self, resource: Resource) -> list[dict[str, Any]]:
        return list(self.table(resource).values())

    def get(self, resource: Resource, record_id: int) -> dict[str, Any] | None:
        return self.table(resource).get(record_id)

    def deleted_ids(self, resource: Resource) -> set[int]:
        self.table(resource)
        return self.deleted.get(resource.name, set())

    def currencies(self, now: int) -> list[dict[str, Any]]:
        """NOK and every currency orders use, at the month's rate on ``now``."""
        day = dt.date.fromisoformat(iso_timestamp(now)[:10])
        return [{"code": "NOK", "rate": Decimal(1)}] + [
            {"code": code, "rate": currency_rate(code, day)} for code in sorted(cat.CURRENCY_RATES)
        ]

    # --- writes -------------------------------------------------------------

    def delete(self, resource: Resource, record_id: int) -> None:
        del self.table(resource)[record_id]
        self.deleted.setdefault(resource.name, set()).add(record_id)

    @staticmethod
    def touch(record: dict[str, Any], moment: int) -> None:
        record["modifiedAt"] = iso_timestamp(moment)

    # --- the generated lists --------------------------------------------------

    def _build(self) -> tuple[dict[str, dict[int, dict[str, Any]]], dict[str, set[int]]]:
        seed = self.generator.seed
        deleted_customers = {
            cid
            for cid in self._customer_ids()
            if unit(seed, SALT_MASTER, _DELETED, cid) < DELETED_CUSTOMER_SHARE
        }
        deleted_customers.add(CUSTOMER_ID_BASE + seed % 3)  # one of the busiest customers
        ranked = sorted(cat.PRODUCTS, key=lambda p: mix(seed, SALT_MASTER, _DELETED, p.id))
        deleted = {
            CUSTOMERS.name: deleted_customers,
            PRODUCTS.name: {p.id for p in ranked[:DELETED_PRODUCTS]},
            CATEGORIES.name: set(cat.DELETED_CATEGORY_IDS),
            TAXES.name: {self._pick_deleted(DELETED_TAX_CHOICES).id},
            ACCOUNTS.name: {self._pick_deleted(DELETED_ACCOUNT_CHOICES).id},
        }
        records = {
            CUSTOMERS.name: {c["id"]: c for c in map(self._customer, self._customer_ids())},
            PRODUCTS.name: {p["id"]: p for p in map(self._product, cat.PRODUCTS)},
            CATEGORIES.name: {c["id"]: c for c in map(self._category, cat.CATEGORIES)},
            TAXES.name: {
                t.id: {"id": t.id, "number": t.number, "name": t.name, "rate": t.rate}
                for t in cat.ALL_TAX_CODES
            },
            ACCOUNTS.name: {
                a.id: {"id": a.id, "number": a.number, "name": a.name, "taxId": t.id}
                for a, t in cat.ACCOUNT_TAX
            },
        }
        for name, ids in deleted.items():
            for record_id in ids:
                records[name].pop(record_id, None)
        for name in records:
            records[name] = dict(sorted(records[name].items()))
        return records, deleted

    def _pick_deleted(self, choices: tuple[Any, ...]) -> Any:
        """The one of ``choices`` (tax codes or accounts, by ``id``) this seed deletes."""
        seed = self.generator.seed
        return min(choices, key=lambda c: mix(seed, SALT_MASTER, _DELETED_CODE, c.id))

    @staticmethod
    def _customer_ids() -> Iterator[int]:
        yield from range(CUSTOMER_ID_BASE, PERSON_ID_BASE + PERSON_COUNT)

    def _stamps(self, rnd: random.Random) -> dict[str, str]:
        """createdAt before the order history, modifiedAt anywhere up to the start time."""
        gen = self.generator
        created = gen.start - rnd.randint(1, 3 * 365) * _DAY + rnd.randint(0, _DAY - 1)
        modified = rnd.randint(created, gen.end)
        return {"createdAt": iso_timestamp(created), "modifiedAt": iso_timestamp(modified)}

    def _customer(self, customer_id: int) -> dict[str, Any]:
        if customer_id >= PERSON_ID_BASE:
            return self._person(customer_id)
        snapshot, _ = self.generator.customer(customer_id)
        person = self.generator.person_of(customer_id)
        if person is not None:
            return self._person(customer_id, person, snapshot)
        rnd = random.Random(mix(self.generator.seed, SALT_MASTER, _CUSTOMER, customer_id))  # noqa: S311 - data
        record: dict[str, Any] = {
            "id": customer_id,
            "name": snapshot["name"],
            "isCompany": True,
            "isSupplier": rnd.random() < 0.06,
            "organizationNumber": snapshot["organizationNumber"],
            "address": addresses(snapshot["name"], snapshot),
        }
        emails = snapshot.get("invoiceEmailAddresses") or []
        record["email"] = {"billing": emails[0]} if emails else {}
        record["phone"] = _phone(rnd, snapshot["countryCode"])
        return {**record, **self._stamps(rnd)}

    def _person(
        self,
        customer_id: int,
        name: tuple[str, str] | None = None,
        place: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A private person: the generator's (``name`` and ``place`` from the order's
        snapshot) or one of the persons no order names (drawn here)."""
        rnd = random.Random(mix(self.generator.seed, SALT_MASTER, _PERSON, customer_id))  # noqa: S311 - data
        if name is None or place is None:
            name = rnd.choice(cat.FIRST_NAMES), rnd.choice(cat.LAST_NAMES)
            postal_code, city, county = rnd.choice(cat.NORWEGIAN_PLACES)
            place = {
                "street": f"{rnd.choice(cat.STREETS)} {rnd.randint(1, 120)}",
                "postalCode": postal_code,
                "postalArea": city,
                "countrySubdivision": county,
                "countryCode": "NO",
            }
        first, last = name
        record = {
            "id": customer_id,
            "name": f"{first} {last}",
            "person": {"firstName": first, "lastName": last},
            "isCompany": False,
            "isSupplier": False,
            "address": addresses(f"{first} {last}", place),
            "email": {"contact": f"{first}.{last}@example.no".lower()},
            "mobilePhone": _phone(rnd, "NO"),
        }
        return {**record, **self._stamps(rnd)}

    def _product(self, product: cat.CatalogueProduct) -> dict[str, Any]:
        rnd = random.Random(mix(self.generator.seed, SALT_MASTER, _PRODUCT, product.id))  # noqa: S311 - data
        category_id, unit_key = cat.PRODUCT_PLACES[product.id]
        unit_id, unit_name, symbol = cat.UNITS[unit_key]
        return {
            "id": product.id,
            "name": product.name,
            "number": product.number,
            "type": "default",
            "status": "inactive" if rnd.random() < 0.05 else "active",
            "description": f"{product.name} ({unit_name.lower()})",
            "costPrice": round2(product.price * COST_SHARE),
            "salesPrice": product.price,
            "indirectCost": Decimal("0.00"),
            "webshopEnabled": rnd.random() < 0.5,
            "stock": {
                "isManaged": unit_key == "stk",
                "quantity": Decimal(rnd.randint(0, 400) if unit_key == "stk" else 0),
                "location": f"{rnd.choice('ABCD')}-{rnd.randint(100, 399)}",
            },
            "ean": gtin13(rnd),
            "units": {"id": unit_id, "name": unit_name, "symbol": symbol},
            "category": category_ref(category_id),
            **self._stamps(rnd),
        }

    def _category(self, category: cat.Category) -> dict[str, Any]:
        rnd = random.Random(mix(self.generator.seed, SALT_MASTER, _CATEGORY, category.id))  # noqa: S311 - data
        return {
            "id": category.id,
            "name": category.name,
            "alternativeReference": category.reference,
            "parentId": category.parent_id,
            "modifiedAt": self._stamps(rnd)["modifiedAt"],
        }


_CATEGORY_BY_ID = {category.id: category for category in cat.CATEGORIES}


def category_ref(category_id: int) -> dict[str, Any]:
    """A product's ``category``: the category's ID and name."""
    return {"id": category_id, "name": _CATEGORY_BY_ID[category_id].name}


def addresses(name: str, place: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The four addresses of a customer at ``place`` (street, postal code and area, …)."""
    basic = {k: place[k] for k in ("street", "postalCode", "postalArea", "countrySubdivision")}
    country = {"countryCode": place["countryCode"]}
    return {
        "visit": {**basic, **country},
        "postal": dict(basic),
        "billing": {"name": name, **basic, **country},
        "delivery": {"name": name, **basic, **country},
    }


def _phone(rnd: random.Random, country: str) -> str:
    if country == "NO":
        return "+47 " + " ".join(str(rnd.randint(20 if n == 0 else 10, 99)) for n in range(4))
    return f"+{rnd.randint(1, 49)} {rnd.randint(100000000, 999999999)}"


# --- filters shared by the list endpoints ----------------------------------------

Predicate = Callable[[dict[str, Any]], bool]


def wildcard(pattern: str) -> Predicate:
    """The API's ``%`` search on name and number: exact, starts with, ends with, contains."""
    text = pattern.strip("%").casefold()
    starts, ends = pattern.startswith("%"), pattern.endswith("%")

    def match(value: str) -> bool:
        value = value.casefold()
        if starts and ends:
            return text in value
        if ends:
            return value.startswith(text)
        if starts:
            return value.endswith(text)
        return value == text

    return lambda record: any(match(str(record.get(k) or "")) for k in ("name", "number"))
