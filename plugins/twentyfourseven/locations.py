"""Where the package runs from: a checkout of the project, or an installed copy.

Everything the package reads at run time (the SQL models of ``sql/``) ships inside
it. Only the defaults of where it *writes* depend on where it runs: in a checkout,
the project's git-ignored ``data/`` folder and ``docs/``; installed (a wheel in
site-packages), ``$AIRFLOW_HOME/data`` (``AIRFLOW_HOME`` defaulting to
``~/airflow`` as in Airflow) and ``docs/`` under the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

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
