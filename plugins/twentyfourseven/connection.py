"""The Airflow connection type ``twentyfourseven``: its fields, labels and defaults.

One definition read by both the provider info (which Airflow's UI uses without
importing the hook) and the hook itself.
"""

from __future__ import annotations

from typing import Any

from .api import constants

CONN_TYPE = "twentyfourseven"
DEFAULT_CONN_ID = "twentyfourseven_default"
HOOK_NAME = "24SevenOffice"
HOOK_CLASS = "twentyfourseven.hooks.TwentyFourSevenOfficeHook"

# Extra fields: name -> (label, JSON-schema type, default, description).
EXTRA_FIELDS: dict[str, tuple[str, str, Any, str]] = {
    "organization_id": (
        "Organization ID",
        "string",
        None,
        "The organization's ID (sent as login_organization); one token per organization.",
    ),
    "api_base_url": ("API base URL", "string", constants.API_BASE_URL, "REST API root."),
    "token_url": ("Token URL", "string", constants.TOKEN_URL, "OAuth2 token endpoint."),
    "audience": ("Audience", "string", constants.AUDIENCE, "OAuth2 audience."),
    "rate_limit": (
        "Rate budget (requests/s)",
        "number",
        constants.DEFAULT_RATE_LIMIT,
        "Requests per second for this organization, shared by all concurrent reads.",
    ),
    "rate_burst": (
        "Rate burst (requests)",
        "integer",
        constants.DEFAULT_RATE_BURST,
        "Missed request slots made up at once (1: none). Raise only as far as the API's "
        "limiter admits bursts; each parallel extract task may burst this much.",
    ),
    "max_concurrency": (
        "Max concurrent requests",
        "integer",
        constants.DEFAULT_MAX_CONCURRENCY,
        "Orders read in parallel by the bulk reader.",
    ),
    "timeout": ("Timeout (s)", "number", constants.DEFAULT_TIMEOUT, "Per-request timeout."),
    "max_attempts": (
        "Attempts per request",
        "integer",
        constants.DEFAULT_MAX_ATTEMPTS,
        "Tries of a failing request (with backoff) before the order is recorded as failed.",
    ),
    "verify_tls": (
        "Verify TLS certificates",
        "boolean",
        True,
        "Leave on. Off only for testing against a host with a private certificate (logged).",
    ),
    "allow_insecure_http": (
        "Allow plain HTTP",
        "boolean",
        False,
        "Leave off. Plain http:// URLs are refused except to loopback hosts, since the "
        "client secret and tokens would travel unencrypted; on only for a test proxy (logged).",
    ),
}

HIDDEN_FIELDS = ["host", "schema", "port"]
RELABELING = {"login": "Client ID", "password": "Client secret"}
PLACEHOLDERS = {"login": "Application ID / Client ID", "password": "Client secret"}


def conn_fields() -> dict[str, dict[str, Any]]:
    """The ``conn-fields`` entry of the provider info (Airflow ≥ 3.2 connection form)."""
    fields = {}
    for name, (label, kind, default, description) in EXTRA_FIELDS.items():
        schema: dict[str, Any] = {"type": [kind, "null"]}
        if default is not None:
            schema["default"] = default
        fields[name] = {"label": label, "description": description, "schema": schema}
    return fields


def ui_field_behaviour() -> dict[str, Any]:
    """Hidden and relabelled standard fields, in the hook's (snake_case) form."""
    return {
        "hidden_fields": list(HIDDEN_FIELDS),
        "relabeling": dict(RELABELING),
        "placeholders": dict(PLACEHOLDERS),
    }
