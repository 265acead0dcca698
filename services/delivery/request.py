"""The webhook request a target receives: its JSON body and its signed headers.

One builder for every place that shows or sends one: the delivery worker, the
delivery detail's payload preview, and a target's test send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from email_processing.payload import build_payload
from services.delivery.json_text import compact
from services.delivery.record import DeliveryRecord, StoredEmail
from services.delivery.signing import signature_headers
from services.documents.targets import WebhookTarget

TEST_EVENT = "relais.test"


@dataclass(frozen=True)
class SignedRequest:
    """The exact bytes and headers sent (the body as text, UTF-8 on the wire)."""

    body: str
    headers: dict[str, str]


class WebhookRequests:
    """Builds the webhook body of a delivery and signs it (Standard Webhooks)."""

    def __init__(self, clock: Callable[[], float], user_agent: str) -> None:
        self._clock = clock
        self._user_agent = user_agent

    @staticmethod
    def payload(
        record: DeliveryRecord,
        email: StoredEmail,
        links: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The JSON document for one delivery: the stored email, the record's decision
        fields, and its links (with their R2 copies when the worker made them)."""
        return build_payload(
            email.meta,
            email.body,
            target_id=record.target_id,
            decision=record.payload_fields(),
            links=links if links is not None else email.delivery_links,
        )

    def test_payload(self, target_id: str, email: StoredEmail) -> dict[str, Any]:
        """A test send's body: an email as a delivery to this target would carry it."""
        payload = build_payload(email.meta, email.body, target_id=target_id)
        payload["event"] = TEST_EVENT
        return payload

    def signed(
        self, target: WebhookTarget, webhook_id: str, payload: Mapping[str, Any]
    ) -> SignedRequest:
        """The body as sent and its headers: the target's own, then the signature's."""
        body = compact(payload)
        now = self._clock()
        headers = dict(target.options.headers)
        headers.update(signature_headers(target.signing_secrets(now), webhook_id, int(now), body))
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = self._user_agent
        return SignedRequest(body, headers)
