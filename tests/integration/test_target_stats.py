"""Per-target success and latency over time: counted by the worker's COMPLETE script, read
through GET /api/targets/<id>/stats and the list's `last_24h`."""

from __future__ import annotations

import pytest

from services.delivery.record import day_bucket, hour_bucket
from tests.conftest import TEST_WHSEC, auth, old_payload
from tests.support.admin import AdminClient
from tests.support.sink import Reply

INGRESS = "/api/ingress/gmail"


@pytest.fixture
def app(make_app, sink, clock):
    return make_app(webhook_url=sink.url("/hook"), webhook_secret=TEST_WHSEC, clock=clock)


def push(app, subject):
    payload = old_payload(subject=subject)
    resp = app.test_client().post(INGRESS, json=payload, headers=auth())
    assert resp.status_code == 200, resp.get_json()


def drain(app):
    workers = app.extensions["relais"].delivery.workers
    while workers.run_once():
        pass


def stats(admin, target="default", **query):
    resp = admin.get(f"/api/targets/{target}/stats", query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_target_without_attempts_has_empty_buckets(app):
    admin = AdminClient(app)
    day = stats(admin)
    assert day["range"] == "24h" and day["bucket_seconds"] == 3600
    assert len(day["buckets"]) == 24
    assert day["total"]["attempts"] == 0 and day["total"]["success_rate"] is None
    assert day["total"]["latency"]["p95_ms"] is None
    week = stats(admin, range="7d")
    assert len(week["buckets"]) == 7 and week["bucket_seconds"] == 86400
    (item,) = admin.get("/api/targets").get_json()["items"]
    assert item["last_24h"]["attempts"] == 0


def test_attempts_successes_failures_and_latency_are_counted_per_hour_and_day(
    app, sink, clock, redis_client
):
    admin = AdminClient(app)
    prefs = admin.get("/api/preferences").get_json()
    prefs["document"]["retry_schedule"] = [0, 0, 0]
    assert admin.put("/api/preferences", json=prefs).status_code == 200
    sink.script("/hook", 500, Reply(200, delay=0.3), 200)
    push(app, "first")  # 500, then a slow 200
    drain(app)
    first_hour = hour_bucket(clock())
    clock.advance(3600)
    push(app, "second")  # 200
    drain(app)

    day = stats(admin)
    assert day["total"]["attempts"] == 3
    assert (day["total"]["ok"], day["total"]["failed"]) == (2, 1)
    assert day["total"]["success_rate"] == pytest.approx(2 / 3, abs=1e-4)
    by_start = {b["start"]: b for b in day["buckets"]}
    assert by_start[first_hour]["attempts"] == 2 and by_start[first_hour]["ok"] == 1
    assert day["buckets"][-1]["start"] == hour_bucket(clock())
    assert day["buckets"][-1]["attempts"] == 1 and day["buckets"][-1]["success_rate"] == 1.0
    latency = by_start[first_hour]["latency"]
    assert latency["count"] == 2
    assert latency["p95_ms"] >= 250  # the slow answer's bucket (250-500 ms)

    week = stats(admin, range="7d")
    assert sum(b["attempts"] for b in week["buckets"]) == 3
    assert week["buckets"][-1]["start"] == day_bucket(clock())
    (item,) = admin.get("/api/targets").get_json()["items"]
    assert item["last_24h"]["attempts"] == 3 and item["last_24h"]["ok"] == 2

    # Keys live under the prefix, with a TTL.
    keys = redis_client.keys("relais:tstats:default:*")
    assert keys and all(0 < redis_client.ttl(k) <= 8 * 86400 for k in keys)


def test_hourly_counters_leave_the_24_hour_range(app, sink, clock):
    push(app, "old")
    drain(app)
    clock.advance(25 * 3600)
    admin = AdminClient(app)  # signed in after the wait (a session lasts 24 h at most)
    assert stats(admin)["total"]["attempts"] == 0
    assert stats(admin, range="7d")["total"]["attempts"] == 1


def test_an_unknown_target_is_404_and_a_bad_range_is_422(app):
    admin = AdminClient(app)
    missing = admin.get("/api/targets/nope/stats")
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "not_found"
    assert admin.get("/api/targets/default/stats", query_string={"range": "30d"}).status_code == 422
    assert admin.get("/api/targets/default/stats", query_string={"x": "1"}).status_code == 422


def test_stats_need_a_signed_in_admin(app):
    assert app.test_client().get("/api/targets/default/stats").status_code == 401
