"""Provider metadata, found by Airflow through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

from . import connection


def get_provider_info() -> dict[str, Any]:
    """What ``airflow providers list`` shows and how the connection type is registered."""
    behaviour = connection.ui_field_behaviour()
    return {
        "package-name": "twentyfourseven-airflow",
        "name": "24SevenOffice",
        "description": "24SevenOffice (Finago Office) sales orders into DuckDB.",
        "versions": ["0.1.0"],
        "connection-types": [
            {
                "connection-type": connection.CONN_TYPE,
                "hook-class-name": connection.HOOK_CLASS,
                "hook-name": connection.HOOK_NAME,
                "conn-fields": connection.conn_fields(),
                "ui-field-behaviour": {
                    "hidden-fields": behaviour["hidden_fields"],
                    "relabeling": behaviour["relabeling"],
                    "placeholders": behaviour["placeholders"],
                },
            }
        ],
    }
