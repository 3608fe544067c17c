"""The built wheel, installed with pip's rules into a fresh virtual environment, runs
the DAG end to end with the project's ``dags/`` folder and nothing else of the checkout.

The wheel is built from a copy of what the package is made of (``pyproject.toml``,
``README.md``, ``plugins/twentyfourseven``), so a file the package reads at run time
but does not ship fails here. The fresh environment gets the wheel and its
dependencies at the versions of ``requirements.lock``; Airflow runs from it with an
empty plugins folder, a DAGs folder holding a copy of ``dags/``, and no
``TWENTYFOURSEVEN_DATA_DIR``: the data lands in the installed package's default,
``$AIRFLOW_HOME/data``. The sandbox runs in this process; only the HTTP between them
is shared.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from twentyfourseven.commands.demo import sandbox_connection_json
from twentyfourseven.deployment import DAG_ID, WAREHOUSE_POOL

from ..truth import assert_equals_truth, read_truth

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
SANDBOX_OPTIONS = {"orders": 120, "seed": 5}
TIMEOUT = 600


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{(result.stdout + result.stderr)[-6000:]}")
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel; returns its ``bin`` folder."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "plugins" / "twentyfourseven",
        source / "plugins" / "twentyfourseven",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    dist = tmp_path_factory.mktemp("dist")
    _run([str(UV), "build", "--quiet", "--wheel", "--out-dir", str(dist), str(source)])
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path_factory.mktemp("venv")
    _run([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)])
    python = venv / "bin" / "python"
    lock = str(ROOT / "requirements.lock")
    _run([str(UV), "pip", "install", "--quiet", "--python", str(python), "-c", lock, str(wheel)])
    return venv / "bin"


def test_the_installed_wheel_runs_the_dag_with_only_the_dags_folder(installed, sandbox, tmp_path):
    home, dags = tmp_path / "airflow-home", tmp_path / "dags"
    shutil.copytree(ROOT / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    inherited = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME", "LANG"))}
    env = {
        **{k: v for k, v in inherited.items() if k != "PYTHONPATH"},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(tmp_path / "no-plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_TWENTYFOURSEVEN_DEFAULT": sandbox_connection_json(sandbox, rate=1000),
    }
    # Run from elsewhere than the checkout, so nothing there is on the path by accident.
    kwargs = {"env": env, "cwd": tmp_path}

    importing = "import twentyfourseven; print(twentyfourseven.__file__)"
    where = _run([str(installed / "python"), "-c", importing], **kwargs)
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout
    started = time.perf_counter()
    airflow = str(installed / "airflow")
    _run([airflow, "db", "migrate"], **kwargs)
    _run([airflow, "pools", "set", WAREHOUSE_POOL, "1", "One writer"], **kwargs)
    _run([airflow, "dags", "test", DAG_ID], **kwargs)
    print(f"airflow db migrate + dags test from the wheel: {time.perf_counter() - started:.1f} s")

    warehouse = home / "data" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = lambda sql, params=None: con.execute(sql, params or []).fetchall()  # noqa: E731
        compared = assert_equals_truth(read_truth(sandbox), query)
        models = query(
            "select count(*) from information_schema.tables"
            " where table_schema in ('staging', 'marts', 'reports')"
        )
        (run,) = query("select mode, orders_ok from ops.runs")
    package = Path(where.stdout.strip()).parent
    built = [p for p in package.glob("sql/*/*.sql") if p.parent.name != "tests"]
    assert models == [(len(built),)]
    assert len(built) == len(list(ROOT.glob("plugins/twentyfourseven/sql/[!t]*/*.sql")))
    assert run == ("full_refresh", compared.orders)
    assert (home / "data" / "snapshot.duckdb").is_file()
