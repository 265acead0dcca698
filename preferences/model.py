"""Processing preferences: one model, stored as a config document. Every field has an effect."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from config.ids import TargetId
from email_processing.detectors import DETECTOR_NAMES

MAX_RETRY_DELAY = 7 * 86400

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class RateLimit(BaseModel):
    """Deliveries allowed per target; over the limit they are deferred, never dropped."""

    model_config = ConfigDict(extra="forbid")

    per_minute: int | None = Field(None, ge=1, le=100_000)
    per_hour: int | None = Field(None, ge=1, le=1_000_000)

    @property
    def active(self) -> bool:
        return bool(self.per_minute or self.per_hour)


class ProcessingPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retry_schedule: list[Annotated[int, Field(ge=0, le=MAX_RETRY_DELAY)]] = Field(
        min_length=1, max_length=50
    )
    """Seconds to wait before each attempt (the first usually 0); its length = attempt count."""

    webhook_timeout_sec: float = Field(gt=0, le=300)
    """How long a receiver may take to answer one attempt (read timeout)."""

    exclude_keywords: list[Keyword] = Field(default_factory=list, max_length=500)
    """Emails whose subject or body contains one of these (accents and case ignored) are ignored."""

    exclude_keywords_per_detector: dict[str, list[Keyword]] = Field(default_factory=dict)
    """The same, only for emails a given detector matched."""

    require_links: bool = True
    """Ignore emails that no detector and no rule claimed and that carry no file link."""

    max_email_size_kb: int | None = Field(None, ge=1, le=65536)
    """Ignore emails whose HTML body is larger than this (None: no limit)."""

    rate_limit: RateLimit = Field(default_factory=RateLimit)
    """Default limit for every target."""

    rate_limits_per_target: dict[TargetId, RateLimit] = Field(default_factory=dict)
    """Per-target limits, replacing the default for that target."""

    detectors: dict[str, bool] = Field(default_factory=lambda: dict.fromkeys(DETECTOR_NAMES, True))
    """Detector switches: a detector switched off never matches."""

    @field_validator("exclude_keywords_per_detector", "detectors")
    @classmethod
    def _known_detectors(cls, value: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(value) - set(DETECTOR_NAMES))
        if unknown:
            raise ValueError(f"unknown detector; expected one of {', '.join(DETECTOR_NAMES)}")
        return value

    def max_attempts(self) -> int:
        return len(self.retry_schedule)

    def enabled_detectors(self) -> set[str]:
        return {name for name in DETECTOR_NAMES if self.detectors.get(name, True)}

    def rate_limit_for(self, target_id: str) -> RateLimit:
        return self.rate_limits_per_target.get(target_id, self.rate_limit)
