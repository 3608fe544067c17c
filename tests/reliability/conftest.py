"""The e2e fixtures (a migrated Airflow home, the ``pipeline`` of a module) for the
reliability tests, which run the real DAG the same way."""

from ..e2e.conftest import airflow_home, pipeline  # noqa: F401 - fixtures re-exported
