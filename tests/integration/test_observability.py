"""JSON logs with request ids and masking, /metrics, startup checks."""

from __future__ import annotations

import json
import logging

import pytest

from app_render import create_app
from config.log import JsonFormatter, mask
from config.startup_checks import StartupError
from tests.conftest import TEST_TOKEN, TEST_WHSEC, auth, old_payload
from tests.support.redis_server import RedisServer

METRICS_TOKEN = "metrics-token-123456"


def json_lines(caplog):
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records]


@pytest.mark.parametrize(
    ("raw", "hidden", "kept"),
    [
        ("to https://hook.eu2.make.com/abcSECRET?x=1", "abcSECRET", "https://hook.eu2.make.com/"),
        ("from alice.martin@partner.example", "alice.martin", "@partner.example"),
        ("Authorization: Bearer tok-123", "tok-123", "Bearer ***"),
        ("secret whsec_MfKQ9r8GKYqrTwjUPD8IL", "MfKQ9r8", "whsec_***"),
        ("password=hunter2&x", "hunter2", "password=***"),
    ],
)
def test_masking(raw, hidden, kept):
    assert hidden not in mask(raw) and kept in mask(raw)


def test_request_id_flows_from_request_to_logs_and_delivery_record(make_app, sink, caplog):
    caplog.set_level(logging.INFO)
    app = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC)
    resp = app.test_client().post(
        "/api/ingress/gmail", json=old_payload(), headers={**auth(), "X-Request-ID": "req-flow-1"}
    )
    assert resp.headers["X-Request-ID"] == "req-flow-1"
    services = app.extensions["relais"]
    delivery_id = resp.get_json()["deliveries"][0]["id"]
    assert services.delivery.queue.get(delivery_id).request_id == "req-flow-1"
    caplog.clear()
    assert services.delivery.workers.run_once() == "delivered"  # in another "thread" of work, later
    lines = json_lines(caplog)
    delivered = [line for line in lines if line["msg"].startswith("delivery delivered")]
    assert delivered and delivered[0]["request_id"] == "req-flow-1"


def test_log_lines_are_json_with_the_alert_prefixes(make_app, sink, caplog):
    caplog.set_level(logging.INFO)
    app = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, retry_schedule=[0])
    sink.script("/hook", 500)
    app.test_client().post("/api/ingress/gmail", json=old_payload(), headers=auth())
    app.extensions["relais"].delivery.workers.run_once()
    messages = [line["msg"] for line in json_lines(caplog)]
    assert any(m.startswith("ingress accepted") for m in messages)
    assert any(m.startswith("delivery dead") for m in messages)
    for line in json_lines(caplog):
        assert {"ts", "level", "logger", "msg", "request_id"} <= set(line)


def scrape(client, token=METRICS_TOKEN):
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    return resp.status_code, resp.get_data(as_text=True)


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " ") or (
            line.startswith(name + "{") and line.split(" ")[0] == name
        ):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_need_the_token(make_app):
    assert make_app().test_client().get("/metrics").status_code == 404
    client = make_app(metrics_token=METRICS_TOKEN).test_client()
    assert scrape(client, "wrong-token-000")[0] == 401
    assert scrape(client)[0] == 200


def test_metrics_move_after_ingress_and_delivery(make_app, sink):
    app = make_app(webhook_url=sink.url(), webhook_secret=TEST_WHSEC, metrics_token=METRICS_TOKEN)
    client = app.test_client()
    client.post("/api/ingress/gmail", json=old_payload(), headers=auth())
    client.post("/api/ingress/gmail", json=old_payload(), headers=auth())
    client.post(
        "/api/ingress/gmail", json=old_payload(), headers={"Authorization": "Bearer nope-nope"}
    )
    _, before = scrape(client)
    assert metric(before, 'relais_ingress_requests_total{status="accepted"}') == 1
    assert metric(before, 'relais_ingress_requests_total{status="duplicate"}') == 1
    assert metric(before, 'relais_ingress_requests_total{status="401"}') == 1
    assert metric(before, "relais_queue_due") == 1
    assert metric(before, "relais_redis_up") == 1
    app.extensions["relais"].delivery.workers.run_once()
    _, after = scrape(client)
    assert (
        metric(after, 'relais_delivery_attempts_total{outcome="delivered",target="default"}') == 1
    )
    assert metric(after, 'relais_delivery_attempt_seconds_count{outcome="delivered"}') == 1
    assert metric(after, "relais_queue_due") == 0


def test_unwritable_data_dir_as_a_file_stops_start(make_app, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StartupError, match="DATA_DIR"):
        make_app(data_dir=blocker / "data")


@pytest.mark.slow
def test_a_redis_that_may_evict_stops_start(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        import redis

        redis.Redis(port=server.port).config_set("maxmemory-policy", "allkeys-lru")
        with pytest.raises(StartupError, match="noeviction"):
            create_app(
                {
                    "relais_env": "development",
                    "data_dir": tmp_path / "data",
                    "redis_url": server.url,
                    "process_api_token": TEST_TOKEN,
                }
            )
    finally:
        server.kill()


def test_r2_offload_outcomes_are_in_metrics(make_app, redis_client):
    app = make_app(
        metrics_token=METRICS_TOKEN,
        r2_fetch_enabled=True,
        r2_mode="worker",
        r2_fetch_endpoint="http://127.0.0.1:9/fetch",
        r2_fetch_token="worker-token-123456",
        r2_bucket_name="relais",
    )
    redis_client.hincrby("relais:r2:stats", "copies_ok", 3)
    redis_client.hincrby("relais:r2:stats", "links_fallback:timeout", 1)
    _, text = scrape(app.test_client())
    assert metric(text, 'relais_r2_offloads_total{outcome="copies_ok"}') == 3
    assert metric(text, 'relais_r2_offloads_total{outcome="links_fallback:timeout"}') == 1
