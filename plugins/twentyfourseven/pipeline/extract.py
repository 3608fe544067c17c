"""Step 2, extract: read one chunk's orders from the API into its staging files.

Orders discovered with a header need only their lines (one request each); the
others need the header too. Never opens the warehouse: extract tasks may run on
other workers, in parallel, while nothing but files connects them to the load.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twentyfourseven.api import OrderOutcome, TwentyFourSevenOfficeClient
from twentyfourseven.pipeline.runfiles.runplan import RunPlan, count_chunk_ids, read_chunk_ids
from twentyfourseven.pipeline.runfiles.staging import LINES, ChunkWriter, chunk_dir

from .progress import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractSummary:
    chunk: int
    orders: int
    statuses: dict[str, int]
    lines: int
    api_requests: int
    seconds: float

    def describe(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "nothing"
        return (
            f"chunk {self.chunk}: {self.orders} orders ({counts}), {self.lines} lines, "
            f"{self.api_requests} API requests in {self.seconds:.1f} s"
        )


def extract_chunk(
    client: TwentyFourSevenOfficeClient,
    run_dir: Path,
    chunk: int,
    *,
    progress_interval: float = 10.0,
) -> ExtractSummary:
    """Read every order of ``chunk`` and write its staging files and manifest."""
    plan = RunPlan.read(run_dir)
    orders = count_chunk_ids(run_dir, chunk)
    before = client.stats
    progress = Progress(f"Extract chunk {chunk}", orders, interval=progress_interval, logger=log)
    log.info(
        "Extract chunk %d of run %s: %d orders, rate budget %s req/s, %d concurrent",
        chunk,
        plan.run_id,
        orders,
        client.limiter.rate or "unlimited",
        client.max_concurrency,
    )
    # The chunk file is streamed, never held: a listed header is kept only while
    # its order's lines are in flight, so memory stays flat however big the chunk.
    in_flight: dict[int, Any] = {}
    needs_header: list[int] = []

    def listed_ids() -> Iterator[int]:
        for order_id, header in read_chunk_ids(run_dir, chunk):
            if header is None:
                needs_header.append(order_id)
            else:
                in_flight[order_id] = header
                yield order_id

    def outcomes() -> Iterator[OrderOutcome]:
        yield from client.read_orders(listed_ids(), header=False)
        if needs_header:  # complete only once the listed ones are drawn
            yield from client.read_orders(needs_header)

    with ChunkWriter(chunk_dir(run_dir, chunk), run_id=plan.run_id, chunk=chunk) as writer:
        for outcome in outcomes():
            writer.add(outcome, listed_header=in_flight.pop(outcome.order_id, None))
            if outcome.error is not None and outcome.status.value == "failed":
                log.warning("Order %d failed: %s", outcome.order_id, outcome.error_summary)
            progress.advance()
        after = client.stats
        spent = {k: after.get(k, 0) - before.get(k, 0) for k in ("requests", "retries")}
        manifest = writer.close(api_stats=spent)
    summary = ExtractSummary(
        chunk=chunk,
        orders=orders,
        statuses=dict(writer.status_counts),
        lines=manifest.rows[LINES],
        api_requests=spent["requests"],
        seconds=progress.elapsed,
    )
    log.info("%s", summary.describe())
    return summary
