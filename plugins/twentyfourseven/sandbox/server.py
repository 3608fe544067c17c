"""Running a sandbox: in the foreground (the CLI) or on a background thread
(tests, benchmarks, the demo), always with uvicorn on a loopback socket.

:class:`RunningSandbox` is the handle callers get: the URLs and credentials a
client needs, plus helpers for the admin API.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from .app import create_app
from .config import SandboxConfig
from .middleware import SandboxMiddleware


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket; binding here (port 0: any free port) avoids a race."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _uvicorn_server(app: Any, log_level: str) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        date_header=False,  # the middleware sends the sandbox clock's
        log_level=log_level,
        timeout_keep_alive=30,
        backlog=2048,
    )
    return uvicorn.Server(config)


class RunningSandbox:
    """A sandbox listening on ``root_url``; admin helpers call it over HTTP."""

    def __init__(
        self, root_url: str, config: SandboxConfig, stop: Callable[[], None] | None = None
    ) -> None:
        self.root_url = root_url.rstrip("/")
        self.config = config
        self._stop = stop
        self.app: SandboxMiddleware | None = None  # in-process, when started by start_sandbox
        self._http = httpx.Client(base_url=self.root_url, timeout=30.0)

    def __repr__(self) -> str:
        return (
            f"<RunningSandbox {self.root_url} orders={self.config.orders} seed={self.config.seed}>"
        )

    # --- what a client needs ------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def token_url(self) -> str:
        return f"{self.root_url}/oauth/token"

    @property
    def client_id(self) -> str:
        return self.config.client_id

    @property
    def client_secret(self) -> str:
        return self.config.client_secret

    @property
    def organization_id(self) -> str:
        return self.config.organization_id

    @property
    def audience(self) -> str:
        return self.config.audience

    @property
    def orders(self) -> int:
        return self.config.orders

    def client_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``TwentyFourSevenOfficeClient`` pointing here."""
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "organization_id": self.organization_id,
            "base_url": self.base_url,
            "token_url": self.token_url,
            "audience": self.audience,
        }

    def token(self) -> str:
        """A fresh access token from the token endpoint."""
        response = self._http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "audience": self.audience,
                "login_organization": self.organization_id,
            },
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    # --- admin API -----------------------------------------------------------------

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        """Call ``/_sandbox{path}`` and return the parsed JSON answer (raises on errors)."""
        response = self._http.request(method, f"/_sandbox{path}", json=json)
        response.raise_for_status()
        return response.json()

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change some fault settings (PATCH), keeping the others."""
        return self.admin("PATCH", "/faults", changes)

    def replace_faults(self, **faults: Any) -> dict[str, Any]:
        """Replace the fault configuration (PUT): anything not given is off."""
        return self.admin("PUT", "/faults", faults)

    def clear_faults(self) -> dict[str, Any]:
        return self.admin("DELETE", "/faults")

    def script_fault(
        self,
        kind: str,
        *,
        endpoint: str | None = None,
        count: int = 1,
        retry_after: float | None = None,
    ) -> dict[str, Any]:
        """Fire ``kind`` on the next ``count`` requests to ``endpoint`` (default any API call)."""
        fault = {"kind": kind, "endpoint": endpoint, "count": count, "retry_after": retry_after}
        return self.admin("POST", "/faults/script", fault)

    def counters(self) -> dict[str, Any]:
        return self.admin("GET", "/counters")

    def count(self, endpoint: str | None = None, status: int | str | None = None) -> int:
        """Requests counted so far, for one endpoint and/or status code."""
        snapshot = self.counters()
        if endpoint is None:
            return snapshot["total"] if status is None else snapshot["statuses"].get(str(status), 0)
        per = snapshot["endpoints"].get(endpoint, {"requests": 0, "statuses": {}})
        return per["requests"] if status is None else per["statuses"].get(str(status), 0)

    def reset_counters(self) -> dict[str, Any]:
        return self.admin("DELETE", "/counters")

    def update_settings(self, **changes: Any) -> dict[str, Any]:
        return self.admin("PATCH", "/settings", changes)

    def advance_clock(self, seconds: int) -> dict[str, Any]:
        return self.admin("POST", "/clock/advance", {"seconds": seconds})

    def set_modified_at(
        self, order_id: int, *, ahead_seconds: int | None = None, at: Any = None
    ) -> dict[str, Any]:
        """Stamp one order's ``modifiedAt`` at ``at`` (a datetime or ISO text) or
        ``ahead_seconds`` from the sandbox clock; returns the stamp and the clock."""
        if isinstance(at, dt.datetime):
            at = at.isoformat()
        body = {"modified_at": at} if at is not None else {"ahead_seconds": ahead_seconds}
        return self.admin("PUT", f"/orders/{order_id}/modified-at", body)

    def simulate_changes(self, **changes: Any) -> dict[str, Any]:
        """Advance the clock and change orders/lines; returns the affected IDs."""
        return self.admin("POST", "/changes", changes)

    def revoke_tokens(self) -> dict[str, Any]:
        return self.admin("POST", "/tokens/revoke")

    def reset(self) -> dict[str, Any]:
        return self.admin("POST", "/reset")

    def stop(self) -> None:
        self._http.close()
        if self._stop is not None:
            self._stop()
            self._stop = None


def start_sandbox(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "warning",
    startup_timeout: float = 30.0,
) -> RunningSandbox:
    """Start a sandbox on a daemon thread and return once it accepts connections."""
    config = config or SandboxConfig()
    app = create_app(config)
    sock = _bind(host, port)
    server = _uvicorn_server(app, log_level)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.01)
    bound_port = sock.getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    running = RunningSandbox(f"http://{host}:{bound_port}", config, stop)
    running.app = app  # in-process access for tests that need it
    return running


def serve(
    config: SandboxConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    log_level: str = "info",
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until interrupted; ``ready`` gets the root URL once bound."""
    app = create_app(config)
    sock = _bind(host, port)
    server = _uvicorn_server(app, log_level)
    if ready is not None:
        ready(f"http://{host}:{sock.getsockname()[1]}")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
