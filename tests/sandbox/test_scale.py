"""A million orders in bounded memory, started through the CLI as users start it.

Orders are derived on demand, so the process should stay near the size of an
idle FastAPI server however many orders it serves, and filtered listing should
not scan the whole data set.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ORDERS = 1_000_000
RSS_LIMIT_MB = 250


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


@pytest.fixture(scope="module")
def million() -> Iterator[tuple[subprocess.Popen, str]]:
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the server's memory")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "twentyfourseven.cli",
            "sandbox",
            "--orders",
            str(ORDERS),
            "--port",
            "0",
            "--log-level",
            "warning",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        root = None
        deadline = time.monotonic() + 30
        while root is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            found = re.search(r"API\s+(http://127\.0\.0\.1:\d+)/v1", line)
            root = found.group(1) if found else None
        assert root, "the CLI did not announce its URL"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{root}/_sandbox/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield process, root
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def test_million_orders_in_bounded_memory(million):
    process, root = million
    token = httpx.post(
        f"{root}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "sandbox-client",
            "client_secret": "sandbox-secret",
            "audience": "https://api.24sevenoffice.com",
            "login_organization": "sandbox-org",
        },
    ).json()["access_token"]
    with httpx.Client(
        base_url=f"{root}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as api:
        health = httpx.get(f"{root}/_sandbox/health").json()
        assert health["orders"] == ORDERS
        page = api.get("/salesorders", params={"limit": 1000})
        assert len(page.json()) == 1000
        assert api.get(page.links["next"]["url"]).status_code == 200
        assert api.get(f"/salesorders/{100_000 + ORDERS}").status_code == 200
        assert api.get(f"/salesorders/{100_001 + ORDERS}").status_code == 404
        assert api.get(f"/salesorders/{100_000 + ORDERS}/lines").status_code == 200

        started = time.perf_counter()
        recent = api.get("/salesorders", params={"modifiedFrom": "2025-06-29T12:00:00Z"})
        assert recent.status_code == 200
        assert len(recent.json()) == 100
        assert min(o["modifiedAt"] for o in recent.json()) >= "2025-06-29T12:00:00Z"
        big_customer = api.get("/salesorders", params={"customerId": "10000", "limit": 20})
        assert len(big_customer.json()) == 20
        assert time.perf_counter() - started < 5

        report = httpx.post(
            f"{root}/_sandbox/changes",
            json={"advance_seconds": 3600, "edit_orders": 0.001, "add_orders": 0.0005},
            timeout=60,
        ).json()
        assert len(report["created_orders"]) == 500
        changed, url = 0, "/salesorders?modifiedFrom=2025-06-30T12:00:01Z&limit=1000"
        while url:
            response = api.get(url)
            changed += len(response.json())
            url = response.links.get("next", {}).get("url")
        assert changed == len(set(report["edited_orders"])) + 500
    print(f"server RSS after serving {ORDERS} orders: {_rss_mb(process.pid):.0f} MB")
    rss = _rss_mb(process.pid)
    assert rss < RSS_LIMIT_MB, f"server RSS {rss:.0f} MB"
