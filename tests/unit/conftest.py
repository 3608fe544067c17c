"""A scripted 24SevenOffice API on ``httpx.MockTransport`` for the client's edge cases."""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from twentyfourseven.api import RetryPolicy, TwentyFourSevenOfficeClient

from ..builders import line_body, order_body

__all__ = ["line_body", "order_body"]  # the unit tests import them from here

BASE_URL = "https://api.test/v1"
TOKEN_URL = "https://login.test/oauth/token"
CLIENT_SECRET = "s3cr3t-VALUE-never-logged"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def json_response(status: int, body: Any = None, **headers: str) -> httpx.Response:
    content = b"" if body is None else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers)


class FakeApi:
    """Answers each (method, path) from a queue of replies; the last reply repeats.

    Issues tokens ``tok-1``, ``tok-2``, … and accepts only the newest one, so a
    test can expire a token by issuing another. Records every request.
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self.requests: list[httpx.Request] = []
        self.issued_tokens: list[str] = []
        self.token_replies: deque[Reply] = deque()
        self.expires_in: float = 3600
        self.valid_tokens: set[str] | None = None  # None: only the newest token is valid
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._counter = itertools.count(1)

    def on(self, method: str, path: str, *replies: Reply) -> FakeApi:
        self.routes[(method, path)].extend(replies)
        return self

    def requests_to(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    @property
    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/oauth/token"]

    def issue_token(self) -> str:
        token = f"tok-{next(self._counter)}"
        self.issued_tokens.append(token)
        return token

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                self.delay()
            if request.url.path == "/oauth/token":
                return self._token(request)
            return self._api(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _next(self, queue: deque[Reply], request: httpx.Request) -> httpx.Response:
        with self._lock:
            reply = queue.popleft() if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return httpx.Response(
            reply.status_code, headers=reply.headers, content=reply.content, request=request
        )

    def _token(self, request: httpx.Request) -> httpx.Response:
        if self.token_replies:
            return self._next(self.token_replies, request)
        with self._lock:
            token = self.issue_token()
        return json_response(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        )

    def _api(self, request: httpx.Request) -> httpx.Response:
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            valid = (
                self.valid_tokens if self.valid_tokens is not None else set(self.issued_tokens[-1:])
            )
        if presented not in valid:
            return json_response(401, {"error": {"name": "Unauthorized"}}, **{"X-Trace-Id": "t401"})
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return json_response(404, {"error": {"name": "NotFound"}, "trackingId": "nf"})
        return self._next(queue, request)


class SleepRecorder:
    """Stands in for time.sleep and time.monotonic: records each delay and advances a
    fake clock by it instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.calls.append(seconds)
            self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(api: FakeApi, sleeps: SleepRecorder):
    clients: list[TwentyFourSevenOfficeClient] = []

    def build(**overrides: Any) -> TwentyFourSevenOfficeClient:
        options: dict[str, Any] = {
            "base_url": BASE_URL,
            "token_url": TOKEN_URL,
            "rate_limit": None,
            "transport": httpx.MockTransport(api.handler),
            "sleep": sleeps,
            "clock": sleeps.clock,
            "retry": RetryPolicy(max_attempts=4),
        }
        options.update(overrides)
        client = TwentyFourSevenOfficeClient("client-id", CLIENT_SECRET, "42", **options)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> TwentyFourSevenOfficeClient:
    return make_client()
