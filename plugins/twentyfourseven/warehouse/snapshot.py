"""The read-only snapshot analysts and BI tools open instead of the warehouse.

DuckDB allows one writing process per file, and a reader of the warehouse itself
would block the next load. The snapshot is a separate file that holds what
analysts read and nothing more:

- the models: ``marts`` and ``reports`` as in the warehouse (tables copied, views
  recreated), and ``staging`` with its views materialized as tables, since they
  read ``raw``;
- the ``ops`` tables the dashboard, the CLI and the documented queries read
  (:data:`OPS_TABLES`): runs, watermark, failed orders, quarantine; and
  :data:`BUILD_RECORD`, one row on how this snapshot was built;
- never the ``raw`` schema, the known-orders registry, or a column in
  :data:`WITHHELD_COLUMNS` (the API's payloads as received, which carry invoice
  e-mail addresses among others, and internal memos).

Each publish writes a new file beside the snapshot and renames it over the old one.
A rename is atomic: a reader opening the snapshot gets the old file or the new one,
never half of one; a reader holding the old file open keeps reading it undisturbed.
The new file is made one of two ways:

- **incremental** (the usual hourly case): the previous snapshot is cloned (a reflink
  where the file system has them, else ``copy_file_range``, else a plain copy), and
  brought up to the warehouse: the rows of the orders whose lineage names a run the
  clone lacks (:data:`LINEAGE`), or that are gone, are deleted and inserted again
  from the warehouse in every order-keyed table; every other table is
  compared whole and replaced when it differs; an order-keyed table that reads one
  that differed (the product dimension, for the line facts), or reads ``raw``
  beyond :data:`ORDER_SOURCES`, or has no model file to tell, is replaced whole.
- **fresh** (``ATTACH`` of a new file, then ``CREATE TABLE … AS`` of every relation):
  when there is no previous snapshot, a ``.wal`` beside it or it changed since it was
  published (a tool wrote to it), the published relations or the models' SQL changed,
  more than :data:`MAX_CHANGED_SHARE` of the orders changed, every
  :data:`FRESH_EVERY` publishes (the deleted rows' blocks are not reused forever), or
  when asked (``fresh=True``). A fresh file is never the warehouse copied and trimmed:
  a dropped table's bytes would stay in the file's free blocks. A clone's free blocks
  hold only what an earlier snapshot published.

The file is checked, made read-only (``file_mode`` without its write bits), and
renamed over the old snapshot; its size, modification time and inode are kept
beside it (``.<snapshot>.published``), so the next publish clones it only if nothing
has touched it since.

A tool that opened the snapshot read-write anyway (root ignores modes) leaves a
``<snapshot>.wal`` beside it if it wrote and crashed; DuckDB would replay that WAL
onto the next snapshot, and refuse to open it when the two do not match. The WAL
belongs to the file being replaced, so it is removed just before the rename.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from twentyfourseven.atomic import replace_synced, write_atomically
from twentyfourseven.duckdb_session import open_duckdb

from .model_graph import _NOT_CODE, model_reads, model_relation

log = logging.getLogger(__name__)

MODEL_SCHEMAS = ("staging", "marts", "reports")
# Their views read raw, which the snapshot does not hold: their rows are copied instead.
MATERIALIZED_SCHEMAS = ("staging",)
OPS_TABLES = ("ops.runs", "ops.watermark", "ops.failed_orders", "ops.quarantine")
WITHHELD_COLUMNS = frozenset({"payload", "internal_memo"})
BUILD_RECORD = "ops.snapshot_build"

# A snapshot without these is not worth publishing.
REQUIRED_TABLES = ("ops.runs", "marts.fct_sales_orders", "marts.fct_sales_order_lines")

# The order-keyed relations and their columns naming the runs that wrote their rows: the
# header and line rows as loaded. A load writes an order's header and lines under its own
# run_id and removes the rows of that order's earlier loads; a run that finds an order
# deleted sets its header's deleted_run_id and removes its lines. So an order is new,
# changed or deleted since a snapshot exactly when one of these names a run it lacks.
ORDER_KEY = "order_id"
LINEAGE = {
    "staging.stg_sales_orders": ("run_id", "deleted_run_id"),
    "staging.stg_sales_order_lines": ("run_id",),
}
# The raw tables one order's rows come from: a model that reads nothing else raw, and no
# model table that changed, gives an unchanged order the same rows as before.
ORDER_SOURCES = frozenset({"raw.sales_orders", "raw.sales_order_lines"})
# Beyond this share of changed orders, deleting and inserting them costs more than a
# fresh build.
MAX_CHANGED_SHARE = 0.10
# A clone keeps the blocks its deleted rows freed; a fresh build now and then returns
# the file to its size.
FRESH_EVERY = 24

_BUILDING = "snapshot_building"  # the new file's catalog while it is built
_FICLONE = 0x40049409  # linux/fs.h: _IOW(0x94, 9, int)


@dataclass(frozen=True)
class SnapshotSummary:
    path: Path
    bytes: int
    seconds: float
    orders: int
    lines: int
    kind: str = "fresh"  # or "incremental"
    reason: str = ""  # why it was built fresh
    changed_orders: int | None = None  # on an incremental build

    def describe(self) -> str:
        how = (
            f"incremental: {self.changed_orders} changed orders"
            if self.kind == "incremental"
            else f"fresh: {self.reason}"
        )
        return (
            f"Published snapshot {self.path} ({self.bytes / 1e6:.1f} MB, {self.orders} orders, "
            f"{self.lines} lines; {how}) in {self.seconds:.1f} s"
        )


class _FreshNeeded(Exception):
    """Why the previous snapshot cannot be brought up to date: a fresh one is built."""


def _wal_of(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _state_file(snapshot: Path) -> Path:
    return snapshot.with_name(f".{snapshot.name}.published")


def _file_state(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


def publish_snapshot(
    warehouse: Path, snapshot: Path, *, mode: int = 0o640, fresh: bool = False
) -> SnapshotSummary:
    """Replace ``snapshot`` with a checked snapshot of ``warehouse``; atomic for readers.

    Brought up to date from the previous snapshot where that is safe and cheaper, else
    (or with ``fresh``) built fresh. The new file gets ``mode`` without its write bits.
    """
    started = time.monotonic()
    if not warehouse.is_file():
        raise FileNotFoundError(f"snapshot not published: no warehouse at {warehouse}")
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    building = snapshot.with_name(f".{snapshot.name}.{os.getpid()}.building")
    leftovers = (building, _wal_of(building))
    try:
        for leftover in leftovers:  # of a publish killed under this PID
            leftover.unlink(missing_ok=True)
        changed: int | None
        try:
            if fresh:
                raise _FreshNeeded("asked for")
            changed, reason = _update(warehouse, snapshot, building), ""
        except _FreshNeeded as why:
            reason, changed = str(why), None
            for leftover in leftovers:
                leftover.unlink(missing_ok=True)
            _build(warehouse, building, reason)
        os.chmod(building, mode & ~0o222)
        orders, lines = _check(building)
        stale = _wal_of(snapshot)
        if stale.exists():
            log.warning("Removing %s: a tool opened the snapshot read-write", stale)
            stale.unlink(missing_ok=True)
        replace_synced(building, snapshot)
        write_atomically(_state_file(snapshot), json.dumps(_file_state(snapshot)), mode=mode)
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
    summary = SnapshotSummary(
        snapshot,
        snapshot.stat().st_size,
        time.monotonic() - started,
        orders,
        lines,
        kind="fresh" if changed is None else "incremental",
        reason=reason,
        changed_orders=changed,
    )
    log.info("%s", summary.describe())
    return summary


def _build(warehouse: Path, building: Path, reason: str) -> None:
    with open_duckdb(warehouse, read_only=True) as con:
        [(home,)] = con.execute("select current_database()").fetchall()
        digest = _digest(con)
        target = str(building).replace("'", "''")
        con.execute(f"ATTACH '{target}' AS {_BUILDING} (READ_WRITE)")
        try:
            for schema in (*MODEL_SCHEMAS, "ops"):
                con.execute(f"CREATE SCHEMA {_BUILDING}.{_quoted(schema)}")
            for schema, name in _copied_relations(con):
                _replace(con, schema, name)
            _record(con, "fresh", reason, None, 0, digest)
            _recreate_views(con)
            con.execute(f"CHECKPOINT {_BUILDING}")  # everything in the file, nothing in a WAL
        finally:
            con.execute(f'USE "{home}"')
            con.execute(f"DETACH {_BUILDING}")


def _update(warehouse: Path, snapshot: Path, building: Path) -> int:
    """Clone the previous snapshot to ``building`` and bring it up to ``warehouse``; the
    number of changed orders. Raises :class:`_FreshNeeded` when that is not safe or cheap."""
    if not snapshot.is_file():
        raise _FreshNeeded("no previous snapshot")
    if _wal_of(snapshot).exists():
        raise _FreshNeeded("a .wal beside the previous snapshot (a tool wrote to it)")
    try:
        published = json.loads(_state_file(snapshot).read_text())
    except (OSError, ValueError):
        published = None
    if published != _file_state(snapshot):
        raise _FreshNeeded("the previous snapshot is not the file this pipeline published")
    method = _clone(snapshot, building)
    with open_duckdb(warehouse, read_only=True) as con:
        [(home,)] = con.execute("select current_database()").fetchall()
        target = str(building).replace("'", "''")
        con.execute(f"ATTACH '{target}' AS {_BUILDING} (READ_WRITE)")
        try:
            try:
                [(since_fresh, recorded)] = con.execute(
                    f"select publishes_since_fresh, models_digest from {_BUILDING}.{BUILD_RECORD}"  # noqa: S608
                ).fetchall()
            except (duckdb.CatalogException, ValueError) as error:
                raise _FreshNeeded("the previous snapshot has no build record") from error
            digest = _digest(con)
            if recorded != digest:
                raise _FreshNeeded("the published relations or the models' SQL changed")
            if since_fresh + 1 >= FRESH_EVERY:
                raise _FreshNeeded(f"{FRESH_EVERY} publishes since the last fresh one")
            changed, orders = _changed_orders(con)
            if changed > MAX_CHANGED_SHARE * orders:
                raise _FreshNeeded(f"{changed} of {orders} orders changed")
            _apply_changes(con, changed)
            _record(con, "incremental", f"cloned by {method}", changed, since_fresh + 1, digest)
            con.execute(f"CHECKPOINT {_BUILDING}")
        finally:
            con.execute(f'USE "{home}"')
            con.execute(f"DETACH {_BUILDING}")
    return changed


def _clone(source: Path, target: Path) -> str:
    """Copy ``source`` to a new ``target`` (owner-writable) as cheaply as the file system
    allows; the way it was copied."""
    with (
        source.open("rb") as src,
        os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as dst,
    ):
        with contextlib.suppress(OSError):  # not a file system with reflinks (ext4, tmpfs)
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            return "reflink"
        size, copied = os.fstat(src.fileno()).st_size, 0
        try:
            while copied < size:
                done = os.copy_file_range(src.fileno(), dst.fileno(), size - copied)
                if done == 0:
                    break
                copied += done
            if copied == size:
                return "copy_file_range"
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                raise
        src.seek(0)
        dst.seek(0)
        dst.truncate()
        shutil.copyfileobj(src, dst, 1 << 20)
        return "copy"


def _changed_orders(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Fill the temp table ``changed_orders``: the orders new, changed, deleted or gone
    since the previous snapshot (see :data:`LINEAGE`). Returns their number and the
    warehouse's number of orders.

    An order gone from the warehouse altogether (removed by hand) names no run at all; the
    counts show it, and only then is it looked for."""
    headers = next(iter(LINEAGE))
    runs = [(relation, column) for relation, columns in LINEAGE.items() for column in columns]
    # Without nulls: `x not in (…)` is null, never true, once the list holds one.
    published_runs = " union ".join(
        f"select {column} from {_BUILDING}.{relation} where {column} is not null"  # noqa: S608
        for relation, column in runs
    )
    changed = " union ".join(
        f"select {ORDER_KEY} from {relation} where {column} not in (from published_runs)"  # noqa: S608
        for relation, column in runs
    )
    try:
        con.execute(
            f"create or replace temp table published_runs as {published_runs};"
            f"create or replace temp table changed_orders as {changed}"
        )
        [(orders, unchanged, published, republished)] = con.execute(
            f"""
            select
                (select count(*) from {headers}),
                (select count(*) from {headers}
                    where {ORDER_KEY} not in (from changed_orders)),
                (select count(*) from {_BUILDING}.{headers}),
                (select count(*) from {_BUILDING}.{headers}
                    where {ORDER_KEY} in (from changed_orders))
            """  # noqa: S608
        ).fetchall()
        if published - republished != unchanged:
            con.execute(
                f"""
                insert into changed_orders
                select {ORDER_KEY} from {_BUILDING}.{headers}
                anti join {headers} using ({ORDER_KEY})
                """  # noqa: S608
            )
    except duckdb.CatalogException as error:
        raise _FreshNeeded(f"no order lineage to follow ({error})") from error
    [(count,)] = con.execute("select count(*) from changed_orders").fetchall()
    return count, orders


def _apply_changes(con: duckdb.DuckDBPyConnection, changed: int) -> None:
    """Bring the clone up to the warehouse: tables that differ replaced whole, the changed
    orders' rows deleted and inserted again in the order-keyed ones."""
    relations = _copied_relations(con)
    names = {f"{schema}.{name}": (schema, name) for schema, name in relations}
    order_keyed = {
        relation
        for relation, (schema, name) in names.items()
        if schema in MODEL_SCHEMAS and ORDER_KEY in _published_columns(con, schema, name)
    }
    differed = {
        relation
        for relation, (schema, name) in names.items()
        if relation not in order_keyed and _differs(con, schema, name)
    }
    whole = _replaced_whole(con, order_keyed, differed)  # compares with the clone as it was
    for relation in sorted(differed):
        _replace(con, *names[relation])
    if differed:
        log.info("Snapshot: replaced whole as they differ: %s", ", ".join(sorted(differed)))
    for relation in sorted(order_keyed):
        schema, name = names[relation]
        if relation in whole:
            log.info("Snapshot: %s replaced whole: %s", relation, whole[relation])
            _replace(con, schema, name)
        elif changed:
            columns = ", ".join(_quoted(c) for c in _published_columns(con, schema, name))
            quoted = f"{_quoted(schema)}.{_quoted(name)}"
            con.execute(
                f"DELETE FROM {_BUILDING}.{quoted}"  # noqa: S608
                f" WHERE {ORDER_KEY} IN (SELECT {ORDER_KEY} FROM changed_orders)"
            )
            con.execute(
                f"INSERT INTO {_BUILDING}.{quoted} ({columns}) SELECT {columns}"  # noqa: S608
                f" FROM {quoted} WHERE {ORDER_KEY} IN (SELECT {ORDER_KEY} FROM changed_orders)"
            )


def _replaced_whole(
    con: duckdb.DuckDBPyConnection, order_keyed: set[str], differed: set[str]
) -> dict[str, str]:
    """The order-keyed relations whose unchanged orders' rows may have changed too, and why.

    Each is a function of its own orders' rows unless what it reads (through views, up to
    the model tables compared whole) says otherwise: a ``raw`` table beyond
    :data:`ORDER_SOURCES`; a table that differed in a column the reading model names or
    passes on (a change in a dimension's line count alone does not reach the facts); or an
    order-keyed relation replaced whole. One without a model file cannot tell.
    """
    from .model_runner import SQL_DIR, model_files  # it imports this module

    paths = {model_relation(p): p for p in model_files(SQL_DIR)}
    raw = {
        f"raw.{name}".lower()
        for (name,) in con.execute(
            "select table_name from duckdb_tables()"
            " where database_name = current_database() and schema_name = 'raw'"
        ).fetchall()
    }
    code = {relation: _code(path.read_text(encoding="utf-8")) for relation, path in paths.items()}
    direct = model_reads(paths, raw)

    compared = {f"{schema}.{name}".lower() for schema, name in _copied_relations(con)}
    compared -= order_keyed

    def sources(relation: str, seen: set[str]) -> set[tuple[str, str]]:
        """(the model that names it, a relation read) up to compared and raw tables."""
        found: set[tuple[str, str]] = set()
        for read in direct.get(relation, set()) - seen:
            if read in order_keyed or read in compared or read.startswith("raw."):
                found.add((relation, read))
            else:  # a view: what it reads counts
                found |= sources(read, seen | {read})
        return found

    reasons: dict[str, str] = {}
    reads_of = {relation: sources(relation, {relation}) for relation in order_keyed}
    for relation, reads in reads_of.items():
        if relation not in paths:
            reasons[relation] = "no model file says what it reads"
            continue
        for reader, read in sorted(reads):
            if read.startswith("raw.") and read not in ORDER_SOURCES:
                reasons[relation] = f"it reads {read}"
            elif read in differed and _differs_for(con, read, reader, code[reader]):
                reasons[relation] = f"{read} changed in what {reader} reads of it"
    spreading = True
    while spreading:  # a relation replaced whole changes the orders of those reading it
        spreading = False
        for relation, reads in reads_of.items():
            upstream = sorted(read for _, read in reads if read in reasons)
            if relation not in reasons and upstream:
                reasons[relation] = f"it reads {upstream[0]}, replaced whole"
                spreading = True
    return reasons


def _replace(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    columns = ", ".join(_quoted(c) for c in _published_columns(con, schema, name))
    relation = f"{_quoted(schema)}.{_quoted(name)}"
    con.execute(
        f"CREATE OR REPLACE TABLE {_BUILDING}.{relation} AS SELECT {columns} FROM {relation}"  # noqa: S608
    )


def _differs(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, columns: list[str] | None = None
) -> bool:
    """Whether the warehouse's rows of a relation (projected on ``columns``, all published
    ones by default) differ from the clone's, as multisets of rows."""
    if columns is None:
        columns = _published_columns(con, schema, name)
    # A multiset's fingerprint: its size and the sum of its rows' 64-bit hashes. EXCEPT ALL
    # would say the same exactly, at ten times the cost.
    hashed = f"hash({', '.join(_quoted(c) for c in columns)})" if columns else "0"
    fingerprint = f"SELECT count(*), sum({hashed}::hugeint) FROM {{}}"  # noqa: S608
    relation = f"{_quoted(schema)}.{_quoted(name)}"
    current = con.execute(fingerprint.format(relation)).fetchall()
    published = con.execute(fingerprint.format(f"{_BUILDING}.{relation}")).fetchall()
    return current != published


def _differs_for(con: duckdb.DuckDBPyConnection, relation: str, reader: str, code: str) -> bool:
    """Whether ``relation`` differs in what ``reader`` (whose SQL, outside comments and
    strings, is ``code``) can see of it: the columns it names, and those it passes on by
    ``*`` (which then are its own columns of the same name). ``COLUMNS(…)`` picks columns
    by pattern, so a reader using it sees them all."""
    schema, _, name = relation.partition(".")
    columns = _published_columns(con, schema, name)
    if re.search(r"\bcolumns\s*\(", code, re.IGNORECASE) is None:
        reader_schema, _, reader_name = reader.partition(".")
        passed_on = {c.lower() for c in _published_columns(con, reader_schema, reader_name)}
        columns = [
            c
            for c in columns
            if c.lower() in passed_on
            or re.search(rf"(?<![\w$]){re.escape(c)}(?![\w$])", code, re.IGNORECASE)
        ]
    return _differs(con, schema, name, columns)


def _code(sql: str) -> str:
    return _NOT_CODE.sub(" ", sql)


def _digest(con: duckdb.DuckDBPyConnection) -> str:
    """What the snapshot's shape depends on: the warehouse's published schemas (columns,
    types, view definitions) and the models' SQL. Run before ``USE`` moves elsewhere."""
    from .model_runner import SQL_DIR, model_files  # it imports this module

    columns = con.execute(
        """
        select schema_name, table_name, column_name, data_type from duckdb_columns()
        where database_name = current_database() and list_contains(?, schema_name)
        order by all
        """,
        [[*MODEL_SCHEMAS, "ops"]],
    ).fetchall()
    views = con.execute(
        """
        select schema_name, view_name, sql from duckdb_views()
        where database_name = current_database() and list_contains(?, schema_name)
        order by all
        """,
        [list(MODEL_SCHEMAS)],
    ).fetchall()
    models = [(p.name, p.read_text(encoding="utf-8")) for p in model_files(SQL_DIR)]
    shape = json.dumps([columns, views, models], default=str)
    return hashlib.sha256(shape.encode()).hexdigest()


def _record(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    reason: str,
    changed: int | None,
    since_fresh: int,
    digest: str,
) -> None:
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {_BUILDING}.{BUILD_RECORD} AS SELECT
            now() AS published_at,
            ?::varchar AS kind,
            ?::varchar AS reason,
            ?::bigint AS changed_orders,
            ?::integer AS publishes_since_fresh,
            ?::varchar AS models_digest
        """,
        [kind, reason, changed, since_fresh, digest],
    )


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _copied_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The model tables, the materialized views and the ops tables: (schema, name)."""
    rows = con.execute(
        """
        select schema_name, table_name from duckdb_tables()
        where database_name = current_database() and list_contains(?, schema_name)
        union all
        select schema_name, view_name from duckdb_views()
        where database_name = current_database() and list_contains(?, schema_name)
        order by all
        """,
        [list(MODEL_SCHEMAS), list(MATERIALIZED_SCHEMAS)],
    ).fetchall()
    return [*rows, *(tuple(name.split(".")) for name in OPS_TABLES)]


def _published_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(
        """
        select column_name from duckdb_columns()
        where database_name = current_database() and schema_name = ? and table_name = ?
        order by column_index
        """,
        [schema, name],
    ).fetchall()
    return [column for (column,) in rows if column not in WITHHELD_COLUMNS]


def _recreate_views(con: duckdb.DuckDBPyConnection) -> None:
    """The model views not materialized, as defined in the warehouse.

    A view reads other views, so each is created once what it reads exists; one that
    reads what the snapshot does not hold (``raw``, a withheld column) fails the publish.
    """
    recreated = [s for s in MODEL_SCHEMAS if s not in MATERIALIZED_SCHEMAS]
    pending = dict(
        con.execute(
            """
            select schema_name || '.' || view_name, sql from duckdb_views()
            where database_name = current_database() and list_contains(?, schema_name)
            """,
            [recreated],
        ).fetchall()
    )
    con.execute(f"USE {_BUILDING}")  # the views' unqualified names now resolve in the snapshot
    while pending:
        errors = {}
        for name, sql in pending.items():
            try:
                con.execute(sql)
            except duckdb.CatalogException as error:
                errors[name] = error
        if len(errors) == len(pending):
            failed = "; ".join(f"{name}: {error}" for name, error in errors.items())
            raise RuntimeError(
                f"snapshot not published: views read what the snapshot does not hold: {failed}"
            )
        pending = {name: pending[name] for name in errors}


def _check(path: Path) -> tuple[int, int]:
    """Open the new file as a reader would; its counts, or an error naming what is wrong."""
    with open_duckdb(path, read_only=True) as con:
        present = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        missing = [name for name in REQUIRED_TABLES if name not in present]
        if missing:
            raise RuntimeError(f"snapshot not published: the warehouse lacks {', '.join(missing)}")
        withheld = [name for name in present if name.startswith("raw.")]
        withheld += [
            f"{schema}.{table}.{column}"
            for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns"
            ).fetchall()
            if column in WITHHELD_COLUMNS
        ]
        if withheld:
            raise RuntimeError(f"snapshot not published: it would hold {', '.join(withheld)}")
        [(orders, lines)] = con.execute(
            "select (select count(*) from marts.fct_sales_orders),"
            " (select count(*) from marts.fct_sales_order_lines)"
        ).fetchall()
    return orders, lines
