"""One API-reading job, done by one reader, in this process; prints one JSON line.

The job, the same for every reader: take a token, list every sales order
(``GET /salesorders``, pages of ``--page-size``, following ``Link: rel="next"``),
then read every order's lines (``GET /salesorders/{id}/lines``) with at most
``--concurrency`` requests in flight, and parse them. What is timed starts at the
token request and ends with the last lines parsed; imports and setup are not timed.

Readers:

* ``ours``: :class:`TwentyFourSevenOfficeClient` listing pages, then
  :func:`twentyfourseven.api.bulk.read_orders` (threads + the shared RateLimiter),
  lines validated with the pydantic models, numbers as Decimals.
* ``ours_asyncio``: the same job on ``httpx.AsyncClient``, ``--concurrency`` worker
  coroutines, the same rate-limiter logic (a reserved slot, slept outside the lock), the
  same exact JSON parsing and pydantic validation: the alternative concurrency model.
* ``py24so_sync``: ``py24so.Client24SO`` (its paginator, then ``sales_orders.lines.list``
  from a thread pool of ``--concurrency``: the client is documented thread-safe).
* ``py24so_async``: ``py24so.AsyncClient24SO`` (async paginator, ``--concurrency`` workers).
* ``dlt`` / ``dlt_parallel``: dlt's ``rest_api`` source, parent ``salesorders``
  (``header_link`` paginator) and child ``lines`` with path
  ``salesorders/{resources.salesorders.id}/lines``, OAuth2 client credentials; the
  source's items iterated (no destination). ``dlt_parallel`` marks the child
  ``parallelized`` with ``--concurrency`` extract workers.
* ``httpx_seq``: a plain sequential ``httpx.Client`` loop with ``json.loads``.

``--repeat N`` does the job N times in this process, each with a new client (and token).
``--httpx2`` swaps ``httpx`` for the ``httpx2`` fork (``sys.modules``) before anything
imports it: the drop-in test.

    python benchmarks/readers.py ours --base-url http://127.0.0.1:PORT/v1 \\
        --token-url http://127.0.0.1:PORT/oauth/token [--rate 100] [--httpx2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

if "--httpx2" in sys.argv:  # before anything imports httpx
    import httpx2

    sys.modules["httpx"] = httpx2

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's published test credential
ORGANIZATION = "sandbox-org"
AUDIENCE = "https://api.24sevenoffice.com"


def token_form() -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "audience": AUDIENCE,
        "login_organization": ORGANIZATION,
    }


# --- ours: threads -------------------------------------------------------------------


def ours(args: argparse.Namespace) -> dict[str, Any]:
    from twentyfourseven.api import TwentyFourSevenOfficeClient

    client = TwentyFourSevenOfficeClient(
        CLIENT_ID,
        CLIENT_SECRET,
        ORGANIZATION,
        base_url=args.base_url,
        token_url=args.token_url,
        rate_limit=args.rate,
        rate_burst=args.burst,
        max_concurrency=args.concurrency,
    )

    def job() -> tuple[int, int, int]:
        listed = 0

        def ids() -> Iterator[int]:  # streamed: lines are read while later pages list
            nonlocal listed
            for page in client.list_sales_order_pages(page_size=args.page_size):
                listed += len(page)
                yield from (raw["id"] for raw in page)

        lines = failed = 0
        for outcome in client.read_orders(ids(), header=False):
            if outcome.status.value == "ok":
                lines += len(outcome.lines or ())
            else:
                failed += 1
        return listed, lines, failed

    try:
        return timed(job) | {"client_stats": client.stats}
    finally:
        client.close()


# --- ours: asyncio -------------------------------------------------------------------


class AsyncRateLimiter:
    """The RateLimiter's logic for coroutines: reserve the next slot, sleep outside,
    catch up at most ``burst - 1`` missed slots (never more than a second's budget)."""

    def __init__(self, rate: float | None, burst: int) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._catch_up = (max(1, min(burst, int(rate))) - 1) * self._interval if rate else 0.0
        self._next_slot = -float("inf")

    async def acquire(self) -> None:
        import asyncio

        if not self._interval:
            return
        now = time.monotonic()
        # No lock needed: one event loop, no await between reading and reserving.
        slot = max(now - self._catch_up, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


def ours_asyncio(args: argparse.Namespace) -> dict[str, Any]:
    import asyncio

    import httpx
    from pydantic import TypeAdapter

    from twentyfourseven.api.payloads import SalesOrderLine, parse_json

    lines_adapter = TypeAdapter(list[SalesOrderLine])
    limiter = AsyncRateLimiter(args.rate, burst=args.burst)

    async def job() -> tuple[int, int, int]:
        async with httpx.AsyncClient(
            timeout=30,
            limits=httpx.Limits(
                max_connections=args.concurrency, max_keepalive_connections=args.concurrency
            ),
            headers={"Accept": "application/json"},
        ) as http:
            response = await http.post(args.token_url, data=token_form())
            response.raise_for_status()
            auth = {"Authorization": f"Bearer {response.json()['access_token']}"}
            # Streamed like `ours`: workers read lines while later pages list.
            queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=2 * args.concurrency)
            totals = [0, 0, 0]

            async def lister() -> None:
                url: str | None = f"{args.base_url}/salesorders"
                params: dict[str, Any] | None = {"limit": args.page_size}
                while url:
                    await limiter.acquire()
                    response = await http.get(url, params=params, headers=auth)
                    response.raise_for_status()
                    for raw in parse_json(response.content):
                        totals[2] += 1
                        await queue.put(raw["id"])
                    url, params = response.links.get("next", {}).get("url"), None
                for _ in range(args.concurrency):
                    await queue.put(None)

            async def worker() -> None:
                while (order_id := await queue.get()) is not None:
                    await limiter.acquire()
                    r = await http.get(
                        f"{args.base_url}/salesorders/{order_id}/lines", headers=auth
                    )
                    if r.status_code != 200:
                        totals[1] += 1
                        continue
                    totals[0] += len(lines_adapter.validate_python(parse_json(r.content)))

            await asyncio.gather(lister(), *(worker() for _ in range(args.concurrency)))
            return totals[2], totals[0], totals[1]

    return timed(lambda: asyncio.run(job()))


# --- py24so --------------------------------------------------------------------------


def _py24so_options(args: argparse.Namespace) -> Any:
    from py24so import ClientOptions

    # py24so takes the API and token URLs as options: no patching needed.
    return ClientOptions(base_url=args.base_url, token_url=args.token_url, audience=AUDIENCE)


def py24so_sync(args: argparse.Namespace) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    from py24so import Client24SO

    client = Client24SO(CLIENT_ID, CLIENT_SECRET, ORGANIZATION, options=_py24so_options(args))

    def job() -> tuple[int, int, int]:
        ids = [order.id for order in client.sales_orders.list(page_size=args.page_size)]
        with ThreadPoolExecutor(args.concurrency) as pool:
            counts = list(pool.map(lambda i: len(client.sales_orders.lines.list(i)), ids))
        return len(ids), sum(counts), 0

    try:
        return timed(job)
    finally:
        client.close()


def py24so_async(args: argparse.Namespace) -> dict[str, Any]:
    import asyncio

    from py24so import AsyncClient24SO

    async def job() -> tuple[int, int, int]:
        async with AsyncClient24SO(
            CLIENT_ID, CLIENT_SECRET, ORGANIZATION, options=_py24so_options(args)
        ) as client:
            ids = [order.id async for order in client.sales_orders.list(page_size=args.page_size)]
            remaining = iter(ids)
            total = [0]

            async def worker() -> None:
                for order_id in remaining:
                    count = len(await client.sales_orders.lines.list(order_id))
                    total[0] += count  # not `+= len(await …)`: that reads total before awaiting

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            return len(ids), total[0], 0

    return timed(lambda: asyncio.run(job()))


# --- dlt rest_api ----------------------------------------------------------------------


def dlt_config(args: argparse.Namespace, parallel: bool) -> dict[str, Any]:
    return {
        "client": {
            "base_url": args.base_url.rstrip("/") + "/",
            "auth": {
                "type": "oauth2_client_credentials",
                "access_token_url": args.token_url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "access_token_request_data": {
                    "audience": AUDIENCE,
                    "login_organization": ORGANIZATION,
                },
            },
        },
        "resources": [
            {
                "name": "salesorders",
                "endpoint": {
                    "path": "salesorders",
                    "params": {"limit": args.page_size},
                    "paginator": {"type": "header_link"},  # Link: <…>; rel="next"
                },
            },
            {
                "name": "lines",
                "endpoint": {
                    "path": "salesorders/{resources.salesorders.id}/lines",
                    "paginator": {"type": "single_page"},
                },
                "parallelized": parallel,
            },
        ],
    }


def _dlt(args: argparse.Namespace, parallel: bool) -> dict[str, Any]:
    import os

    os.environ["EXTRACT__WORKERS"] = str(args.concurrency)
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(dlt_config(args, parallel))

    def job() -> tuple[int, int, int]:
        orders = lines = 0
        for item in source:
            if "customer" in item:  # an order header; lines have no customer
                orders += 1
            else:
                lines += 1
        return orders, lines, 0

    return timed(job)


def dlt_sequential(args: argparse.Namespace) -> dict[str, Any]:
    return _dlt(args, parallel=False)


def dlt_parallel(args: argparse.Namespace) -> dict[str, Any]:
    return _dlt(args, parallel=True)


# --- plain httpx, sequential --------------------------------------------------------


def httpx_seq(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    http = httpx.Client(timeout=30, headers={"Accept": "application/json"})

    def job() -> tuple[int, int, int]:
        response = http.post(args.token_url, data=token_form())
        response.raise_for_status()
        auth = {"Authorization": f"Bearer {response.json()['access_token']}"}
        ids: list[int] = []
        url: str | None = f"{args.base_url}/salesorders"
        params: dict[str, Any] | None = {"limit": args.page_size}
        while url:
            response = http.get(url, params=params, headers=auth)
            response.raise_for_status()
            ids += [raw["id"] for raw in json.loads(response.content)]
            url, params = response.links.get("next", {}).get("url"), None
        lines = 0
        for order_id in ids:
            response = http.get(f"{args.base_url}/salesorders/{order_id}/lines", headers=auth)
            response.raise_for_status()
            lines += len(json.loads(response.content))
        return len(ids), lines, 0

    try:
        return timed(job)
    finally:
        http.close()


# --- common --------------------------------------------------------------------------


def timed(job: Any) -> dict[str, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    orders, lines, failed = job()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "orders": orders,
        "lines": lines,
        "failed": failed,
        "seconds": round(wall, 4),
        "cpu_seconds": round(cpu, 4),
        "orders_per_second": round(orders / wall, 1),
    }


READERS = {
    "ours": ours,
    "ours_asyncio": ours_asyncio,
    "py24so_sync": py24so_sync,
    "py24so_async": py24so_async,
    "dlt": dlt_sequential,
    "dlt_parallel": dlt_parallel,
    "httpx_seq": httpx_seq,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reader", choices=sorted(READERS))
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token-url", required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--rate", type=float, default=None, help="client rate budget, req/s")
    parser.add_argument("--burst", type=int, default=1, help="missed slots made up at once")
    parser.add_argument("--httpx2", action="store_true", help="httpx2 as a drop-in for httpx")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each with a new client")
    args = parser.parse_args()
    runs = [READERS[args.reader](args) for _ in range(args.repeat)]
    result = {"reader": args.reader + ("+httpx2" if args.httpx2 else ""), "runs": runs}
    print(json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
