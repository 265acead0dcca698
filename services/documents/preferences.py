"""The processing preferences document; defaults come from settings."""

from __future__ import annotations

from collections.abc import Callable

from config.settings import Settings
from config.store import ConfigStore
from preferences import ProcessingPreferences
from services.documents.base import DocumentService

DOCUMENT = "processing_prefs"


def default_preferences(settings: Settings) -> Callable[[], ProcessingPreferences]:
    def build() -> ProcessingPreferences:
        return ProcessingPreferences(
            retry_schedule=list(settings.retry_schedule),
            webhook_timeout_sec=settings.webhook_timeout,
            require_links=not settings.allow_custom_webhook_without_links,
        )

    return build


class PreferencesService(DocumentService[ProcessingPreferences]):
    def __init__(self, store: ConfigStore, settings: Settings, clock: Callable[[], float]) -> None:
        super().__init__(
            store, DOCUMENT, ProcessingPreferences, default_preferences(settings), clock
        )
