"""Every DAG in dags/ imports cleanly, with the shape the project relies on."""

from __future__ import annotations

from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"


def test_every_dag_imports_cleanly():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.dags["twentyfourseven_sales_orders"]
    assert {t.task_id for t in dag.tasks} == {
        "plan",
        "extract",
        "extract_master_data",
        "load",
        "transform",
        "publish",
    }
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    for writer in ("plan", "load", "transform", "publish"):
        assert dag.get_task(writer).pool == "twentyfourseven_warehouse"
    produced = {
        task_id: [asset.name for asset in dag.get_task(task_id).outlets]
        for task_id in ("load", "transform", "publish")
    }
    assert produced == {
        "load": ["twentyfourseven_raw"],
        "transform": ["twentyfourseven_models"],
        "publish": ["twentyfourseven_snapshot"],
    }
    consumer = bag.dags["twentyfourseven_snapshot_consumer"]
    condition = consumer.timetable.asset_condition
    assert [asset.name for asset in condition.objects] == ["twentyfourseven_snapshot"]
