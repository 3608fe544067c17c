"""Fixtures for the sandbox's own tests: an authenticated httpx client and a pager."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from twentyfourseven.api.payloads import parse_json


@pytest.fixture(scope="module")
def api(sandbox) -> Iterator[httpx.Client]:
    """A plain httpx client on ``/v1`` with a bearer token fetched once per module.

    Tests that revoke or expire tokens use clients of their own.
    """
    headers = sandbox.auth_headers()
    with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=10.0) as client:
        yield client


def _list_all(client: httpx.Client, **params: Any) -> tuple[list[dict], int]:
    """Every order the filters select, following Link rel="next"; and the page count."""
    orders: list[dict] = []
    response = client.get("/salesorders", params=params)
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        pages += 1
        orders.extend(parse_json(response.content))
        next_link = response.links.get("next")
        if next_link is None:
            return orders, pages
        response = client.get(next_link["url"])


@pytest.fixture(scope="module")
def list_all(api: httpx.Client) -> Callable[..., tuple[list[dict], int]]:
    return lambda **params: _list_all(api, **params)
