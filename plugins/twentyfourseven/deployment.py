"""Deployment settings every layer reads: the DAG ID, the warehouse pool, the data
folder and the run settings (from Airflow Variables, then environment variables, then
defaults).

Each setting ``name`` is read from the Airflow Variable ``twentyfourseven_<name>``,
else from the environment variable ``TWENTYFOURSEVEN_<NAME>``, else the default.
Data lives under ``TWENTYFOURSEVEN_DATA_DIR`` (default: the git-ignored ``data/``
folder of the project in a checkout, ``$AIRFLOW_HOME/data`` for an installed
package; see :mod:`twentyfourseven.locations`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from twentyfourseven.connection import DEFAULT_CONN_ID
from twentyfourseven.locations import StagingPath, default_data_dir, staging_location

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "twentyfourseven_sales_orders"
WAREHOUSE_POOL = "twentyfourseven_warehouse"
# Read as they are; ``staging`` too (a URL is no Path), made a path once its conn_id is known.
_TEXT_SETTINGS = ("conn_id", "load_memory_limit", "staging_conn_id", "staging")


def warehouse_queue() -> dict[str, Any]:
    """The ``queue`` argument of a task that opens the warehouse or its snapshot: the
    ``TWENTYFOURSEVEN_WAREHOUSE_QUEUE`` environment variable (read when the DAG is
    parsed), served only by the worker that holds the files where workers share no disk
    (staging in object storage); unset, nothing (the executor's default queue)."""
    queue = os.environ.get("TWENTYFOURSEVEN_WAREHOUSE_QUEUE")
    return {"queue": queue} if queue else {}


def warehouse_task() -> dict[str, Any]:
    """The arguments of a task that writes the warehouse: its pool of one slot (one
    writer) and :func:`warehouse_queue`."""
    return {"pool": WAREHOUSE_POOL, **warehouse_queue()}


def data_dir() -> Path:
    return Path(os.environ.get("TWENTYFOURSEVEN_DATA_DIR") or default_data_dir())


@dataclass(frozen=True)
class PipelineSettings:
    """Where the data goes and how a run is cut up.

    ``snapshot`` is the read-only file analysts and BI tools open (what they read
    of the warehouse, no raw payloads); ``dashboard`` the rendered HTML dashboard.

    ``max_chunks`` bounds the mapped extract tasks whatever the number of orders;
    ``min_chunk_size`` avoids a task per handful of orders; ``overlap_minutes``
    re-lists a margin before the watermark (clock skew, late commits upstream);
    ``clock_tolerance_minutes`` is how far a listed ``modifiedAt`` may be ahead of
    the listing's clock before it counts as a clock error (warned about, kept out
    of the watermark, which never passes the listing's clock anyway);
    ``reconcile_every_hours`` re-reads every known order that often (line-only
    edits and hard deletes are invisible to ``modifiedFrom``; 0 turns it off);
    ``staging_retention_days`` keeps staging files that long after a load;
    ``load_memory_limit`` caps DuckDB's memory in the load (it spills to disk
    beyond it), so a run of a million orders loads in the same memory as one of
    a hundred thousand (a DuckDB size: ``512MB``, ``4GB``); ``max_order_ids``
    caps the ``order_ids`` one run accepts (a bigger list is refused before any
    request, not left to hold the warehouse pool); ``master_data_every_runs`` reads
    the master data (customers, products, categories, tax codes, accounts,
    currencies) every that many runs (1: every run; 0: never);
    ``deletion_check_every_runs``: an incremental run lists every order ID, to find
    the orders deleted upstream, every that many runs (1: every run; 0: never, and
    deletions wait for the reconciliation run).

    ``file_mode`` is the permissions of the files the pipeline creates (warehouse,
    staging files, snapshot, dashboard; octal, ``0640`` by default: owner and group
    read, others nothing); folders get the search bit where they are readable, and
    the snapshot gets no write bit at all.

    ``staging`` is a local folder or an object-storage URL (``s3://bucket/prefix``), for
    workers that share no disk; ``staging_conn_id`` names the Airflow connection with its
    credentials (an ``aws`` connection for S3, ``endpoint_url`` in its extra for an
    S3-compatible store; by default ``aws_default``, the Amazon provider's own default).
    """

    warehouse: Path
    staging: StagingPath
    snapshot: Path
    dashboard: Path
    conn_id: str = DEFAULT_CONN_ID
    max_chunks: int = 16
    min_chunk_size: int = 500
    overlap_minutes: float = 10.0
    clock_tolerance_minutes: float = 10.0
    reconcile_every_hours: float = 24.0 * 7
    staging_retention_days: float = 0.0
    load_memory_limit: str = "512MB"
    file_mode: int = 0o640
    max_order_ids: int = 10_000
    master_data_every_runs: int = 1
    deletion_check_every_runs: int = 1
    staging_conn_id: str = "aws_default"

    @property
    def database_for_readers(self) -> Path:
        """The snapshot if there is one (reading it never contends with a load), else the
        warehouse."""
        return self.snapshot if self.snapshot.is_file() else self.warehouse

    @property
    def umask(self) -> int:
        """The umask that creates files with ``file_mode`` and folders searchable by whom
        may read them."""
        folder_mode = self.file_mode | (self.file_mode & 0o444) >> 2
        return 0o777 & ~folder_mode

    @property
    def overlap(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.overlap_minutes)

    @property
    def clock_tolerance(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.clock_tolerance_minutes)

    @property
    def reconcile_every(self) -> dt.timedelta | None:
        hours = self.reconcile_every_hours
        return dt.timedelta(hours=hours) if hours > 0 else None

    @classmethod
    def load(cls, variable: Callable[[str], str | None] | None = None) -> PipelineSettings:
        """Settings with every source applied; ``variable`` looks up an Airflow Variable."""
        base = data_dir()
        values: dict[str, object] = {
            "warehouse": base / "warehouse.duckdb",
            "staging": base / "staging",
            "snapshot": base / "snapshot.duckdb",
            "dashboard": base / "dashboard.html",
        }
        for spec in fields(cls):
            raw = variable(f"twentyfourseven_{spec.name}") if variable else None
            if raw is None:
                raw = os.environ.get(f"TWENTYFOURSEVEN_{spec.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = str if spec.name in _TEXT_SETTINGS else Path if spec.type == "Path" else None
            if spec.name == "file_mode":
                values[spec.name] = _file_mode(raw)
                continue
            try:
                values[spec.name] = (kind or type(getattr(cls, spec.name)))(raw)
            except ValueError:
                raise ValueError(
                    f"setting {spec.name} (TWENTYFOURSEVEN_{spec.name.upper()}) "
                    f"must be a number, got {raw!r}"
                ) from None
        values["staging"] = staging_location(
            values["staging"],  # type: ignore[arg-type]
            values.get("staging_conn_id"),  # type: ignore[arg-type]
        )
        settings = cls(**values)  # type: ignore[arg-type]
        for name in ("max_chunks", "min_chunk_size", "max_order_ids"):
            if getattr(settings, name) < 1:
                raise ValueError(
                    f"setting {name} (TWENTYFOURSEVEN_{name.upper()}) must be at least 1, "
                    f"got {getattr(settings, name)}"
                )
        return settings


def _file_mode(raw: str) -> int:
    try:
        mode = int(raw, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        raise ValueError(
            f"setting file_mode (TWENTYFOURSEVEN_FILE_MODE) must be octal permissions "
            f"such as 0640, got {raw!r}"
        )
    return mode


def airflow_variable(name: str) -> str | None:
    """An Airflow Variable, or None where there is none (or no Airflow to ask)."""
    try:
        from airflow.sdk import Variable

        return Variable.get(name, default=None)
    except Exception:  # no metadata DB or API server reachable: settings fall back to env
        return None
