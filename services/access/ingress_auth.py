"""Ingress authentication: the bearer token (or bare token), and optionally an HMAC signature.

Signed requests carry `X-Relais-Timestamp: <unix seconds>` and
`X-Relais-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
When INGRESS_HMAC_SECRET is set, every ingress request must be signed, within
INGRESS_HMAC_WINDOW_SECONDS of our clock (a replayed old request is refused;
a replay inside the window is a duplicate email, which dedup absorbs).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence


class IngressAuth:
    """Accepts the current token and, during a rotation, the previous one."""

    def __init__(
        self,
        tokens: Sequence[str],
        hmac_secret: str | None = None,
        window_seconds: float = 300,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._tokens = [t.encode("utf-8") for t in tokens if t]
        self._hmac_key = hmac_secret.encode("utf-8") if hmac_secret else None
        self._window = window_seconds
        self._clock = clock

    @property
    def signing_required(self) -> bool:
        return self._hmac_key is not None

    def check_signature(
        self, timestamp: str | None, signature: str | None, body: bytes
    ) -> str | None:
        """None when the request is acceptable, else why not (no secret set: always None)."""
        if self._hmac_key is None or self._clock is None:
            return None
        if not timestamp or not signature:
            return "missing X-Relais-Timestamp or X-Relais-Signature"
        if not timestamp.isdigit() or abs(self._clock() - int(timestamp)) > self._window:
            return "timestamp outside the accepted window"
        expected = hmac.new(self._hmac_key, timestamp.encode() + b"." + body, hashlib.sha256)
        given = signature.strip().removeprefix("v1=").encode("utf-8", "surrogatepass")
        if not hmac.compare_digest(expected.hexdigest().encode(), given.lower()):
            return "signature does not match"
        return None

    def check(self, authorization: str | None) -> bool:
        """`Authorization: Bearer <token>` or the bare token, as the old script sent it."""
        raw = (authorization or "").strip()
        if raw[:7].lower() == "bearer ":
            raw = raw[7:].strip()
        if not raw:
            return False
        # Compare bytes: compare_digest on str refuses non-ASCII (a 500 instead of a 401).
        given = raw.encode("utf-8", "surrogatepass")
        matched = False
        for token in self._tokens:
            matched |= hmac.compare_digest(given, token)
        return matched
