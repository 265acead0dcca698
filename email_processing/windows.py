"""Sending windows and absence days, computed in the configured time zone
(docs/old-router.md, time windows)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"(\d{1,2})[hH](\d{2})?|(\d{1,2}):(\d{2})")


def parse_hhmm(text: str) -> time:
    """`09h30`, `9h`, `9:30` or `18:00` as a time; ValueError for anything else."""
    found = _HHMM.fullmatch(text.strip())
    if found is None:
        raise ValueError("expected a time like 09h30, 9h or 18:00")
    hours = found.group(1) or found.group(3)
    minutes = found.group(2) or found.group(4) or "0"
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError("hours must be 0-23 and minutes 0-59")
    return time(int(hours), int(minutes))


def format_hhmm(value: time) -> str:
    """`HHhMM`, the old router's own form."""
    return f"{value.hour:02d}h{value.minute:02d}"


def parse_weekdays(names: Iterable[str]) -> frozenset[int]:
    """`["monday", "Sunday"]` -> `{0, 6}`; ValueError naming no input for an unknown day."""
    days: set[int] = set()
    for name in names:
        lowered = name.strip().lower()
        if lowered not in WEEKDAYS:
            raise ValueError("weekdays are monday ... sunday")
        days.add(WEEKDAYS.index(lowered))
    return frozenset(days)


@dataclass(frozen=True)
class Window:
    """Daily sending hours, end exclusive, in local wall time.

    No start and no end: always open. `start == end`: always open too (a zero-length
    window would never open, which nobody means). `start > end` crosses midnight
    (22h00-06h00). Only a start: open from it to midnight; only an end: from midnight to it.
    """

    start: time | None = None
    end: time | None = None
    # As the operator wrote them (`23:30` or `23h30`): the payload's hints repeat them.
    start_text: str | None = field(default=None, compare=False)
    end_text: str | None = field(default=None, compare=False)

    @classmethod
    def from_strings(cls, start: str | None, end: str | None) -> Window:
        """From the settings' strings; empty or missing means not set."""
        start_text = start.strip() if start and start.strip() else None
        end_text = end.strip() if end and end.strip() else None
        return cls(
            parse_hhmm(start_text) if start_text else None,
            parse_hhmm(end_text) if end_text else None,
            start_text,
            end_text,
        )

    def start_hint(self) -> str | None:
        """The start as the operator wrote it (`HHhMM` when built from times)."""
        if self.start is None:
            return None
        return self.start_text or format_hhmm(self.start)

    def end_hint(self) -> str | None:
        if self.end is None:
            return None
        return self.end_text or format_hhmm(self.end)

    @property
    def configured(self) -> bool:
        return self.start is not None or self.end is not None

    @property
    def always_open(self) -> bool:
        return not self.configured or self.start == self.end


def is_open(window: Window, local_dt: datetime) -> bool:
    """Whether the window is open at this local wall time."""
    if window.always_open:
        return True
    now = local_dt.time().replace(tzinfo=None)
    start = window.start or time(0)
    if window.end is None:
        return now >= start
    if start < window.end:
        return start <= now < window.end
    return now >= start or now < window.end


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """First instant after a wall time skipped by a spring-forward change."""
    low = int(naive.replace(tzinfo=tz, fold=1).timestamp())  # read with the later offset
    high = int(naive.replace(tzinfo=tz, fold=0).timestamp())  # read with the earlier offset
    offset_before = datetime.fromtimestamp(low, tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC).astimezone(tz)


def _exists(candidate: datetime) -> bool:
    """Whether an aware local time survives a round trip through UTC (not in a gap)."""
    round_trip = candidate.astimezone(UTC).astimezone(candidate.tzinfo)
    return round_trip.replace(tzinfo=None) == candidate.replace(tzinfo=None)


def occurrences(day: date, at: time, tz: ZoneInfo) -> list[datetime]:
    """The instants a wall time occurs on a day: two when the clocks go back (first one
    first), and the end of the gap when the clocks skip it."""
    naive = datetime.combine(day, at)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if not _exists(first):
        return [_gap_end(naive, tz)]
    if first.utcoffset() != second.utcoffset():
        return [first, second]
    return [first]


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first instant a wall time occurs on a day (end of the gap if it is skipped)."""
    return occurrences(day, at, tz)[0]


def _openings(window: Window, day: date, tz: ZoneInfo) -> list[datetime]:
    """Instants on `day` at which sending may become allowed (midnight, window start)."""
    moments = []
    if is_open(window, datetime.combine(day, time(0))):
        moments += occurrences(day, time(0), tz)
    if window.start is not None and not window.always_open:
        moments += occurrences(day, window.start, tz)
    return moments


def allowed(now: datetime, tz: ZoneInfo, window: Window, absence_days: frozenset[int]) -> bool:
    """Whether sending is allowed at `now`: not an absence day and inside the window."""
    local = now.astimezone(tz)
    return local.weekday() not in absence_days and is_open(window, local)


def next_send_time(
    now: datetime, tz: ZoneInfo, window: Window, absence_days: frozenset[int]
) -> datetime:
    """`now` when sending is allowed, else the next instant it is (aware, in `tz`).

    Weekdays are 0=Monday and, like the window, read in `tz`, never the server's zone.
    ValueError when every weekday is an absence day (nothing may ever be sent).
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if allowed(now, tz, window, absence_days):
        return now
    if len(absence_days) >= len(WEEKDAYS):
        raise ValueError("every weekday is an absence day")
    today = now.astimezone(tz).date()
    # Compared as timestamps: within one zone Python compares wall times and ignores `fold`.
    instant = now.timestamp()
    for offset in range(len(WEEKDAYS) + 1):
        day = today + timedelta(days=offset)
        if day.weekday() in absence_days:
            continue
        later = [moment for moment in _openings(window, day, tz) if moment.timestamp() > instant]
        if later:
            return min(later, key=datetime.timestamp)
    raise AssertionError("unreachable: a week always holds an allowed day")  # pragma: no cover
