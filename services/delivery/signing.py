"""Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def signature_headers(
    secrets_: Sequence[str], webhook_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """Headers for one request; several secrets (a rotation) give space-separated signatures."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    signatures = [Webhook(secret).sign(webhook_id, moment, body) for secret in secrets_]
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }
