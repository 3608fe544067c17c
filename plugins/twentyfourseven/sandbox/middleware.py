"""The outermost ASGI layer: trace IDs, the ``Date`` header, request counters and
fault injection.

``Date`` is the sandbox clock's time (uvicorn's own, wall time, is turned off),
as a real API's would be its own clock's: a client comparing ``modifiedAt``
values with it sees one consistent clock.

It wraps the FastAPI app directly (not via ``add_middleware``) so that it sees
uvicorn's own ``send``, whose owner holds the connection's transport: that is
what a *dropped connection* closes. It is plain ASGI, not ``BaseHTTPMiddleware``,
to keep the zero-fault path cheap.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import formatdate
from typing import Any

from twentyfourseven.api.payloads import dumps_json

from .error_bodies import error_body
from .master import RESOURCES
from .state import Sandbox

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ROUTES: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"^/v1/salesorders/?$"), {"GET": "list_orders", "POST": "create_order"}),
    (
        re.compile(r"^/v1/salesorders/[^/]+/?$"),
        {"GET": "get_order", "PATCH": "update_order", "DELETE": "delete_order"},
    ),
    (re.compile(r"^/v1/salesorders/[^/]+/lines/?$"), {"GET": "list_lines", "POST": "create_line"}),
    (
        re.compile(r"^/v1/salesorders/[^/]+/lines/[^/]+/?$"),
        {"GET": "get_line", "PATCH": "update_line", "DELETE": "delete_line"},
    ),
    *(
        (re.compile(rf"^/v1/{resource.name}{suffix}/?$"), {"GET": endpoint})
        for resource in RESOURCES
        for suffix, endpoint in (("", resource.list_endpoint), ("/[^/]+", resource.get_endpoint))
        if endpoint is not None
    ),
)

_BAD_GATEWAY = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def classify(method: str, path: str) -> str | None:
    """The counter/fault name of a request, or None for admin and unknown paths."""
    if path == "/oauth/token":
        return "token"
    if not path.startswith("/v1/"):
        return None
    for pattern, methods in _ROUTES:
        if pattern.match(path):
            return methods.get(method, "other")
    return "other"


class SandboxMiddleware:
    """ASGI app: adds ``X-Trace-Id`` and ``Date``, counts, injects faults, then calls ``app``."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace_id = secrets.token_hex(16).encode()
        endpoint = classify(scope["method"], scope["path"])
        status: list[int | str] = ["dropped"]

        async def send_traced(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                date = formatdate(self.sandbox.clock.now(), usegmt=True).encode()
                message["headers"] = [
                    *message.get("headers", ()),
                    (b"x-trace-id", trace_id),
                    (b"date", date),
                ]
            await send(message)

        if endpoint is None:
            await self.app(scope, receive, send_traced)
            return
        sandbox = self.sandbox
        if scope["method"] in ("POST", "PUT", "PATCH"):
            limit = sandbox.settings.max_body_bytes
            bounded = await _bounded_body(scope, receive, limit)
            if bounded is None:
                try:
                    await _too_large(send_traced, limit)
                finally:
                    sandbox.counters.record(endpoint, status[0])
                return
            receive = bounded
        decision = sandbox.faults.decide(endpoint)
        try:
            kind = decision.kind
            if kind is not None:
                sandbox.counters.record_fault(endpoint, kind)
            if decision.delay:
                await asyncio.sleep(decision.delay)
            if kind == "drop":
                await _drop_connection(send)
                return
            if kind in ("429", "500", "502", "503"):
                await _fault_response(kind, decision.retry_after, send_traced)
                return
            if kind == "revoke_tokens":
                sandbox.tokens.revoke_all()
            if kind == "malformed":
                await self.app(scope, receive, _truncating(send_traced))
            else:
                await self.app(scope, receive, send_traced)
        finally:
            sandbox.counters.record(endpoint, status[0])


async def _bounded_body(scope: Scope, receive: Receive, limit: int) -> Receive | None:
    """A ``receive`` replaying the request body, or None if it exceeds ``limit`` bytes.

    A declared Content-Length beyond the bound is refused unread; a chunked body is read
    only until it passes the bound.
    """
    headers = dict(scope.get("headers", ()))
    declared = headers.get(b"content-length", b"").decode("latin-1").strip()
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the app sees an empty body
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        if not message.get("more_body"):
            break
    replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

    async def replaying() -> Message:
        return replay.pop() if replay else await receive()

    return replaying


async def _too_large(send: Send, limit: int) -> None:
    body = dumps_json(error_body("PayloadTooLargeError", f"The request body exceeds {limit} bytes"))
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _drop_connection(send: Send) -> None:
    """Close the TCP connection without answering.

    uvicorn's ``send`` is a bound method of its request cycle, which holds the
    transport; aborting it makes the client see a connection reset / server
    disconnect. Yielding lets uvicorn notice the loss, so it does not try to
    write a 500 of its own to the dead socket.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("sandbox fault: dropped connection")
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)


async def _fault_response(kind: str, retry_after: float | None, send: Send) -> None:
    headers = []
    if kind == "502":
        body, content_type = _BAD_GATEWAY, b"text/html"
    else:
        name, message = {
            "429": ("TooManyRequestsError", "Rate limit exceeded"),
            "500": ("InternalServerError", "An unexpected error occurred"),
            "503": ("ServiceUnavailableError", "The service is temporarily unavailable"),
        }[kind]
        body, content_type = dumps_json(error_body(name, message)), b"application/json"
        if retry_after is not None:
            headers.append((b"retry-after", str(int(retry_after)).encode()))
    headers += [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": int(kind), "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _truncating(send: Send) -> Send:
    """A ``send`` that cuts a successful JSON body in half: valid HTTP, invalid JSON."""
    start: list[Message] = []
    chunks: list[bytes] = []

    async def wrapper(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.append(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        head = start[0]
        body = b"".join(chunks)
        if 200 <= head["status"] < 300 and body:
            body = body[: max(1, len(body) // 2)]
        head["headers"] = [
            (k, v) for k, v in head.get("headers", ()) if k.lower() != b"content-length"
        ] + [(b"content-length", str(len(body)).encode())]
        await send(head)
        await send({"type": "http.response.body", "body": body})

    return wrapper
