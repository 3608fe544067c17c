"""After a real DAG run with faults and short-lived tokens, neither the client secret nor
any token the sandbox issued is found in any artifact: task logs, the Airflow metadata
DB, staging files, the warehouse, the snapshot, the dashboard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb

from ..e2e.conftest import assert_equals_truth

SECRET = "rel-Secret-4b9e1f7c2d0a"  # distinctive, so a hit cannot be a coincidence
SANDBOX_OPTIONS = {
    "orders": 300,
    "seed": 23,
    "client_secret": SECRET,
    "settings": {"token_expires_in": 2},
    "faults": {"error_503": 0.03, "error_500": 0.02, "jitter_ms": 15, "revoke_tokens_every": 120,
               "seed": 5},
}  # fmt: skip
PIPELINE_ENV = {"TWENTYFOURSEVEN_STAGING_RETENTION_DAYS": "1"}  # keep staging files to search


def issued_tokens(sandbox) -> list[str]:
    """Every token the sandbox issued: its registry, read in-process (it runs in this one)."""
    return list(sandbox.app.sandbox.tokens._expiry)


def text_of_sqlite(path: Path) -> str:
    """Every text (and blob) cell of every table of the Airflow metadata DB."""
    parts: list[str] = []
    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in con.execute(f'select * from "{table}"'):
                for cell in row:
                    if isinstance(cell, str):
                        parts.append(cell)
                    elif isinstance(cell, bytes):
                        parts.append(cell.decode("utf-8", "replace"))
    return "\n".join(parts)


def text_of_duckdb(path: Path) -> str:
    """Every VARCHAR/JSON cell of every table (DuckDB compresses strings on disk)."""
    parts: list[str] = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        for schema, table, column in columns:
            rows = con.execute(f'select "{column}" from "{schema}"."{table}"').fetchall()
            parts.extend(r[0] for r in rows if r[0] is not None)
    return "\n".join(parts)


def test_no_secret_or_token_in_any_artifact(pipeline):
    sandbox = pipeline.sandbox
    output = pipeline.run()
    assert_equals_truth(pipeline)  # the faults were survived

    tokens = issued_tokens(sandbox)
    # Several tokens were really issued (expiry every 2 s, revocations), so the search
    # covers token renewal, not one token.
    assert sandbox.app.sandbox.tokens.issued == len(tokens) >= 3, len(tokens)
    assert sandbox.count(status=401) >= 1  # a token died mid-run at least once
    secrets = {"client secret": SECRET} | {f"token {t[:6]}…": t for t in tokens}

    settings = pipeline.settings
    artifacts: dict[str, bytes] = {"airflow dags test output": output.encode()}
    files = [p for p in pipeline.data_dir.rglob("*") if p.is_file()]
    files += [p for p in pipeline.airflow_home.rglob("*") if p.is_file()]
    for path in files:
        artifacts[str(path)] = path.read_bytes()
    db = pipeline.airflow_home / "airflow.db"
    assert db.is_file()
    artifacts["airflow metadata DB (text columns)"] = text_of_sqlite(db).encode()
    for path in (settings.warehouse, settings.snapshot):
        assert path.is_file(), path
        artifacts[f"{path} (text columns)"] = text_of_duckdb(path).encode()
    # The places that must exist were searched.
    assert settings.dashboard.is_file()
    assert list(settings.staging.rglob("*.ndjson")), "staging files were not kept"
    assert pipeline.query("select count(*) from ops.runs")[0][0] >= 1

    hits = [
        (what, where)
        for what, secret in secrets.items()
        for where, data in artifacts.items()
        if secret.encode() in data
    ]
    assert hits == [], hits
    # If the connection's password is logged at all, it is masked.
    assert SECRET not in output
    print(
        f"secret search: {len(tokens)} tokens + the secret, {len(artifacts)} artifacts,"
        f" {sum(len(d) for d in artifacts.values())} bytes, 0 hits;"
        f" '***' in output {output.count('***')} times; 401s {sandbox.count(status=401)}"
    )
