"""Processing preferences: one model, stored as a config document."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_RETRY_DELAY = 7 * 86400


class ProcessingPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retry_schedule: list[Annotated[int, Field(ge=0, le=MAX_RETRY_DELAY)]] = Field(
        min_length=1, max_length=50
    )
    """Seconds to wait before each attempt (the first usually 0); its length = attempt count."""

    webhook_timeout_sec: float = Field(gt=0, le=300)
    """How long a receiver may take to answer one attempt (read timeout)."""

    def max_attempts(self) -> int:
        return len(self.retry_schedule)
