"""The run plan: which orders a run reads, in which chunks, and what it may advance.

Written by the plan task as ``<staging>/<run>/plan.json`` (``<run>``: see
:func:`run_folder_name`) plus one ``chunk-<NNNN>.ids.ndjson`` per chunk
(``{"order_id": …, "header": <listed JSON or null>}`` per line), so that neither
a million IDs nor their headers travel through XCom. The extract tasks read
their chunk file; the loader reads ``plan.json``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from twentyfourseven.api.payloads import dumps_json, parse_json
from twentyfourseven.atomic import atomic_file, write_atomically
from twentyfourseven.locations import StagingPath

from .staging import MAX_RECORD_BYTES

log = logging.getLogger(__name__)

PLAN_FILE = "plan.json"


_READABLE_PREFIX = 60  # characters of the run ID kept in the folder name


def run_folder_name(run_id: str) -> str:
    """The staging folder name of an Airflow run ID: ``<readable prefix>-<hash>``.

    Airflow accepts run IDs such as ``"."``, ``".."`` or ``"a/b"``; used as they are,
    they name the staging root itself, its parent or a nested folder, and run IDs
    that differ only in characters a file name cannot hold (``"a:b"``, ``"a_b"``)
    would share a folder. The prefix keeps letters, digits, ``_`` and ``-`` (every
    other character becomes ``_``), so the name can never be or contain ``.``/``..``
    or a separator; the 64-bit BLAKE2b of the exact run ID keeps distinct run IDs
    apart and bounds the length.
    """
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", run_id[:_READABLE_PREFIX]).strip("_") or "run"
    digest = hashlib.blake2b(run_id.encode("utf-8", "surrogatepass"), digest_size=8)
    return f"{prefix}-{digest.hexdigest()}"


def run_staging_dir(staging_root: StagingPath, run_id: str) -> StagingPath:
    """The run's folder under the staging root, local or in object storage (see
    :func:`run_folder_name`)."""
    return staging_root / run_folder_name(run_id)


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
    ``listings``: the listed resources (master data) the run reads, each with the
    time to list its changes from, or None to list it whole.
    ``deletion_check``: whether every order ID was listed and compared with the
    known live orders (``deletion_check_calls``: its requests); the known orders
    it lacked, ``deletion_candidates``, are among the orders to read, and a 404
    for one of them is a deletion. ``deletion_check_note``: why it did not run.
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
    listings: dict[str, str | None] = field(default_factory=dict)
    deletion_check: bool = False
    deletion_check_calls: int = 0
    deletion_candidates: list[int] = field(default_factory=list)
    deletion_check_note: str | None = None

    def write(self, run_dir: Path) -> Path:
        return write_atomically(run_dir / PLAN_FILE, json.dumps(asdict(self), indent=2))

    @classmethod
    def read(cls, run_dir: Path) -> RunPlan:
        return cls(**json.loads((run_dir / PLAN_FILE).read_text()))


def chunk_ids_path(run_dir: Path, chunk: int) -> Path:
    return run_dir / f"chunk-{chunk:04d}.ids.ndjson"


def chunk_ids_entry(order_id: int, header: Any) -> bytes:
    """One line of a chunk's ID file. A listed header too large to stage is left out
    (``null``): the extract then reads the order itself, and the staging writer
    quarantines it with its size, while the file stays readable by the loader,
    which queues a corrupt chunk's orders from it."""
    entry = dumps_json({"order_id": order_id, "header": header}) + b"\n"
    if header is not None and len(entry) > MAX_RECORD_BYTES:
        log.warning(
            "Order %d listed with a header of %d bytes, over the %d-byte record limit; "
            "it is read on its own",
            order_id,
            len(entry),
            MAX_RECORD_BYTES,
        )
        return chunk_ids_entry(order_id, None)
    return entry


def write_chunk_ids(run_dir: Path, chunks: int, entries: Iterable[tuple[int, bytes]]) -> None:
    """The run's ``chunks`` chunk ID files, from ``(chunk, entry)`` pairs, each entry a
    line of :func:`chunk_ids_entry`; every file appears only once all are written."""
    with contextlib.ExitStack() as stack:
        files = [
            stack.enter_context(atomic_file(chunk_ids_path(run_dir, k))) for k in range(chunks)
        ]
        for chunk, entry in entries:
            files[chunk].write(entry)


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
