"""The HTML dashboard: one self-contained file rendered from the warehouse or its snapshot.

``render_dashboard(database, output)`` opens the DuckDB file read-only, reads the
report views and ``ops`` tables (:mod:`.data`), and writes the page atomically
(:mod:`.render`). The page is a Jinja template with its CSS and scripts in
``templates/`` (:mod:`.templating`); its chart sections are described, as data, in
:mod:`.sections` and drawn as SVG by :mod:`.svg`. The CLI is
``twentyfourseven dashboard`` (:mod:`.command`); the Airflow UI serves the latest
file through ``plugins/twentyfourseven_plugin.py`` (:mod:`.app`).
"""

from __future__ import annotations

from .paths import default_database, default_output
from .render import render_dashboard, render_html

__all__ = ["default_database", "default_output", "render_dashboard", "render_html"]
