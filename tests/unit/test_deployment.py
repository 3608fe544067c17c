"""Pipeline settings: Airflow Variable, then environment variable, then default."""

from __future__ import annotations

from pathlib import Path

import pytest

from twentyfourseven.deployment import PipelineSettings


def test_defaults_bound_chunks_and_the_loads_memory(monkeypatch, tmp_path):
    monkeypatch.setenv("TWENTYFOURSEVEN_DATA_DIR", str(tmp_path))
    settings = PipelineSettings.load()
    assert settings.warehouse == tmp_path / "warehouse.duckdb"
    assert (settings.max_chunks, settings.min_chunk_size) == (16, 500)
    assert settings.load_memory_limit == "512MB"


def test_in_a_checkout_the_data_folder_defaults_to_its_data(monkeypatch):
    # Installed from the wheel it is $AIRFLOW_HOME/data instead: tests/wheel shows it.
    monkeypatch.setenv("TWENTYFOURSEVEN_DATA_DIR", "")
    checkout = Path(__file__).resolve().parents[2]
    assert PipelineSettings.load().warehouse == checkout / "data" / "warehouse.duckdb"


def test_a_variable_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("TWENTYFOURSEVEN_LOAD_MEMORY_LIMIT", "2GB")
    monkeypatch.setenv("TWENTYFOURSEVEN_MAX_CHUNKS", "4")
    variables = {"twentyfourseven_load_memory_limit": "768MB"}
    settings = PipelineSettings.load(variables.get)
    assert settings.load_memory_limit == "768MB"
    assert settings.max_chunks == 4


def test_an_empty_setting_means_its_default(monkeypatch):
    monkeypatch.setenv("TWENTYFOURSEVEN_LOAD_MEMORY_LIMIT", "")
    monkeypatch.setenv("TWENTYFOURSEVEN_MAX_CHUNKS", "")
    settings = PipelineSettings.load()
    assert settings.load_memory_limit == "512MB"
    assert settings.max_chunks == 16


def test_a_setting_that_is_not_a_number_is_named(monkeypatch):
    monkeypatch.setenv("TWENTYFOURSEVEN_MAX_CHUNKS", "many")
    with pytest.raises(ValueError, match=r"max_chunks \(TWENTYFOURSEVEN_MAX_CHUNKS\) must be a"):
        PipelineSettings.load()
