"""The token endpoint, ``POST /oauth/token``, as login.24sevenoffice.com serves it.

OAuth2 client credentials with the vendor's extra ``audience`` and
``login_organization`` parameters, in a form or a JSON body. Errors follow the
OAuth2 shape (``{"error", "error_description"}``), not the API's.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from .error_bodies import json_response
from .limits import too_deep
from .state import Sandbox

router = APIRouter()

_SCOPE = (
    "api.invoicing.salesorder:read api.invoicing.salesorder:write "
    "api.invoicing.salesorder:delete api.invoicing.salesorder.line:read "
    "api.invoicing.salesorder.line:write api.invoicing.salesorder.line:delete"
)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response(
        {"error": error, "error_description": description},
        status=status,
        headers={"Cache-Control": "no-store"},
    )


async def _params(request: Request) -> dict[str, Any] | None:
    body = await request.body()
    if "application/json" in request.headers.get("content-type", ""):
        if too_deep(body):
            return None
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


@router.post("/oauth/token")
async def issue_token(request: Request) -> Response:
    """Check the client credentials, audience and organization; answer with a bearer token."""
    sandbox: Sandbox = request.app.state.sandbox
    config = sandbox.config
    params = await _params(request)
    if params is None:
        return _oauth_error(400, "invalid_request", "Malformed request body")
    if params.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported")
    missing = [
        name
        for name in ("client_id", "client_secret", "audience", "login_organization")
        if not params.get(name)
    ]
    if missing:
        return _oauth_error(400, "invalid_request", f"Missing parameter: {', '.join(missing)}")
    if params["client_id"] != config.client_id or params["client_secret"] != config.client_secret:
        return _oauth_error(401, "access_denied", "Unauthorized")
    if params["audience"] != config.audience:
        return _oauth_error(
            403, "access_denied", f"Service not enabled within domain: {params['audience']}"
        )
    if str(params["login_organization"]) != config.organization_id:
        return _oauth_error(
            403, "access_denied", "The application is not connected to this organization"
        )
    expires_in = sandbox.settings.token_expires_in
    token = sandbox.tokens.issue(sandbox.token_lifetime())
    return json_response(
        {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "scope": _SCOPE},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
