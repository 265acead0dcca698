"""Media Solution "Missions Recadrage" orders (docs/old-router.md, Recadrage detector)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from email_processing.detectors.base import DetectorMatch
from email_processing.detectors.timeparse import TIME, clock, first_time, hhmm, in_one_hour
from email_processing.links import DROPBOX, FROMSMASH, SWISSTRANSFER, Link
from email_processing.normalize import NormalizedEmail

NAME = "recadrage"
SUBJECT_MARKERS = ("media solution", "missions recadrage", "lot")
LINK_PROVIDERS = frozenset({DROPBOX, FROMSMASH, SWISSTRANSFER})

# Matched on folded text, so `à` is `a` and `H` is `h`.
_DATE_AND_TIME = re.compile(r"a faire pour le (\d{1,2})/(\d{1,2})/(\d{4}) a " + TIME)
_TIME_ONLY = re.compile(r"a faire pour (?:a )?" + TIME)


def _dated(body: str) -> str | None:
    """`à faire pour le DD/MM/YYYY à HHhMM` -> `le DD/MM/YYYY à HHhMM`."""
    for found in _DATE_AND_TIME.finditer(body):
        day, month, year, *time_groups = found.groups()
        value = clock(*time_groups)
        if value is not None and 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
            return f"le {int(day):02d}/{int(month):02d}/{year} à {hhmm(value)}"
    return None


def _time_only(body: str) -> str | None:
    """`à faire pour HHhMM` (or `pour à`, or `HH:MM`) -> `HHhMM`."""
    for found in _TIME_ONLY.finditer(body):
        value = clock(*found.groups())
        if value is not None:
            return hhmm(value)
    return None


def _anywhere(body: str) -> str | None:
    value = first_time(body)
    return None if value is None else hhmm(value)


def delivery_time(email: NormalizedEmail, now: datetime) -> str | None:
    """The first rule that yields a time: URGENCE, dated order, time order, any time."""
    if "urgence" in email.subject_folded:
        return hhmm(in_one_hour(now).time())
    body = email.body_folded
    return _dated(body) or _time_only(body) or _anywhere(body)


def is_recadrage_subject(subject_folded: str) -> bool:
    """`Média Solution - Missions Recadrage - Lot` folds to a subject holding every marker."""
    return all(marker in subject_folded for marker in SUBJECT_MARKERS)


class Recadrage:
    """A crop order: right subject, a transfer link, and a delivery time."""

    name = NAME

    def match(
        self, email: NormalizedEmail, links: Sequence[Link], now: datetime
    ) -> DetectorMatch | None:
        if not is_recadrage_subject(email.subject_folded):
            return None
        if not any(link.provider in LINK_PROVIDERS for link in links):
            return None
        when = delivery_time(email, now)
        if when is None:
            return None
        urgent = "urgence" in email.subject_folded
        return DetectorMatch(NAME, {"delivery_time": when, "urgent": urgent})
