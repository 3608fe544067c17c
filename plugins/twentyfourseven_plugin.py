"""Airflow plugin: the sales dashboard in the Airflow UI.

A FastAPI app mounted by the API server at ``/twentyfourseven`` serves the latest
rendered dashboard (``PipelineSettings.dashboard``, written by the DAG's publish
task) at ``/twentyfourseven/dashboard``, and an external view adds "Sales
dashboard" to the navigation (Browse menu) showing it in the UI's iframe at
``/plugin/twentyfourseven-dashboard``.

The page holds customer names and revenue, so it requires a logged-in Airflow
user, checked by Airflow's own auth (the UI's session cookie or a bearer token).
That check imports Airflow's API security module, which is slow to import, so it
happens at the first request, not when every Airflow process loads plugins.

This file sits at the top of ``plugins/`` because ``plugins/.airflowignore``
hides the ``twentyfourseven`` package folder from the plugin manager.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, Request

from twentyfourseven.report.app import create_app

URL_PREFIX = "/twentyfourseven"
URL_ROUTE = "twentyfourseven-dashboard"


async def require_airflow_user(request: Request) -> None:
    """Airflow's authentication and the basic "website" permission, as its own views do."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import (
        bearer_scheme,
        get_user,
        requires_access_view,
    )

    credentials = await bearer_scheme(request)
    user = await get_user(request, None, credentials)  # 401/403 when not logged in
    requires_access_view(AccessView.WEBSITE)(request, user)  # 403 when not allowed


def _dashboard_path():
    from twentyfourseven.deployment import PipelineSettings

    return PipelineSettings.load().dashboard


dashboard_app = create_app(_dashboard_path, dependencies=[Depends(require_airflow_user)])


class TwentyFourSevenDashboardPlugin(AirflowPlugin):
    name = "twentyfourseven_dashboard"
    fastapi_apps = [  # noqa: RUF012 (AirflowPlugin's interface: class attributes)
        {
            "app": dashboard_app,
            "url_prefix": URL_PREFIX,
            "name": "24SevenOffice sales dashboard",
        }
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "Sales dashboard",
            # relative to the UI's <base href>, so it works under any base_url
            "href": f"{URL_PREFIX.lstrip('/')}/dashboard",
            "destination": "nav",
            "url_route": URL_ROUTE,
            "category": "browse",
        }
    ]
