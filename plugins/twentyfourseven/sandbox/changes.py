"""Change simulation: advance the sandbox clock and edit, add or delete a
fraction of the orders and lines (amounts, discounts, accruals), as users of the real ERP
would between runs;
and rename, move (to another category), reprice (cost price) or delete products,
edit customers' addresses or delete customers, bumping their ``modifiedAt``.

Each batch draws from ``random.Random(mix(seed, batch number))``, so the same
sequence of batches on the same seed makes the same changes. Changes are stamped
at random moments inside the advanced window (or at the new time if the clock
did not move). Whether a line-only change bumps the order's ``modifiedAt`` is a
setting, so pipelines can be tested against both behaviours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from . import catalogue as cat
from .determinism import SALT_CHANGES, SALT_MASTER_CHANGES, mix
from .generator import ACCRUAL_LENGTHS, due_date, iso_date, iso_timestamp, kid
from .master import CUSTOMERS, PRODUCTS, Resource, addresses, category_ref
from .money import round2
from .state import Sandbox

Fraction = Annotated[float, Field(ge=0, le=1)]


class ChangeRequest(BaseModel):
    """One batch of changes; fractions are of the orders that exist when it starts."""

    model_config = ConfigDict(extra="forbid")

    advance_seconds: int = Field(0, ge=0)
    edit_orders: Fraction = 0
    add_orders: Fraction = 0
    delete_orders: Fraction = 0
    edit_lines: Fraction = Field(0, description="orders that get one line changed")
    add_lines: Fraction = Field(0, description="orders that get one line added")
    delete_lines: Fraction = Field(0, description="orders that lose one line")
    line_edit_bumps_modified: bool | None = Field(
        None, description="override the setting for this batch"
    )
    # Master data, fractions of the live records of each list.
    rename_products: Fraction = 0
    move_products: Fraction = Field(0, description="products moved to another category")
    reprice_products: Fraction = Field(0, description="products whose cost price changes")
    delete_products: Fraction = 0
    edit_customers: Fraction = Field(0, description="customers whose address changes")
    delete_customers: Fraction = 0


@dataclasses.dataclass
class ChangeReport:
    clock: str
    edited_orders: set[int] = dataclasses.field(default_factory=set)
    created_orders: list[int] = dataclasses.field(default_factory=list)
    deleted_orders: set[int] = dataclasses.field(default_factory=set)
    line_changed_orders: set[int] = dataclasses.field(default_factory=set)
    master: dict[str, list[int]] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        live = self.deleted_orders
        return {
            "clock": self.clock,
            "edited_orders": sorted(self.edited_orders - live),
            "created_orders": [i for i in self.created_orders if i not in live],
            "deleted_orders": sorted(live),
            "line_changed_orders": sorted(self.line_changed_orders - live),
            **{name: sorted(ids) for name, ids in self.master.items()},
        }


_NEXT_STATUS = {"Draft": "Confirmed", "Web": "Confirmed", "Proposal": "Confirmed"}


def apply_changes(sandbox: Sandbox, request: ChangeRequest) -> dict[str, Any]:
    """Apply one batch; returns the clock and the affected order IDs."""
    store = sandbox.store
    store.change_batches += 1
    seed = mix(sandbox.config.seed, SALT_CHANGES, store.change_batches)
    rnd = random.Random(seed)  # noqa: S311 - reproducible changes, not secrets
    before = sandbox.clock.now()
    after = sandbox.clock.advance(request.advance_seconds)
    bump = request.line_edit_bumps_modified
    if bump is None:
        bump = sandbox.settings.line_edit_bumps_modified
    total = store.count()
    report = ChangeReport(clock=iso_timestamp(after))

    stamp = _stamper(rnd, before, after)

    def pick(fraction: float, *, with_lines: bool = False) -> list[int]:
        ids = []
        for _ in range(round(fraction * total)):
            for _attempt in range(20):
                order_id = store.random_existing_id(rnd)
                if order_id is not None and (not with_lines or store.lines(order_id)):
                    ids.append(order_id)
                    break
        return ids

    for order_id in pick(request.edit_orders):
        _edit_order(sandbox, rnd, order_id, stamp())
        report.edited_orders.add(order_id)
    for kind, fraction in (
        ("edit", request.edit_lines),
        ("add", request.add_lines),
        ("delete", request.delete_lines),
    ):
        for order_id in pick(fraction, with_lines=kind != "add"):
            if not _change_lines(sandbox, rnd, order_id, kind):
                continue
            report.line_changed_orders.add(order_id)
            if bump:
                store.touch(order_id, modified=stamp())
                report.edited_orders.add(order_id)
    # New orders get ascending stamps so createdAt keeps growing with the ID.
    for moment in sorted(stamp() for _ in range(round(request.add_orders * total))):
        order_id = store.new_order_id()
        header, lines = sandbox.generator.new_order(rnd, order_id, moment)
        for line in lines:
            line["id"] = store.new_line_id()
        store.insert(header, lines)
        report.created_orders.append(order_id)
    for order_id in pick(request.delete_orders):
        if store.exists(order_id):
            store.delete(order_id)
            report.deleted_orders.add(order_id)
    # Master data draws from a stream of its own: the order changes above stay the same.
    master_rnd = random.Random(mix(sandbox.config.seed, SALT_MASTER_CHANGES, store.change_batches))  # noqa: S311
    report.master = _change_master(
        sandbox, master_rnd, request, _stamper(master_rnd, before, after)
    )
    return report.as_dict()


def _stamper(rnd: random.Random, before: int, after: int) -> Callable[[], int]:
    """Moments for changes: random inside the advanced window, or the new time."""

    def stamp() -> int:
        return rnd.randint(before + 1, after) if after > before else after

    return stamp


_RENAMES = ("Pluss", "Pro", "Basis", "2.0", "Premium")


def _change_master(
    sandbox: Sandbox, rnd: random.Random, request: ChangeRequest, stamp: Callable[[], int]
) -> dict[str, list[int]]:
    """Rename, move, reprice and delete products; move and delete customers.

    Answers the affected IDs by change, e.g. ``{"renamed_products": [1004]}``.
    """
    master = sandbox.master
    places = [c.id for c in cat.CATEGORIES if c.id not in cat.DELETED_CATEGORY_IDS]

    def rename(product: dict[str, Any]) -> None:
        base = cat.PRODUCT_BY_ID[product["id"]].name
        names = [f"{base} {suffix}" for suffix in _RENAMES if f"{base} {suffix}" != product["name"]]
        product["name"] = rnd.choice(names)

    def move(product: dict[str, Any]) -> None:
        product["category"] = category_ref(
            rnd.choice([c for c in places if c != product["category"]["id"]])
        )

    def reprice(product: dict[str, Any]) -> None:
        product["costPrice"] = round2(product["costPrice"] * rnd.randint(90, 115) / 100)

    def readdress(customer: dict[str, Any]) -> None:
        place = {**customer["address"]["visit"]}
        place["street"] = f"{rnd.choice(cat.STREETS)} {rnd.randint(1, 120)}"
        if place["countryCode"] == "NO":
            code, area, county = rnd.choice(cat.NORWEGIAN_PLACES)
            place.update(postalCode=code, postalArea=area, countrySubdivision=county)
        customer["address"] = addresses(customer["name"], place)

    edits: tuple[tuple[str, Resource, float, Callable[[dict[str, Any]], None] | None], ...] = (
        ("renamed_products", PRODUCTS, request.rename_products, rename),
        ("moved_products", PRODUCTS, request.move_products, move),
        ("repriced_products", PRODUCTS, request.reprice_products, reprice),
        ("edited_customers", CUSTOMERS, request.edit_customers, readdress),
        ("deleted_products", PRODUCTS, request.delete_products, None),
        ("deleted_customers", CUSTOMERS, request.delete_customers, None),
    )
    report: dict[str, list[int]] = {}
    for name, resource, fraction, edit in edits:
        table = master.table(resource)
        chosen = rnd.sample(sorted(table), min(len(table), round(fraction * len(table))))
        for record_id in chosen:
            if edit is None:
                master.delete(resource, record_id)
            else:
                edit(table[record_id])
                master.touch(table[record_id], stamp())
        report[name] = chosen
    return report


def _edit_order(sandbox: Sandbox, rnd: random.Random, order_id: int, moment: int) -> None:
    store = sandbox.store
    header = store.editable_header(order_id)
    choice = rnd.random()
    status = header.get("status")
    if choice < 0.35 and status in _NEXT_STATUS:
        header["status"] = _NEXT_STATUS[status]
    elif choice < 0.55 and status == "Confirmed" and store.lines(order_id):
        header["status"] = "Invoice"
        today = dt.date.fromisoformat(iso_date(moment))
        invoice = header.setdefault("invoice", {})
        terms = invoice.setdefault("paymentTerms", {"type": "NumberOfDays", "value": 14})
        invoice["number"] = store.new_invoice_number()
        invoice["date"] = today.isoformat()
        if terms.get("type") != "FixedDate":
            invoice["dueDate"] = due_date(today, terms).isoformat()
        invoice["remittanceReference"] = kid(invoice["number"])
    elif choice < 0.70:
        header["memo"] = rnd.choice(("Endret leveringsadresse.", "Kunden ringte.", "Ny frist."))
    elif choice < 0.75:
        header["accrual"] = _edited_accrual(rnd, header, header.get("accrual"))
    elif choice < 0.9:
        header["referenceNumber"] = f"PO-{rnd.randint(10000, 99999)}"
    else:
        days = dt.timedelta(days=rnd.randint(1, 14))
        current = header.get("deliveryDate") or header.get("date") or iso_date(moment)
        header["deliveryDate"] = (dt.date.fromisoformat(current) + days).isoformat()
    store.save_header(header, modified=moment)


def _change_lines(sandbox: Sandbox, rnd: random.Random, order_id: int, kind: str) -> bool:
    """Add, edit or delete one line of the order; False if it has no line left to edit or
    delete (an order picked twice in a batch can lose its last line the first time)."""
    store = sandbox.store
    lines = store.editable_lines(order_id)
    if kind == "add":
        line = sandbox.generator.build_line(rnd, store.header(order_id), store.new_line_id())
        lines.append(line)
        return True
    if not lines:
        return False
    index = rnd.randrange(len(lines))
    if kind == "delete":
        del lines[index]
        return True
    line = lines[index]
    what = rnd.random()
    if what < 0.5:
        line["quantity"] = Decimal(line.get("quantity") or 0) + rnd.randint(1, 5)
    elif what < 0.8:
        line["price"] = round2(
            Decimal(line.get("price") or 0) * Decimal(rnd.randint(90, 115)) / 100
        )
    elif what < 0.92:
        line["discountRate"] = Decimal(rnd.choice((0, 5, 10, 20, 50)))
    else:
        line["accrual"] = _edited_accrual(rnd, store.header(order_id), line.get("accrual"))
    return True


def _edited_accrual(
    rnd: random.Random, header: dict[str, Any], accrual: dict[str, Any] | None
) -> dict[str, Any]:
    """An accrual changed as a user would: one set where there was none (from the order's
    month), else a new length or, one time in three, reset (the API's empty object)."""
    if accrual and rnd.random() < 1 / 3:
        return {}
    start = accrual.get("startDate") if accrual else None
    if start is None:
        start = dt.date.fromisoformat(header.get("date") or iso_date(0)).replace(day=1).isoformat()
    lengths = [n for n in ACCRUAL_LENGTHS if not accrual or n != accrual.get("length")]
    return {"startDate": start, "length": rnd.choice(lengths)}
