"""OAuth2 client-credentials token cache: one token per organization, shared by threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import constants


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token and its lifetime in seconds; the value never shows in a repr."""

    value: str = field(repr=False)
    expires_in: float


class TokenCache:
    """Fetches a token on first use, reuses it, and renews it before it expires.

    Only one thread fetches at a time; the others wait and reuse its token, so a
    burst of concurrent requests, or of concurrent 401s, costs one token request.
    """

    def __init__(
        self,
        fetch: Callable[[], AccessToken],
        *,
        clock: Callable[[], float] = time.monotonic,
        on_new_token: Callable[[str], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._on_new_token = on_new_token
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self._renew_at = 0.0

    def __repr__(self) -> str:
        return f"<TokenCache cached={self._token is not None}>"

    def get(self) -> str:
        """A valid token, fetching a new one if none is cached or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                obtained = self._clock()
                token = self._fetch()
                if self._on_new_token is not None:
                    self._on_new_token(token.value)
                self._token = token
                self._renew_at = obtained + renewal_delay(token.expires_in)
            return self._token.value

    def invalidate(self, rejected: str) -> None:
        """Drop the cached token after the API rejected ``rejected`` with a 401.

        A token already replaced by another thread is left alone, so concurrent
        401s for the same stale token lead to a single refresh.
        """
        with self._lock:
            if self._token is not None and self._token.value == rejected:
                self._token = None


def renewal_delay(expires_in: float) -> float:
    """Seconds after issue at which to renew: a minute early, or at 90 % of short lifetimes."""
    return max(
        expires_in - constants.TOKEN_REFRESH_MARGIN, expires_in * constants.TOKEN_REFRESH_FRACTION
    )
