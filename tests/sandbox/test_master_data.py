"""The master-data endpoints: customers (Link paging, modifiedFrom), products
(page/limit), the product-category tree, tax codes, accounts and currencies; data
consistent with the orders but for a few deleted records; the change simulation's
master-data edits; determinism by seed; auth, faults and counters as for orders."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

import httpx
import pytest

from twentyfourseven.api.payloads import parse_json

from .conftest import walk as _walk

SANDBOX_OPTIONS = {"orders": 600, "seed": 11}

LISTS = ("customers", "products", "productcategories", "taxes", "accounts", "currencies")


def _ids(records: list[dict]) -> list[int]:
    return [record["id"] for record in records]


@pytest.fixture(scope="module")
def customers(api) -> list[dict]:
    return _walk(api, "/customers", limit=100)[0]


@pytest.fixture(scope="module")
def orders_and_lines(api, list_all) -> tuple[list[dict], list[dict]]:
    orders, _ = list_all(limit=1000)
    lines = [
        line
        for order in orders
        for line in parse_json(api.get(f"/salesorders/{order['id']}/lines").content)
    ]
    return orders, lines


# --- paging ---------------------------------------------------------------------------


def test_customer_pages_walk_every_customer_once(api, customers):
    walked, pages = _walk(api, "/customers", limit=37)
    ids = _ids(walked)
    assert len(ids) == len(set(ids)) == len(customers) > 4_900
    assert ids == sorted(ids) == _ids(customers)
    assert pages == math.ceil(len(ids) / 37)
    default = api.get("/customers")
    assert len(default.json()) == 25  # the document's default page size
    capped = api.get("/customers", params={"limit": 500})
    assert len(capped.json()) == 100  # and its maximum
    assert "continuationToken=" in capped.links["next"]["url"]


def test_product_pages_walk_every_product_once(api):
    walked, pages = _walk(api, "/products", limit=7)
    ids = _ids(walked)
    everything = api.get("/products", params={"limit": 1000})
    assert "next" not in everything.links
    assert len(ids) == len(set(ids)) == len(everything.json()) >= 35
    assert ids == _ids(everything.json())
    assert pages == math.ceil(len(ids) / 7)
    second = api.get("/products", params={"limit": 7, "page": 2})
    assert second.links["first"]["url"].endswith("page=1&limit=7")
    assert "page=1" in second.links["prev"]["url"]
    assert _ids(second.json()) == ids[7:14]
    assert api.get("/products", params={"page": 100}).json() == []
    assert api.get("/products", params={"page": 0}).status_code == 400


def test_whole_lists_are_plain_arrays_without_paging(api):
    for path in ("/productcategories", "/taxes", "/accounts", "/currencies"):
        response = api.get(path)
        assert response.status_code == 200
        body = response.json()
        assert isinstance(body, list), path
        assert body, path
        assert "link" not in response.headers, path


def test_product_filters(api):
    everything = parse_json(api.get("/products", params={"limit": 1000}).content)
    in_seventeen = api.get("/products", params={"categoryIds": "17,15", "limit": 1000}).json()
    assert in_seventeen
    assert {p["category"]["id"] for p in in_seventeen} <= {15, 17}
    assert len(in_seventeen) == sum(p["category"]["id"] in (15, 17) for p in everything)
    konsulent = api.get("/products", params={"productSearch": "konsulent%"}).json()
    assert {p["name"] for p in konsulent} == {
        p["name"] for p in everything if p["name"].lower().startswith("konsulent")
    }
    assert len(konsulent) >= 1
    number = everything[3]["number"]
    assert _ids(api.get("/products", params={"productNumber": number}).json()) == [
        everything[3]["id"]
    ]
    assert api.get("/products", params={"categoryIds": "x"}).status_code == 400


# --- modifiedFrom ---------------------------------------------------------------------


def test_modified_from_filters_customers(api, customers):
    stamps = sorted(c["modifiedAt"] for c in customers)
    bound = stamps[len(stamps) // 2]
    selected, _ = _walk(api, "/customers", limit=100, modifiedFrom=bound)
    expected = [c["id"] for c in customers if c["modifiedAt"] >= bound]
    assert _ids(selected) == expected
    assert 0 < len(expected) < len(customers)
    assert any(c["modifiedAt"] == bound for c in selected)  # greater *or equal*


def test_customer_filters_company_and_person(api, customers):
    persons, _ = _walk(api, "/customers", limit=100, isCompany="false")
    assert persons
    assert all(not c["isCompany"] and c["person"]["lastName"] for c in persons)
    assert all("organizationNumber" not in c for c in persons)
    suppliers, _ = _walk(api, "/customers", limit=100, isSupplier="true")
    assert 0 < len(suppliers) < len(customers) / 5
    one = next(c for c in customers if c.get("organizationNumber"))
    found = api.get("/customers", params={"organizationNumber": one["organizationNumber"]})
    assert one["id"] in _ids(found.json())


# --- consistency with the orders -----------------------------------------------------


def _lists(api) -> tuple[dict[int, dict], dict[int, dict], dict[int, dict]]:
    products = {p["id"]: p for p in api.get("/products", params={"limit": 1000}).json()}
    taxes = {t["id"]: t for t in parse_json(api.get("/taxes").content)}
    accounts = {a["id"]: a for a in api.get("/accounts").json()}
    return products, taxes, accounts


def test_everything_orders_reference_exists_but_a_few_deleted(api, customers, orders_and_lines):
    orders, lines = orders_and_lines
    customer_by_id = {c["id"]: c for c in customers}
    products, taxes, accounts = _lists(api)

    referenced_customers = {o["customer"]["id"] for o in orders}
    missing_customers = referenced_customers - set(customer_by_id)
    assert 1 <= len(missing_customers) <= len(referenced_customers) * 0.05
    for customer_id in missing_customers:
        assert api.get(f"/customers/{customer_id}").status_code == 404
    for order in orders:  # the master record agrees with the order's snapshot
        master = customer_by_id.get(order["customer"]["id"])
        if master is not None:
            assert master["name"] == order["customer"]["name"]
            assert master.get("organizationNumber") == order["customer"].get("organizationNumber")
            assert master["address"]["visit"]["postalCode"] == order["customer"]["postalCode"]

    product_lines = [line for line in lines if "product" in line]
    referenced_products = {line["product"]["id"] for line in product_lines}
    missing_products = referenced_products - set(products)
    assert 1 <= len(missing_products) <= 3
    for line in product_lines:
        product = products.get(line["product"]["id"])
        if product is not None:
            assert product["number"] == line["product"]["number"]

    missing_taxes = {line["tax"]["id"] for line in lines} - set(taxes)
    missing_accounts = {line["account"]["id"] for line in lines} - set(accounts)
    assert len(missing_taxes) == len(missing_accounts) == 1  # deleted on purpose, see below
    for line in lines:
        if line["tax"]["id"] in missing_taxes or line["account"]["id"] in missing_accounts:
            continue
        tax, account = taxes[line["tax"]["id"]], accounts[line["account"]["id"]]
        assert (tax["number"], tax["rate"]) == (line["tax"]["number"], line["tax"]["rate"])
        assert (account["number"], account["name"]) == (
            line["account"]["number"],
            line["account"]["name"],
        )
        assert tax["name"]
    assert all(a["taxId"] in taxes for a in accounts.values())


def test_some_order_customers_are_persons(api, customers, orders_and_lines):
    """A share of orders name private persons: no organisation number in the order's
    snapshot, and a person record (isCompany false) under the same ID in /customers."""
    orders, _ = orders_and_lines
    customer_by_id = {c["id"]: c for c in customers}
    persons = [o["customer"] for o in orders if "organizationNumber" not in o["customer"]]
    assert 0.03 <= len(persons) / len(orders) <= 0.12
    assert len({p["id"] for p in persons}) >= 5
    resolved = 0
    for snapshot in persons:
        assert not {"gln", "invoiceEmailAddresses"} & set(snapshot)
        assert snapshot["countryCode"] == "NO"
        record = customer_by_id.get(snapshot["id"])
        if record is None:  # one of the deleted customers
            assert api.get(f"/customers/{snapshot['id']}").status_code == 404
            continue
        resolved += 1
        assert record["isCompany"] is False
        assert "organizationNumber" not in record
        person = record["person"]
        assert f"{person['firstName']} {person['lastName']}" == snapshot["name"] == record["name"]
        visit = record["address"]["visit"]
        assert (visit["street"], visit["postalCode"], visit["postalArea"]) == (
            snapshot["street"],
            snapshot["postalCode"],
            snapshot["postalArea"],
        )
        assert api.get(f"/customers/{snapshot['id']}").json() == record
    assert resolved >= len(persons) * 0.9
    for company in (o["customer"] for o in orders if "organizationNumber" in o["customer"]):
        record = customer_by_id.get(company["id"])
        assert record is None or (record["isCompany"] and "person" not in record)
    listed_persons, _ = _walk(api, "/customers", limit=100, isCompany="false")
    ordered = {p["id"] for p in persons}
    assert ordered & set(_ids(listed_persons))
    assert len(set(_ids(listed_persons)) - ordered) >= 100  # the persons no order names


def test_a_tax_code_and_an_account_lines_use_are_deleted(api, orders_and_lines):
    """One tax code and one revenue account that a modest share of lines reference are
    absent from the lists (404 on get): a consumer's fallback is exercised for both."""
    _, lines = orders_and_lines
    _, taxes, accounts = _lists(api)
    for kind, listed, path in (("tax", taxes, "/taxes"), ("account", accounts, "/accounts")):
        uses = Counter(line[kind]["id"] for line in lines)
        missing = set(uses) - set(listed)
        assert len(missing) == 1, kind
        (deleted,) = missing
        assert 0.01 <= uses[deleted] / len(lines) <= 0.2, (kind, uses)
        assert api.get(f"{path}/{deleted}").status_code == 404
        assert api.get(f"{path}/{deleted}").json()["error"]["name"] == "NotFoundError"
        assert len(listed) >= 5  # the rest, and the ones no line uses, are there
    assert all(a["taxId"] in taxes for a in accounts.values())  # nothing points at the deleted


def test_currencies_cover_the_orders(api, orders_and_lines):
    orders, _ = orders_and_lines
    currencies = parse_json(api.get("/currencies").content)
    codes = {c["code"] for c in currencies}
    assert {o["currency"]["code"] for o in orders} <= codes
    assert {"code": "NOK", "rate": 1} in currencies
    foreign = [c for c in currencies if c["code"] != "NOK"]
    assert foreign
    assert all(isinstance(c["rate"], Decimal) and c["rate"] > 0 for c in foreign)


def test_money_is_exact(api):
    products = parse_json(api.get("/products", params={"limit": 1000}).content)
    for product in products:
        for field in ("costPrice", "salesPrice"):
            assert isinstance(product[field], Decimal)
            assert product[field] == product[field].quantize(Decimal("0.01"))
        assert Decimal(0) < product["costPrice"] < product["salesPrice"]


# --- the category tree ----------------------------------------------------------------


def test_categories_form_a_tree_three_levels_deep(api):
    categories = {c["id"]: c for c in api.get("/productcategories").json()}
    depths = {}
    for category_id in categories:
        seen, node, depth = set(), category_id, 0
        while node != 0:
            assert node not in seen, f"cycle through {node}"
            assert node in categories, f"category {category_id} has a missing ancestor {node}"
            seen.add(node)
            node = categories[node]["parentId"]
            depth += 1
        depths[category_id] = depth
    assert max(depths.values()) >= 3
    assert sum(c["parentId"] == 0 for c in categories.values()) >= 2  # more than one root
    one = api.get(f"/productcategories/{max(depths, key=depths.get)}")
    assert one.json() == categories[one.json()["id"]]

    products = api.get("/products", params={"limit": 1000}).json()
    by_category = Counter(p["category"]["id"] in categories for p in products)
    assert by_category[True] >= len(products) - 2
    assert by_category[False] >= 1  # a product whose category was deleted
    for product in products:
        category = categories.get(product["category"]["id"])
        if category is not None:
            assert product["category"]["name"] == category["name"]


# --- auth, errors, faults, counters ----------------------------------------------------


@pytest.mark.parametrize(
    "path", [f"/{name}" for name in LISTS] + ["/customers/10005", "/products/1001", "/taxes/1"]
)
def test_token_required(sandbox, path):
    response = httpx.get(sandbox.base_url + path)
    assert response.status_code == 401
    assert response.json()["error"]["name"] == "UnauthorizedError"
    assert response.headers["x-trace-id"]


def test_unknown_record_is_not_found(api):
    for path in ("/customers/1", "/products/9999", "/productcategories/999", "/accounts/5"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["name"] == "NotFoundError"
    assert api.get("/products/abc").json()["error"]["name"] == "ValidationError"


def test_counters_and_scripted_faults(api, sandbox):
    _, pages = _walk(api, "/customers", limit=100)
    api.get("/taxes")
    api.get("/products/1001")
    assert sandbox.count("list_customers") == pages > 1
    assert sandbox.count("list_taxes", 200) == 1
    assert sandbox.count("get_product") == 1
    sandbox.script_fault("503", endpoint="list_products", count=1)
    assert api.get("/products").status_code == 503
    assert api.get("/products").status_code == 200
    assert sandbox.counters()["endpoints"]["list_products"]["faults"] == {"503": 1}


def test_invalid_records_are_stable(api, sandbox):
    sandbox.set_faults(invalid_record_rate=0.05)
    first = _walk(api, "/customers", limit=100)[0]
    broken = [c["id"] for c in first if c["address"]["visit"]["countryCode"] == "NOR"]
    assert 0 < len(broken) < len(first) * 0.1
    again = _walk(api, "/customers", limit=100)[0]
    assert [c["id"] for c in again if c["address"]["visit"]["countryCode"] == "NOR"] == broken
    assert api.get(f"/customers/{broken[0]}").json()["address"]["visit"]["countryCode"] == "NOR"
    sandbox.clear_faults()
    assert api.get(f"/customers/{broken[0]}").json()["address"]["visit"]["countryCode"] != "NOR"


# --- determinism and changes ----------------------------------------------------------


def test_same_seed_same_master_data_other_seed_other(sandbox_factory, api, customers):
    twin = sandbox_factory(**SANDBOX_OPTIONS)
    other = sandbox_factory(**{**SANDBOX_OPTIONS, "seed": 12})
    for running, same in ((twin, True), (other, False)):
        with httpx.Client(base_url=running.base_url, headers=running.auth_headers()) as client:
            theirs = _walk(client, "/customers", limit=100)[0]
            products = client.get("/products", params={"limit": 1000}).content
        assert (theirs == customers) is same
        assert (products == api.get("/products", params={"limit": 1000}).content) is same


def test_change_simulation_edits_master_data(api, sandbox, customers):
    before_products = {p["id"]: p for p in parse_json(api.get("/products?limit=1000").content)}
    clock_before = sandbox.admin("GET", "/clock")["now"]
    try:
        report = sandbox.simulate_changes(
            advance_seconds=3600,
            rename_products=0.1,
            move_products=0.1,
            reprice_products=0.1,
            delete_products=0.05,
            edit_customers=0.002,
            delete_customers=0.001,
        )
        after_products = {p["id"]: p for p in parse_json(api.get("/products?limit=1000").content)}
        for key in ("renamed_products", "moved_products", "repriced_products"):
            assert report[key], key
        for product_id in report["renamed_products"]:
            if product_id in after_products:
                assert after_products[product_id]["name"] != before_products[product_id]["name"]
        for product_id in report["moved_products"]:
            if product_id in after_products:
                new, old = after_products[product_id], before_products[product_id]
                assert new["category"]["id"] != old["category"]["id"]
        for product_id in report["repriced_products"]:
            if product_id in after_products:
                assert isinstance(after_products[product_id]["costPrice"], Decimal)
        changed = set().union(
            *(report[k] for k in ("renamed_products", "moved_products", "repriced_products"))
        ) - set(report["deleted_products"])
        assert changed
        for product_id in changed:
            assert after_products[product_id]["modifiedAt"] > clock_before
        unchanged = set(after_products) - changed
        assert all(after_products[i] == before_products[i] for i in unchanged)
        assert report["deleted_products"]
        for product_id in report["deleted_products"]:
            assert product_id not in after_products
            assert api.get(f"/products/{product_id}").status_code == 404

        assert report["edited_customers"]
        assert report["deleted_customers"]
        recent, _ = _walk(api, "/customers", limit=100, modifiedFrom=clock_before)
        edited = set(report["edited_customers"]) - set(report["deleted_customers"])
        assert set(_ids(recent)) == edited
        old_by_id = {c["id"]: c for c in customers}
        for customer in recent:
            assert customer["address"] != old_by_id[customer["id"]]["address"]
        for customer_id in report["deleted_customers"]:
            assert api.get(f"/customers/{customer_id}").status_code == 404
    finally:
        sandbox.reset()
    assert _walk(api, "/customers", limit=100)[0] == customers


def test_change_batches_are_reproducible_and_leave_orders_alone(sandbox_factory):
    """The same batch on the same seed changes the same records; master-data changes do
    not alter which orders a batch edits."""
    reports = []
    for master in (True, True, False):
        running = sandbox_factory(**SANDBOX_OPTIONS)
        changes = {"advance_seconds": 600, "edit_orders": 0.02, "delete_orders": 0.01}
        if master:
            changes |= {"rename_products": 0.2, "edit_customers": 0.01}
        reports.append(running.simulate_changes(**changes))
    assert reports[0] == reports[1]
    assert reports[0]["renamed_products"]
    assert not reports[2]["renamed_products"]
    for key in ("edited_orders", "deleted_orders"):
        assert reports[0][key] == reports[2][key]
