"""A local emulator of the 24SevenOffice (Finago Office) sales-order REST API.

It serves deterministic data generated from a seed over real HTTP, with the
official paths, parameters, status codes, headers and bodies, plus an admin API
(``/_sandbox``) to inject faults, simulate changes and read request counters.
It shares the pydantic models of :mod:`twentyfourseven.api.payloads` with the
client. Start it with ``twentyfourseven sandbox`` or :func:`start_sandbox`.
"""

from __future__ import annotations

from .app import create_app
from .config import FaultConfig, RuntimeSettings, SandboxConfig
from .server import RunningSandbox, start_sandbox

__all__ = [
    "FaultConfig",
    "RunningSandbox",
    "RuntimeSettings",
    "SandboxConfig",
    "create_app",
    "start_sandbox",
]
