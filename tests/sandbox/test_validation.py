"""No request makes the sandbox answer 500: what the API would refuse is a 400 with the
ValidationError envelope listing what is wrong, an oversized body a 413, and whatever is
accepted can be read back (its amounts computed)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twentyfourseven.api.payloads import parse_json
from twentyfourseven.sandbox.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_NUMBER

SANDBOX_OPTIONS = {"orders": 5, "seed": 3}
CUSTOMER = {"id": 10042, "name": "Havbris Elektro AS"}


def _issues(response: httpx.Response) -> list[dict]:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    body = response.json()
    assert body["error"]["name"] == "ValidationError"
    assert body["trackingId"]
    return body["error"]["payload"]["validationErrors"]


@pytest.fixture(scope="module")
def order_id(api) -> int:
    created = api.post("/salesorders", json={"customer": CUSTOMER})
    assert created.status_code == 200, created.text
    return created.json()["id"]


@pytest.fixture(scope="module")
def line_id(api, order_id) -> int:
    created = api.post(f"/salesorders/{order_id}/lines", json={"product": {"id": 1003}})
    assert created.status_code == 200, created.text
    return created.json()["id"]


HUGE = ["1e30", "-1e30", "1e400", str(MAX_NUMBER + 1), "1" * 60]


@pytest.mark.parametrize("field", ["quantity", "price"])
@pytest.mark.parametrize("value", HUGE)
def test_a_huge_line_number_is_a_validation_error(api, order_id, line_id, field, value):
    body = f'{{"type": "product", "{field}": {value}}}'
    headers = {"content-type": "application/json"}
    created = api.post(f"/salesorders/{order_id}/lines", content=body, headers=headers)
    assert _issues(created) == [{"path": field, "keyword": "maximum" if value[0] != "-"
                                 else "minimum"}]  # fmt: skip
    patched = api.patch(f"/salesorders/{order_id}/lines/{line_id}", content=body, headers=headers)
    assert _issues(patched) == _issues(created)
    # Nothing was stored: the order and its lines still read.
    assert api.get(f"/salesorders/{order_id}").status_code == 200
    assert api.get(f"/salesorders/{order_id}/lines").status_code == 200


def test_the_largest_accepted_line_reads_back_with_its_amounts(api, order_id):
    body = f'{{"type": "product", "quantity": {MAX_NUMBER}, "price": {-MAX_NUMBER}}}'
    created = api.post(f"/salesorders/{order_id}/lines", content=body,
                       headers={"content-type": "application/json"})  # fmt: skip
    assert created.status_code == 200, created.text
    order = api.get(f"/salesorders/{order_id}")
    assert order.status_code == 200, order.text
    assert parse_json(order.content)["netAmount"] < -(10**20)
    api.delete(f"/salesorders/{order_id}/lines/{created.json()['id']}")


def test_long_decimals_are_accepted_and_read_back_exactly(api):
    # the API's schema bounds no decimals: a float's third, a price of 9 decimals, rates of 10
    order = api.post("/salesorders", json={"customer": CUSTOMER}).json()["id"]
    body = (
        '{"type": "product", "quantity": 0.3333333333333333, "price": 1234.567891234, '
        '"discountRate": 12.3456789012, "tax": {"rate": 25.0000000001}}'
    )
    created = api.post(f"/salesorders/{order}/lines", content=body,
                       headers={"content-type": "application/json"})  # fmt: skip
    assert created.status_code == 200, created.text
    (line,) = parse_json(api.get(f"/salesorders/{order}/lines").content)
    assert (line["quantity"], line["price"], line["discountRate"], line["tax"]["rate"]) == (
        Decimal("0.3333333333333333"),
        Decimal("1234.567891234"),
        Decimal("12.3456789012"),
        Decimal("25.0000000001"),
    )
    # the order's amounts follow the money rules on the full values: net
    # round(0.3333333333333333 x 1234.567891234 x 0.876543210988) = round(360.71736785…)
    # = 360.72; tax round(360.72 x 0.250000000001) = round(90.18000000036…) = 90.18
    totals = parse_json(api.get(f"/salesorders/{order}").content)
    assert (totals["netAmount"], totals["taxAmount"]) == (Decimal("360.72"), Decimal("90.18"))


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/salesorders"), ("PATCH", "/salesorders/{order}"),
     ("POST", "/salesorders/{order}/lines"), ("PATCH", "/salesorders/{order}/lines/{line}")],
)  # fmt: skip
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 10_000, 100_000])
def test_deeply_nested_json_is_a_validation_error(api, order_id, line_id, method, path, depth):
    url = path.format(order=order_id, line=line_id)
    body = '{"memo": ' + "[" * depth + "]" * depth + "}"
    response = api.request(method, url, content=body, headers={"content-type": "application/json"})
    assert _issues(response) == [{"path": "", "keyword": "maxDepth"}]


def test_nesting_within_the_bound_is_judged_by_the_schema(api, order_id):
    body = '{"memo": ' + "[" * (MAX_JSON_DEPTH - 2) + "]" * (MAX_JSON_DEPTH - 2) + "}"
    response = api.patch(f"/salesorders/{order_id}", content=body,
                         headers={"content-type": "application/json"})  # fmt: skip
    assert _issues(response) == [{"path": "memo", "keyword": "type"}]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/salesorders"), ("PATCH", "/salesorders/{order}"),
     ("POST", "/salesorders/{order}/lines"), ("PATCH", "/salesorders/{order}/lines/{line}"),
     ("POST", "/oauth/token")],
)  # fmt: skip
def test_an_oversized_body_is_refused_with_413(api, sandbox, order_id, line_id, method, path):
    url = sandbox.root_url + ("" if path.startswith("/oauth") else "/v1") + path.format(
        order=order_id, line=line_id)  # fmt: skip
    body = '{"memo": "' + "x" * MAX_BODY_BYTES + '"}'
    response = api.request(method, url, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text[:300]
    error = response.json()["error"]
    assert error["name"] == "PayloadTooLargeError"
    assert str(MAX_BODY_BYTES) in error["message"]


def test_a_body_just_within_the_bound_is_read(api, order_id):
    memo = "x" * (MAX_BODY_BYTES - 200)
    response = api.patch(f"/salesorders/{order_id}", json={"memo": memo})
    assert response.status_code == 200, response.text[:300]
    assert response.json()["memo"] == memo


@pytest.mark.parametrize("terms", ["NumberOfDays", "OutMonthPlusDays"])
@pytest.mark.parametrize("days", [10**9, 2**31 - 1, 3_000_000])
def test_a_due_date_past_the_calendar_is_a_validation_error(api, terms, days):
    created = api.post("/salesorders", json={"customer": CUSTOMER})
    order = created.json()["id"]
    assert api.post(f"/salesorders/{order}/lines", json={"product": {"id": 1003}}).is_success
    invoice = {"paymentTerms": {"type": terms, "value": days}}
    response = api.patch(f"/salesorders/{order}", json={"status": "Invoice", "invoice": invoice})
    assert _issues(response) == [{"path": "invoice.paymentTerms.value", "keyword": "maximum"}]
    assert api.get(f"/salesorders/{order}").json()["status"] == "Draft"  # nothing stored


# --- fuzz: whatever the body, never a 500 ------------------------------------------------

numbers = st.one_of(
    st.sampled_from([10**30, -(10**30), 10**400, 1e30, 1e-30, 999999999999.9999, 0]),
    st.integers(), st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=15,
)  # fmt: skip


def usually(plausible: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(plausible, plausible, plausible, numbers)


# Well-formed bodies but for their numbers (and, now and then, junk anywhere), so that
# they get past the schema's types to whatever uses the numbers.
LINE_FIELDS = {
    "type": st.sampled_from(["product", "text"]),
    "product": st.sampled_from([{"id": 1003}, {"id": 1015}, {"id": 999999}]),
    "description": st.text(min_size=1, max_size=300),
    "quantity": numbers, "price": numbers, "costPrice": usually(st.integers(0, 10**6)),
    "discountRate": usually(st.integers(0, 100)),
    "tax": st.fixed_dictionaries({"id": st.integers(0, 5), "rate": usually(st.integers(0, 100))}),
}  # fmt: skip
ORDER_FIELDS = {
    "currency": st.fixed_dictionaries({"code": st.sampled_from(["NOK", "EUR", "XXX"]),
                                       "rate": usually(st.integers(1, 10))}),
    "status": st.sampled_from(["Draft", "Invoice", "Confirmed", "Inactive"]),
    "date": st.sampled_from(["2025-01-31", "0001-01-01", "9999-12-31", "2025-02-30"]),
    "deliveryDate": st.sampled_from(["2025-01-31", "9999-12-31"]),
    "invoice": st.fixed_dictionaries({"paymentTerms": st.fixed_dictionaries(
        {"type": st.sampled_from(["NumberOfDays", "OutMonthPlusDays"]),
         "value": usually(st.integers(0, 60))})}),
    "paymentMethod": st.just({"id": None}) | json_values,
    "memo": st.text(max_size=50), "internalMemo": st.text(max_size=400),
}  # fmt: skip


def bodies(fields: dict) -> st.SearchStrategy:
    customer = {"customer": st.just(CUSTOMER)} if fields is ORDER_FIELDS else {}
    wild = st.dictionaries(st.sampled_from(sorted(fields)), json_values, max_size=2)
    return st.one_of(
        st.fixed_dictionaries(customer, optional=fields),
        st.fixed_dictionaries(customer, optional=fields),
        st.tuples(st.fixed_dictionaries(customer, optional=fields), wild).map(
            lambda parts: {**parts[0], **parts[1]}
        ),
        json_values,
    )


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    target=st.sampled_from(["order", "update", "line", "line_update"]),
    data=st.data(),
)
def test_no_write_answers_500(api, order_id, line_id, target, data):
    body = data.draw(bodies(ORDER_FIELDS if target in ("order", "update") else LINE_FIELDS))
    method, url = {
        "order": ("POST", "/salesorders"),
        "update": ("PATCH", f"/salesorders/{order_id}"),
        "line": ("POST", f"/salesorders/{order_id}/lines"),
        "line_update": ("PATCH", f"/salesorders/{order_id}/lines/{line_id}"),
    }[target]
    response = api.request(method, url, content=json.dumps(body),
                           headers={"content-type": "application/json"})  # fmt: skip
    assert response.status_code < 500, (method, url, body, response.text[:500])
    if response.status_code == 400:
        assert response.json()["error"]["name"] in ("ValidationError", "BadRequestError")
    # What was accepted can be read back.
    for read in (f"/salesorders/{order_id}", f"/salesorders/{order_id}/lines"):
        assert api.get(read).status_code == 200, (body, api.get(read).text[:500])


def test_deeply_nested_json_to_the_token_endpoint_is_an_oauth_error(sandbox):
    body = '{"grant_type": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = httpx.post(sandbox.token_url, content=body,
                          headers={"content-type": "application/json"}, timeout=10)  # fmt: skip
    assert response.status_code == 400, response.text[:300]
    assert response.json()["error"] == "invalid_request"
