"""Files that appear whole or not at all.

Every file one process writes while another may read it, or a crash may interrupt it
(the run plan, chunk ID files, staging manifests, the loaded marker, the snapshot, the
dashboard, ``.env``), is written beside its final name, flushed to disk, renamed over
that name, and the rename itself flushed with its folder: a reader, or the next run
after a crash, finds the previous file or the new one, never part of one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_file(path: Path, *, mode: int | None = None, clobber: bool = True) -> Iterator[BinaryIO]:
    """A binary file to write that becomes ``path`` when the block ends without error
    (and is removed when it raises).

    ``mode`` is set exactly (else the process umask applies, as to any new file), and
    the file has it from its creation, so a secret is never readable by others even
    for a moment. ``clobber=False`` refuses to replace an existing ``path``
    (:class:`FileExistsError`), also against a racing writer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)  # of a writer killed under this PID
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(partial, mode)  # the umask may have taken bits the caller asked for
        if clobber:
            os.replace(partial, path)
        else:
            os.link(partial, path)  # fails if path exists: no check-then-write race
            partial.unlink()
        _sync_folder(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_atomically(
    path: Path, data: bytes | str, *, mode: int | None = None, clobber: bool = True
) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` with :func:`atomic_file`."""
    with atomic_file(path, mode=mode, clobber=clobber) as out:
        out.write(data.encode() if isinstance(data, str) else data)
    return path


def replace_synced(built: Path, path: Path) -> None:
    """Rename ``built``, a file another library wrote (DuckDB), over ``path`` with the
    same discipline as :func:`atomic_file`: its data on disk first, then the rename."""
    with built.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(built, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
