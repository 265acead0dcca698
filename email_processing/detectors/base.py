"""The detector plug-in interface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from email_processing.links import Link
from email_processing.normalize import NormalizedEmail


@dataclass(frozen=True)
class DetectorMatch:
    """A detector recognised the email; `annotations` feed the payload and scheduling."""

    detector: str
    annotations: dict[str, Any] = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        return bool(self.annotations.get("urgent", False))

    def to_dict(self) -> dict[str, Any]:
        """`{"detector": name, **annotations}`, JSON-serialisable."""
        return {"detector": self.detector, **self.annotations}


class Detector(Protocol):
    """Recognises one kind of business email."""

    name: str

    def match(
        self, email: NormalizedEmail, links: Sequence[Link], now: datetime
    ) -> DetectorMatch | None:
        """A match when the email is of this kind; `now` is aware, in the configured zone."""
        ...
