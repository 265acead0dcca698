"""Shared builders for the email_processing tests."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from email_processing.inbound import InboundEmail
from email_processing.normalize import NormalizedEmail, normalize_email

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "emails"
PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
# The injected clock: a Friday morning in Paris.
NOW = datetime(2026, 11, 20, 10, 15, tzinfo=PARIS)


def load_fixtures() -> list[dict[str, Any]]:
    """Every sample email, sorted by file name (fails loudly if the folder is missing)."""
    paths = sorted(FIXTURES_DIR.glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"no fixtures in {FIXTURES_DIR}")
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def inbound(**fields: Any) -> InboundEmail:
    """An InboundEmail with harmless defaults for what the test does not care about."""
    values: dict[str, Any] = {
        "subject": "Hello",
        "sender": "Alice Martin <alice@partner.example>",
        "date": "2026-11-20T09:14:03.000Z",
        "body": "<div>Bonjour</div>",
    }
    values.update(fields)
    return InboundEmail.model_validate(values)


def email(**fields: Any) -> NormalizedEmail:
    """A normalised email built from `inbound(**fields)`."""
    return normalize_email(inbound(**fields))
