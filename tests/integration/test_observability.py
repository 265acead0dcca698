"""JSON logs with request ids and masking, /metrics, startup checks."""

from __future__ import annotations

import json
import logging
import platform
import re
from pathlib import Path

import pytest

from app_render import create_app
from config.log import JsonFormatter, mask
from config.startup_checks import StartupError
from config.version import VERSION
from services.metrics import ingress_outcome
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
    assert metric(before, 'relais_ingress_requests_total{code="200",outcome="accepted"}') == 1
    assert metric(before, 'relais_ingress_requests_total{code="200",outcome="duplicate"}') == 1
    assert metric(before, 'relais_ingress_requests_total{code="401",outcome="refused"}') == 1
    assert metric(before, 'relais_messages_admitted_total{source="apps_script"}') == 1
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
    failures = 'relais_r2_offload_failures_total{outcome="links_fallback",reason="timeout"}'
    assert metric(text, failures) == 1
    assert "links_fallback:" not in text  # never an outcome and its reason in one label


@pytest.mark.parametrize(
    ("code", "decision", "endpoint", "outcome"),
    [
        (200, "accepted", "api_ingress.gmail", "accepted"),
        (200, "parked", "api_ingress.gmail", "parked"),
        (200, None, "api_ingress.reconcile", "reconciled"),
        (401, None, "api_ingress.gmail", "refused"),
        (422, None, "api_ingress.gmail", "refused"),
        (429, None, None, "refused"),
        (503, None, "api_ingress.gmail", "unavailable"),
        (500, None, "api_ingress.gmail", "error"),
    ],
)
def test_ingress_outcome_is_a_word_and_the_code_a_label_of_its_own(
    code, decision, endpoint, outcome
):
    assert ingress_outcome(code, decision, endpoint) == outcome


# -- the README's metric table is what /metrics exposes ------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"')


def readme_metrics() -> dict[str, tuple[str, frozenset[str]]]:
    """The "Observe it" table: name -> (type, label names)."""
    table = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`relais_[a-z0-9_]+`", cells[0]):
            name, kind, labels, meaning = cells[0].strip("`"), *cells[1:]
            assert name not in table, f"{name} listed twice in the README"
            assert meaning, f"{name} has no meaning in the README"
            table[name] = (kind, frozenset(re.findall(r"`([a-z_]+)`", labels)))
    return table


def exposed_metrics(text: str) -> dict[str, tuple[str, frozenset[str] | None]]:
    """Families of a scrape: name -> (type, label names of its samples, None if none)."""
    types = dict(line.split(" ")[2:4] for line in text.splitlines() if line.startswith("# TYPE "))
    labels: dict[str, set[str]] = {}
    for line in text.splitlines():
        sample = _SAMPLE.match(line)
        if line.startswith("#") or not sample:
            continue
        name, raw_labels, _ = sample.groups()
        family = name
        if name not in types:
            family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert types.get(family), f"sample {name} without a # TYPE line"
        labels.setdefault(family, set()).update(_LABEL.findall(raw_labels or ""))
    return {
        name: (kind, None if name not in labels else frozenset(labels[name] - {"le"}))
        for name, kind in types.items()
    }


def scrape_after_traffic(make_app, sink, redis_client) -> str:
    """A scrape after a bit of everything: ingress, a delivery, a sign-in, a push, R2."""
    app = make_app(
        webhook_url=sink.url(),
        webhook_secret=TEST_WHSEC,
        metrics_token=METRICS_TOKEN,
        r2_fetch_enabled=True,
        r2_mode="worker",
        r2_fetch_endpoint="http://127.0.0.1:9/fetch",
        r2_fetch_token="worker-token-123456",
        r2_bucket_name="relais",
    )
    client = app.test_client()
    client.post("/api/ingress/gmail", json=old_payload(), headers=auth())
    client.post("/api/ingress/gmail", json=old_payload(), headers=auth())
    client.post("/api/ingress/gmail", json=old_payload(), headers=auth("wrong-token-000000"))
    client.post("/api/ingress/reconcile", json={"gmail_message_ids": ["abc"]}, headers=auth())
    client.post("/api/auth/login", json={"username": "admin", "password": "wrong-password"})
    client.post("/api/ingress/pubsub", json={}, headers={"Authorization": "Bearer forged"})
    services = app.extensions["relais"]
    assert services.delivery.workers.run_once() == "delivered"
    redis_client.hincrby("relais:r2:stats", "links_fallback", 1)
    redis_client.hincrby("relais:r2:stats", "links_fallback:timeout", 1)
    # What this test cannot cause cheaply: a Gmail sync and a Redis failure.
    services.metrics.gmail_syncs.labels("ok").inc()
    services.metrics.gmail_sync_lag.observe(2.5)
    services.metrics.redis_errors.labels("api").inc()
    status, text = scrape(client)
    assert status == 200
    return text


def test_the_readme_lists_every_metric_as_exposed(make_app, sink, redis_client):
    listed = readme_metrics()
    text = scrape_after_traffic(make_app, sink, redis_client)
    exposed = {name: v for name, v in exposed_metrics(text).items() if name.startswith("relais_")}
    assert sorted(listed) == sorted(exposed)
    for name, (kind, labels) in exposed.items():
        assert listed[name][0] == kind, name
        assert labels is not None, f"{name}: no sample after the traffic"
        assert listed[name][1] == labels, name


def test_build_info_and_prometheus_conventions(make_app, sink, redis_client):
    text = scrape_after_traffic(make_app, sink, redis_client)
    build = f'relais_build_info{{python="{platform.python_version()}",version="{VERSION}"}}'
    assert metric(text, build) == 1
    for name, (kind, _labels) in exposed_metrics(text).items():
        assert name.startswith("relais_"), name
        assert (kind == "counter") == name.endswith("_total"), name
        assert not name.endswith("_created"), name
        assert not re.search(r"_(milliseconds|ms|minutes|hours|kilobytes|kb)(_|$)", name), name
    # No label mixes words and HTTP codes: every value of `outcome` is a word.
    outcomes = re.findall(r'outcome="([^"]*)"', text)
    assert outcomes and all(re.fullmatch(r"[a-z_]+", value) for value in outcomes)
    assert metric(text, 'relais_ingress_requests_total{code="200",outcome="reconciled"}') == 1
    assert metric(text, 'relais_auth_events_total{event="login_failed"}') == 1
