"""The processing-preferences model. Imports nothing else of ours."""

from preferences.model import ProcessingPreferences

__all__ = ["ProcessingPreferences"]
