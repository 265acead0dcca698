"""Clock times written in French emails: `14h30`, `9h`, `16:45`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

# One clock time; minutes optional after `h`, required after `:`. Not glued to digits or letters.
# The check that no digit or `:` comes before looks back from after the first digit, so the
# pattern starts with a digit and `re` skips in C to the digits (31 -> 10 ms per MiB without
# any; a look-behind first was tried at every position). Same matches as
# `(?<![\d:])(\d{1,2})...`: tests/unit/email_processing/test_detectors.py compares them.
TIME = r"(\d(?<![\d:]\d)\d?)(?:h(\d{2})?(?![\da-z])|:(\d{2})(?!\d))"
_ANY_TIME = re.compile(TIME)


def clock(hours: str, minutes_h: str | None, minutes_colon: str | None) -> time | None:
    """A valid time from regex groups (minutes default to 00), else None."""
    hour = int(hours)
    minute = int(minutes_h or minutes_colon or "0")
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def hhmm(value: time) -> str:
    """`HHhMM`, the form the payload carries."""
    return f"{value.hour:02d}h{value.minute:02d}"


def first_time(text: str) -> time | None:
    """The first valid clock time anywhere in `text`."""
    for found in _ANY_TIME.finditer(text):
        value = clock(*found.groups())
        if value is not None:
            return value
    return None


def in_one_hour(now: datetime) -> datetime:
    """One real hour after `now`, in `now`'s zone (wall-clock arithmetic is wrong across DST)."""
    later = now.astimezone(UTC) + timedelta(hours=1)
    return later.astimezone(now.tzinfo)
