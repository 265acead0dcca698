"""The delivery record's one schema: encoding, legacy records, and the scripts' calls."""

from __future__ import annotations

import json

import pytest

from config.keys import Keys
from services.delivery.record import (
    FIELDS,
    Breaker,
    Calls,
    Claimed,
    Completed,
    DeliveryRecord,
    Health,
    Move,
    State,
    StoredEmail,
    completed,
)


def record(**changes):
    base = {"id": "dlv_1", "email_id": "e1", "target_id": "make", "webhook_id": "msg_1"}
    return DeliveryRecord(**{**base, **changes})


def test_a_record_survives_its_stored_form():
    rec = record(
        state=State.HELD,
        hold_reason="window",
        created_at=1_794_999_600.123456,
        deliver_at=1_795_000_000.0,
        attempts=2,
        urgent=True,
        webhooks_time_start="maintenant",
    )
    stored = rec.to_hash()
    assert all(isinstance(v, str) and v for v in stored.values())  # empty fields not written
    assert DeliveryRecord.from_hash(stored) == rec


def test_the_api_shows_every_field_but_the_lease_token():
    shown = record(lease="secret-token").to_api()
    assert set(shown) == set(FIELDS) - {"lease"}
    assert shown["state"] == "scheduled" and shown["hold_reason"] is None


def test_a_record_written_before_the_hints_were_fields_reads_them_from_its_decision():
    legacy = {
        "id": "dlv_1",
        "detector": "recadrage",
        "decision": json.dumps({"detector": "recadrage", "webhooks_time_end": "18h00"}),
    }
    rec = DeliveryRecord.from_hash(legacy)
    assert rec.payload_fields() == {"detector": "recadrage", "webhooks_time_end": "18h00"}
    # Once a re-plan wrote the fields (empty: the hint is gone), the old copy no longer counts.
    replanned = {**legacy, "webhooks_time_start": "", "webhooks_time_end": ""}
    assert DeliveryRecord.from_hash(replanned).payload_fields() == {"detector": "recadrage"}


def test_an_hmget_of_a_missing_record_is_none():
    assert DeliveryRecord.from_values(("id", "state"), (None, None)) is None


@pytest.mark.parametrize(
    ("rec", "paused", "reason"),
    [
        (record(state=State.HELD, hold_reason="window"), False, "window"),
        (record(state=State.SCHEDULED, deliver_at=10.0), True, "paused"),
        (record(state=State.SCHEDULED, deliver_at=99.0), True, None),  # not due yet
        (record(state=State.IN_FLIGHT, deliver_at=10.0), True, None),
    ],
)
def test_why_a_delivery_waits(rec, paused, reason):
    assert rec.waiting_reason(now=50.0, paused=paused) == reason


def test_script_calls_are_named_and_their_keys_come_from_keys():
    keys = Keys("relais:")
    calls = Calls(keys, dedup_ttl=60, retention=120)
    lease = Claimed(record(), "tok")
    call = calls.complete(
        100.5,
        lease,
        outcome=State.RETRYING,
        attempt={"n": 1},
        next_at=160.25,
        fields={"last_error": "http_500"},
        breaker=Breaker("failed", 3, 30, 600),
        health=Health(False, "http_500", 500),
    )
    assert call.keys[:2] == [keys.delivery("dlv_1"), keys.delivery_attempts("dlv_1")]
    arg = json.loads(call.arg)
    assert (arg["outcome"], arg["now"], arg["next_at"]) == ("retrying", "100.5", "160.25")
    assert arg["health"] == {"ok": "0", "error": "http_500", "status_code": "500"}
    assert arg["t"]["delivery"] % "dlv_1" == keys.delivery("dlv_1")


def test_a_percent_sign_in_the_prefix_survives_the_scripts_templates():
    keys = Keys("odd%prefix:")
    template = keys.lua_templates["rate_minute"]
    assert template % ("make", 7) == keys.rate_minute("make", 7)


def test_a_move_to_the_waitlist_has_no_due_time():
    call = Calls(Keys("r:"), dedup_ttl=1, retention=1).move(
        5.0, Move("dlv_1", "scheduled", "", State.HELD, "target_missing", None)
    )
    arg = json.loads(call.arg)
    assert (arg["deliver_at"], arg["state"], arg["expected_state"]) == ("", "held", "scheduled")


def test_the_complete_scripts_reply_is_a_named_outcome():
    assert [completed(n) for n in (0, 1, 2)] == list(Completed)


def test_the_admit_script_gets_the_bodies_as_they_are_after_its_json():
    call = Calls(Keys("r:"), dedup_ttl=1, retention=1).admit(
        5.0,
        email_id="e1",
        meta={"subject": "s"},
        body='<p>Désabo \\u00e9 "x"</p>',
        plain_body="plain",
        status="accepted",
        dedup=True,
        deliveries=[],
        aliases=[],
    )
    arg = json.loads(call.arg)
    assert "body" not in arg and "plain_body" not in arg
    assert call.args == [call.arg, '<p>Désabo \\u00e9 "x"</p>', "plain"]


def test_a_lease_never_prints_its_email() -> None:
    email = StoredEmail({"subject": "secret subject"}, "<p>the body</p>", "the body")
    lease = Claimed(record(), "tok", email)
    assert "secret" not in repr(lease) and "the body" not in repr(lease)
    assert lease == Claimed(record(), "tok")
