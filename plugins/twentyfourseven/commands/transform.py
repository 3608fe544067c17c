"""``twentyfourseven transform``: build the SQL models and run the data tests.

The same as the DAG's transform step (:func:`twentyfourseven.warehouse.model_runner.run_models`)
on a warehouse file, from the command line: a full rebuild, or with ``--incremental`` what an
incremental run does. ``--data-dictionary`` writes
``docs/data_dictionary.md`` from the models' headers instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from twentyfourseven.warehouse.model_runner import DICTIONARY, SQL_DIR, DataTestError, ModelError


def transform(warehouse: Path, sql_dir: Path, tests: bool, incremental: bool = False) -> int:
    from twentyfourseven.warehouse.model_runner import run_models

    try:
        summary = run_models(
            warehouse, sql_dir, tests=tests, raise_on_failure=False, incremental=incremental
        )
    except (ModelError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(summary.describe())
    if summary.failed_tests:
        print(f"\n{DataTestError(summary.failed_tests)}", file=sys.stderr)
        return 1
    return 0


def data_dictionary(sql_dir: Path, path: Path) -> int:
    from twentyfourseven.warehouse.model_runner import write_data_dictionary

    try:
        written = write_data_dictionary(sql_dir, path)
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {written}")
    return 0


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    if args.data_dictionary is not None:
        return data_dictionary(args.sql_dir, args.data_dictionary)
    warehouse = args.warehouse
    if warehouse is None:
        from twentyfourseven.deployment import data_dir

        warehouse = data_dir() / "warehouse.duckdb"
    return transform(
        warehouse, args.sql_dir, tests=not args.skip_tests, incremental=args.incremental
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``transform`` subcommand to the CLI."""
    parser = subparsers.add_parser(
        "transform",
        help="build the SQL models (staging, marts, reports) and run the data tests",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="the DuckDB warehouse (default: $TWENTYFOURSEVEN_DATA_DIR/warehouse.duckdb)",
    )
    parser.add_argument(
        "--sql-dir", type=Path, default=SQL_DIR, help=f"the SQL models (default {SQL_DIR})"
    )
    parser.add_argument(
        "--skip-tests", action="store_true", help="build the models only; no data tests"
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="update the incremental facts for the orders loaded since the last transform "
        "only, and test those (as the DAG's incremental runs do); default: rebuild everything",
    )
    parser.add_argument(
        "--data-dictionary",
        type=Path,
        nargs="?",
        const=DICTIONARY,
        default=None,
        metavar="PATH",
        help=f"write the data dictionary from the models' headers (default {DICTIONARY}) "
        "instead of transforming",
    )
    parser.set_defaults(func=_run)
