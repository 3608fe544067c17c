"""The dashboard in Airflow: the FastAPI app alone, then the plugin as Airflow sees it
(``airflow plugins``) and as its API server serves it (``create_app`` with the
project's plugins folder), each in a fresh process with a temporary AIRFLOW_HOME."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from twentyfourseven.report import render_dashboard
from twentyfourseven.report.app import create_app

from .synthetic import NOW, build_synthetic


@pytest.fixture(scope="module")
def dashboard_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plugin")
    database = build_synthetic(folder / "warehouse.duckdb")
    return render_dashboard(database, folder / "site" / "dashboard.html", now=NOW)


def test_the_app_serves_the_latest_file_as_it_is(dashboard_file, tmp_path):
    target = tmp_path / "dashboard.html"
    client = TestClient(create_app(lambda: target))
    missing = client.get("/dashboard")
    assert missing.status_code == 404
    assert "No dashboard yet" in missing.text
    assert "twentyfourseven dashboard" in missing.text

    target.write_bytes(dashboard_file.read_bytes())
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert response.content == dashboard_file.read_bytes()
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"

    target.write_text("<!DOCTYPE html><p>newer</p>")  # re-rendered: served at once
    assert client.get("/dashboard").text == "<!DOCTYPE html><p>newer</p>"
    root = client.get("/", follow_redirects=False)
    assert root.status_code == 307
    assert root.headers["location"] == "dashboard"


def test_the_missing_page_escapes_the_path(tmp_path):
    target = tmp_path / "<b>odd</b>" / "dashboard.html"
    response = TestClient(create_app(lambda: target)).get("/dashboard")
    assert response.status_code == 404
    assert "&lt;b&gt;odd&lt;/b&gt;" in response.text
    assert "<b>odd</b>" not in response.text


def test_dependencies_guard_every_route(tmp_path):
    from fastapi import Depends, HTTPException

    def deny() -> None:
        raise HTTPException(status_code=401, detail="Not authenticated")

    client = TestClient(create_app(lambda: tmp_path / "x.html", dependencies=[Depends(deny)]))
    assert client.get("/dashboard").status_code == 401
    assert client.get("/", follow_redirects=False).status_code == 401


@pytest.fixture(scope="module")
def airflow_answers(airflow_probes) -> dict[str, Any]:
    """``airflow plugins -o json`` and the API server app's answers (see conftest)."""
    return airflow_probes.answers()


def test_airflow_lists_the_plugin_with_its_app_and_nav_link(airflow_answers):
    (plugin,) = [p for p in airflow_answers["plugins"] if p["name"] == "twentyfourseven_dashboard"]
    assert plugin["source"] == "$PLUGINS_FOLDER/twentyfourseven_plugin.py"
    assert [(a["url_prefix"], a["name"]) for a in plugin["fastapi_apps"]] == [
        ("/twentyfourseven", "24SevenOffice sales dashboard")
    ]
    assert plugin["external_views"] == [
        {
            "name": "Sales dashboard",
            "href": "twentyfourseven/dashboard",
            "destination": "nav",
            "url_route": "twentyfourseven-dashboard",
            "category": "browse",
        }
    ]


def test_airflow_serves_the_dashboard_to_authorised_users_only(airflow_answers, airflow_probes):
    server = airflow_answers["server"]
    assert server["anonymous"]["status"] == 401  # Airflow's own authentication applies
    assert "Sales orders" not in server["anonymous"]["body"]
    assert server["auth_dependency"] == ["require_airflow_user"]
    authorised = server["authorised"]
    assert authorised["status"] == 200
    assert authorised["type"] == "text/html; charset=utf-8"
    assert authorised["cache"] == "no-store"
    assert authorised["csp"] == "frame-ancestors 'self'"
    assert authorised["body"] == airflow_probes.dashboard.read_text(encoding="utf-8")
    assert server["missing"]["status"] == 404
    assert "No dashboard yet" in server["missing"]["body"]
    assert "nothing-yet.html" in server["missing"]["body"]
