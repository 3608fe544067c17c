"""``twentyfourseven query`` answers from the snapshot and cannot change it."""

from __future__ import annotations

import re

import duckdb

from twentyfourseven.cli import main


def test_query_prints_the_result_and_refuses_writes(tmp_path, capsys):
    database = tmp_path / "snapshot.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table t as select 12.34::DECIMAL(18,2) as amount, 'Østmark' as name")
    assert main(["query", "select name, amount from t", "--database", str(database)]) == 0
    out = capsys.readouterr().out
    assert "Østmark" in out
    assert "12.34" in out

    query_file = tmp_path / "q.sql"
    query_file.write_text("select count(*) as n from t")
    assert main(["query", f"@{query_file}", "--database", str(database)]) == 0
    assert re.search(r"│\s+1\s+│", capsys.readouterr().out)

    assert main(["query", "delete from t", "--database", str(database)]) == 1
    assert "read-only" in capsys.readouterr().out
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from t").fetchone() == (1,)
