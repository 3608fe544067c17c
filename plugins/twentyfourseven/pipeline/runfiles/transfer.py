"""Run folders in object storage: each task works on a local copy of its part.

With ``staging`` a local folder (or a shared mount) every task reads and writes the run
folder in place, and nothing here copies anything. With ``staging`` in object storage
(``s3://bucket/prefix``: workers that share no disk), a task works in a scratch folder
of its own machine: :func:`local_run_folder` fetches the files the task reads, the task
runs exactly as on a local folder, and when it ends without error the files it wrote
are sent, each folder's seal last (``manifest.json`` in a chunk or listing folder,
``plan.json`` at the top). A reader takes a folder as complete only with its seal and
checks every file against it, so a task killed while sending leaves a folder the load
refuses (its orders are read again by the next run), never one it takes for whole.
The seal a rerun replaces is deleted before anything else is sent, so an old seal
never stands beside new files.

The load fetches the whole run folder and verifies every file against its manifest on
local disk (a truncated or missing object is refused as a truncated file is), and
sends back the marker of its commit (``loaded.json``) that retention reads.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from twentyfourseven.locations import StagingPath, is_local

from .runplan import PLAN_FILE, run_folder_name, run_staging_dir
from .staging import MANIFEST

log = logging.getLogger(__name__)

SEALS = (MANIFEST, PLAN_FILE)  # written last in their folder; a reader trusts nothing without


def everything(_: str) -> bool:
    """A :func:`local_run_folder` ``fetch`` choice: the whole run folder (the load)."""
    return True


def nothing(_: str) -> bool:
    """A :func:`local_run_folder` ``fetch`` choice: no file (the plan writes a new folder)."""
    return False


@contextlib.contextmanager
def local_run_folder(
    staging: StagingPath,
    run_id: str,
    *,
    scratch: Path,
    fetch: Callable[[str], bool] = nothing,
) -> Iterator[Path]:
    """The run's folder as a local path to work in.

    Local staging: the run folder itself. Object storage: a copy under a fresh folder in
    ``scratch``, named as the run folder, holding the files whose path in the run folder
    (``plan.json``, ``chunk-0003/manifest.json``) ``fetch`` accepts; on a clean exit the
    files added or changed meanwhile are sent back (seals last); the copy is removed in
    any case.
    """
    if is_local(staging):
        yield staging / run_folder_name(run_id)
        return
    remote = run_staging_dir(staging, run_id)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="staging-", dir=scratch) as holder:
        local = Path(holder) / run_folder_name(run_id)
        local.mkdir()
        fetched = _fetch(remote, local, fetch)
        yield local
        _send(local, remote, unchanged=fetched)


def _key(path: Any) -> str:
    """The object key (``bucket/prefix/...``) of an ObjectStoragePath."""
    return str(path.path).rstrip("/")


def _fetch(remote: Any, local: Path, wanted: Callable[[str], bool]) -> dict[str, tuple[int, int]]:
    """Download the wanted files of ``remote`` into ``local``; their sizes and mtimes."""
    fs, root = remote.fs, _key(remote)
    fs.invalidate_cache(root)  # another task, maybe in this process, has written since
    clock = time.monotonic()
    try:
        keys = sorted(fs.find(root))
    except FileNotFoundError:
        keys = []
    pairs = [(key, key[len(root) + 1 :]) for key in keys]
    pairs = [(key, rel) for key, rel in pairs if rel and wanted(rel)]
    for _, rel in pairs:
        (local / rel).parent.mkdir(parents=True, exist_ok=True)
    if pairs:  # in one call: the filesystem fetches them concurrently
        fs.get([key for key, _ in pairs], [str(local / rel) for _, rel in pairs])
    fetched = {rel: _signature(local / rel) for _, rel in pairs}
    size = sum(s for s, _ in fetched.values())
    log.info(
        "fetched %d files (%.1f MB) of %s in %.1f s",
        len(pairs),
        size / 1e6,
        remote,
        time.monotonic() - clock,
    )
    return fetched


def _send(local: Path, remote: Any, *, unchanged: dict[str, tuple[int, int]]) -> None:
    """Upload what the task wrote under ``local``: per folder, first delete the seal being
    replaced, then send the other files, then the seal."""
    fs, root = remote.fs, _key(remote)
    clock = time.monotonic()
    written = sorted(
        path.relative_to(local).as_posix()
        for path in local.rglob("*")
        if path.is_file() and not path.name.startswith(".")  # an atomic write's leftover
    )
    written = [rel for rel in written if unchanged.get(rel) != _signature(local / rel)]
    if not written:
        return
    seals = [rel for rel in written if rel.rsplit("/", 1)[-1] in SEALS]
    data = [rel for rel in written if rel not in seals]
    for rel in seals:
        with contextlib.suppress(FileNotFoundError):
            fs.rm_file(f"{root}/{rel}")
    if data:
        fs.put([str(local / rel) for rel in data], [f"{root}/{rel}" for rel in data])
    for rel in seals:
        fs.put_file(str(local / rel), f"{root}/{rel}")
    fs.invalidate_cache(root)
    size = sum((local / rel).stat().st_size for rel in written)
    log.info(
        "sent %d files (%.1f MB) to %s in %.1f s",
        len(written),
        size / 1e6,
        remote,
        time.monotonic() - clock,
    )


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def forget_listings(path: StagingPath) -> None:
    """Drop what the filesystem remembers of the folders under ``path`` (object storage:
    s3fs caches listings, and other tasks write meanwhile)."""
    if not is_local(path):
        path.fs.invalidate_cache(_key(path))


def remove_tree(path: StagingPath) -> None:
    """Delete a folder and everything in it, on local disk or in object storage."""
    if is_local(path):
        shutil.rmtree(path)
    else:
        path.fs.rm(_key(path), recursive=True)
        path.fs.invalidate_cache(_key(path))
