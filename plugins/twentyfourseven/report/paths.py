"""Where the dashboard is read from and written to, by default (from PipelineSettings).

The snapshot (``settings.snapshot``, written by the DAG's publish step) is
preferred when it exists: reading it never contends with the warehouse's write
lock. The page goes to ``settings.dashboard``.
"""

from __future__ import annotations

from pathlib import Path

from twentyfourseven.deployment import PipelineSettings


def default_database(settings: PipelineSettings | None = None) -> Path:
    """The snapshot if there is one, else the warehouse."""
    return (settings or PipelineSettings.load()).database_for_readers


def default_output(settings: PipelineSettings | None = None) -> Path:
    return (settings or PipelineSettings.load()).dashboard
