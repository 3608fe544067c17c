"""Run IDs Airflow accepts map to staging folders that stay inside the staging root,
never share a folder, and are cleaned up without touching other runs' folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from twentyfourseven.deployment import PipelineSettings
from twentyfourseven.pipeline.load import load_run
from twentyfourseven.pipeline.runfiles.retention import prune_staging, remove_staging
from twentyfourseven.pipeline.runfiles.runplan import PLAN_FILE, run_folder_name
from twentyfourseven.pipeline.steps import load_step

from .conftest import ok, query, stage_run

# Each is a run ID Airflow accepts (or a near neighbour of one); the last two differ
# only in a character a file name cannot hold.
AWKWARD_RUN_IDS = (".", "_.", ".~", "..", "", "~", "a/b", "a\\b", "a:b", "a_b", "../x", "a\x00b")


def test_every_run_id_gets_its_own_folder_strictly_inside_the_staging_root(tmp_path):
    root = tmp_path / "staging"
    root.mkdir()
    names = {run_id: run_folder_name(run_id) for run_id in AWKWARD_RUN_IDS}
    for run_id, name in names.items():
        assert name.strip("."), (run_id, name)
        assert not set(name) & {"/", "\\", "\x00"}, (run_id, name)
        assert (root / name).resolve().parent == root.resolve(), (run_id, name)
        assert run_folder_name(run_id) == name  # stable: plan, extract and load agree
    assert len(set(names.values())) == len(names), names


def test_folder_names_stay_readable_and_bounded():
    scheduled = "scheduled__2024-05-01T10:00:00+00:00"
    assert run_folder_name(scheduled).startswith("scheduled__2024-05-01T10_00_00_00_00-")
    assert len(run_folder_name("x" * 250)) < 100  # Airflow allows 250 characters


def _settings(tmp_path: Path) -> PipelineSettings:
    return PipelineSettings(
        warehouse=tmp_path / "wh" / "warehouse.duckdb",
        staging=tmp_path / "staging",
        snapshot=tmp_path / "wh" / "snapshot.duckdb",
        dashboard=tmp_path / "wh" / "dashboard.html",
        staging_retention_days=0,
    )


def test_loading_awkward_run_ids_removes_only_their_own_folders(tmp_path):
    settings = _settings(tmp_path)
    staging = settings.staging
    # A run still extracting, which every clean-up must leave alone.
    in_flight = stage_run(staging, "manual__in_flight", [[ok(999, [])]])
    run_ids = [".", "_.", ".~", "..", "a/b", "a:b", "a_b"]
    folders = {
        run_id: stage_run(staging, run_id, [[ok(order_id, [])]])
        for order_id, run_id in enumerate(run_ids, start=1)
    }
    for order_id, run_id in enumerate(run_ids, start=1):
        result = load_step(run_id, settings)
        assert (result["run_id"], result["orders_ok"]) == (run_id, 1)
        assert not folders[run_id].exists()
        assert staging.is_dir()
        assert (in_flight / PLAN_FILE).is_file(), f"loading {run_id!r} removed another run"
        for later in run_ids[order_id:]:
            assert (folders[later] / PLAN_FILE).is_file(), f"{run_id!r} removed {later!r}"
    loaded = query(settings.warehouse, "select run_id, orders_ok from ops.runs order by run_id")
    assert loaded == sorted((run_id, 1) for run_id in run_ids)
    assert query(settings.warehouse, "select count(*) from raw.sales_orders") == [(len(run_ids),)]


def test_a_loaded_run_whose_folder_is_gone_is_found_in_the_ledger(staging, warehouse):
    run_dir = stage_run(staging, "..", [[ok(1, [])]])
    load_run(warehouse, run_dir)
    assert remove_staging(run_dir, staging_root=staging)
    again = load_run(warehouse, run_dir)  # the ledger is matched by folder name
    assert (again.already_loaded, again.run_id) == (True, "..")


def test_clean_up_refuses_anything_but_a_run_folder_directly_under_the_root(staging):
    run_dir = stage_run(staging, "manual__one", [[ok(1, [])]])
    nested = stage_run(run_dir, "nested", [[ok(2, [])]])
    # A staging root holding a plan.json (what a run ID "." left before) is not a run.
    (staging / PLAN_FILE).write_text("{}")
    for target in (staging, staging / ".", staging / "..", nested, staging.parent / "elsewhere"):
        with pytest.raises(ValueError, match="not a run's staging folder"):
            remove_staging(target, staging_root=staging)
    assert (nested / PLAN_FILE).is_file()
    assert (staging / PLAN_FILE).is_file()
    link = staging / "link"
    link.symlink_to(run_dir)
    with pytest.raises(ValueError, match="not a run's staging folder"):
        remove_staging(link, staging_root=staging)
    assert prune_staging(staging, keep_days=0, abandoned_days=0) == [run_dir]
    assert staging.is_dir()
    assert not run_dir.exists()
