"""Scheduling policy: send, hold or drop, with the payload's window hints."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest

from email_processing.detectors import DetectorMatch
from email_processing.schedule import (
    DEFAULT_OUTSIDE_WINDOW,
    ScheduleDecision,
    case_keys,
    outside_window_action,
    schedule,
)
from email_processing.windows import Window
from tests.unit.email_processing.helpers import PARIS, UTC

OFFICE = Window(time(9), time(18))
INSIDE = datetime(2026, 11, 20, 10, 15, tzinfo=PARIS)  # Friday
OUTSIDE = datetime(2026, 11, 20, 19, 0, tzinfo=PARIS)  # Friday evening
NEXT_OPENING = datetime(2026, 11, 21, 9, 0, tzinfo=PARIS)
RECADRAGE = DetectorMatch("recadrage", {"delivery_time": "14h30", "urgent": False})
DESABO = DetectorMatch("desabonnement_journee_tarifs", {"urgent": False})
DESABO_URGENT = DetectorMatch("desabonnement_journee_tarifs", {"urgent": True})


def _plan(
    detector: DetectorMatch | None, now: datetime = OUTSIDE, **options: Any
) -> ScheduleDecision:
    return schedule(
        detector=detector, now=now, tz=PARIS, window=options.pop("window", OFFICE), **options
    )


def _shape(decision: ScheduleDecision) -> tuple[Any, ...]:
    return (
        decision.action,
        decision.deliver_at,
        decision.webhooks_time_start,
        decision.webhooks_time_end,
    )


@pytest.mark.parametrize("detector", [None, RECADRAGE, DESABO, DESABO_URGENT])
def test_inside_the_window_everything_is_sent_now(detector: DetectorMatch | None) -> None:
    decision = _plan(detector, INSIDE)
    assert _shape(decision) == ("send", INSIDE, "maintenant", "18h00")
    assert decision.reason == "inside the window"


def test_without_a_window_there_are_no_hints() -> None:
    assert _shape(_plan(None, OUTSIDE, window=Window())) == ("send", OUTSIDE, None, None)


def test_window_with_only_an_end_gives_only_the_end_hint() -> None:
    decision = _plan(None, INSIDE, window=Window(None, time(18)))
    assert _shape(decision) == ("send", INSIDE, "maintenant", "18h00")


def test_recadrage_outside_the_window_is_dropped() -> None:
    decision = _plan(RECADRAGE)
    assert _shape(decision) == ("drop", None, None, None)
    assert decision.reason == "outside the window: dropped (policy recadrage)"


def test_non_urgent_desabo_outside_the_window_is_sent_with_the_start_hint() -> None:
    decision = _plan(DESABO)
    assert _shape(decision) == ("send", OUTSIDE, "09h00", "18h00")
    assert (
        decision.reason == "outside the window: sent anyway (policy desabonnement_journee_tarifs)"
    )


def test_urgent_desabo_outside_the_window_is_held() -> None:
    decision = _plan(DESABO_URGENT)
    assert _shape(decision) == ("hold", NEXT_OPENING, "maintenant", "18h00")
    assert decision.reason == (
        "outside the window: held until it opens (policy desabonnement_journee_tarifs.urgent)"
    )


def test_other_mail_outside_the_window_is_held() -> None:
    decision = _plan(None)
    assert _shape(decision) == ("hold", NEXT_OPENING, "maintenant", "18h00")
    assert decision.reason == "outside the window: held until it opens (policy default)"


def test_urgent_recadrage_is_still_a_recadrage() -> None:
    urgent = DetectorMatch("recadrage", {"delivery_time": "20h00", "urgent": True})
    assert _plan(urgent).action == "drop"


def test_the_urgent_argument_overrides_the_annotation() -> None:
    assert _plan(DESABO, urgent=True).action == "hold"
    assert _plan(DESABO_URGENT, urgent=False).action == "send"


@pytest.mark.parametrize(
    ("detector", "override", "expected"),
    [
        (None, "send", ("send", OUTSIDE, "09h00", "18h00")),
        (None, "drop", ("drop", None, None, None)),
        (RECADRAGE, "hold", ("hold", NEXT_OPENING, "maintenant", "18h00")),
        (DESABO, "hold", ("hold", NEXT_OPENING, "maintenant", "18h00")),
    ],
)
def test_a_rule_window_policy_beats_the_defaults(
    detector: DetectorMatch | None, override: Any, expected: tuple[Any, ...]
) -> None:
    decision = _plan(detector, window_policy=override)
    assert _shape(decision) == expected
    assert decision.reason.endswith("(rule window_policy)")


def test_the_policy_mapping_is_the_callers() -> None:
    policies = {"default": "drop", "desabonnement_journee_tarifs": "hold"}
    assert _plan(None, policies=policies).action == "drop"
    assert _plan(DESABO, policies=policies).action == "hold"


def test_a_mapping_without_a_matching_key_holds() -> None:
    assert _plan(RECADRAGE, policies={}).action == "hold"


@pytest.mark.parametrize("detector", [None, RECADRAGE, DESABO, DESABO_URGENT])
def test_absence_days_override_everything(detector: DetectorMatch | None) -> None:
    saturday_morning = datetime(2026, 11, 21, 10, 15, tzinfo=PARIS)  # inside the hours
    decision = _plan(detector, saturday_morning, absence_days=frozenset({5, 6}))
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
    assert _shape(decision) == ("hold", monday, "maintenant", "18h00")
    assert decision.reason == "absence day (saturday): held to the next allowed day"


def test_absence_day_is_read_in_the_configured_zone() -> None:
    sunday_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in Paris
    on_monday = schedule(
        detector=None, now=sunday_utc, tz=PARIS, window=Window(), absence_days=frozenset({0})
    )
    assert (on_monday.action, on_monday.deliver_at) == (
        "hold",
        datetime(2026, 11, 24, 0, 0, tzinfo=PARIS),
    )
    on_sunday = schedule(
        detector=None, now=sunday_utc, tz=PARIS, window=Window(), absence_days=frozenset({6})
    )
    assert on_sunday.action == "send"


def test_every_day_off_holds_without_a_date() -> None:
    decision = _plan(None, INSIDE, absence_days=frozenset(range(7)))
    assert (decision.action, decision.deliver_at) == ("hold", None)
    assert decision.reason.endswith("every weekday is an absence day")


def test_a_target_window_replaces_the_global_one() -> None:
    evening = Window(time(18), time(23))
    assert _shape(_plan(None, OUTSIDE, target_window=evening)) == (
        "send",
        OUTSIDE,
        "maintenant",
        "23h00",
    )
    held = _plan(None, INSIDE, target_window=evening)
    assert (held.action, held.deliver_at) == ("hold", datetime(2026, 11, 20, 18, 0, tzinfo=PARIS))


def test_hints_and_to_dict() -> None:
    decision = _plan(DESABO_URGENT)
    assert decision.hints() == {"webhooks_time_start": "maintenant", "webhooks_time_end": "18h00"}
    assert decision.to_dict() == {
        "action": "hold",
        "deliver_at": "2026-11-21T09:00:00+01:00",
        "reason": decision.reason,
        "webhooks_time_start": "maintenant",
        "webhooks_time_end": "18h00",
    }


def test_dropped_decision_has_no_hints() -> None:
    assert _plan(RECADRAGE).hints() == {}


def test_case_keys_most_specific_first() -> None:
    assert case_keys("desabonnement_journee_tarifs", True) == (
        "desabonnement_journee_tarifs.urgent",
        "desabonnement_journee_tarifs",
        "default",
    )
    assert case_keys("recadrage", False) == ("recadrage", "default")
    assert case_keys(None, True) == ("default",)


def test_default_mapping_reproduces_the_old_rules() -> None:
    assert dict(DEFAULT_OUTSIDE_WINDOW) == {
        "recadrage": "drop",
        "desabonnement_journee_tarifs": "send",
        "desabonnement_journee_tarifs.urgent": "hold",
        "default": "hold",
    }
    assert outside_window_action("desabonnement_journee_tarifs", True) == "hold"
    assert outside_window_action("unknown_detector", False) == "hold"


@pytest.mark.parametrize(
    ("start", "end"), [("08:00", "23:30"), ("08h00", "23h30"), ("8h", "23:30"), ("09h30", "18:00")]
)
def test_the_hints_repeat_the_window_as_the_operator_wrote_it(start: str, end: str) -> None:
    window = Window.from_strings(start, end)
    inside = _plan(DESABO, datetime(2026, 11, 20, 12, 0, tzinfo=PARIS), window=window)
    assert inside.hints() == {"webhooks_time_start": "maintenant", "webhooks_time_end": end}
    before = _plan(DESABO, datetime(2026, 11, 20, 7, 0, tzinfo=PARIS), window=window)
    assert before.hints() == {"webhooks_time_start": start, "webhooks_time_end": end}
