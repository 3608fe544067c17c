"""Airflow hook: an Airflow connection of type ``twentyfourseven`` -> an API client.

Connection: login = client ID, password = client secret, extras = organization ID,
API base URL, token URL, audience, rate budget, concurrency, timeout, retry attempts
and the switches verify_tls and allow_insecure_http (see ``twentyfourseven.connection``).
As JSON in an environment variable::

    AIRFLOW_CONN_TWENTYFOURSEVEN_DEFAULT='{"conn_type": "twentyfourseven",
        "login": "<client id>", "password": "<client secret>",
        "extra": {"organization_id": "<organization id>"}}'
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from . import connection
from .api import RetryPolicy, TwentyFourSevenOfficeClient, constants
from .api.errors import TwentyFourSevenOfficeError

# How a boolean extra can be spelled (the JSON form gives false, a form or env var "false").
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class TwentyFourSevenOfficeHook(BaseHook):
    """Builds a :class:`TwentyFourSevenOfficeClient` from an Airflow connection, lazily."""

    conn_name_attr = "twentyfourseven_conn_id"
    default_conn_name = connection.DEFAULT_CONN_ID
    conn_type = connection.CONN_TYPE
    hook_name = connection.HOOK_NAME

    def __init__(
        self,
        twentyfourseven_conn_id: str = default_conn_name,
        *,
        budget_share: int = 1,
        **client_kwargs: Any,
    ):
        """``budget_share``: how many tasks share the connection's rate budget at once;
        this hook's client gets 1/``budget_share`` of it, less a headroom when shared
        (``SHARED_BUDGET_HEADROOM``), so together they stay within it.
        ``client_kwargs`` override the connection's client settings (tests: ``transport``).
        """
        super().__init__()
        if budget_share < 1:
            raise ValueError(f"budget_share must be at least 1, got {budget_share}")
        self.twentyfourseven_conn_id = twentyfourseven_conn_id
        self.budget_share = budget_share
        self._client_kwargs = client_kwargs
        self._client: TwentyFourSevenOfficeClient | None = None

    def _rate_share(self, rate_limit: float) -> float:
        if self.budget_share == 1:
            return rate_limit
        return rate_limit * constants.SHARED_BUDGET_HEADROOM / self.budget_share

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return connection.ui_field_behaviour()

    def get_conn(self) -> TwentyFourSevenOfficeClient:
        """The client for this connection, built on first use and then reused."""
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self) -> TwentyFourSevenOfficeClient:
        conn = self.get_connection(self.twentyfourseven_conn_id)
        extras = conn.extra_dejson

        def extra(name: str) -> Any:
            # The connection form of older UIs stores extras with a prefix.
            value = extras.get(name, extras.get(f"extra__{connection.CONN_TYPE}__{name}"))
            if value in (None, ""):
                return connection.EXTRA_FIELDS[name][2]
            return value

        def flag(name: str) -> bool:
            # Strict: a typo in a switch that weakens security must not switch it.
            value = str(extra(name)).strip().lower()
            if value not in _TRUE | _FALSE:
                raise ValueError(
                    f"Airflow connection {self.twentyfourseven_conn_id!r}: extra {name} "
                    f"must be true or false, got {extra(name)!r}"
                )
            return value in _TRUE

        login, password, organization_id = conn.login, conn.password, extra("organization_id")
        if not (login and password and organization_id):
            missing = [
                label
                for label, value in (
                    ("login (client ID)", login),
                    ("password (client secret)", password),
                    ("extra organization_id", organization_id),
                )
                if not value
            ]
            raise ValueError(
                f"Airflow connection {self.twentyfourseven_conn_id!r} lacks {', '.join(missing)}"
            )
        try:
            rate_limit = float(extra("rate_limit"))
            rate_burst = int(extra("rate_burst"))
            max_concurrency = int(extra("max_concurrency"))
            timeout = float(extra("timeout"))
            max_attempts = int(extra("max_attempts"))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Airflow connection {self.twentyfourseven_conn_id!r}: rate_limit, "
                f"rate_burst, max_concurrency, timeout and max_attempts must be numbers ({exc})"
            ) from None
        options: dict[str, Any] = {
            "base_url": extra("api_base_url"),
            "token_url": extra("token_url"),
            "audience": extra("audience"),
            "rate_limit": self._rate_share(rate_limit) if rate_limit > 0 else None,
            "rate_burst": max(1, rate_burst),
            "max_concurrency": max_concurrency,
            "timeout": timeout,
            "retry": RetryPolicy(max_attempts=max(1, max_attempts)),
            "verify_tls": flag("verify_tls"),
            "allow_insecure_http": flag("allow_insecure_http"),
            "on_new_token": _mask,
        }
        options.update(self._client_kwargs)
        return TwentyFourSevenOfficeClient(login, password, str(organization_id), **options)

    def test_connection(self) -> tuple[bool, str]:
        """Obtain a token and read one page of one order: proves credentials and scope."""
        try:
            client = self.get_conn()
            next(iter(client.list_sales_orders(page_size=1)), None)
        except (TwentyFourSevenOfficeError, ValueError) as exc:
            return False, str(exc)
        return True, f"Connected to {client.base_url} as organization {client.organization_id}"

    def close(self) -> None:
        """Close the client's connection pool, if it was built."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _mask(token: str) -> None:
    """Register a new bearer token with Airflow's log masker."""
    from airflow.sdk.log import mask_secret

    mask_secret(token)
