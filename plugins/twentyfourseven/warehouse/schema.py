"""The warehouse's loader-owned tables: ``raw`` (current records as received) and ``ops``.

``staging``, ``marts`` and ``reports`` are built from these by the SQL models in
the package's ``sql/``. Each resource description gives its ``raw`` tables (one column
list for files, tables and reads); ``payload`` is the record's JSON as the API sent it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from twentyfourseven.api.resources import RESOURCES, Child, Column, Resource
from twentyfourseven.duckdb_session import open_duckdb

STAMP = "payload VARCHAR, run_id VARCHAR NOT NULL, extracted_at TIMESTAMPTZ NOT NULL"
TOMBSTONE = "deleted_at TIMESTAMPTZ, deleted_run_id VARCHAR"
# A version of a record kept with history: when it held (valid_to NULL: it still does).
HISTORY = "valid_from TIMESTAMPTZ NOT NULL, valid_to TIMESTAMPTZ, run_id VARCHAR NOT NULL"
# The first version seen of a record is taken to have held since before any sale.
HISTORY_START = "1900-01-01 00:00:00+00"
# Written beside a per-record read's typed columns: whether its header came from the
# record's own GET or from the listing.
HEADER_SOURCE = "header_source"
# A child row's place in its parent's list, as the API returned it.
POSITION = "line_number"
# A column holding another's value in integer units of 10^-n (quantity_e6 beside quantity).
SCALED_COLUMN = re.compile(r"(\w+)_e(\d+)")


def _columns(columns: tuple[Column, ...]) -> str:
    return ",\n    ".join(f"{c.name} {c.sql_type}" for c in columns)


def typed_select(columns: tuple[Column, ...]) -> str:
    """Select list casting staged VARCHAR decimals to their DECIMAL types (exact)."""
    return ", ".join(
        f"CAST({c.name} AS {c.sql_type}) AS {c.name}" if c.decimal else c.name for c in columns
    )


def raw_tables_ddl(resource: Resource) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for the resource's ``raw`` table(s).

    One row per record ever loaded (``deleted_at`` marks one the API no longer has);
    with history, one row per version in ``raw.<name>_history``; a child's rows are
    the current children of each live parent, replaced wholesale each time the
    parent is read.
    """
    source = f"{HEADER_SOURCE} VARCHAR,\n    " if resource.children else ""
    ddl = [
        f"CREATE TABLE IF NOT EXISTS raw.{resource.name} (\n"
        f"    {_columns(resource.columns)},\n    {source}{STAMP},\n    {TOMBSTONE},\n"
        f"    PRIMARY KEY ({resource.key})\n);"
    ]
    if resource.history:
        ddl.append(
            f"CREATE TABLE IF NOT EXISTS raw.{resource.name}_history (\n"
            f"    {_columns(resource.columns)},\n    {HISTORY},\n"
            f"    PRIMARY KEY ({resource.key}, valid_from)\n);"
        )
    parent = resource.key_column
    for child in resource.children:
        ddl.append(
            f"CREATE TABLE IF NOT EXISTS raw.{child.name} (\n"
            f"    {parent.name} {parent.sql_type} NOT NULL,\n    {POSITION} INTEGER NOT NULL,\n"
            f"    {_columns(child.columns)},\n    {STAMP},\n"
            f"    PRIMARY KEY ({parent.name}, {child.key})\n);"
        )
    return "\n".join(ddl)


# The orders whose raw rows changed since the transform last built the models: every
# write to raw.sales_orders or raw.sales_order_lines adds its orders (in the same
# transaction), and the transform's build removes those it has applied, so the incremental
# facts (an `-- incremental: order_id` model header) update exactly these orders.
CHANGES_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.changed_orders (
    order_id BIGINT PRIMARY KEY,
    run_id VARCHAR NOT NULL
);
"""

# What the last build of each incremental model was made of (its SQL and the upstream SQL,
# the tables' columns and the other inputs' fingerprint), and whether the last data tests
# passed: the transform rebuilds fully, and tests everything, when these say it must.
MODEL_STATE_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.model_state (
    name VARCHAR PRIMARY KEY,
    digest VARCHAR NOT NULL,
    inputs VARCHAR,
    status VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
"""

DDL = (
    """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS ops;

-- Every order the pipeline knows of, for reconciliation runs.
CREATE TABLE IF NOT EXISTS ops.known_orders (
    order_id BIGINT PRIMARY KEY,
    first_seen_run_id VARCHAR NOT NULL,
    last_loaded_run_id VARCHAR,
    last_loaded_at TIMESTAMPTZ,
    modified_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ
);

-- Orders whose last read failed; the next run reads them again.
CREATE TABLE IF NOT EXISTS ops.failed_orders (
    order_id BIGINT PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL,
    error_type VARCHAR,
    http_status INTEGER,
    tracking_id VARCHAR,
    trace_id VARCHAR,
    message VARCHAR,
    attempts INTEGER NOT NULL DEFAULT 1
);

-- Records that failed validation, with the reason and the JSON as received; kind is
-- 'order' or 'line' (order_id says which order), or a listed resource's name.
-- resolved_run_id is set when a later run loads the order (or the record) cleanly.
CREATE TABLE IF NOT EXISTS ops.quarantine (
    run_id VARCHAR NOT NULL,
    order_id BIGINT,
    kind VARCHAR NOT NULL,
    record_id BIGINT,
    reason VARCHAR NOT NULL,
    payload VARCHAR,
    quarantined_at TIMESTAMPTZ NOT NULL,
    resolved_run_id VARCHAR
);

-- How far discovery has safely read (modifiedAt of the newest loaded order).
CREATE TABLE IF NOT EXISTS ops.watermark (
    name VARCHAR PRIMARY KEY,
    value TIMESTAMPTZ NOT NULL,
    run_id VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per DAG run: what it asked for and what became of it.
CREATE TABLE IF NOT EXISTS ops.runs (
    run_id VARCHAR PRIMARY KEY,
    mode VARCHAR NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    duration_seconds DOUBLE,
    orders_requested INTEGER,
    orders_ok INTEGER,
    orders_deleted INTEGER,
    orders_failed INTEGER,
    orders_quarantined INTEGER,
    lines_loaded BIGINT,
    api_calls BIGINT,
    api_retries BIGINT,
    chunks INTEGER,
    corrupt_chunks INTEGER,
    watermark_before TIMESTAMPTZ,
    watermark_after TIMESTAMPTZ
);

-- Added later, hence ALTER (existing warehouses get them too): when the run's listing
-- was taken by the API's clock, and why the watermark was held or reset.
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS listed_at TIMESTAMPTZ;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS watermark_note VARCHAR;
-- 404s for orders the warehouse never held (orders_deleted counts the known ones);
-- added this way so warehouses created before it gain it (NULL for their old runs).
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS orders_not_found INTEGER;
-- Master data read this run: one row per run and listed resource, loaded or not (why not:
-- the API's error with its trackingId, or a staging folder that was unfinished or corrupt).
CREATE TABLE IF NOT EXISTS ops.listings (
    run_id VARCHAR NOT NULL,
    resource VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    complete BOOLEAN,
    records INTEGER,
    quarantined INTEGER,
    tombstoned INTEGER,
    api_calls INTEGER,
    error_type VARCHAR,
    http_status INTEGER,
    tracking_id VARCHAR,
    message VARCHAR,
    staged_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, resource)
);
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS master_data_records BIGINT;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS master_data_api_calls BIGINT;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS master_data_failed INTEGER;
-- The deletion check of an incremental run: whether every order ID was listed, its calls
-- (the listing's, plus one confirming GET per candidate), the known live orders the
-- listing lacked, and how many of them the API confirmed deleted (404).
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS deletion_check BOOLEAN;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS deletion_check_calls INTEGER;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS deletion_candidates INTEGER;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS deleted_confirmed INTEGER;
-- Listed resources' records have no order: warehouses from before them drop the rule.
ALTER TABLE ops.quarantine ALTER COLUMN order_id DROP NOT NULL;
"""
    + CHANGES_DDL
    + MODEL_STATE_DDL
)


def create_schema(
    con: duckdb.DuckDBPyConnection, resources: tuple[Resource, ...] = RESOURCES
) -> None:
    """Create the ``ops`` tables and each resource's ``raw`` tables if they do not exist
    (idempotent).

    A column its resource declares that an existing ``raw`` table lacks (the accruals and
    the integer millionths came later) is added: NULL in the rows loaded before it, except
    the integer millionths (``*_e6``), filled from their decimal column. A ``DECIMAL``
    column of an existing ``raw`` table that its resource now declares wider (the order
    amounts were ``DECIMAL(18,6)``; quantities, prices and rates had 6 decimals) is
    widened, so an older warehouse takes every value the load accepts. Widening is exact;
    a narrower declaration is left alone.
    """
    con.execute(DDL)
    for resource in resources:
        con.execute(raw_tables_ddl(resource))
    existing = dict(
        con.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw'"
        ).fetchall()
    )
    tables = [(r.name, r.columns) for r in resources]
    tables += [(f"{r.name}_history", r.columns) for r in resources if r.history]
    tables += [(c.name, c.columns) for r in resources for c in r.children]
    for table, columns in tables:
        for column in columns:
            data_type = existing.get(f"{table}.{column.name}")
            if data_type is None:
                _add_column(con, table, column)
            elif column.decimal and _narrower(data_type, column):
                con.execute(
                    f"ALTER TABLE raw.{table} ALTER COLUMN {column.name} "
                    f"SET DATA TYPE {column.sql_type}"
                )


def _add_column(con: duckdb.DuckDBPyConnection, table: str, column: Column) -> None:
    con.execute(f"ALTER TABLE raw.{table} ADD COLUMN {column.name} {column.sql_type}")
    if scaled := SCALED_COLUMN.fullmatch(column.name):
        source, units = scaled[1], 10 ** int(scaled[2])
        # Only where the value is a whole number of units within 64 bits, as the load writes it.
        con.execute(
            f"UPDATE raw.{table} SET {column.name} = CAST({source} * {units} AS BIGINT) "  # noqa: S608
            f"WHERE {source} * {units} = trunc({source} * {units}) "
            f"AND abs({source} * {units}) < 9223372036854775807"
        )


def _narrower(data_type: str | None, column: Column) -> bool:
    """Whether ``data_type`` is a DECIMAL that ``column`` holds more integer and decimal
    digits than (so the change is a widening, exact for every value)."""
    if not data_type or not data_type.startswith("DECIMAL(") or column.decimal is None:
        return False
    width, scale = (int(n) for n in data_type[8:-1].split(","))
    new_width, new_scale = column.decimal
    return (width, scale) != column.decimal and (
        new_scale >= scale and new_width - new_scale >= width - scale
    )


def staged_columns(part: Resource | Child, parent: Resource | None = None) -> dict[str, str]:
    """The ``columns=`` for DuckDB's ``read_json`` of a resource's (or, with its
    ``parent``, a child's) staging file.

    Decimal columns are read as VARCHAR and cast in SQL: exact, where reading
    them as numbers would go through binary floating point.
    """
    typed = {c.name: "VARCHAR" if c.decimal else c.sql_type for c in part.columns}
    stamp = {"payload": "VARCHAR", "run_id": "VARCHAR", "extracted_at": "TIMESTAMPTZ"}
    if parent is not None:
        key = parent.key_column
        return {key.name: key.sql_type, POSITION: "INTEGER", **typed, **stamp}
    source = {HEADER_SOURCE: "VARCHAR"} if isinstance(part, Resource) and part.children else {}
    return {**typed, **source, **stamp}


# The per-record read's ledger files (one row per requested record, one per invalid one).
OUTCOME_COLUMNS = {
    "order_id": "BIGINT",
    "status": "VARCHAR",
    "error_type": "VARCHAR",
    "http_status": "INTEGER",
    "tracking_id": "VARCHAR",
    "trace_id": "VARCHAR",
    "message": "VARCHAR",
    "lines": "INTEGER",
    "run_id": "VARCHAR",
    "extracted_at": "TIMESTAMPTZ",
}
QUARANTINE_COLUMNS = {
    "order_id": "BIGINT",
    "kind": "VARCHAR",
    "record_id": "BIGINT",
    "reason": "VARCHAR",
    "payload": "VARCHAR",
    "run_id": "VARCHAR",
    "extracted_at": "TIMESTAMPTZ",
}


def open_warehouse(
    path: Path, *, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file, created with its ``raw``/``ops`` schema if new
    (see :func:`~twentyfourseven.duckdb_session.open_duckdb` for ``memory_limit``)."""
    path = Path(path)
    if read_only and not path.exists():
        open_warehouse(path).close()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = open_duckdb(path, read_only=read_only, memory_limit=memory_limit)
    try:
        if not read_only:
            create_schema(con)
    except BaseException:
        con.close()
        raise
    return con
