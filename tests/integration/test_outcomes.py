"""Every accepted email reaches an outcome the operator can see and act on.

One scenario per path where the promise used to break, through the real HTTP API,
a real Redis and a loopback receiver: mail with no target, a target switched off by
a 410, a deleted target, a schedule that changes under held mail, release now,
re-routing, DNS failures, and status screens that tell the truth.
"""

from __future__ import annotations

import socket
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.documents.targets import TargetList
from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.admin import AdminClient
from tests.support.sink import Reply

INGRESS = "/api/ingress/gmail"
PARIS = ZoneInfo("Europe/Paris")
# Wednesday 2026-11-18, 12:00 in Paris: the schedule tests place windows around it.
NOON_WEDNESDAY = datetime(2026, 11, 18, 12, 0, tzinfo=PARIS).timestamp()


def push(app, **changes):
    resp = app.test_client().post(INGRESS, json=old_payload(**changes), headers=auth())
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def drain(services, limit=20):
    """Run the workers until nothing is due; the outcomes in order."""
    outcomes = []
    for _ in range(limit):
        outcome = services.delivery.workers.run_once()
        if outcome is None:
            return outcomes
        outcomes.append(outcome)
    raise AssertionError("the queue did not drain")


def status(admin):
    return admin.get("/api/stats").get_json()["status"]


def codes(banner):
    return [r["code"] for r in banner["reasons"]]


def assert_nothing_waits(admin):
    """Green; on a test Redis that keeps nothing on disk, amber for that reason only."""
    stats = admin.get("/api/stats").get_json()
    if stats["durability"] in ("none", "snapshots_only", "fsync_by_os"):
        assert codes(stats["status"]) == ["no_persistence"]
    else:
        assert stats["status"] == {
            "level": "green",
            "reasons": [{"code": "all_good", "level": "green", "params": {}}],
        }


def problems(admin):
    """The banner's reasons, leaving out the test Redis's own lack of persistence."""
    return [c for c in codes(status(admin)) if c != "no_persistence"]


def delivery(admin, delivery_id):
    return admin.get(f"/api/deliveries/{delivery_id}").get_json()


def put_document(admin, path, change):
    current = admin.get(f"/api/{path}").get_json()
    document = change(current["document"])
    resp = admin.put(f"/api/{path}", json={"version": current["version"], "document": document})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


# -- no target at all ---------------------------------------------------------------------


@pytest.fixture
def bare(make_app, clock):
    """Relais with no target: no WEBHOOK_URL, nothing stored."""
    return make_app(clock=clock)


def test_mail_with_no_target_is_parked_then_delivered_once_a_target_exists(bare, sink):
    services, admin = bare.extensions["relais"], AdminClient(bare)
    body = push(bare)
    assert (body["status"], body.get("parked"), body["reason"]) == ("accepted", True, "no_target")
    email_id = body["email_id"]
    parked = admin.get("/api/emails?status=parked").get_json()["items"]
    assert [e["email_id"] for e in parked] == [email_id]
    banner = status(admin)
    assert banner["level"] == "red" and "parked" in codes(banner)

    resp = admin.post("/api/targets", json={"name": "Make", "url": sink.url("/make")})
    assert resp.status_code == 201
    assert drain(services) == ["delivered"]
    (received,) = sink.wait_for(1)
    assert received.json()["email_id"] == email_id
    detail = admin.get(f"/api/emails/{email_id}").get_json()
    assert detail["status"] == "accepted" and detail["rerouted_by"] == "system"
    assert push(bare)["status"] == "duplicate"
    assert drain(services) == []
    assert len(sink.requests) == 1
    assert_nothing_waits(admin)


def test_a_parked_email_that_expired_does_not_stop_the_others_from_leaving(bare, sink):
    services, admin = bare.extensions["relais"], AdminClient(bare)
    gone = push(bare, subject="Lot expiré")["email_id"]
    kept = push(bare, subject="Lot gardé", date="d2")["email_id"]
    services.redis.delete(services.keys.email(gone))  # its retention ran out while parked
    assert (
        admin.post("/api/targets", json={"name": "Make", "url": sink.url("/make")}).status_code
        == 201
    )
    assert drain(services) == ["delivered"]
    assert [r.json()["email_id"] for r in sink.wait_for(1)] == [kept]
    assert services.redis.zscore(services.keys.parked, gone) is None  # no longer counted
    assert "parked" not in problems(admin)


def test_dead_letters_and_parked_mail_stop_counting_when_the_retention_removes_them(
    make_app, clock, sink
):
    app = make_app(clock=clock, webhook_url=sink.url("/gone"), retry_schedule=[0])
    services = app.extensions["relais"]
    sink.script("/gone", Reply(status=500))
    push(app, subject="Lot mort")
    assert drain(services) == ["dead"]
    services.redis.zadd(services.keys.parked, {"expired-parked": clock()})
    assert services.redis.zcard(services.keys.queue_dead) == 1
    clock.advance(services.settings.retention_days * 86400 + 1)  # the records expire
    push(app, subject="Lot suivant", date="d2")  # any admit prunes what the retention removed
    assert services.redis.zcard(services.keys.queue_dead) == 0
    assert services.redis.zcard(services.keys.parked) == 0


def test_a_parked_email_is_released_by_a_process_that_only_reads_the_environment(
    make_app, bare, sink, clock
):
    """WEBHOOK_URL set on a restart changes no stored document: the fingerprint sees it."""
    email_id = push(bare)["email_id"]
    restarted = make_app(clock=clock, webhook_url=sink.url("/hook"), webhook_secret=TEST_WHSEC)
    services = restarted.extensions["relais"]
    services.operator.waiting.reconcile_if_due()
    assert drain(services) == ["delivered"]
    assert sink.wait_for(1)[0].json()["email_id"] == email_id


# -- a target switched off ----------------------------------------------------------------


@pytest.fixture
def app(make_app, sink, clock):
    """The WEBHOOK_URL default target, delivering to the sink."""
    return make_app(webhook_url=sink.url("/hook"), webhook_secret=TEST_WHSEC, clock=clock)


def test_410_holds_every_delivery_until_the_target_is_switched_on_again(app, sink):
    services, admin = app.extensions["relais"], AdminClient(app)
    sink.script("/hook", 410, 200)
    first = push(app, subject="a")["deliveries"][0]
    assert drain(services) == ["held"]
    later = [push(app, subject=s)["deliveries"][0] for s in ("b", "c")]
    assert {d["hold_reason"] for d in later} == {"target_disabled"}
    assert drain(services) == []

    banner = status(admin)
    assert banner["level"] == "red"
    (reason,) = [r for r in banner["reasons"] if r["code"] == "held_target_disabled"]
    assert reason["params"]["target"] == "default" and reason["params"]["count"] == 3
    assert "410" in reason["params"]["why"]
    audit = admin.get("/api/audit").get_json()["items"]
    assert any(e["action"] == "disable_target" and "410" in e["detail"] for e in audit)
    health = admin.get("/api/targets").get_json()["items"][0]["health"]
    assert health["state"] == "disabled"

    resp = admin.patch("/api/targets/default", json={"enabled": True})
    assert resp.status_code == 200
    assert drain(services) == ["delivered"] * 3
    ids = [first["id"], *(d["id"] for d in later)]
    webhook_ids = {delivery(admin, i)["webhook_id"] for i in ids}
    assert len(webhook_ids) == 3
    delivered = [r for r in sink.requests if r.status == 200]
    assert {r.webhook_id for r in delivered} == webhook_ids
    assert len(delivered) == 3  # once each
    assert sink.requests[0].webhook_id in webhook_ids  # the one that got the 410 kept its id
    assert_nothing_waits(admin)


def test_a_deleted_target_holds_its_deliveries_until_it_is_created_again(make_app, sink, clock):
    app = make_app(clock=clock)
    services, admin = app.extensions["relais"], AdminClient(app)
    created = admin.post("/api/targets", json={"name": "Make", "url": sink.url("/make")})
    assert created.status_code == 201
    services.documents.flags.save(
        services.documents.flags.get().model_copy(update={"webhook_sending_enabled": False})
    )
    delivery_id = push(app)["deliveries"][0]["id"]
    assert admin.delete("/api/targets/make").status_code == 200
    held = delivery(admin, delivery_id)
    assert (held["state"], held["waiting_reason"]) == ("held", "target_missing")
    assert "held_target_missing" in codes(status(admin))

    services.documents.flags.save(
        services.documents.flags.get().model_copy(update={"webhook_sending_enabled": True})
    )
    recreated = admin.post("/api/targets", json={"name": "Make", "url": sink.url("/make")})
    assert recreated.status_code == 201 and recreated.get_json()["target"]["id"] == "make"
    assert drain(services) == ["delivered"]


def test_a_target_switched_off_by_hand_after_acceptance_holds_the_delivery(app, sink):
    services, admin = app.extensions["relais"], AdminClient(app)
    delivery_id = push(app)["deliveries"][0]["id"]
    assert admin.patch("/api/targets/default", json={"enabled": False}).status_code == 200
    assert delivery(admin, delivery_id)["waiting_reason"] == "target_disabled"
    assert drain(services) == [] and sink.requests == []
    admin.patch("/api/targets/default", json={"enabled": True})
    assert drain(services) == ["delivered"]


# -- the schedule changes under held mail ----------------------------------------------------


@pytest.fixture
def noon(make_app, sink):
    from tests.support.clock import FakeClock

    clock = FakeClock(NOON_WEDNESDAY)
    app = make_app(webhook_url=sink.url("/hook"), webhook_secret=TEST_WHSEC, clock=clock)
    return app, clock


def set_window(admin, start, end, absence=()):
    def change(doc):
        doc["window"] = {"start": start, "end": end}
        doc["absence_days"] = list(absence)
        return doc

    put_document(admin, "time_windows", change)


def test_removing_the_window_releases_held_mail_at_once(noon, sink):
    app, _ = noon
    services, admin = app.extensions["relais"], AdminClient(app)
    set_window(admin, "14h00", "18h00")
    body = push(app, subject="Facture")  # no detector: the default policy holds it
    held = body["deliveries"][0]
    assert (held["state"], held["hold_reason"]) == ("held", "window")
    assert drain(services) == []
    assert "waiting_window" in codes(status(admin))

    set_window(admin, None, None)
    record = delivery(admin, held["id"])
    assert (record["state"], record["waiting_reason"]) == ("scheduled", None)
    assert drain(services) == ["delivered"]


def test_a_changed_window_moves_held_mail_both_ways(noon):
    app, _ = noon
    admin = AdminClient(app)
    set_window(admin, "16h00", "18h00")
    held_id = push(app, subject="Facture")["deliveries"][0]["id"]
    four_pm = datetime(2026, 11, 18, 16, 0, tzinfo=PARIS).timestamp()
    assert delivery(admin, held_id)["deliver_at"] == pytest.approx(four_pm)
    set_window(admin, "13h00", "18h00")  # opens earlier
    one_pm = datetime(2026, 11, 18, 13, 0, tzinfo=PARIS).timestamp()
    assert delivery(admin, held_id)["deliver_at"] == pytest.approx(one_pm)
    set_window(admin, "17h00", "18h00")  # later again
    five_pm = datetime(2026, 11, 18, 17, 0, tzinfo=PARIS).timestamp()
    assert delivery(admin, held_id)["deliver_at"] == pytest.approx(five_pm)


def test_an_absence_day_added_holds_mail_already_scheduled(noon):
    app, _ = noon
    services, admin = app.extensions["relais"], AdminClient(app)
    services.documents.flags.save(
        services.documents.flags.get().model_copy(update={"webhook_sending_enabled": False})
    )
    delivery_id = push(app)["deliveries"][0]["id"]
    assert delivery(admin, delivery_id)["waiting_reason"] == "paused"
    assert "waiting_paused" in codes(status(admin))

    set_window(admin, None, None, absence=["wednesday"])
    record = delivery(admin, delivery_id)
    assert (record["state"], record["waiting_reason"]) == ("held", "absence_day")
    thursday = datetime(2026, 11, 19, 0, 0, tzinfo=PARIS).timestamp()
    assert record["deliver_at"] == pytest.approx(thursday)
    set_window(admin, None, None, absence=[])
    assert delivery(admin, delivery_id)["state"] == "scheduled"


def test_release_now_sends_held_mail_whatever_the_window_and_is_audited(noon, sink):
    app, _ = noon
    services, admin = app.extensions["relais"], AdminClient(app)
    set_window(admin, "16h00", "18h00")
    held_id = push(app, subject="Facture")["deliveries"][0]["id"]
    resp = admin.post(f"/api/deliveries/{held_id}/release")
    assert resp.status_code == 200 and resp.get_json() == {"outcome": "released"}
    record = delivery(admin, held_id)
    assert (record["state"], record["released_by"]) == ("scheduled", "admin")
    set_window(admin, "17h00", "18h00")  # a later change does not hold it again
    assert drain(services) == ["delivered"]
    audit = admin.get("/api/audit").get_json()["items"]
    assert any(e["action"] == "release" and e["resource"] == f"delivery:{held_id}" for e in audit)
    again = admin.post(f"/api/deliveries/{held_id}/release")
    assert again.status_code == 409 and again.get_json()["error"] == "not_waiting"


def test_release_by_filter_counts_first_then_releases(noon):
    app, _ = noon
    services, admin = app.extensions["relais"], AdminClient(app)
    set_window(admin, "16h00", "18h00")
    for n in range(3):
        push(app, subject=f"Facture {n}")
    preview = admin.post("/api/deliveries/release", json={"status": "held", "dry_run": True})
    assert preview.get_json() == {"matched": 3, "released": 0, "skipped": {}}
    done = admin.post("/api/deliveries/release", json={"status": "held"}).get_json()
    assert (done["matched"], done["released"]) == (3, 3)
    assert drain(services) == ["delivered"] * 3


def test_release_now_refuses_mail_that_waits_for_its_target(app):
    admin = AdminClient(app)
    admin.patch("/api/targets/default", json={"enabled": False})
    delivery_id = push(app)["deliveries"][0]["id"]
    resp = admin.post(f"/api/deliveries/{delivery_id}/release")
    assert resp.status_code == 409 and resp.get_json()["error"] == "target_disabled"


def test_a_rate_limit_raised_releases_what_it_held(app, sink):
    services, admin = app.extensions["relais"], AdminClient(app)
    put_document(
        admin, "preferences", lambda d: {**d, "rate_limit": {"per_minute": None, "per_hour": 1}}
    )
    ids = [push(app, subject=s)["deliveries"][0]["id"] for s in ("one", "two")]
    assert drain(services) == ["delivered"]
    reasons = sorted(str(delivery(admin, i)["waiting_reason"]) for i in ids)
    assert reasons == ["None", "rate_limited"]  # whichever was claimed second waits
    assert "waiting_rate_limited" in codes(status(admin))
    put_document(admin, "preferences", lambda d: {**d, "rate_limit": {}})
    assert drain(services) == ["delivered"]


# -- re-routing ---------------------------------------------------------------------------


def test_an_ignored_email_can_be_rerouted_with_a_preview(app, sink):
    services, admin = app.extensions["relais"], AdminClient(app)
    body = push(app, subject="Bonjour", body="<p>no link here</p>")
    assert (body["status"], body["reason"]) == ("ignored", "no_links")
    email_id = body["email_id"]
    put_document(admin, "preferences", lambda d: {**d, "require_links": False})

    preview = admin.post(f"/api/emails/{email_id}/reroute", json={"dry_run": True}).get_json()
    assert (preview["status_before"], preview["status"], preview["applied"]) == (
        "ignored",
        "accepted",
        False,
    )
    assert [d["target"] for d in preview["new"]] == ["default"]
    assert drain(services) == []

    done = admin.post(f"/api/emails/{email_id}/reroute", json={}).get_json()
    assert done["applied"] is True
    assert drain(services) == ["delivered"]
    again = admin.post(f"/api/emails/{email_id}/reroute", json={}).get_json()
    assert again["new"] == [] and again["kept"][0]["state"] == "delivered"
    assert drain(services) == []
    audit = admin.get("/api/audit").get_json()["items"]
    assert any(e["action"] == "reroute" and e["resource"] == f"email:{email_id}" for e in audit)


def test_rerouting_to_another_target_cancels_the_untouched_delivery(app, sink):
    services, admin = app.extensions["relais"], AdminClient(app)
    services.documents.flags.save(
        services.documents.flags.get().model_copy(update={"webhook_sending_enabled": False})
    )
    body = push(app)
    old_id = body["deliveries"][0]["id"]
    admin.post("/api/targets", json={"id": "compta", "name": "Compta", "url": sink.url("/c")})
    rules = {
        "rules": [
            {
                "id": "all",
                "conditions": [{"field": "subject", "operator": "contains", "value": "Lot"}],
                "actions": {"targets": ["compta"]},
            }
        ],
        "default_route": {"action": "default_targets", "targets": []},
    }
    put_document(admin, "routing_rules", lambda _: rules)
    result = admin.post(f"/api/emails/{body['email_id']}/reroute", json={}).get_json()
    assert [d["target"] for d in result["new"]] == ["compta"]
    assert [d["id"] for d in result["cancelled"]] == [old_id]
    assert delivery(admin, old_id)["state"] == "cancelled"
    services.documents.flags.save(
        services.documents.flags.get().model_copy(update={"webhook_sending_enabled": True})
    )
    assert drain(services) == ["delivered"]
    assert [r.path for r in sink.requests] == ["/c"]


def test_bulk_reroute_of_parked_mail(bare, sink):
    admin = AdminClient(bare)
    for n in range(2):
        push(bare, subject=f"Lot {n}")
    services = bare.extensions["relais"]
    services.documents.targets.update(lambda doc: TargetList(targets=doc.targets))  # no target yet
    preview = admin.post("/api/emails/reroute", json={"status": "parked", "dry_run": True})
    rows = preview.get_json()["emails"]
    assert [r["status"] for r in rows] == ["parked", "parked"]  # still nowhere to go


# -- DNS ------------------------------------------------------------------------------------


def test_a_failed_lookup_is_retried_then_delivered(make_app, sink, clock):
    lookups = []

    def resolver(host, port):
        lookups.append(host)
        if len(lookups) == 1:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return ["127.0.0.1"]

    app = make_app(
        webhook_url=f"http://hooks.example.test:{sink.port}/hook",
        webhook_secret=TEST_WHSEC,
        clock=clock,
        resolver=resolver,
        retry_schedule=[0, 5, 300],
    )
    services = app.extensions["relais"]
    delivery_id = push(app)["deliveries"][0]["id"]
    assert drain(services) == ["retrying"]
    assert services.delivery.queue.attempts(delivery_id)[0]["error"] == "dns_error"
    clock.advance(10)
    assert drain(services) == ["delivered"]


def test_an_address_refused_by_the_guard_stays_permanent(make_app, clock):
    app = make_app(
        webhook_url="https://hooks.example.test/hook",
        webhook_secret=TEST_WHSEC,
        clock=clock,
        resolver=lambda host, port: ["10.1.2.3"],
        allow_private_targets=False,
    )
    push(app)
    assert drain(app.extensions["relais"]) == ["dead"]


# -- status that tells the truth -------------------------------------------------------------


def test_target_health_is_untested_then_failing_after_a_failed_test_send_then_healthy(app, sink):
    services, admin = app.extensions["relais"], AdminClient(app)

    def health():
        return admin.get("/api/targets").get_json()["items"][0]["health"]

    assert health()["state"] == "untested"
    sink.script("/hook", 500, 200)
    sent = admin.post("/api/targets/default/test", json={"mode": "send"})
    assert sent.get_json()["result"]["ok"] is False
    failing = health()
    assert (failing["state"], failing["last_error"], failing["last_status_code"]) == (
        "failing",
        "http_500",
        500,
    )
    push(app)
    assert drain(services) == ["delivered"]
    assert health()["state"] == "healthy"


def test_the_banner_follows_the_current_state_not_the_last_24_hours(make_app, sink, clock):
    app = make_app(
        webhook_url=sink.url("/hook"), webhook_secret=TEST_WHSEC, clock=clock, retry_schedule=[0]
    )
    services, admin = app.extensions["relais"], AdminClient(app)
    assert problems(admin) == ["no_ingress"]
    sink.script("/hook", 500, 200)
    delivery_id = push(app)["deliveries"][0]["id"]
    assert drain(services) == ["dead"]
    banner = status(admin)
    assert banner["level"] == "red" and "dead_letters" in codes(banner)
    admin.post(f"/api/deliveries/{delivery_id}/replay")
    assert drain(services) == ["delivered"]
    assert_nothing_waits(admin)


def test_one_failing_target_among_healthy_ones_is_named(make_app, sink, clock):
    app = make_app(
        webhook_url=sink.url("/hook"),
        webhook_secret=TEST_WHSEC,
        clock=clock,
        retry_schedule=[0, 60],
    )
    services, admin = app.extensions["relais"], AdminClient(app)
    admin.post("/api/targets", json={"id": "dev", "name": "Dev box", "url": sink.url("/dev")})
    sink.script("/dev", Reply(status=503))
    push(app)
    assert sorted(drain(services)) == ["delivered", "retrying"]
    banner = status(admin)
    assert banner["level"] == "amber"
    (failing,) = [r for r in banner["reasons"] if r["code"] == "target_failing"]
    assert failing["params"]["name"] == "Dev box" and failing["params"]["status_code"] == 503
    assert "retrying" not in codes(banner)  # explained by the named target


def test_counters_say_what_they_count(app):
    admin = AdminClient(app)
    push(app)
    push(app)  # a duplicate push of the same email
    push(app, subject="Bonjour", body="<p>nothing</p>")  # ignored: no links
    counts = admin.get("/api/stats").get_json()["last_24h"]
    assert (counts["ingress"], counts["emails"], counts["duplicate"], counts["ignored"]) == (
        3,
        2,
        1,
        1,
    )
