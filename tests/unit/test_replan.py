"""Re-planning one waiting delivery: where the current targets and schedule put it."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.delivery.record import DeliveryRecord
from services.delivery.replan import Snapshot, plan_waiting
from services.documents.time_windows import TimeWindows

PARIS = ZoneInfo("Europe/Paris")
NOON = datetime(2026, 11, 18, 12, 0, tzinfo=PARIS).timestamp()  # a Wednesday


def windows(start=None, end=None, absence=()):
    return TimeWindows.model_validate(
        {
            "timezone": "Europe/Paris",
            "window": {"start": start, "end": end},
            "absence_days": list(absence),
        }
    )


def rec(**fields):
    base = {
        "id": "dlv_1",
        "target_id": "make",
        "state": "scheduled",
        "hold_reason": "",
        "deliver_at": repr(NOON),
        "detector": "",
        "urgent": "",
        "window_policy": "",
        "released_by": "",
        "replays": "",
    }
    base.update(fields)
    return DeliveryRecord.from_hash(base)


def snap(usable=None, **window):
    return Snapshot({"make": True} if usable is None else usable, windows(**window), NOON)


def test_a_due_delivery_with_nothing_changed_stays():
    assert plan_waiting(rec(), snap()) is None


@pytest.mark.parametrize(
    ("usable", "reason"), [({}, "target_missing"), ({"make": False}, "target_disabled")]
)
def test_a_delivery_whose_target_cannot_take_it_goes_to_the_waitlist(usable, reason):
    move = plan_waiting(rec(), snap(usable))
    assert (move.state, move.hold_reason, move.deliver_at) == ("held", reason, None)


def test_a_retry_is_left_to_the_claim_even_for_a_target_gone():
    assert plan_waiting(rec(state="retrying"), snap({})) is None


def test_a_waitlisted_delivery_whose_target_is_back_is_planned_by_the_schedule():
    move = plan_waiting(
        rec(state="held", hold_reason="target_disabled"), snap(start="14h00", end="18h00")
    )
    assert (move.state, move.hold_reason) == ("held", "window")
    assert move.deliver_at == datetime(2026, 11, 18, 14, 0, tzinfo=PARIS).timestamp()
    assert move.fields["webhooks_time_start"] == "maintenant"
    assert move.fields["webhooks_time_end"] == "18h00"


@pytest.mark.parametrize(
    "stored",
    [
        {"webhooks_time_start": "maintenant", "webhooks_time_end": "18h00"},
        # written before the hints were fields of their own
        {"decision": json.dumps({"webhooks_time_start": "maintenant", "detector": "x"})},
    ],
)
def test_a_held_delivery_leaves_when_the_window_goes(stored):
    held = rec(state="held", hold_reason="window", deliver_at="1796310000", **stored)
    move = plan_waiting(held, snap())
    assert (move.state, move.hold_reason, move.deliver_at) == ("scheduled", "", NOON)
    # the window's hints are cleared, each one written so no older copy shows through
    assert move.fields["webhooks_time_start"] == move.fields["webhooks_time_end"] == ""


def test_an_absence_day_holds_a_scheduled_delivery_to_the_next_day():
    move = plan_waiting(rec(), snap(absence=["wednesday"]))
    assert (move.state, move.hold_reason) == ("held", "absence_day")
    assert move.deliver_at == datetime(2026, 11, 19, 0, 0, tzinfo=PARIS).timestamp()


def test_a_policy_that_drops_holds_mail_already_accepted_instead():
    recadrage = rec(detector="recadrage")  # recadrage outside the window: dropped at ingest
    move = plan_waiting(recadrage, snap(start="14h00", end="18h00"))
    assert (move.state, move.hold_reason) == ("held", "window")


def test_mail_released_by_hand_is_not_held_again_by_the_schedule():
    released = rec(released_by="admin")
    assert plan_waiting(released, snap(absence=["wednesday"])) is None
    replayed = rec(replays="1")
    assert plan_waiting(replayed, snap(absence=["wednesday"])) is None


def test_a_rate_limited_delivery_is_due_again_when_replanned():
    limited = rec(state="held", hold_reason="rate_limited", deliver_at=repr(NOON + 1800))
    move = plan_waiting(limited, snap())
    assert (move.state, move.deliver_at) == ("scheduled", NOON)


def test_an_open_circuit_is_left_alone():
    assert plan_waiting(rec(state="held", hold_reason="circuit_open"), snap()) is None
