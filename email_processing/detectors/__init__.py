"""Detectors: small plug-ins that recognise kinds of business email."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from email_processing.detectors.base import Detector, DetectorMatch
from email_processing.detectors.desabo import Desabonnement
from email_processing.detectors.recadrage import Recadrage
from email_processing.links import Link
from email_processing.normalize import NormalizedEmail

__all__ = ["DETECTORS", "DETECTOR_NAMES", "Detector", "DetectorMatch", "run_detectors"]

# Registry order is priority order: the first match wins.
DETECTORS: tuple[Detector, ...] = (Recadrage(), Desabonnement())
DETECTOR_NAMES: tuple[str, ...] = tuple(detector.name for detector in DETECTORS)


def run_detectors(
    email: NormalizedEmail,
    links: Sequence[Link],
    now: datetime,
    enabled: Collection[str] | None = None,
) -> DetectorMatch | None:
    """First match in registry order among the enabled detectors (None = all enabled)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime in the configured time zone")
    for detector in DETECTORS:
        if enabled is not None and detector.name not in enabled:
            continue
        found = detector.match(email, links, now)
        if found is not None:
            return found
    return None
