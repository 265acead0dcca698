"""The processing-preferences model (of ours, it imports config.ids and the detectors' names)."""

from preferences.model import ProcessingPreferences, RateLimit

__all__ = ["ProcessingPreferences", "RateLimit"]
