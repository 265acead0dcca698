"""Windows, absence days and the next sending instant, always in the configured zone."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from email_processing.windows import (
    Window,
    format_hhmm,
    is_open,
    next_send_time,
    occurrences,
    parse_hhmm,
    parse_weekdays,
)
from tests.unit.email_processing.helpers import PARIS, UTC

OFFICE = Window(time(9), time(18))
NIGHT = Window(time(22), time(6))
NO_DAYS_OFF: frozenset[int] = frozenset()
SATURDAY, SUNDAY, MONDAY = 5, 6, 0


def paris(*parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=PARIS, fold=fold)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09h30", time(9, 30)),
        ("9h30", time(9, 30)),
        ("9h", time(9)),
        ("18H", time(18)),
        ("18:00", time(18)),
        ("9:05", time(9, 5)),
        (" 07h00 ", time(7)),
        ("00h00", time(0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text", ["", "24h00", "12h60", "9:5", "noon", "12h3", "12:345", "-1h", "1230", "12h30x", "9 h"]
)
def test_parse_hhmm_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected a time|hours must be"):
        parse_hhmm(text)


def test_format_hhmm() -> None:
    assert format_hhmm(time(9, 5)) == "09h05"


def test_window_from_strings() -> None:
    assert Window.from_strings("09h00", "18:00") == OFFICE
    assert Window.from_strings("", None) == Window()


def test_parse_weekdays() -> None:
    assert parse_weekdays(["monday", " Sunday "]) == frozenset({MONDAY, SUNDAY})
    with pytest.raises(ValueError, match="monday"):
        parse_weekdays(["funday"])


@pytest.mark.parametrize(
    ("window", "clock", "expected"),
    [
        (OFFICE, time(8, 59), False),
        (OFFICE, time(9), True),
        (OFFICE, time(17, 59), True),
        (OFFICE, time(18), False),  # the end is excluded
        (NIGHT, time(21, 59), False),
        (NIGHT, time(22), True),
        (NIGHT, time(0), True),
        (NIGHT, time(5, 59), True),
        (NIGHT, time(6), False),
        (NIGHT, time(12), False),
        (Window(), time(3), True),
        (Window(time(9), time(9)), time(3), True),  # start == end: always open
        (Window(time(9), None), time(8), False),  # start only: until midnight
        (Window(time(9), None), time(23, 59), True),
        (Window(None, time(6)), time(5), True),  # end only: from midnight
        (Window(None, time(6)), time(7), False),
    ],
)
def test_is_open(window: Window, clock: time, expected: bool) -> None:
    assert is_open(window, datetime.combine(datetime(2026, 11, 20), clock)) is expected


def test_is_open_reads_the_wall_time_of_an_aware_datetime() -> None:
    assert is_open(OFFICE, paris(2026, 11, 20, 10, 0))


def test_allowed_now_returns_now() -> None:
    now = paris(2026, 11, 20, 10, 15)
    assert next_send_time(now, PARIS, OFFICE, NO_DAYS_OFF) is now


@pytest.mark.parametrize(
    ("window", "now", "expected"),
    [
        (OFFICE, paris(2026, 11, 20, 7, 0), paris(2026, 11, 20, 9, 0)),
        (OFFICE, paris(2026, 11, 20, 19, 0), paris(2026, 11, 21, 9, 0)),
        (NIGHT, paris(2026, 11, 20, 12, 0), paris(2026, 11, 20, 22, 0)),
        (NIGHT, paris(2026, 11, 20, 6, 0), paris(2026, 11, 20, 22, 0)),
        (Window(time(9), None), paris(2026, 11, 20, 7, 0), paris(2026, 11, 20, 9, 0)),
        (Window(None, time(6)), paris(2026, 11, 20, 7, 0), paris(2026, 11, 21, 0, 0)),
    ],
    ids=["before-start", "after-end", "night-before", "night-after", "start-only", "end-only"],
)
def test_next_opening(window: Window, now: datetime, expected: datetime) -> None:
    assert next_send_time(now, PARIS, window, NO_DAYS_OFF) == expected


def test_night_window_is_open_after_midnight() -> None:
    now = paris(2026, 11, 21, 1, 0)
    assert next_send_time(now, PARIS, NIGHT, NO_DAYS_OFF) is now


def test_absence_days_are_skipped() -> None:
    friday_evening = paris(2026, 11, 20, 19, 0)
    assert next_send_time(friday_evening, PARIS, OFFICE, frozenset({SATURDAY, SUNDAY})) == paris(
        2026, 11, 23, 9, 0
    )


def test_absence_day_without_window_waits_for_midnight() -> None:
    saturday = paris(2026, 11, 21, 10, 0)
    assert next_send_time(saturday, PARIS, Window(), frozenset({SATURDAY})) == paris(
        2026, 11, 22, 0, 0
    )


def test_night_window_reopens_at_midnight_after_an_absence_day() -> None:
    saturday = paris(2026, 11, 21, 10, 0)
    assert next_send_time(saturday, PARIS, NIGHT, frozenset({SATURDAY})) == paris(
        2026, 11, 22, 0, 0
    )


def test_absence_is_read_in_the_configured_zone_not_utc() -> None:
    # 23:30 UTC on Sunday is 00:30 on Monday in Paris.
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert next_send_time(now, PARIS, Window(), frozenset({SUNDAY})) is now
    assert next_send_time(now, PARIS, Window(), frozenset({MONDAY})) == paris(2026, 11, 24, 0, 0)


def test_the_result_is_in_the_configured_zone() -> None:
    now = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)
    assert next_send_time(now, PARIS, OFFICE, NO_DAYS_OFF).tzinfo == PARIS


def test_spring_forward_opening_uses_the_new_offset() -> None:
    saturday_evening = paris(2026, 3, 28, 19, 0)  # CET, UTC+1
    opening = next_send_time(saturday_evening, PARIS, OFFICE, NO_DAYS_OFF)
    assert opening.astimezone(UTC) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # CEST, UTC+2


def test_spring_forward_missing_opening_time_maps_to_the_end_of_the_gap() -> None:
    # 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 never happens.
    early = paris(2026, 3, 29, 1, 0)
    opening = next_send_time(early, PARIS, Window(time(2, 30), time(5)), NO_DAYS_OFF)
    assert opening.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert (opening.hour, opening.minute) == (3, 0)


def test_fall_back_ambiguous_opening_time_takes_the_first_occurrence() -> None:
    # 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    midnight = paris(2026, 10, 25, 0, 0)
    opening = next_send_time(midnight, PARIS, Window(time(2, 30), time(5)), NO_DAYS_OFF)
    assert opening.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_fall_back_second_occurrence_when_the_first_has_passed() -> None:
    between = paris(2026, 10, 25, 2, 15, fold=1)  # after the first 02:30, before the second
    opening = next_send_time(between, PARIS, Window(time(2, 30), time(5)), NO_DAYS_OFF)
    assert opening.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_fall_back_day_opening_after_the_change() -> None:
    saturday_evening = paris(2026, 10, 24, 19, 0)  # CEST, UTC+2
    opening = next_send_time(saturday_evening, PARIS, OFFICE, NO_DAYS_OFF)
    assert opening.astimezone(UTC) == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # CET, UTC+1


@pytest.mark.parametrize(
    ("day", "clock", "expected_utc"),
    [
        ((2026, 3, 29), time(2, 30), [datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]),
        (
            (2026, 10, 25),
            time(2, 30),
            [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)],
        ),
        ((2026, 11, 20), time(9), [datetime(2026, 11, 20, 8, 0, tzinfo=UTC)]),
    ],
    ids=["gap", "ambiguous", "plain"],
)
def test_occurrences(day: tuple[int, int, int], clock: time, expected_utc: list[datetime]) -> None:
    found = occurrences(datetime(*day).date(), clock, PARIS)
    assert [moment.astimezone(UTC) for moment in found] == expected_utc


def test_every_day_off_is_an_error() -> None:
    with pytest.raises(ValueError, match="every weekday"):
        next_send_time(paris(2026, 11, 20, 19, 0), PARIS, OFFICE, frozenset(range(7)))


def test_naive_now_is_an_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_send_time(datetime(2026, 11, 20, 19, 0), PARIS, OFFICE, NO_DAYS_OFF)
