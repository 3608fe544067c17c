"""Shared fixtures: a sandbox (the local 24SevenOffice emulator) on a loopback port.

``sandbox`` (module scope) starts one sandbox per test module on a free port and
yields a :class:`twentyfourseven.sandbox.RunningSandbox`: ``base_url``,
``token_url``, ``client_id``, ``client_secret``, ``organization_id``,
``audience``, ``client_kwargs()``, ``token()``, and admin helpers
(``set_faults``, ``replace_faults``, ``clear_faults``, ``script_fault``,
``counters``, ``count``, ``reset_counters``, ``simulate_changes``,
``advance_clock``, ``set_modified_at``, ``update_settings``, ``revoke_tokens``, ``reset``,
``admin``).

A module configures it with a module-level dict, for example::

    SANDBOX_OPTIONS = {"orders": 500, "seed": 3,
                       "faults": {"error_503": 0.1},
                       "settings": {"token_expires_in": 5}}

Keys are those of ``SandboxConfig`` (orders, seed, client_id, client_secret,
organization_id, now, history_days, settings, faults). Before every test that
uses ``sandbox``, its faults and settings go back to the module's configuration
and its counters to zero; data changes persist for the module (call
``sandbox.reset()`` to drop them).

``sandbox_factory`` (session scope) starts extra sandboxes with any options and
stops them at the end of the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from twentyfourseven.sandbox import RunningSandbox, SandboxConfig

DEFAULT_SANDBOX_OPTIONS: dict[str, Any] = {"orders": 200, "seed": 7}


def sandbox_config(**options: Any) -> SandboxConfig:
    """A ``SandboxConfig`` from fixture options over the test defaults."""
    from twentyfourseven.sandbox import SandboxConfig

    return SandboxConfig.model_validate({**DEFAULT_SANDBOX_OPTIONS, **options})


def _module_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request.module, "SANDBOX_OPTIONS", {}))


@pytest.fixture(scope="session")
def sandbox_factory() -> Iterator[Callable[..., RunningSandbox]]:
    """Start sandboxes with ``sandbox_factory(**options)``; all stop at session end."""
    from twentyfourseven.sandbox import start_sandbox

    started: list[RunningSandbox] = []

    def start(**options: Any) -> RunningSandbox:
        running = start_sandbox(sandbox_config(**options))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def sandbox(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    """One sandbox for the module, configured by its ``SANDBOX_OPTIONS``."""
    from twentyfourseven.sandbox import start_sandbox

    running = start_sandbox(sandbox_config(**_module_options(request)))
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _sandbox_test_isolation(request: pytest.FixtureRequest) -> None:
    """Module faults and settings, zero counters, before each test using ``sandbox``."""
    if "sandbox" not in request.fixturenames:
        return
    running: RunningSandbox = request.getfixturevalue("sandbox")
    config = running.config
    running.replace_faults(**config.faults.model_dump())
    running.update_settings(**config.settings.model_dump())
    running.reset_counters()


# Distinctive, so that finding it in a log or a file cannot be a coincidence.
S3_ACCESS_KEY = "AKIATWENTYFOURSEVEN7Q"
S3_SECRET_KEY = "s3-Secret-9c41e7b2a05d"


@pytest.fixture(scope="module")
def moto_server() -> Iterator[Any]:
    """moto's S3-compatible server on a loopback port for the module
    (:class:`tests.objectstore.S3Server`: its endpoint, credentials and a client)."""
    from .objectstore import running_s3

    with running_s3(S3_ACCESS_KEY, S3_SECRET_KEY) as server:
        yield server
