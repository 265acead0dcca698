"""Runtime flags: switches an operator flips without a deploy."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from config.store import ConfigStore
from services.documents import DocumentService

DOCUMENT = "runtime_flags"


class RuntimeFlags(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gmail_ingress_enabled: bool = True
    """Off: the ingress answers 409 and the Apps Script keeps the label for a later run."""

    webhook_sending_enabled: bool = True
    """Off: deliveries stay queued (nothing is sent, nothing is lost) until it is on again."""

    disable_email_id_dedup: bool = False
    """On: every push is accepted, even one already seen (receivers still dedup on webhook-id)."""


class RuntimeFlagsService(DocumentService[RuntimeFlags]):
    def __init__(self, store: ConfigStore, clock: Callable[[], float]) -> None:
        super().__init__(store, DOCUMENT, RuntimeFlags, RuntimeFlags, clock)
