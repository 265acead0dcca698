"""The outbound webhook body: every field of the old router, plus ours
(docs/old-router.md, webhook body)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EVENT = "email.routed"
SOURCE = "gmail_push"
PREVIEW_CHARS = 200

# Optional fields copied from the stored email when the script sent them.
_EXTENDED = (
    "gmail_message_id",
    "thread_id",
    "message_id",
    "to",
    "cc",
    "reply_to",
    "labels",
    "attachments",
    "received_at",
)
# Decision fields copied only when present (the old contract omits them otherwise).
_DECISION = ("detector", "delivery_time", "webhooks_time_start", "webhooks_time_end")


def build_payload(
    meta: Mapping[str, Any],
    body: str,
    *,
    target_id: str,
    decision: Mapping[str, Any] | None = None,
    links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON document POSTed to a target for one email."""
    payload: dict[str, Any] = {
        "microsoft_graph_email_id": meta["email_id"],
        "subject": meta.get("subject", ""),
        "receivedDateTime": meta.get("date", ""),
        "sender_address": meta.get("sender", ""),
        "bodyPreview": body[:PREVIEW_CHARS],
        "email_content": body,
        "source": SOURCE,
        "sender_email": meta.get("sender_email", ""),
        "email_id": meta["email_id"],
        "event": EVENT,
        "target": target_id,
    }
    for name in _DECISION:
        value = (decision or {}).get(name)
        if value not in (None, ""):
            payload[name] = value
    if links:
        payload["delivery_links"] = links
    for name in _EXTENDED:
        value = meta.get(name)
        if value not in (None, "", [], {}):
            payload[name] = value
    return payload
