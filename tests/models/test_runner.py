"""The model runner: errors that name the file, all-or-nothing builds, the data
dictionary and the ``transform`` command."""

from __future__ import annotations

import argparse

import duckdb
import pytest

from twentyfourseven.commands import transform as transform_command
from twentyfourseven.warehouse.model_runner import (
    DICTIONARY,
    SQL_DIR,
    DataTestError,
    ModelError,
    build_models,
    model_files,
    parse_doc,
    render_data_dictionary,
    run_models,
)

from .golden import load_golden


def test_every_model_states_its_grain_and_documents_its_columns():
    for path in model_files(SQL_DIR):
        doc = parse_doc(path)
        assert doc.grain, path
        assert doc.columns, path
        assert all(text for _, text in doc.columns), path


def test_a_failing_model_names_its_file_and_changes_nothing(raw, sql_dir):
    build_models(raw, sql_dir)
    before = raw.execute("select count(*) from marts.fct_sales_orders").fetchone()
    raw.execute("delete from raw.sales_orders where order_id = 1007")
    broken = sql_dir / "reports" / "rpt_revenue_by_month.sql"
    broken.write_text(broken.read_text().replace("from with_earlier", "from no_such_table"))
    with pytest.raises(ModelError) as raised:
        run_models(raw, sql_dir)
    assert raised.value.path == broken
    assert "sql/reports/rpt_revenue_by_month.sql" in str(raised.value)
    assert "no_such_table" in str(raised.value)  # DuckDB's message
    # rolled back: the marts still hold the previous build (with order 1007)
    assert raw.execute("select count(*) from marts.fct_sales_orders").fetchone() == before


def test_undocumented_columns_are_refused(raw, sql_dir):
    model = sql_dir / "marts" / "dim_accounts.sql"
    model.write_text(model.read_text().replace("-- column: line_count — ", "-- column: lines — "))
    with pytest.raises(ModelError, match=r"dim_accounts.sql.*undocumented: \['line_count'\]"):
        build_models(raw, sql_dir)


def test_a_model_without_grain_or_of_another_name_is_refused(raw, sql_dir):
    model = sql_dir / "marts" / "dim_accounts.sql"
    text = model.read_text()
    model.write_text(text.replace("-- grain:", "-- grains:"))
    with pytest.raises(ModelError, match="no grain"):
        build_models(raw, sql_dir)
    model.write_text(text.replace("marts.dim_accounts as", "marts.dim_accounts_v2 as"))
    with pytest.raises(ModelError, match=r"did not create marts\.dim_accounts"):
        build_models(raw, sql_dir)


def test_a_data_test_that_cannot_run_fails(raw, sql_dir):
    (sql_dir / "tests" / "broken.sql").write_text("-- test: broken\nselect * from nowhere\n")
    with pytest.raises(DataTestError) as raised:
        run_models(raw, sql_dir)
    (failure,) = raised.value.failures
    assert failure.error is not None
    assert "nowhere" in failure.error
    assert "sql/tests/broken.sql: the query failed" in str(raised.value)


def test_the_summary_times_every_model_and_test(raw):
    summary = run_models(raw)
    assert len(summary.models) == len(model_files(SQL_DIR))
    assert all(m.seconds >= 0 for m in summary.models)
    facts = {m.relation: m.kind for m in summary.models}
    assert facts["marts.fct_sales_order_lines"] == "BASE TABLE"
    assert facts["reports.rpt_revenue_by_month"] == "VIEW"
    as_dict = summary.as_dict()
    assert as_dict["tests_failed"] == 0
    assert as_dict["test_rows"]["sql/tests/accepted_values.sql"] == 0
    assert as_dict["test_rows"]["keys_unique (derived from the column annotations)"] == 0


def test_the_committed_data_dictionary_is_up_to_date():
    assert DICTIONARY.read_text(encoding="utf-8") == render_data_dictionary(SQL_DIR), (
        "docs/data_dictionary.md is stale: run `twentyfourseven transform --data-dictionary`"
    )


def test_the_data_dictionary_documents_every_model_and_column():
    text = DICTIONARY.read_text(encoding="utf-8")
    for path in model_files(SQL_DIR):
        doc = parse_doc(path)
        assert f"## {doc.relation}" in text
        assert f"**Grain:** {doc.grain}" in text
        for name, _ in doc.columns:
            assert f"| `{name}` |" in text
    assert "| `fct_sales_order_lines`" not in text  # sanity: columns, not models, in tables
    assert "| `net_amount` | DECIMAL(38,2) |" in text


def _cli(*args: str) -> int:
    parser = argparse.ArgumentParser()
    transform_command.register(parser.add_subparsers())
    parsed = parser.parse_args(["transform", *args])
    return parsed.func(parsed)


def test_the_transform_command(tmp_path, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        load_golden(con)
    assert _cli("--warehouse", str(warehouse)) == 0
    assert f"Built {len(model_files(SQL_DIR))} models" in capsys.readouterr().out
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.sales_order_lines set tax_rate = 150 where order_id = 1007")
    assert _cli("--warehouse", str(warehouse)) == 1
    assert "rates_within_0_and_100.sql" in capsys.readouterr().err
    assert _cli("--warehouse", str(tmp_path / "missing.duckdb")) == 1
    assert "no warehouse" in capsys.readouterr().err
    out = tmp_path / "dictionary.md"
    assert _cli("--data-dictionary", str(out)) == 0
    assert out.read_text(encoding="utf-8") == DICTIONARY.read_text(encoding="utf-8")
