"""Ingress authentication: the bearer token (or bare token), and optionally a signature.

Two signing schemes, each switched on by its secret; when either is set, every ingress
request must carry a valid signature of one of the schemes set:

- Standard Webhooks (INGRESS_SIGNING_SECRET, a `whsec_` secret): `webhook-id`,
  `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` over
  "<id>.<timestamp>.<body>", verified by the `standardwebhooks` library (its window: 5
  minutes either side). The scheme Relais's own deliveries use, and the Apps Script's.
- Relais's first scheme, kept for scripts already deployed (INGRESS_HMAC_SECRET):
  `X-Relais-Timestamp: <unix seconds>` and
  `X-Relais-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, within
  INGRESS_HMAC_WINDOW_SECONDS of our clock.

A replayed old request is refused; a replay inside the window is a duplicate email, which
dedup absorbs.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class IngressAuth:
    """Accepts the current token and, during a rotation, the previous one."""

    def __init__(
        self,
        tokens: Sequence[str],
        hmac_secret: str | None = None,
        window_seconds: float = 300,
        clock: Callable[[], float] | None = None,
        signing_secret: str | None = None,
    ) -> None:
        self._standard = Webhook(signing_secret) if signing_secret else None
        self._tokens = [t.encode("utf-8") for t in tokens if t]
        self._hmac_key = hmac_secret.encode("utf-8") if hmac_secret else None
        self._window = window_seconds
        self._clock = clock

    @property
    def signing_required(self) -> bool:
        return self._hmac_key is not None or self._standard is not None

    def check_request(self, headers: Mapping[str, str], body: bytes) -> str | None:
        """None when the request's signature is acceptable (or none is required), else why
        not: a Standard Webhooks signature when one is sent, else the X-Relais one."""
        if self._standard is not None and headers.get("webhook-signature"):
            return self._check_standard(headers, body)
        if self._hmac_key is not None and headers.get("X-Relais-Signature"):
            return self.check_signature(
                headers.get("X-Relais-Timestamp"), headers.get("X-Relais-Signature"), body
            )
        if not self.signing_required:
            return None
        wanted = "webhook-id, webhook-timestamp and webhook-signature"
        if self._standard is None:
            wanted = "X-Relais-Timestamp and X-Relais-Signature"
        return f"missing signature headers ({wanted})"

    def _check_standard(self, headers: Mapping[str, str], body: bytes) -> str | None:
        assert self._standard is not None
        wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
        try:
            self._standard.verify(body, {name: headers.get(name) or "" for name in wanted})
        except WebhookVerificationError as exc:
            return _standard_reason(exc)
        except (ValueError, binascii.Error):  # undecodable body, malformed signature list
            return "signature does not match"
        return None

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


def _standard_reason(exc: WebhookVerificationError) -> str:
    text = str(exc).lower()
    if "missing" in text:
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    if "timestamp" in text or "too old" in text or "too new" in text:
        return "timestamp outside the accepted window"
    return "signature does not match"
