"""Run folders in S3 (moto's server on loopback, through an Airflow ``aws`` connection):
what a task sends (seals last, a replaced seal deleted first), what it fetches, and the
retention that deletes run folders in the bucket as it does on disk."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from twentyfourseven.locations import staging_location
from twentyfourseven.pipeline.runfiles.retention import (
    LOADED_MARKER,
    prune_staging,
    remove_staging,
)
from twentyfourseven.pipeline.runfiles.runplan import PLAN_FILE, run_staging_dir
from twentyfourseven.pipeline.runfiles.staging import MANIFEST
from twentyfourseven.pipeline.runfiles.transfer import everything, local_run_folder

BUCKET = "runs-bucket"
CONN = "run_folders_s3"


@pytest.fixture(scope="module")
def bucket(moto_server):
    moto_server.create_bucket(BUCKET)
    os.environ[f"AIRFLOW_CONN_{CONN.upper()}"] = moto_server.connection_json()
    yield moto_server
    os.environ.pop(f"AIRFLOW_CONN_{CONN.upper()}", None)


@pytest.fixture
def staging(bucket, request):
    return staging_location(f"s3://{BUCKET}/{request.node.name}", CONN)


def _keys(bucket, staging) -> list[str]:
    prefix = f"{staging.path.split('/', 1)[1]}/"
    return sorted(key[len(prefix) :] for key in bucket.objects(BUCKET, prefix))


def test_a_task_sends_what_it_wrote_seals_last_and_fetches_what_it_reads(bucket, staging, tmp_path):
    sent: list[str] = []
    fs = staging.fs
    put_file, put = fs.put_file, fs.put
    fs.put_file = lambda lpath, rpath, **kw: (sent.append(rpath), put_file(lpath, rpath, **kw))
    fs.put = lambda lpaths, rpaths, **kw: (sent.extend(rpaths), put(lpaths, rpaths, **kw))
    try:
        with local_run_folder(staging, "run-1", scratch=tmp_path) as run_dir:
            assert run_dir.is_relative_to(tmp_path)
            (run_dir / PLAN_FILE).write_text("{}")
            (run_dir / "chunk-0000").mkdir()
            (run_dir / "chunk-0000" / "lines.ndjson").write_text("1\n")
            (run_dir / "chunk-0000" / MANIFEST).write_text("{}")
            (run_dir / ".plan.json.123.partial").write_text("left by a killed writer")
    finally:
        fs.put_file, fs.put = put_file, put
    names = [path.rsplit("/", 2)[-2:] for path in sent]
    assert names[0] == ["chunk-0000", "lines.ndjson"]  # data first, then the seals
    assert {tuple(n) for n in names[1:]} == {
        ("chunk-0000", MANIFEST),
        (run_staging_dir(staging, "run-1").name, PLAN_FILE),
    }
    assert list(tmp_path.iterdir()) == []  # the local copy is gone
    assert _keys(bucket, staging) == [
        f"{run_staging_dir(staging, 'run-1').name}/{p}"
        for p in ("chunk-0000/lines.ndjson", f"chunk-0000/{MANIFEST}", PLAN_FILE)
    ]

    # A later task fetches only what it asks for, and sends back only what it changed.
    with local_run_folder(
        staging, "run-1", scratch=tmp_path, fetch={PLAN_FILE}.__contains__
    ) as run_dir:
        assert sorted(p.name for p in run_dir.rglob("*")) == [PLAN_FILE]
    with local_run_folder(staging, "run-1", scratch=tmp_path, fetch=everything) as run_dir:
        assert (run_dir / "chunk-0000" / "lines.ndjson").read_text() == "1\n"
        (run_dir / "chunk-0000" / MANIFEST).write_text('{"again": 1}')
    folder = run_staging_dir(staging, "run-1")
    assert json.loads((folder / "chunk-0000" / MANIFEST).read_text()) == {"again": 1}


def _failing_task(staging, scratch) -> None:
    with local_run_folder(staging, "run-2", scratch=scratch) as run_dir:
        (run_dir / PLAN_FILE).write_text("{}")
        raise RuntimeError("the task failed")


def test_a_failed_task_sends_nothing(bucket, staging, tmp_path):
    with pytest.raises(RuntimeError, match="the task failed"):
        _failing_task(staging, tmp_path)
    assert _keys(bucket, staging) == []
    assert list(tmp_path.iterdir()) == []


def test_retention_deletes_run_folders_in_the_bucket_as_on_disk(bucket, staging, tmp_path):
    for run_id in ("loaded", "unloaded", "removed"):
        with local_run_folder(staging, run_id, scratch=tmp_path) as run_dir:
            (run_dir / PLAN_FILE).write_text("{}")
            (run_dir / "chunk-0000").mkdir()
            (run_dir / "chunk-0000" / MANIFEST).write_text("{}")
            if run_id != "unloaded":
                (run_dir / LOADED_MARKER).write_text("{}")
    stray = staging / "not-a-run" / "notes.txt"
    stray.write_text("kept")

    with pytest.raises(ValueError, match="not a run's staging folder"):
        remove_staging(staging / "not-a-run", staging_root=staging)
    assert remove_staging(run_staging_dir(staging, "removed"), staging_root=staging)
    assert not run_staging_dir(staging, "removed").exists()

    # Within the retention nothing goes; a day later the loaded one; the unloaded one
    # only once abandoned.
    assert prune_staging(staging, keep_days=1) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1)
    assert prune_staging(staging, keep_days=1, now=later) == [run_staging_dir(staging, "loaded")]
    assert run_staging_dir(staging, "unloaded").exists()
    much_later = later + dt.timedelta(days=7)
    assert prune_staging(staging, keep_days=1, now=much_later) == [
        run_staging_dir(staging, "unloaded")
    ]
    assert _keys(bucket, staging) == ["not-a-run/notes.txt"]
