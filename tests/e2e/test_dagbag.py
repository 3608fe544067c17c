"""Every DAG in dags/ imports cleanly, with the shape the project relies on."""

from __future__ import annotations

from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"


def test_every_dag_imports_cleanly():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.dags["twentyfourseven_sales_orders"]
    assert {t.task_id for t in dag.tasks} == {"plan", "extract", "load", "transform"}
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    for writer in ("plan", "load", "transform"):
        assert dag.get_task(writer).pool == "twentyfourseven_warehouse"
    assert dag.default_args["retries"] >= 1
    assert dag.doc_md
    assert "plan" in dag.doc_md
