"""Ingress authentication: the Apps Script's bearer token (or bare token), in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Sequence


class IngressAuth:
    """Accepts the current token and, during a rotation, the previous one."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self._tokens = [t.encode("utf-8") for t in tokens if t]

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
