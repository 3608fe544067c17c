"""Step 2, extract: read one chunk's orders from the API into its staging files.

Orders discovered with a header need only their lines (one request each); the
others need the header too. Never opens the warehouse: extract tasks may run on
other workers, in parallel, while nothing but files connects them to the load.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from twentyfourseven.api import TwentyFourSevenOfficeClient
from twentyfourseven.warehouse.runplan import RunPlan, read_chunk_ids
from twentyfourseven.warehouse.staging import ChunkWriter, chunk_dir

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
    headers = dict(read_chunk_ids(run_dir, chunk))
    needs_header = [i for i, header in headers.items() if header is None]
    lines_only = [i for i, header in headers.items() if header is not None]
    before = client.stats
    progress = Progress(
        f"Extract chunk {chunk}", len(headers), interval=progress_interval, logger=log
    )
    log.info(
        "Extract chunk %d of run %s: %d orders (%d with listed headers, %d to read in full), "
        "rate budget %s req/s, %d concurrent",
        chunk,
        plan.run_id,
        len(headers),
        len(lines_only),
        len(needs_header),
        client.limiter.rate or "unlimited",
        client.max_concurrency,
    )
    with ChunkWriter(chunk_dir(run_dir, chunk), run_id=plan.run_id, chunk=chunk) as writer:
        outcomes = chain(
            client.read_orders(needs_header) if needs_header else (),
            client.read_orders(lines_only, header=False) if lines_only else (),
        )
        for outcome in outcomes:
            writer.add(outcome, listed_header=headers.get(outcome.order_id))
            if outcome.error is not None and outcome.status.value == "failed":
                log.warning("Order %d failed: %s", outcome.order_id, outcome.error_summary)
            progress.advance()
        after = client.stats
        spent = {k: after.get(k, 0) - before.get(k, 0) for k in ("requests", "retries")}
        manifest = writer.close(api_stats=spent)
    summary = ExtractSummary(
        chunk=chunk,
        orders=len(headers),
        statuses=dict(writer.status_counts),
        lines=manifest.rows["lines"],
        api_requests=spent["requests"],
        seconds=progress.elapsed,
    )
    log.info("%s", summary.describe())
    return summary
