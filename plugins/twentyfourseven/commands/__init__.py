"""The subcommands of the ``twentyfourseven`` command line, one module each, every one
with a ``register(subparsers)`` that :mod:`twentyfourseven.cli` calls."""

from __future__ import annotations

from pathlib import Path


def database_to_read(given: Path | None) -> Path | None:
    """The database a reading command opens: ``given``, else the snapshot if published,
    else the warehouse; None (and says why) if there is none yet."""
    from twentyfourseven.deployment import PipelineSettings

    database = given or PipelineSettings.load().database_for_readers
    if not database.exists():
        print(f"No database at {database} yet: run the DAG (or `make demo`) first.")
        return None
    return database
