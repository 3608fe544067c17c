"""How long a run's staging folder stays: the loaded marker the load leaves in it, and
the removal of folders no longer needed (never anything but a run folder), on local
disk or in object storage alike."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from twentyfourseven.atomic import write_atomically
from twentyfourseven.locations import StagingPath, is_local

from .runplan import PLAN_FILE
from .transfer import forget_listings, remove_tree

if TYPE_CHECKING:
    from twentyfourseven.pipeline.load_summary import LoadSummary

log = logging.getLogger(__name__)

LOADED_MARKER = "loaded.json"  # written in the run folder once its load has committed


def _is_run_folder(path: StagingPath) -> bool:
    return path.is_dir() and not path.is_symlink() and (path / PLAN_FILE).is_file()


def _is_child(path: StagingPath, staging_root: StagingPath) -> bool:
    """``path`` names a folder directly under the staging root (not the root itself, its
    parent, a nested folder, or a link out of it)."""
    if path.name in ("", ".", "..") or path.is_symlink():
        return False
    if not is_local(path):  # object storage has no links and no relative parts
        return path.parent == staging_root
    return path.resolve().parent == staging_root.resolve()


def remove_staging(run_dir: StagingPath, *, staging_root: StagingPath) -> bool:
    """Delete one run's staging folder; True if it was there.

    Refuses anything but a folder directly under ``staging_root`` that holds a
    ``plan.json``, so neither a misconfigured path nor an odd run ID ever wipes
    the root or another run's files.
    """
    if not _is_child(run_dir, staging_root):
        raise ValueError(
            f"{run_dir} is not a run's staging folder (not directly in {staging_root})"
        )
    if not run_dir.exists():
        return False
    if not _is_run_folder(run_dir):
        raise ValueError(f"{run_dir} is not a run's staging folder (no {PLAN_FILE})")
    remove_tree(run_dir)
    log.info("removed staging folder %s", run_dir)
    return True


def prune_staging(
    staging_root: StagingPath,
    keep_days: float,
    *,
    abandoned_days: float = 7.0,
    now: dt.datetime | None = None,
) -> list[StagingPath]:
    """Delete run folders under ``staging_root`` that are no longer needed; returns them.

    A folder the loader has committed (it holds ``loaded.json``) goes ``keep_days``
    after its load (at once if ``keep_days`` <= 0). A folder never loaded (a run
    still planning or extracting, or one whose load keeps failing) is kept until
    its ``plan.json`` is older than ``max(keep_days, abandoned_days)``, so pruning
    after one run's load never pulls the files from under another run. Only
    folders directly under ``staging_root`` holding a ``plan.json`` are touched
    (never a link).
    """
    forget_listings(staging_root)
    if not staging_root.is_dir():
        return []
    clock = (now or dt.datetime.now(dt.UTC)).timestamp()
    loaded_cutoff = clock - max(keep_days, 0) * 86400
    abandoned_cutoff = clock - max(keep_days, abandoned_days) * 86400
    removed: list[StagingPath] = []
    children: list[StagingPath] = list(staging_root.iterdir())
    for run_dir in sorted(children, key=str):
        if not (_is_child(run_dir, staging_root) and _is_run_folder(run_dir)):
            continue
        marker = run_dir / LOADED_MARKER
        if marker.is_file():
            expired = marker.stat().st_mtime <= loaded_cutoff
        else:
            expired = (run_dir / PLAN_FILE).stat().st_mtime <= abandoned_cutoff
        if expired:
            remove_tree(run_dir)
            removed.append(run_dir)
    if removed:
        log.info("pruned %d staging folders (retention %s days)", len(removed), keep_days)
    return removed


def mark_loaded(run_dir: Path, summary: LoadSummary) -> None:
    """Note in the run folder that its load committed (what :func:`prune_staging` reads)."""
    marker = {
        "run_id": summary.run_id,
        "loaded_at": dt.datetime.now(dt.UTC).isoformat(),
        "complete": summary.complete,
        "lines_loaded": summary.lines_loaded,
    }
    try:
        write_atomically(run_dir / LOADED_MARKER, json.dumps(marker, indent=2))
    except OSError:
        log.warning(
            "could not write %s in %s; pruning will treat it as unloaded", LOADED_MARKER, run_dir
        )
