"""The run plan: which orders a run reads, in which chunks, and what it may advance.

Written by the plan task as ``<staging>/<run>/plan.json`` plus one
``chunk-<NNNN>.ids.ndjson`` per chunk (``{"order_id": …, "header": <listed JSON or
null>}`` per line), so that neither a million IDs nor their headers travel
through XCom. The extract tasks read their chunk file; the loader reads
``plan.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from twentyfourseven.api.models import dumps_json, parse_json

PLAN_FILE = "plan.json"


def run_folder_name(run_id: str) -> str:
    """A file-system-safe folder name for an Airflow run ID (which holds ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_") or "run"


@dataclass(frozen=True)
class RunPlan:
    """What the plan task decided for one DAG run.

    ``mode``: ``incremental``, ``reconcile``, ``full_refresh`` or ``manual``.
    ``listed_at``: when the listing was taken, by the API's clock (its ``Date``
    header) or ours, whichever is earlier. ``watermark_candidate``: the newest
    ``modifiedAt`` discovery saw, but never later than ``listed_at``; the loader
    makes it the new watermark only if every chunk loads. ``modified_ahead``
    listed orders had a ``modifiedAt`` beyond ``listed_at`` plus the tolerance
    (the latest: ``modified_ahead_max``); they did not count for the candidate.
    ``watermark_reset``: the loader sets the candidate even if it is older than
    the watermark (a full refresh, or a watermark found ahead of the clock).
    ``sources`` counts IDs by where they came from (param, discovered, known, retry).
    """

    run_id: str
    mode: str
    started_at: str
    chunks: int
    orders_requested: int
    watermark_before: str | None = None
    watermark_candidate: str | None = None
    listed_at: str | None = None
    modified_ahead: int = 0
    modified_ahead_max: str | None = None
    watermark_reset: bool = False
    sources: dict[str, int] = field(default_factory=dict)
    api_stats: dict[str, int] = field(default_factory=dict)

    def write(self, run_dir: Path) -> Path:
        run_dir.mkdir(parents=True, exist_ok=True)
        partial = run_dir / (PLAN_FILE + ".partial")
        partial.write_text(json.dumps(asdict(self), indent=2))
        os.replace(partial, run_dir / PLAN_FILE)
        return run_dir / PLAN_FILE

    @classmethod
    def read(cls, run_dir: Path) -> RunPlan:
        return cls(**json.loads((run_dir / PLAN_FILE).read_text()))


def chunk_ids_path(run_dir: Path, chunk: int) -> Path:
    return run_dir / f"chunk-{chunk:04d}.ids.ndjson"


def write_chunk_ids(run_dir: Path, chunk: int, entries: list[tuple[int, Any]]) -> Path:
    """One chunk's order IDs, each with its listed header (raw JSON) or None."""
    path = chunk_ids_path(run_dir, chunk)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        for order_id, header in entries:
            handle.write(dumps_json({"order_id": order_id, "header": header}) + b"\n")
    os.replace(partial, path)
    return path


def read_chunk_ids(run_dir: Path, chunk: int) -> Iterator[tuple[int, Any]]:
    """The chunk's (order ID, listed header or None) pairs, decimals exact."""
    with chunk_ids_path(run_dir, chunk).open("rb") as handle:
        for line in handle:
            entry = parse_json(line)
            yield entry["order_id"], entry["header"]


def count_chunk_ids(run_dir: Path, chunk: int) -> int:
    """The number of orders in the chunk, without parsing its headers."""
    with chunk_ids_path(run_dir, chunk).open("rb") as handle:
        return sum(1 for _ in handle)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
