"""Plain HTTP off loopback, over a real network socket: the sandbox listens on this
machine's own non-loopback address, as a server across the network would, and the
client refuses to send it anything unless allowed (``tests/unit/test_plain_http.py``
covers the rules)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from twentyfourseven.api import ConfigurationError
from twentyfourseven.api.client import is_loopback

from ..conftest import sandbox_config


def own_network_address() -> str | None:
    """This machine's address on its outgoing interface (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routed, never answered
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if is_loopback(address) or address == "0.0.0.0" else address  # noqa: S104


@pytest.fixture(scope="module")
def sandbox() -> Iterator:
    from twentyfourseven.sandbox import start_sandbox

    address = own_network_address()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    running = start_sandbox(sandbox_config(orders=5), host=address)
    yield running
    running.stop()


def test_the_client_refuses_the_sandbox_on_a_network_address(make_client, sandbox):
    host = sandbox.base_url.split("//")[1].split(":")[0]
    with pytest.raises(ConfigurationError, match=f"plain HTTP refused for base_url to {host}"):
        make_client()
    assert sandbox.count() == 0, "nothing reached the server, the token request neither"


def test_with_the_opt_in_it_talks_to_it_and_says_so(make_client, sandbox, caplog):
    caplog.set_level(logging.WARNING)
    client = make_client(allow_insecure_http=True)
    assert next(iter(client.list_sales_orders(page_size=1))).id
    assert sandbox.count() >= 2, "the token request and the listing reached it"
    assert "plain HTTP" in caplog.text
    assert sandbox.client_secret not in caplog.text
