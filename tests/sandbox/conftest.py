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


def walk(client: httpx.Client, path: str, **params: Any) -> tuple[list[dict], int]:
    """Every record of the list at ``path`` the filters select, following Link
    rel="next"; and the page count."""
    records: list[dict] = []
    response = client.get(path, params=params)
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        pages += 1
        records.extend(parse_json(response.content))
        next_link = response.links.get("next")
        if next_link is None:
            return records, pages
        response = client.get(next_link["url"])


@pytest.fixture(scope="module")
def list_all(api: httpx.Client) -> Callable[..., tuple[list[dict], int]]:
    """Every order the filters select, and the page count."""
    return lambda **params: walk(api, "/salesorders", **params)
