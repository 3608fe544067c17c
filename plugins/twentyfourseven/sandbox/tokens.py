"""Access tokens issued by the sandbox's token endpoint.

Validity is measured on the real monotonic clock (the client renews tokens on
real time), separately from the sandbox clock that stamps data. The lifetime the
server enforces may be shorter than the ``expires_in`` it announces, and all
tokens can be revoked at once: both simulate a token dying mid-run.
"""

from __future__ import annotations

import secrets
import time


class TokenRegistry:
    """Issued tokens and their real expiry times."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self.issued = 0
        self.revocations = 0

    def issue(self, lifetime: float) -> str:
        now = time.monotonic()
        # Drop dead tokens now and then so a long benchmark cannot grow the dict forever.
        if len(self._expiry) > 10_000:
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
        token = secrets.token_urlsafe(32)
        self._expiry[token] = now + lifetime
        self.issued += 1
        return token

    def check(self, token: str) -> str | None:
        """None if ``token`` is valid, otherwise why not ("unknown" or "expired")."""
        expiry = self._expiry.get(token)
        if expiry is None:
            return "unknown"
        if time.monotonic() >= expiry:
            return "expired"
        return None

    def revoke_all(self) -> None:
        """Expire every issued token now (they stay known, so 401 says expired)."""
        self._expiry = dict.fromkeys(self._expiry, 0.0)
        self.revocations += 1
