"""Email identity (dedup key) and the stable webhook-id of a delivery."""

from __future__ import annotations

import functools
import hashlib
from email.utils import parseaddr

from email_processing.inbound import InboundEmail


@functools.lru_cache(maxsize=4096)
def sender_email(sender: str) -> str:
    """The address in a From header, stripped and lowercased (docs/old-router.md, email
    identity); "" when the header cannot be read (the stdlib's parser recurses on nested
    comments). Remembered: the same header is read four times per email (identity, the old
    formula's alias, the matching view, the payload), and senders repeat."""
    try:
        return parseaddr(sender)[1].strip().lower()
    except RecursionError:
        return ""


def sender_domain(address: str) -> str:
    return address.rpartition("@")[2] if "@" in address else ""


def legacy_email_id(subject: str, sender: str, date: str) -> str:
    """The old router's id: md5("subject|sender_email|date"), lowercase hex."""
    key = f"{subject}|{sender_email(sender)}|{date}"
    return hashlib.md5(key.encode("utf-8"), usedforsecurity=False).hexdigest()


def email_id(email: InboundEmail) -> str:
    """Gmail message id, else the RFC Message-ID (hashed to a safe key), else the old formula."""
    if email.gmail_message_id:
        return email.gmail_message_id
    message_id = (email.message_id or "").strip().strip("<>").strip()
    if message_id:
        digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
        return f"mid-{digest}"
    return legacy_email_id(email.subject, email.sender, email.date)


def webhook_id(email_id_: str, target_id: str) -> str:
    """Same email to the same target -> same id, so a receiver can dedup on it."""
    digest = hashlib.sha256(f"{email_id_}\x1f{target_id}".encode()).hexdigest()[:32]
    return f"msg_{digest}"
