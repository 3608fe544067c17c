"""The Airflow Assets the pipeline produces, for downstream DAGs to be scheduled on.

Logical URIs rather than file paths: the files move with the deployment's settings,
the meaning of the assets does not.
"""

from __future__ import annotations

from airflow.sdk import Asset

RAW = Asset(name="twentyfourseven_raw", uri="twentyfourseven://warehouse/raw")
"""The loaded orders and lines (``raw``, ``ops``): updated by every load."""

MODELS = Asset(name="twentyfourseven_models", uri="twentyfourseven://warehouse/models")
"""``staging``, ``marts`` and ``reports``, rebuilt and tested."""

SNAPSHOT = Asset(name="twentyfourseven_snapshot", uri="twentyfourseven://snapshot")
"""The read-only snapshot and the HTML dashboard, published."""
