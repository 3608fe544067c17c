"""``twentyfourseven query``: run SQL against the snapshot (or warehouse), read-only.

For analysts without a DuckDB 2.0 CLI at hand: the project's own DuckDB opens the
file read-only (it cannot change it, and it never blocks a pipeline run when
pointed at the snapshot) and prints the result as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from twentyfourseven.duckdb_session import open_duckdb

from . import database_to_read


def run_query(database: Path, sql: str, *, max_rows: int = 40) -> str:
    """The result of ``sql`` as a printable table."""
    with open_duckdb(database, read_only=True) as con:
        relation = con.sql(sql)
        if relation is None:
            return "(no result)"
        return str(relation.limit(max_rows)) if max_rows else str(relation)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``query`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "query", help="run SQL read-only against the snapshot (or the warehouse)"
    )
    parser.add_argument("sql", help="a query, or @path/to/file.sql")
    parser.add_argument("--database", type=Path, help="default: the snapshot, else the warehouse")
    parser.add_argument("--max-rows", type=int, default=40, help="rows shown (0: all)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    database = database_to_read(args.database)
    if database is None:
        return 1
    sql = Path(args.sql[1:]).read_text() if args.sql.startswith("@") else args.sql
    try:
        print(run_query(database, sql, max_rows=args.max_rows))
    except duckdb.Error as exc:
        print(f"Query failed: {exc}")
        return 1
    return 0
