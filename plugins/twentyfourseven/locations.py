"""Where the package runs from: a checkout of the project, or an installed copy.

Everything the package reads at run time (the SQL models of ``sql/``) ships inside
it. Only the defaults of where it *writes* depend on where it runs: in a checkout,
the project's git-ignored ``data/`` folder and ``docs/``; installed (a wheel in
site-packages), ``$AIRFLOW_HOME/data`` (``AIRFLOW_HOME`` defaulting to
``~/airflow`` as in Airflow) and ``docs/`` under the working directory. The staging
folder may also be elsewhere: in object storage (:func:`staging_location`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from typing_extensions import TypeIs

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The project folder when the package is its ``plugins/twentyfourseven``, else None."""
    root = PACKAGE_DIR.parents[1]
    in_checkout = PACKAGE_DIR.parent.name == "plugins" and (root / "pyproject.toml").is_file()
    return root if in_checkout else None


def default_data_dir() -> Path:
    """``TWENTYFOURSEVEN_DATA_DIR``'s default."""
    root = checkout_root()
    if root is not None:
        return root / "data"
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow").expanduser() / "data"


def default_docs_dir() -> Path:
    """Where ``twentyfourseven transform --data-dictionary`` writes by default."""
    return (checkout_root() or Path()) / "docs"


# Where the run folders live: a local folder (a path, or a shared mount), or a prefix in
# object storage (``s3://bucket/prefix``) reached through Airflow's ObjectStoragePath.
StagingPath: TypeAlias = "Path | ObjectStoragePath"


def staging_location(value: str | Path, conn_id: str | None = None) -> StagingPath:
    """The ``staging`` setting as a path: a local path, or an object-storage URL read and
    written with the credentials of the Airflow connection ``conn_id`` (None: the
    filesystem's default one, ``aws_default`` for S3). A ``file://`` URL is a local path."""
    text = str(value)
    if "://" not in text:
        return Path(text).expanduser()
    from airflow.sdk import ObjectStoragePath  # only where staging is remote: Airflow's I/O

    path = ObjectStoragePath(text, conn_id=conn_id or None)
    if path.protocol in ("file", "local"):
        return Path(path.path)
    return path


def is_local(path: StagingPath) -> TypeIs[Path]:
    """True for a folder of this machine's filesystem (or a mount), False for object storage."""
    return isinstance(path, Path)
