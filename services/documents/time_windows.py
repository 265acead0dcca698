"""The schedule document: time zone, sending window, absence days, per-target windows, policies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from config.ids import TargetId
from config.settings import Settings, SettingsError, check_timezone
from config.store import ConfigStore
from email_processing.schedule import DEFAULT_OUTSIDE_WINDOW
from email_processing.windows import WEEKDAYS, Window, next_send_time, parse_hhmm, parse_weekdays
from services.documents.base import DocumentService

DOCUMENT = "time_windows"

Action = Literal["send", "hold", "drop"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
CaseKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.urgent)?$", max_length=80)]


class WindowSpec(BaseModel):
    """`HHhMM` or `HH:MM` strings; both empty = always open; may cross midnight."""

    model_config = ConfigDict(extra="forbid")

    start: str | None = None
    end: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parse_hhmm(value)  # raises ValueError with a clear message
        return value

    def window(self) -> Window:
        return Window.from_strings(self.start, self.end)


class TimeWindows(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str
    window: WindowSpec = Field(default_factory=WindowSpec)
    absence_days: list[Weekday] = Field(default_factory=list)
    per_target: dict[TargetId, WindowSpec] = Field(default_factory=dict)
    policies: dict[CaseKey, Action] = Field(default_factory=lambda: dict(DEFAULT_OUTSIDE_WINDOW))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("absence_days")
    @classmethod
    def _not_every_day(cls, value: list[str]) -> list[str]:
        if len(set(value)) >= 7:
            raise ValueError("at least one day of the week must allow sending")
        return sorted(set(value), key=WEEKDAYS.index)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def absence(self) -> frozenset[int]:
        return parse_weekdays(self.absence_days)

    def target_window(self, target_id: str) -> Window | None:
        spec = self.per_target.get(target_id)
        return spec.window() if spec is not None else None


def default_schedule(settings: Settings) -> Callable[[], TimeWindows]:
    """Before a schedule is saved: TIMEZONE, and WEBHOOKS_TIME_START/END when set."""
    try:
        window = WindowSpec(start=settings.webhooks_time_start, end=settings.webhooks_time_end)
    except ValueError as exc:
        raise SettingsError(
            "invalid settings: WEBHOOKS_TIME_START/WEBHOOKS_TIME_END: "
            "expected times like 09h30 or 18:00"
        ) from exc
    return lambda: TimeWindows(timezone=settings.timezone, window=window)


class TimeWindowsService(DocumentService[TimeWindows]):
    def __init__(self, store: ConfigStore, settings: Settings, clock: Callable[[], float]) -> None:
        super().__init__(store, DOCUMENT, TimeWindows, default_schedule(settings), clock)
        self._clock = clock

    def view_extra(self) -> dict[str, Any]:
        return {"status": self.status()}

    def status(self) -> dict[str, Any]:
        """What happens now, for the dashboard's status line: open until, or held until."""
        doc = self.get()
        window = doc.window.window()
        now = datetime.fromtimestamp(self._clock(), tz=doc.zone)
        opens = next_send_time(now, doc.zone, window, doc.absence())
        open_now = opens <= now
        return {
            "now": now.isoformat(),
            "open": open_now,
            "until": doc.window.end if open_now and doc.window.end else None,
            "next_opening": None if open_now else opens.isoformat(),
            "absence_today": WEEKDAYS[now.weekday()] in doc.absence_days,
        }
