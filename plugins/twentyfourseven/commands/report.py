"""``twentyfourseven dashboard``: render the HTML dashboard from the snapshot or warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from twentyfourseven.deployment import PipelineSettings
from twentyfourseven.report.paths import default_database, default_output


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="render the HTML dashboard (one self-contained file)",
        description=(
            "Render the sales dashboard from a DuckDB warehouse or snapshot, opened "
            "read-only, to one self-contained HTML file (written atomically)."
        ),
    )
    parser.add_argument(
        "--database",
        type=Path,
        help="the DuckDB file (default: data/snapshot.duckdb if it exists, else the warehouse)",
    )
    parser.add_argument(
        "--output", type=Path, help="the HTML file to write (default: data/dashboard.html)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from twentyfourseven.report.render import render_dashboard

    settings = PipelineSettings.load()
    database = args.database or default_database(settings)
    output = args.output or default_output(settings)
    try:
        written = render_dashboard(database, output, mode=settings.file_mode)
    except FileNotFoundError as error:
        print(f"twentyfourseven dashboard: {error}", file=sys.stderr)
        return 1
    print(f"dashboard of {database} written to {written}")
    return 0
