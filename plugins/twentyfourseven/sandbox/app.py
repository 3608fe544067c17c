"""The app factory: FastAPI routes for the token endpoint, ``/v1`` and
``/_sandbox``, error handlers that answer in the API's shapes, all wrapped in
the sandbox middleware (trace IDs, counters, faults)."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import admin, api, master_api, oauth
from .config import SandboxConfig
from .error_bodies import (
    ApiProblem,
    error_body,
    issues_from_pydantic,
    json_response,
    validation_error,
)
from .middleware import SandboxMiddleware
from .state import Sandbox


def create_app(config: SandboxConfig | None = None) -> SandboxMiddleware:
    """An ASGI app serving one sandbox; ``app.sandbox`` is its state, ``app.app`` the FastAPI."""
    sandbox = Sandbox(config or SandboxConfig())
    fastapi = FastAPI(
        title="24SevenOffice sandbox",
        description="Local emulator of the 24SevenOffice (Finago Office) API.",
        docs_url="/_sandbox/docs",
        redoc_url=None,
        openapi_url="/_sandbox/openapi.json",
    )
    fastapi.state.sandbox = sandbox
    fastapi.include_router(oauth.router)
    fastapi.include_router(api.router)
    fastapi.include_router(master_api.router)
    fastapi.include_router(admin.router)

    @fastapi.exception_handler(ApiProblem)
    async def _problem(_: Request, exc: ApiProblem) -> Response:
        return exc.response()

    @fastapi.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        # FastAPI locations start with "query", "path" or "body"; the API's paths do not.
        return validation_error(issues_from_pydantic(exc.errors(), skip=1)).response()

    @fastapi.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        names = {404: "NotFoundError", 405: "MethodNotAllowedError"}
        body = error_body(names.get(exc.status_code, "HttpError"), str(exc.detail))
        return json_response(body, status=exc.status_code, headers=exc.headers)

    return SandboxMiddleware(fastapi, sandbox)
