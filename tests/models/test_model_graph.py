"""The build order comes from what each model reads, and the key and reference data
tests from the models' column annotations."""

from __future__ import annotations

from pathlib import Path

import pytest

from twentyfourseven.warehouse.model_graph import ModelCycleError, build_order, relations_read
from twentyfourseven.warehouse.model_runner import (
    SQL_DIR,
    DataTestError,
    ModelError,
    build_models,
    data_tests,
    model_files,
    run_models,
)

HEADER = "-- grain: one row per test case\n"


def write_model(sql_dir: Path, relation: str, columns: dict[str, str], select: str) -> Path:
    layer, name = relation.split(".")
    docs = "".join(f"-- column: {column} — {text}\n" for column, text in columns.items())
    path = sql_dir / layer / f"{name}.sql"
    path.write_text(f"{HEADER}{docs}\ncreate or replace view {relation} as\n{select}\n")
    return path


def test_every_shipped_model_builds_after_the_models_it_reads():
    paths = model_files(SQL_DIR)
    built = [f"{p.parent.name}.{p.stem}" for p in paths]
    for position, path in enumerate(paths):
        assert relations_read(path.read_text(), built) - {built[position]} <= set(
            built[:position]
        ), path
    # Nothing forces it, but independent models keep the layers apart.
    layers = [path.parent.name for path in paths]
    assert layers == sorted(layers, key=("staging", "marts", "reports").index)


def test_a_model_reading_one_whose_name_sorts_after_it_builds(raw, sql_dir):
    first = write_model(
        sql_dir,
        "marts.aaa_reads_later",
        {"order_count": "orders counted by the later model"},
        "select order_count from marts.zzz_counts",
    )
    later = write_model(
        sql_dir,
        "marts.zzz_counts",
        {"order_count": "live orders"},
        "select count(*) as order_count from marts.fct_sales_orders",
    )
    order = model_files(sql_dir)
    assert order.index(later) < order.index(first)
    build_models(raw, sql_dir)
    assert raw.execute("select * from marts.aaa_reads_later").fetchall() == [(6,)]


def test_models_that_read_each_other_are_refused_naming_the_cycle(raw, sql_dir):
    write_model(sql_dir, "marts.ring_a", {"x": "x"}, "select x from marts.ring_b")
    write_model(sql_dir, "marts.ring_b", {"x": "x"}, "select x from reports.ring_c")
    write_model(sql_dir, "reports.ring_c", {"x": "x"}, "select x from marts.ring_a")
    with pytest.raises(ModelError) as raised:
        build_models(raw, sql_dir)
    assert "marts.ring_a → marts.ring_b → reports.ring_c → marts.ring_a" in str(raised.value)
    assert raised.value.path == sql_dir / "marts" / "ring_a.sql"
    # Refused before anything was built.
    schemas = raw.execute("select distinct schema_name from information_schema.schemata").fetchall()
    assert ("marts",) not in schemas


def test_comments_literals_and_cte_names_are_not_reads():
    sql = """-- a comment naming marts.a
    create or replace view reports.r as
    with b as (select 'marts.c' as label /* marts.d */)
    select * from b join marts.e using (label)"""
    models = {"marts.a", "marts.b", "marts.c", "marts.d", "marts.e", "reports.r"}
    assert relations_read(sql, models) == {"marts.e", "reports.r"}


def test_the_order_is_fixed_whatever_the_input_order():
    reads = {"m.b": set(), "m.a": {"m.c"}, "m.c": set(), "s.z": set()}
    rank = {"s.z": 0, "m.a": 1, "m.b": 1, "m.c": 1}
    assert build_order(reads, rank) == ["s.z", "m.b", "m.c", "m.a"]
    assert build_order(dict(reversed(reads.items())), rank) == ["s.z", "m.b", "m.c", "m.a"]
    with pytest.raises(ModelCycleError, match=r"m\.a → m\.b → m\.a"):
        build_order({"m.a": {"m.a", "m.b"}, "m.b": {"m.a"}}, {"m.a": 0, "m.b": 0})


def test_an_annotation_adds_its_check_and_a_broken_reference_is_caught(raw, sql_dir):
    plain = {"case_id": "the case", "product_id": "a product"}
    select = "select * from (values (1, 101), (1, -5)) as t(case_id, product_id)"
    write_model(sql_dir, "marts.checked_cases", plain, select)
    before = {test.name: test.sql for test in data_tests(sql_dir)}
    assert not any("marts.checked_cases" in sql for sql in before.values())
    run_models(raw, sql_dir)  # unannotated: nothing checks the duplicate or the -5

    annotated = {"case_id": "the case (key)", "product_id": "a product (→ marts.dim_products)"}
    write_model(sql_dir, "marts.checked_cases", annotated, select)
    with pytest.raises(DataTestError) as raised:
        run_models(raw, sql_dir)
    failed = {f.name: f for f in raised.value.failures}
    assert sorted(failed) == ["keys_reference", "keys_unique"]
    assert failed["keys_unique"].sample == (("marts.checked_cases", "1", 2),)
    assert failed["keys_reference"].sample == (("marts.checked_cases", "product_id", "1", "-5"),)
    message = str(raised.value)
    assert "keys_reference (derived from the column annotations): 1 offending row(s)" in message
    assert "model | key_column | row_key | missing_key" in message
    assert "marts.checked_cases | product_id | 1 | -5" in message


def test_a_reference_to_no_keyed_model_is_refused_naming_the_file(raw, sql_dir):
    path = write_model(
        sql_dir, "marts.bad_reference", {"x": "x (→ marts.no_such_model)"}, "select 1 as x"
    )
    with pytest.raises(ModelError, match=r"marts\.no_such_model") as raised:
        run_models(raw, sql_dir)
    assert raised.value.path == path


def test_views_of_other_models_leave_their_references_to_those_models():
    (reference,) = [test.sql for test in data_tests() if test.name == "keys_reference"]
    # Tables and the staging views over raw data are checked...
    assert "from marts.fct_sales_order_lines as m" in reference
    assert "from staging.stg_sales_order_lines as m" in reference
    # ...reports and base views, computed from those, are not computed again for it.
    assert "from reports.rpt_revenue_by_customer as m" not in reference
    assert "from marts.base_sales_order_lines as m" not in reference
