"""Run by test_plugin.py in a fresh process: Airflow's own API server app, with the
plugins folder of the project, answering requests for the dashboard (JSON on stdout).

Authenticated requests would need a migrated metadata database (Airflow checks
tokens against revoked ones), so the authorised case overrides the plugin's auth
dependency; the anonymous case goes through Airflow's real check.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

warnings.simplefilter("ignore")


def main() -> None:
    from airflow import plugins_manager
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    client = TestClient(create_app())
    out: dict[str, object] = {}
    response = client.get("/twentyfourseven/dashboard")
    out["anonymous"] = {"status": response.status_code, "body": response.text[:200]}

    (mounted,) = [
        app
        for app in plugins_manager.get_fastapi_plugins()[0]
        if app["url_prefix"] == "/twentyfourseven"
    ]
    plugin_app = mounted["app"]
    (route,) = [r for r in plugin_app.routes if getattr(r, "path", None) == "/dashboard"]
    out["auth_dependency"] = [d.dependency.__name__ for d in route.dependencies]
    for dependency in route.dependencies:
        plugin_app.dependency_overrides[dependency.dependency] = lambda: None

    response = client.get("/twentyfourseven/dashboard")
    out["authorised"] = {
        "status": response.status_code,
        "type": response.headers.get("content-type"),
        "cache": response.headers.get("cache-control"),
        "csp": response.headers.get("content-security-policy"),
        "body": response.text,
    }
    os.environ["TWENTYFOURSEVEN_DASHBOARD"] = os.environ["PROBE_MISSING_DASHBOARD"]
    response = client.get("/twentyfourseven/dashboard")
    out["missing"] = {"status": response.status_code, "body": response.text}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
