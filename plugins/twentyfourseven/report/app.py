"""A small FastAPI app serving the latest rendered dashboard file.

Airflow mounts it through ``plugins/twentyfourseven_plugin.py`` (with Airflow's
own authentication as a dependency); it knows nothing of Airflow itself, so it
can also be served alone (``uvicorn``) or tested with FastAPI's TestClient.
``GET /dashboard`` answers the file as it is on disk (the renderer replaces it
atomically, so a reader never sees half a page), or a short page saying how it
gets rendered when there is none yet (404).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .paths import default_output
from .svg import esc

# The page carries its own Content-Security-Policy (a meta tag with the hashes of its
# inline script and style); the response adds what a meta tag cannot say.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'self'",
    "Referrer-Policy": "no-referrer",
}

MISSING_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>No dashboard yet</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;margin:48px;color:#111827;max-width:720px}}
code{{background:#f3f4f6;padding:1px 5px;border-radius:4px}}</style></head>
<body><h1>No dashboard yet</h1>
<p>The sales dashboard has not been rendered yet: there is no file at
<code>{path}</code>.</p>
<p>The <code>publish</code> task of the <code>twentyfourseven_sales_orders</code> DAG
renders it after each successful run; trigger the DAG, or render it by hand with
<code>twentyfourseven dashboard</code>.</p>
</body></html>
"""


def create_app(
    dashboard: Callable[[], Path] = default_output,
    *,
    dependencies: Sequence[Any] = (),
) -> FastAPI:
    """The app; ``dashboard`` gives the file's path at each request (settings can change)."""
    app = FastAPI(
        title="24SevenOffice sales dashboard",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.get("/dashboard", response_class=HTMLResponse, dependencies=list(dependencies))
    def show_dashboard() -> Response:
        path = Path(dashboard())
        try:
            body = path.read_bytes()  # one read of one inode: the old page or the new one
        except (FileNotFoundError, IsADirectoryError):
            return HTMLResponse(
                MISSING_PAGE.format(path=esc(path)), status_code=404, headers=HEADERS
            )
        return Response(body, media_type="text/html; charset=utf-8", headers=HEADERS)

    @app.get("/", include_in_schema=False, dependencies=list(dependencies))
    def root() -> Response:
        return RedirectResponse("dashboard")  # relative: works under any mount prefix

    return app
