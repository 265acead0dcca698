"""The processing-preferences model. Imports nothing else of ours."""

from preferences.model import DETECTOR_NAMES, ProcessingPreferences, RateLimit

__all__ = ["DETECTOR_NAMES", "ProcessingPreferences", "RateLimit"]
