"""A small FastAPI app serving the latest rendered dashboard file.

Airflow mounts it through ``plugins/twentyfourseven_plugin.py`` (with Airflow's
own authentication as a dependency); it knows nothing of Airflow itself, so it
can also be served alone (``uvicorn``) or tested with FastAPI's TestClient.
``GET /dashboard`` answers the file as it is on disk (the renderer replaces it
atomically, so a reader never sees half a page), or a short page saying how it
gets rendered when there is none yet (404; ``templates/missing.html.j2``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .paths import default_output
from .templating import render

# The page carries its own Content-Security-Policy (a meta tag with the hashes of its
# inline script and style); the response adds what a meta tag cannot say.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'self'",
    "Referrer-Policy": "no-referrer",
}


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
                render("missing.html.j2", path=path), status_code=404, headers=HEADERS
            )
        return Response(body, media_type="text/html; charset=utf-8", headers=HEADERS)

    @app.get("/", include_in_schema=False, dependencies=list(dependencies))
    def root() -> Response:
        return RedirectResponse("dashboard")  # relative: works under any mount prefix

    return app
