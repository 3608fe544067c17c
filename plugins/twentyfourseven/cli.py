"""The ``twentyfourseven`` command line.

Each subcommand is a module of :mod:`twentyfourseven.commands` with a
``register(subparsers)`` that adds its parser and sets ``func``; add new ones to
``_COMMANDS``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# module paths of subcommands, each with register(subparsers)
_COMMANDS = (
    "twentyfourseven.commands.sandbox",
    "twentyfourseven.commands.demo",
    "twentyfourseven.commands.transform",
    "twentyfourseven.commands.runs",
    "twentyfourseven.commands.report",
    "twentyfourseven.commands.query",
    "twentyfourseven.commands.secrets",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twentyfourseven",
        description="24SevenOffice sales orders into DuckDB, on Airflow 3.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMANDS:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
