"""A load run in a child process that stops for good at a chosen point, for the crash test
to SIGKILL it exactly there. Kept apart from the test module so that the spawned child
imports only the loader, not Airflow (a few seconds less per kill)."""

from __future__ import annotations

import time
from pathlib import Path

from twentyfourseven.pipeline import load


class PausingConnection:
    """The loader's DuckDB connection, which stops at the first statement starting with
    ``point`` (or at ``close``, after COMMIT) and says so by creating ``ready``."""

    def __init__(self, con, point: str, ready: Path) -> None:
        self._con, self._point, self._ready = con, point, ready

    def _pause_if(self, reached: bool) -> None:
        if reached:
            self._ready.touch()
            time.sleep(3600)  # until SIGKILL

    def execute(self, sql, *args, **kwargs):
        self._pause_if(sql.lstrip().startswith(self._point))
        return self._con.execute(sql, *args, **kwargs)

    def close(self) -> None:
        self._pause_if(self._point == "close")
        self._con.close()

    def __getattr__(self, name):
        return getattr(self._con, name)


def load_until(warehouse: Path, run_dir: Path, run_id: str, point: str, ready: Path) -> None:
    real_open = load.open_warehouse
    load.open_warehouse = lambda *a, **k: PausingConnection(real_open(*a, **k), point, ready)
    load.load_run(warehouse, run_dir, run_id=run_id)
    raise SystemExit(f"the load finished without reaching {point!r}")
