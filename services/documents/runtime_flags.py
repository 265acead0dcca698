"""Runtime flags: switches an operator flips without a deploy."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from config.settings import Settings
from config.store import ConfigStore
from services.documents.base import DocumentService

DOCUMENT = "runtime_flags"


class RuntimeFlags(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gmail_ingress_enabled: bool = True
    """Off: the ingress answers 409 and the Apps Script keeps the label for a later run."""

    webhook_sending_enabled: bool = True
    """Off: deliveries stay queued (nothing is sent, nothing is lost) until it is on again."""

    disable_email_id_dedup: bool = False
    """On: every push is accepted, even one already seen (receivers still dedup on webhook-id)."""


def default_flags(settings: Settings) -> Callable[[], RuntimeFlags]:
    """Before any flag is saved: WEBHOOK_SENDING_ENABLED and DISABLE_EMAIL_ID_DEDUP decide."""

    def build() -> RuntimeFlags:
        return RuntimeFlags(
            webhook_sending_enabled=settings.webhook_sending_enabled,
            disable_email_id_dedup=settings.disable_email_id_dedup,
        )

    return build


class RuntimeFlagsService(DocumentService[RuntimeFlags]):
    def __init__(self, store: ConfigStore, settings: Settings, clock: Callable[[], float]) -> None:
        super().__init__(store, DOCUMENT, RuntimeFlags, default_flags(settings), clock)
